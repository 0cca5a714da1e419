// Findings upstream documents and leaves unfixed, per kernel profile: `--known count` (the
// default of `lsmc generate`) counts an execution that ends in one and searches on, so that the
// search for a new bug is not stopped by a residual the kernel already warns about.
#include "properties/scenarios/world.hpp"

namespace lsmc::properties::scenarios {

void register_known_findings(sim::Catalog& c) {
  // v7.0 kernel/bpf/bpf_local_storage.c, bpf_selem_unlink_nofail(): "Highly unlikely scenario:
  // resource leak. When map_free(selem1), destroy(selem1) and destroy(selem2) are racing and both
  // selem belong to the same bucket, if destroy(selem2) acquired b->lock and block for too long,
  // neither map_free(selem1) and destroy(selem1) will be able to free the special field associated
  // with selem1", followed by WARN_ON_ONCE(err && in_map_free). The model reaches it with a b->lock
  // timeout in map_free (scenario mapfree-bucket-timeout).
  c.add_known({"map-free-bucket-timeout", "linux-7.0", "kernel-warning", "WARN_ON_ONCE(err && in_map_free)",
               "bpf_selem_unlink_nofail() in v7.0: 'Highly unlikely scenario: resource leak'"});
  // v7.0 converted RCU Tasks Trace to SRCU (c27cea4416a3): call_rcu_tasks_trace() is call_srcu(),
  // which takes srcu_data->lock, a spinlock_t, and a local storage free under a raw spinlock (the
  // rq lock of a sched_ext callback, a storage lock a nested program runs under) is lockdep's
  // "BUG: Invalid wait context", reported on 7.0.0-rc1 by Andrea Righi (bpf_task_storage_delete
  // from ops.exit_task). The fix converts SRCU's locks to raw spinlocks and defers its workqueue
  // kick through irq_work (Boqun Feng's srcu-fix branch, 0490fe4b5c39 and 78dcdc35d85f); the
  // srcutree.c lsmc read (torvalds/linux 00c1d298d486) does not have it yet.
  c.add_known({"call-srcu-under-raw-lock", "linux-7.0", "context", "'srcu_data->lock (rcu_tasks_trace)'",
               "7.0.0-rc1 lockdep 'Invalid wait context' in srcu_gp_start_if_needed() from "
               "bpf_task_storage_delete(); fixed in SRCU by raw spinlocks (0490fe4b5c39)"});
  // The same call on PREEMPT_RT, where srcu_data->lock is an rt_mutex and its holder preemptible:
  // a caller that cannot be preempted (under a raw lock, or interrupting the holder's CPU) waits
  // for it forever. The holder never blocks while holding it, so a wait for it that never ends
  // is always this invalid wait context; the engine checks wait contexts when a lock is taken,
  // so it reports the contended case as the deadlock.
  c.add_known({"call-srcu-under-raw-lock-rt", "linux-7.0", "deadlock", "for spinlock_t 'srcu_data->lock (rcu_tasks_trace)'",
               "the same on PREEMPT_RT, where the waiter for the rt_mutex cannot be preempted"});
}

}  // namespace lsmc::properties::scenarios
