// The modelled kernel: knobs, the bugs that can be put back, RCU, per-CPU state, maps, owners,
// tracing attachments. One Kernel per execution (owned by the scenario's state).
#pragma once

#include <array>
#include <bitset>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/env.hpp"
#include "model/linux/functions.hpp"
#include "model/linux/mem_alloc.hpp"
#include "model/linux/rcu.hpp"
#include "model/linux/rqspinlock.hpp"
#include "model/linux/types.hpp"

namespace lsmc::model::kernel {

// Each is a real, fixed kernel bug (../shared/bugs.md) that a mutant puts back.
enum class Bug : uint8_t {
  kCanary,                   // free a deleted element with no grace period at all
  kCloneSharesStorage,       // copy_process keeps the parent's bpf_storage pointer
  kFreeTaskSkipsStorage,     // storage freed in __put_task_struct, not free_task
  kCreateAfterOwnerFree,     // no task->usage / cgroup dying gate before F_CREATE
  kRecursionDeadlock,        // no busy counter: helpers recurse into held locks
  kPercpuBusyNonatomic,      // this_cpu_inc as a separate load and store
  kBusyFailsLookup,          // pre-6.2: busy makes every get fail, LSM uses trylock
  kBusySpuriousEbusy,        // 6.18 as shipped: per-CPU busy counter shared by unrelated tasks
  kSleepablePlainRcu,        // deleted elements freed after a regular RCU grace period only
  kWrongFlavourAtFreeSite,   // helper delete frees with reuse_now (no grace period)
  kTraceImpliesRcuAssumed,   // trace callback frees at once although trace !=> rcu here
  kAllocInAtomicRt,          // PREEMPT_RT does not force bpf_mem_alloc: kzalloc in atomic
  kNolockAllocFails,         // kmalloc_nolock used without HAVE_CMPXCHG_DOUBLE
  kCallRcuUnderRawLock,      // 6.18 as shipped: call_rcu_tasks_trace under the rq lock
  kValueCopyClobbersLock,    // memcpy of the whole value, spin lock word included
  kCacheFillWithoutRecheck,  // cache fill without the lock and the still-linked re-check
  kNullOwner,                // helpers do not check a NULL owner
  kSingleBucket,             // one bucket when there is one possible CPU
  kMapfreeVsDestroyHalfunlink,  // 7.0 without bpf_selem_unlink_nofail: failable locks, no arbiter
  // Ordering mutants (docs/memory-model.md): one ordering dropped; only a weak model sees them.
  kStorageCmpxchgRelaxed,     // the owner's storage pointer published with cmpxchg_relaxed()
  kLinkStorageWithoutRelease,  // hlist_add_head() instead of hlist_add_head_rcu() for the storage list
  kCount
};

inline constexpr uint8_t kTimeoutStorageLock = 1, kTimeoutBucketLock = 2;  // Knobs::lock_timeouts

// The kernel version whose functions the model runs (sim::Config::profile).
enum class Profile : uint8_t {
  kLinux618,  // v6.18 as shipped: raw spinlocks, per-CPU busy counters, _recur protos, bpf_mem_alloc
  kLinux70,   // v7.0: rqspinlock, no busy counters, kmalloc_nolock, bpf_selem_unlink_nofail
};
std::string_view to_string(Profile p);
// "linux-6.18" / "linux-7.0"; nullopt for another name.
std::optional<Profile> profile_from_name(std::string_view name);
// The profile of a running kernel by its release (/proc/sys/kernel/osrelease: "6.18.44-..."):
// 6.18.y and 7.0.y; nullopt for a version lsmc has no profile of.
std::optional<Profile> profile_for_release(std::string_view release);

struct Knobs {
  Profile profile = Profile::kLinux618;
  uint32_t cpus = 2;                   // num_possible_cpus()
  bool preempt_rt = false;             // CONFIG_PREEMPT_RT
  bool cmpxchg_double = true;          // HAVE_CMPXCHG_DOUBLE (kmalloc_nolock needs it)
  bool rcu_trace_implies_rcu_gp = true;
  // Busy counters per task instead of per CPU: how lsmc models the fix of bug 7 in 6.18's
  // structure (7.0 removed the counters for rqspinlock). Off: 6.18 as shipped.
  bool busy_per_task = false;
  // 7.0: which rqspinlocks may time out when contended (a choice at each contended acquisition):
  // kTimeoutStorageLock | kTimeoutBucketLock. 0: only AA/ABBA deadlocks make them fail.
  uint8_t lock_timeouts = 0;
  // net.core.optmem_max: the bytes sk storage may charge against one socket's sk_omem_alloc
  // (sysctl_optmem_max; 131072 by default since 6.8).
  uint32_t optmem_max = 131072;
};

enum class ProgType : uint8_t {
  kTracing,    // fentry/fexit/raw_tp: the _recur helper protos
  kLsm,        // non-sleepable BPF LSM: plain protos
  kLsmSleepable,
  kStructOps,  // sched_ext callbacks: plain protos, may run under the rq lock
  kSyscall,    // BPF_PROG_TYPE_SYSCALL (BPF_PROG_TEST_RUN): sleepable, plain protos
};
std::string_view to_string(ProgType t);

// What a running program passes to helpers (the verifier's hidden gfp argument included).
struct Task;

struct ProgCtx {
  ProgType type = ProgType::kTracing;
  Ref<Task> task;           // the task argument of the hooked function, if it has one
  bool recur_proto = true;  // bpf_prog_check_recur(): tracing programs get the _recur protos
  bool sleepable = false;   // GFP_KERNEL allocation, rcu_read_lock_trace
};
using ProgBody = std::function<void(Env&, const ProgCtx&)>;

// How a program is attached (the program's expected_attach_type).
enum class AttachKind : uint8_t {
  kFentry,  // BPF_TRACE_FENTRY: at the function's entry
  kFexit,   // BPF_TRACE_FEXIT: at its return
  kTpBtf,   // BPF_TRACE_RAW_TP: at a tracepoint
  kLsm,     // BPF_LSM_MAC: at an LSM hook (bpf_lsm_<hook>)
};
std::string_view to_string(AttachKind k);

// A program attached to a modelled function, tracepoint or LSM hook. When that point runs, the
// schedule may fire it there, nested, on the same CPU, in whatever context the point runs in.
struct Attachment {
  Fn function{};
  AttachKind kind = AttachKind::kFentry;
  ProgType type;
  ProgBody body;
  uint32_t fires_max = 1;
  uint32_t fired = 0;
  std::vector<bool> active_on_cpu;  // prog->active: no nesting of a program in itself
};

// Every point a program can be attached to: fentry and fexit of each traceable function, each
// tracepoint (tp_btf), each LSM hook, in table order (kKernelFunctions).
struct AttachPoint {
  Fn function;
  AttachKind kind;
};
const std::vector<AttachPoint>& attach_points();

struct Smap;

struct Pid {
  ObjectId id = kNoObject;
  int nr = 0;
  Ref<Task> task;  // pid_task(pid, PIDTYPE_PID); empty once detached (release_task)
};

struct Task : Owner {
  enum class State : uint8_t { kForking, kRunning, kZombie, kReaped, kFreed };
  State state = State::kForking;
  int usage = 0;  // task->usage
  // task->rcu_users: the reaper's and the scheduler's references in one (release_task puts it),
  // plus those BPF programs took with bpf_task_acquire(); the last one queues
  // delayed_put_task_struct(), which puts `usage`.
  int rcu_users = 0;
  Pid* pid = nullptr;
  // task->real_parent (struct task_struct __rcu *): set by copy_process(); the parent's exit
  // reparents its live children to the child reaper, which the model leaves out (NULL here).
  Ref<Task> real_parent;
};

// struct sock, reduced to what sk storage touches (net/core/sock.c, v6.18).
struct Sock : Owner {
  enum class State : uint8_t { kLive, kDestructing, kFreed };
  State state = State::kLive;
  int refcnt = 0;          // sk->sk_refcnt
  bool rcu_free = false;   // sock_flag(sk, SOCK_RCU_FREE): __sk_destruct after a grace period
  uint32_t omem = 0;       // sk->sk_omem_alloc: what sk storage charged against the socket
};

// struct inode with its BPF LSM blob (struct bpf_storage_blob, reached by bpf_inode()),
// reduced to what inode storage touches (fs/inode.c, security/security.c, v6.18).
struct Inode : Owner {
  enum class State : uint8_t { kLive, kEvicting, kFreed };
  State state = State::kLive;
  int i_count = 0;  // atomic_t i_count
};

struct Cgroup : Owner {
  uint64_t kn_id = 0;      // cgroup_id(): kn->id, unique for the boot (never reused)
  bool dying = false;      // percpu_ref_is_dying(&cgrp->self.refcnt)
  int refcnt = 0;          // cgrp->self.refcnt: the base reference (until rmdir) and css_get()s
  ObjectId idr = kNoObject;  // the cgroup's slot in cgroup_idr (published / removed)
  bool published = false;
};

// struct bpf_local_storage_map (6.4-6.18: bpf_ma, selem_ma, storage_ma).
struct Smap {
  ObjectId id = kNoObject;
  std::string name;
  OwnerKind type = OwnerKind::kTask;
  uint16_t cache_idx = 0;
  uint32_t bucket_log = 0;
  std::vector<Bucket> buckets;
  bool bpf_ma = true;
  bool use_kmalloc_nolock = false;  // 6.19: the mutant nolock-alloc-fails
  bool has_spin_lock = false;       // btf_record_has_field(map->record, BPF_SPIN_LOCK)
  bool has_kptr = false;            // btf_record_has_field(map->record, BPF_KPTR_REF): a task kptr
  bool clone = false;               // sk storage: map_flags & BPF_F_CLONE
  bool has_uptr = false;            // btf_record_has_field(map->record, BPF_UPTR): task storage only
  bool has_percpu_kptr = false;     // btf_record_has_field(map->record, BPF_KPTR_PERCPU)
  // map->refcnt and map->usercnt (kernel/bpf/syscall.c): map_create() sets both to 1 and the fd's
  // file holds them (programs' used_maps references are not modelled: scenarios close the fd once
  // no program can run).
  int refcnt = 0;
  int usercnt = 0;
  // The fd its creator got (model/linux/map_fd.hpp): `fd` is the fd table's slot, which outlives
  // the file; f_ref is file->f_ref (the slot's reference and each running syscall's fdget());
  // fd_installed: the slot still holds the file (close(2) empties it).
  ObjectId fd = kNoObject;
  int f_ref = 0;
  bool fd_installed = false;
  // A freed element's linkage (smap, local_storage, map_node, snode) stays readable until reuse;
  // its value does not (bpf_obj_free_fields). A freed storage's memory stays as it was.
  MemCache<Selem> selem_ma{kSelemType, field::kSelemLinkage};
  MemCache<Storage> storage_ma{kStorageType, ~uint64_t{0}};
};

// struct bpf_local_storage_cache: one per storage type (task_cache, cgroup_cache).
// DEFINE_BPF_STORAGE_CACHE(): task and cgroup storage's locks exist from the start; sk and inode
// storage's are made by their first map (bpf_local_storage_cache_idx_get), so that scenarios
// without those maps keep their object numbering.
struct IdxCache {
  std::string_view name;
  ObjectId idx_lock = kNoObject;
  std::array<uint64_t, kCacheSize> usage{};
};

class Kernel {
public:
  Kernel(Env& env, Knobs knobs, std::bitset<static_cast<std::size_t>(Bug::kCount)> bugs);

