// local_irq_save() / local_irq_restore() (include/linux/irqflags.h) for the model's own critical
// sections that are not engine locks (a spinlock_t's irqsave on !RT, bpf_spin_lock, the
// rqspinlock's spin): IRQs and with them preemption off on this CPU.
#pragma once

#include "model/env.hpp"

namespace lsmc::model::kernel {

inline void local_irq_save(Env& env) {
  ActorContext& ctx = env.context();
  ++ctx.preempt_disabled;
  ++ctx.irqs_disabled;
}

inline void local_irq_restore(Env& env) {
  ActorContext& ctx = env.context();
  --ctx.preempt_disabled;
  --ctx.irqs_disabled;
}

}  // namespace lsmc::model::kernel
