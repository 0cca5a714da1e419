// The kernel mutants: each puts one real kernel bug of ../shared/bugs.md (or the canary) back into
// the model, with the scenarios that find it and the kernel versions whose code has it. This table
// is the catalog's data: tests and `lsmc list --mutants` read it through the Catalog.
#include "properties/scenarios/world.hpp"

namespace lsmc::properties::scenarios {

const std::vector<MutantSpec>& kernel_mutants() {
  static const std::vector<MutantSpec> kMutants = {
      {"canary", mk::Bug::kCanary, "use-after-free", "frees a deleted element with no grace period at all", {"delete-vs-lookup"}, {"linux-6.18", "linux-7.0"}},
      {"clone-shares-storage", mk::Bug::kCloneSharesStorage, "invariant",
       "bug 1: copy_process keeps the parent's bpf_storage pointer; the child's free frees the parent's elements",
       {"fork-copies"}, {"linux-6.18", "linux-7.0"}},
      {"free-task-skips-storage", mk::Bug::kFreeTaskSkipsStorage, "use-after-free",
       "bug 2: storage destroyed in __put_task_struct; a failed fork frees a task whose LSM program made storage",
       {"fork-failure"}, {"linux-6.18", "linux-7.0"}},
      {"create-after-owner-free", mk::Bug::kCreateAfterOwnerFree, "invariant",
       "bug 3: no task->usage gate; a program after bpf_task_storage_free re-creates storage never freed",
       {"exit-create"}, {"linux-6.18", "linux-7.0"}},
      {"recursion-deadlock", mk::Bug::kRecursionDeadlock, "deadlock",
       "bug 4: no busy counter; a program nested under the storage lock re-enters it (AA)", {"recursion"}, {"linux-6.18"}},
      {"percpu-busy-nonatomic", mk::Bug::kPercpuBusyNonatomic, "busy-counter",
       "bug 5: the busy counter's increment is a load and a store; two tasks on a CPU leave it raised",
       {"busy-preempt"}, {"linux-6.18"}},
      {"busy-fails-lookup", mk::Bug::kBusyFailsLookup, "spec",
       "bug 6: pre-6.2 busy check makes plain lookups and LSM programs fail", {"busy-lookup"}, {"linux-6.18"}},
      {"busy-spurious-ebusy", mk::Bug::kBusySpuriousEbusy, "spec",
       "bug 7 (6.18 as shipped): a per-CPU busy counter shared by unrelated tasks fails F_CREATE",
       {"busy-spurious"}, {"linux-6.18"}},
      {"sleepable-plain-rcu", mk::Bug::kSleepablePlainRcu, "use-after-free",
       "bug 9: deleted elements freed after a regular RCU grace period; sleepable readers hold them",
       {"sleepable-vs-mapfree"}, {"linux-6.18", "linux-7.0"}},
      {"wrong-flavour-at-free-site", mk::Bug::kWrongFlavourAtFreeSite, "use-after-free",
       "bug 10: helper/syscall delete frees with reuse_now, as if no program could hold the element",
       {"sleepable-vs-mapfree"}, {"linux-6.18", "linux-7.0"}},
      {"trace-implies-rcu-assumed", mk::Bug::kTraceImpliesRcuAssumed, "use-after-free",
       "bug 11: frees after a Tasks Trace grace period only, on a configuration where it does not imply RCU",
       {"trace-not-rcu"}, {"linux-6.18"}},
      {"alloc-in-atomic-rt", mk::Bug::kAllocInAtomicRt, "context",
       "bug 12: on PREEMPT_RT the map allocates with kzalloc (a sleeping lock) with preemption off",
       {"rt-alloc"}, {"linux-6.18"}},
      {"nolock-alloc-fails", mk::Bug::kNolockAllocFails, "spec",
       "bug 13: kmalloc_nolock without HAVE_CMPXCHG_DOUBLE: every creation fails", {"nolock-alloc"}, {"linux-6.18"}},
      {"call-rcu-under-raw-lock", mk::Bug::kCallRcuUnderRawLock, "context",
       "bug 14 (7.0's SRCU-based RCU Tasks Trace put into 6.18): delete under the rq raw lock calls call_rcu_tasks_trace (spinlock_t)",
       {"sched-exit-delete"}, {"linux-6.18"}},
      {"value-copy-clobbers-lock", mk::Bug::kValueCopyClobbersLock, "deadlock",
       "bug 15: the value copy overwrites the embedded bpf_spin_lock", {"spin-lock-value"}, {"linux-6.18", "linux-7.0"}},
      {"cache-fill-without-recheck", mk::Bug::kCacheFillWithoutRecheck, "use-after-free",
       "bug 16: the cache fill publishes an element a racing delete unlinked", {"delete-vs-cachefill", "cachefill-protocol"}, {"linux-6.18", "linux-7.0"}},
      {"null-owner", mk::Bug::kNullOwner, "null-dereference", "bug 17: helpers dereference a NULL task", {"null-owner"}, {"linux-6.18", "linux-7.0"}},
      {"single-bucket", mk::Bug::kSingleBucket, "undefined-behaviour", "bug 18: one bucket on a one-CPU machine: hash_ptr(.., 0)",
       {"single-cpu"}, {"linux-6.18", "linux-7.0"}},
      {"mapfree-vs-destroy-halfunlink", mk::Bug::kMapfreeVsDestroyHalfunlink, "use-after-free",
       "bug 8: failable locks and no bpf_selem_unlink_nofail: map free and owner destroy each unlink half an element",
       {"mapfree-vs-destroy"}, {"linux-7.0"}},
  };
  return kMutants;
}

const std::vector<MutantSpec>& ordering_mutants() {
  static const std::vector<MutantSpec> kMutants = {
      {"storage-cmpxchg-relaxed", mk::Bug::kStorageCmpxchgRelaxed, "publication",
       "bpf_local_storage_alloc publishes the owner's storage with cmpxchg_relaxed(): a lockless lookup sees the "
       "storage but not the element linked into it first",
       {"create-race"}, {"linux-6.18"}, "lkmm", false},
      {"link-storage-without-release", mk::Bug::kLinkStorageWithoutRelease, "publication",
       "bpf_selem_link_storage_nolock links the element with hlist_add_head() instead of hlist_add_head_rcu(): a "
       "lockless lookup finds the element before its SDATA(selem)->smap",
       {"lookup-vs-replace"}, {"linux-6.18"}, "lkmm", false},
  };
  return kMutants;
}

void register_mutants(sim::Catalog& c) {
  for (const auto* list : {&kernel_mutants(), &ordering_mutants()}) {
    for (const MutantSpec& m : *list) {
      sim::MutantInfo info;
      info.name = std::string(m.name);
      info.description = std::string(m.description);
      info.property = std::string(m.property);
      for (auto sc : m.scenarios) info.scenarios.emplace_back(sc);
      for (auto p : m.profiles) info.profiles.emplace_back(p);
      info.memory_model = std::string(m.memory_model);
      info.generate = m.generate;
      c.add_mutant(std::move(info));
    }
  }
}

}  // namespace lsmc::properties::scenarios
