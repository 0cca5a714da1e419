#include "model/linux/kernel.hpp"

#include "model/linux/irqflags.hpp"

#include <exception>

#include "model/linux/local_storage.hpp"

namespace lsmc::model::kernel {

std::string_view to_string(ProgType t) {
  switch (t) {
    case ProgType::kTracing: return "tracing";
    case ProgType::kLsm: return "lsm";
    case ProgType::kLsmSleepable: return "lsm.s";
    case ProgType::kSyscall: return "syscall";
    case ProgType::kStructOps: return "struct_ops";
  }
  return "?";
}

std::string_view to_string(Profile p) { return p == Profile::kLinux70 ? "linux-7.0" : "linux-6.18"; }

std::optional<Profile> profile_from_name(std::string_view name) {
  if (name == "linux-6.18") return Profile::kLinux618;
  if (name == "linux-7.0") return Profile::kLinux70;
  return std::nullopt;
}

std::optional<Profile> profile_for_release(std::string_view release) {
  // major.minor: digits, a dot, digits, then a dot, a dash or the end.
  auto number = [&release](std::size_t& i) {
    std::size_t start = i;
    while (i < release.size() && release[i] >= '0' && release[i] <= '9') ++i;
    return std::string(release.substr(start, i - start));
  };
  std::size_t i = 0;
  const std::string major = number(i);
  if (major.empty() || i >= release.size() || release[i] != '.') return std::nullopt;
  ++i;
  const std::string minor = number(i);
  if (minor.empty() || (i < release.size() && release[i] != '.' && release[i] != '-')) return std::nullopt;
  if (major == "6" && minor == "18") return Profile::kLinux618;
  if (major == "7" && minor == "0") return Profile::kLinux70;
  return std::nullopt;
}

Kernel::Kernel(Env& env, Knobs knobs, std::bitset<static_cast<std::size_t>(Bug::kCount)> bugs)
    : rqspinlocks(knobs.cpus), knobs_(knobs), bugs_(bugs) {
  // 7.0's free callbacks free directly after a Tasks Trace grace period ("RCU Tasks Trace grace
  // period implies RCU grace period"): the profile has no configuration where it does not.
  rcu.init(env, Rcu::Knobs{knobs.rcu_trace_implies_rcu_gp || v7_0(), knobs.preempt_rt});
  // The per-CPU busy counters are gone in 7.0 ("Remove task and cgroup local storage percpu
  // counters").
  for (Busy* b : {&task_busy_, &cgrp_busy_}) {
    if (v7_0()) break;
    // Sized once: grown one CPU at a time they were 16 of the ~100 allocations an execution of
    // cachefill-protocol made in its set-up (a Kernel is built for every execution).
    b->obj.reserve(knobs.cpus);
    b->count.reserve(knobs.cpus);
    for (uint32_t cpu = 0; cpu < knobs.cpus; ++cpu) {
      b->obj.push_back(env.alloc(kBusyType, "DEFINE_PER_CPU(busy)"));
      env.percpu(b->obj.back(), static_cast<uint16_t>(cpu));  // this_cpu_inc()/dec() only
      b->count.push_back(0);
    }
  }
  task_cache_.idx_lock = env.new_lock(LockKind::kSpinT, "task_cache.idx_lock");
  cgroup_cache_.idx_lock = env.new_lock(LockKind::kSpinT, "cgroup_cache.idx_lock");
  sk_cache_.name = "sk_cache.idx_lock";
  inode_cache_.name = "inode_cache.idx_lock";
  srcu_lock_ = env.new_lock(LockKind::kSpinT, "srcu_data->lock (rcu_tasks_trace)");
}

Smap& Kernel::new_smap(std::string name) {
  maps_.push_back(std::make_unique<Smap>());
  maps_.back()->name = std::move(name);
  return *maps_.back();
}

Task& Kernel::new_task(std::string name) {
  tasks_.push_back(std::make_unique<Task>());
  tasks_.back()->name = std::move(name);
  tasks_.back()->kind = OwnerKind::kTask;
  return *tasks_.back();
}

PercpuObj& Kernel::new_percpu_obj() {
  percpu_objs_.push_back(std::make_unique<PercpuObj>());
  return *percpu_objs_.back();
}

Sock& Kernel::new_sock(std::string name) {
  socks_.push_back(std::make_unique<Sock>());
  socks_.back()->name = std::move(name);
  socks_.back()->kind = OwnerKind::kSock;
  return *socks_.back();
}

Inode& Kernel::new_inode(std::string name) {
  inodes_.push_back(std::make_unique<Inode>());
  inodes_.back()->name = std::move(name);
  inodes_.back()->kind = OwnerKind::kInode;
  return *inodes_.back();
}

Cgroup& Kernel::new_cgroup(std::string name) {
  cgroups_.push_back(std::make_unique<Cgroup>());
  cgroups_.back()->name = std::move(name);
  cgroups_.back()->kind = OwnerKind::kCgroup;
  cgroups_.back()->kn_id = cgroups_.size() + 1;  // 1 is the root's
  return *cgroups_.back();
}

Pid& Kernel::new_pid(int nr) {
  pids_.push_back(std::make_unique<Pid>());
  pids_.back()->nr = nr;
  return *pids_.back();
}

// env.alloc() is a scheduling point: another actor may allocate meanwhile, so the object is
// named before it (reading back() afterwards gave two callers the same object; found by
// generated scenarios).
Storage* Kernel::kzalloc_storage(Env& env, std::string_view label) {
  Storage* storage = kz_storages_.emplace_back(std::make_unique<Storage>()).get();
  storage->id = env.alloc(kStorageType, label);
  return storage;
}

Selem* Kernel::kzalloc_selem(Env& env, std::string_view label) {
  Selem* selem = kz_selems_.emplace_back(std::make_unique<Selem>()).get();
  selem->id = env.alloc(kSelemType, label);
  return selem;
}

std::string_view to_string(AttachKind k) {
  switch (k) {
    case AttachKind::kFentry: return "fentry";
    case AttachKind::kFexit: return "fexit";
    case AttachKind::kTpBtf: return "tp_btf";
    case AttachKind::kLsm: return "lsm";
  }
  return "?";
}

namespace {
std::vector<AttachPoint> make_attach_points() {
  std::vector<AttachPoint> out;
  for (std::size_t i = 0; i < kKernelFunctions.size(); ++i) {
    const Fn f = static_cast<Fn>(i);
    switch (kKernelFunctions[i].trace) {
      case Trace::kTraceable:
        out.push_back({f, AttachKind::kFentry});
        if (!kKernelFunctions[i].noreturn) out.push_back({f, AttachKind::kFexit});
        break;
      case Trace::kTracepoint: out.push_back({f, AttachKind::kTpBtf}); break;
      case Trace::kLsmHook: out.push_back({f, AttachKind::kLsm}); break;
      default: break;
    }
  }
  return out;
}
}  // namespace

const std::vector<AttachPoint>& attach_points() {
  static const std::vector<AttachPoint> kPoints = make_attach_points();  // from a constant table
  return kPoints;
}

int Kernel::attach(Fn function, AttachKind kind, ProgType type, ProgBody body, uint32_t fires_max) {
  const Trace trace = info(function).trace;
  const bool fits = kind == AttachKind::kTpBtf ? trace == Trace::kTracepoint
                    : kind == AttachKind::kLsm ? trace == Trace::kLsmHook
                                               : trace == Trace::kTraceable;
  if (!fits || (kind == AttachKind::kFexit && info(function).noreturn)) return -kEINVAL;
  Attachment a;
  a.function = function;
  a.kind = kind;
  a.type = type;
  a.body = std::move(body);
  a.fires_max = fires_max;
  a.active_on_cpu.assign(knobs_.cpus + 256, false);
  attachments_.push_back(std::move(a));
  return 0;
}

bool Kernel::attached(Fn function) const {
  for (const Attachment& a : attachments_) {
    if (a.function == function) return true;
  }
  return false;
}

// The BPF trampoline of a function (arch/x86/net/bpf_jit_comp.c, kernel/bpf/trampoline.c), a
// tracepoint's bpf_trace_run*() (kernel/trace/bpf_trace.c) and call_int_hook() for BPF LSM
// (security/security.c), v6.18. Tracing programs and tp_btf programs never nest in themselves on
// one CPU (prog->active; the miss is counted in bpf_prog_inc_misses_counter); whether a tracing
// program runs at this call is a recorded choice (its own filters decide in the kernel). LSM
// programs run at every call of their hook.
void Kernel::trace_point(Env& env, Fn function, AttachKind kind, Ref<Task> arg) {
  for (std::size_t i = 0; i < attachments_.size(); ++i) {
    Attachment& a = attachments_[i];
    if (a.function != function || a.kind != kind) continue;
    // The program runs to its end even if it is detached meanwhile (detach_all() while a
    // preemptible caller is inside it): run a copy, and look the attachment up again after.
    if (kind == AttachKind::kLsm) {
      ++a.fired;
      const ProgBody body = a.body;
      run_prog(env, a.type, body, arg);
      continue;
    }
    if (a.fired >= a.fires_max) continue;
    const uint16_t cpu = env.context().cpu;
    if (cpu < a.active_on_cpu.size() && a.active_on_cpu[cpu]) continue;
    const std::string_view question = kind == AttachKind::kFentry  ? "fentry: run the attached program here?"
                                      : kind == AttachKind::kFexit ? "fexit: run the attached program here?"
                                                                   : "tp_btf: run the attached program here?";
    if (env.choose(2, question) == 0) continue;
    ++a.fired;
    env.probe("nested program fired");
    a.active_on_cpu[cpu] = true;
    const ProgBody body = a.body;
    run_prog(env, a.type, body, arg);
    if (i < attachments_.size()) attachments_[i].active_on_cpu[cpu] = false;
  }
}

// bpf_rcu_read_lock() (kernel/bpf/helpers.c, v6.18 and v7.0)
void bpf_rcu_read_lock(Env& env, Kernel& k) {
  const Traced traced(env, k, fn("bpf_rcu_read_lock"));
  k.rcu.read_lock(env, RcuFlavour::kRcu);
}

// bpf_rcu_read_unlock() (kernel/bpf/helpers.c, v6.18 and v7.0)
void bpf_rcu_read_unlock(Env& env, Kernel& k) {
  const Traced traced(env, k, fn("bpf_rcu_read_unlock"));
  k.rcu.read_unlock(env, RcuFlavour::kRcu);
}

Traced::Traced(Env& env, Kernel& k, Fn function, Ref<Task> arg)
    : env_(env), k_(k), function_(function), arg_(arg), exceptions_(std::uncaught_exceptions()) {
  if (k_.attached(function_)) k_.trace_point(env_, function_, AttachKind::kFentry, arg_);
}

Traced::~Traced() noexcept(false) {
  if (std::uncaught_exceptions() != exceptions_) return;  // the execution is being unwound
  if (k_.attached(function_)) k_.trace_point(env_, function_, AttachKind::kFexit, arg_);
}

// __bpf_prog_enter{,_sleepable}_recur / __bpf_prog_exit (kernel/bpf/trampoline.c, v6.18) and
// struct_ops' equivalent: migrate disabled, RCU (or RCU Tasks Trace for sleepable programs).
// A syscall program runs from bpf_prog_test_run_syscall() (net/bpf/test_run.c, v6.18):
// rcu_read_lock_trace() around bpf_prog_run_pin_on_cpu() (migrate disabled).
void Kernel::run_prog(Env& env, ProgType type, const ProgBody& body, Ref<Task> arg) {
  const bool sleepable = type == ProgType::kLsmSleepable || type == ProgType::kSyscall;
  const RcuFlavour flavour = sleepable ? RcuFlavour::kTasksTrace : RcuFlavour::kRcu;
  ++env.context().migrate_disabled;
  rcu.read_lock(env, flavour);
  ProgCtx ctx;
  ctx.type = type;
  ctx.recur_proto = type == ProgType::kTracing && !v7_0();  // 7.0 has no _recur protos
  ctx.sleepable = sleepable;
  ctx.task = arg;
  body(env, ctx);
  rcu.read_unlock(env, flavour);
  --env.context().migrate_disabled;
}

void Kernel::call_rcu_tasks_trace(Env& env, RcuCallback cb, std::string_view label) {
  if (!bug(Bug::kCallRcuUnderRawLock) && !v7_0()) {
    rcu.call(env, RcuFlavour::kTasksTrace, std::move(cb), label);
    return;
  }
  env.lock(srcu_lock_, "call_rcu_tasks_trace: call_srcu: spin_lock_irqsave_sdp_contention");
  // spin_lock_irqsave() of a spinlock_t: without PREEMPT_RT, preemption and IRQs are off while it
  // is held (on RT it is an rt_mutex, and the holder stays preemptible).
  const bool atomic = !knobs().preempt_rt;
  if (atomic) local_irq_save(env);
  rcu.call(env, RcuFlavour::kTasksTrace, std::move(cb), label);
  env.unlock(srcu_lock_, "call_rcu_tasks_trace: call_srcu: spin_unlock_irqrestore");
  if (atomic) local_irq_restore(env);
}

}  // namespace lsmc::model::kernel
