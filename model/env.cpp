#include "model/env.hpp"

namespace lsmc::model {

std::string_view to_string(Op op) {
  switch (op) {
    case Op::kRead: return "read";
    case Op::kWrite: return "write";
    case Op::kRmw: return "rmw";
    case Op::kLock: return "lock";
    case Op::kUnlock: return "unlock";
    case Op::kRcuLock: return "rcu-lock";
    case Op::kRcuUnlock: return "rcu-unlock";
    case Op::kAlloc: return "alloc";
    case Op::kFree: return "free";
    case Op::kWait: return "wait";
    case Op::kSyscall: return "syscall";
    case Op::kYield: return "yield";
    case Op::kSleep: return "might-sleep";
  }
  return "?";
}

std::string_view to_string(Order order) {
  switch (order) {
    case Order::kPlain: return "plain";
    case Order::kOnce: return "once";
    case Order::kAcquire: return "acquire";
    case Order::kRelease: return "release";
    case Order::kFull: return "full";
    case Order::kAcqRel: return "acq_rel";
    case Order::kSeqCst: return "seq_cst";
  }
  return "?";
}

std::string_view to_string(Fence fence) {
  switch (fence) {
    case Fence::kMb: return "smp_mb";
    case Fence::kRmb: return "smp_rmb";
    case Fence::kWmb: return "smp_wmb";
    case Fence::kBeforeAtomic: return "smp_mb__before_atomic";
    case Fence::kAfterAtomic: return "smp_mb__after_atomic";
    case Fence::kAfterSpinlock: return "smp_mb__after_spinlock";
    case Fence::kAfterUnlockLock: return "smp_mb__after_unlock_lock";
    case Fence::kSyncRcu: return "synchronize_rcu";
    case Fence::kCallRcu: return "call_rcu";
    case Fence::kGracePeriodStart: return "grace period start";
  }
  return "?";
}

std::string_view to_string(ContextKind kind) {
  switch (kind) {
    case ContextKind::kTask: return "task";
    case ContextKind::kSoftirq: return "softirq";
    case ContextKind::kHardirq: return "hardirq";
    case ContextKind::kNmi: return "nmi";
  }
  return "?";
}

}  // namespace lsmc::model