  bool bug(Bug b) const { return bugs_[static_cast<std::size_t>(b)]; }
  const Knobs& knobs() const { return knobs_; }
  bool v7_0() const { return knobs_.profile == Profile::kLinux70; }

  Rcu rcu;
  RqspinlockHeld rqspinlocks;  // v7.0: each CPU's table of held rqspinlocks

  // Per-CPU busy counters (bpf_task_storage_busy, bpf_cgrp_storage_busy).
  struct Busy {
    std::vector<ObjectId> obj;
    std::vector<int> count;
  };
  Busy& busy(OwnerKind kind) { return kind == OwnerKind::kTask ? task_busy_ : cgrp_busy_; }
  const Busy& busy(OwnerKind kind) const { return kind == OwnerKind::kTask ? task_busy_ : cgrp_busy_; }
  IdxCache& idx_cache(OwnerKind kind) {
    return kind == OwnerKind::kTask     ? task_cache_
           : kind == OwnerKind::kCgroup ? cgroup_cache_
           : kind == OwnerKind::kSock   ? sk_cache_
                                        : inode_cache_;
  }

  // Objects, owned here so that every Ref stays dereferenceable (the registry says if it is live).
  Smap& new_smap(std::string name);
  Task& new_task(std::string name);
  Cgroup& new_cgroup(std::string name);
  Sock& new_sock(std::string name);
  Inode& new_inode(std::string name);
  Pid& new_pid(int nr);
  Storage* kzalloc_storage(Env& env, std::string_view label);
  Selem* kzalloc_selem(Env& env, std::string_view label);
  // bpf_mem_alloc(&bpf_global_percpu_ma, size): a new object (the caller has its registry id).
  PercpuObj& new_percpu_obj();
  const std::vector<std::unique_ptr<Task>>& tasks() const { return tasks_; }
  const std::vector<std::unique_ptr<Cgroup>>& cgroups() const { return cgroups_; }
  const std::vector<std::unique_ptr<Sock>>& socks() const { return socks_; }
  const std::vector<std::unique_ptr<Inode>>& inodes() const { return inodes_; }
  const std::vector<std::unique_ptr<Smap>>& maps() const { return maps_; }

  // Tracing attachments and the program runner. attach() is bpf_check_attach_target()
  // (kernel/bpf/verifier.c, v6.18) for what the model knows: fentry/fexit need a traceable
  // function (a BTF FUNC), tp_btf a tracepoint, BPF LSM an LSM hook. Returns 0 or -EINVAL.
  int attach(Fn function, AttachKind kind, ProgType type, ProgBody body, uint32_t fires_max = 1);
  // The trampoline of `function` (fentry at its start, fexit at its return), a tracepoint
  // (tp_btf) or an LSM hook: runs the programs attached there. Called through Traced.
  void trace_point(Env& env, Fn function, AttachKind kind, Ref<Task> arg = {});
  bool attached(Fn function) const;
  // bpf_link release of every attachment (the programs' map references go with them).
  void detach_all() { attachments_.clear(); }
  // Runs a program the way the kernel's trampolines and struct_ops do (v6.18): migrate
  // disabled, under rcu_read_lock (or rcu_read_lock_trace when sleepable).
  void run_prog(Env& env, ProgType type, const ProgBody& body, Ref<Task> arg = {});

  // call_rcu_tasks_trace() as local storage uses it, wherever the free happens, even under a
  // scheduler's raw rq lock. In 6.18 it is call_rcu_tasks_generic(), which takes only raw
  // spinlocks (the default here); the SRCU-based RCU Tasks Trace after 6.19 (the linux-7.0
  // profile: call_srcu(&rcu_tasks_trace_srcu_struct)) takes the spinlock_t srcu_data->lock:
  // lockdep's "invalid wait context" (bug 14), which the mutant puts into 6.18 ("bpf: Always
  // defer local storage free" is the fix proposed for it; not in the 7.0 source lsmc read).
  void call_rcu_tasks_trace(Env& env, RcuCallback cb, std::string_view label);


private:
  Knobs knobs_;
  std::bitset<static_cast<std::size_t>(Bug::kCount)> bugs_;
  Busy task_busy_, cgrp_busy_;
  IdxCache task_cache_, cgroup_cache_, sk_cache_, inode_cache_;
  std::vector<std::unique_ptr<Smap>> maps_;
  std::vector<std::unique_ptr<Task>> tasks_;
  std::vector<std::unique_ptr<Cgroup>> cgroups_;
  std::vector<std::unique_ptr<Sock>> socks_;
  std::vector<std::unique_ptr<Inode>> inodes_;
  std::vector<std::unique_ptr<Pid>> pids_;
  std::vector<std::unique_ptr<Storage>> kz_storages_;
  std::vector<std::unique_ptr<Selem>> kz_selems_;
  std::vector<std::unique_ptr<PercpuObj>> percpu_objs_;
  std::vector<Attachment> attachments_;
  ObjectId srcu_lock_ = kNoObject;  // srcu_data->lock behind call_rcu_tasks_trace (spinlock_t)
};

// bpf_rcu_read_lock() / bpf_rcu_read_unlock() (kernel/bpf/helpers.c, v6.18 and v7.0): the kfuncs
// a sleepable program brackets an RCU read section with (rcu_read_lock()); inside it the verifier
// marks pointers loaded from RCU-protected fields MEM_RCU, and at the unlock it makes them untrusted
// again. A map value pointer (PTR_TO_MAP_VALUE) is not one of them: it stays usable after.
void bpf_rcu_read_lock(Env& env, Kernel& k);
void bpf_rcu_read_unlock(Env& env, Kernel& k);

// The first statement of every modelled kernel function: fentry programs attached to it may run
// here, fexit programs when it returns (not while an execution unwinds). One table, one
// mechanism: no attach point is placed by hand.
class Traced {
public:
  Traced(Env& env, Kernel& k, Fn function, Ref<Task> arg = {});
  ~Traced() noexcept(false);
  Traced(const Traced&) = delete;
  Traced& operator=(const Traced&) = delete;

private:
  Env& env_;
  Kernel& k_;
  Fn function_;
  Ref<Task> arg_;
  int exceptions_;
};

}  // namespace lsmc::model::kernel
