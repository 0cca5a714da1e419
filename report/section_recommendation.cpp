// Sections 4 and 5 of the design report: the recommendation, citing the figures of sections 1-3,
// and the risks the model did not settle.
#include "report/sections.hpp"

namespace lsmc::report {

void write_recommendation(ReportContext& c) {
  const std::vector<Policy>& pol = placement_policies();
  const UserCost& rec = c.costs.at("proposal");
  const UserCost& seqc = c.costs.at("proposal-seqcount");
  c.md << "\n## 4. Recommendation\n\n"
     << "- Make the region the backing store of task storage behind a new map flag, with the entry's slot kept "
        "in the task (task->mls_slot): the BPF lookup stays a pointer load (" << c.bpf.at(0).steady << " model accesses "
        "against " << c.bpf.at(-1).steady << " for 6.18's cache hit and " << c.bpf.at(2).steady << " for arena + task storage, "
        "which pays the task storage lookup first), and user space reads without syscalls once it has a handle.\n"
     << "- Publish per-slot generations in a header page with release/acquire ordering, written after the entry "
        "is initialised (`publish-before-init`), bumped on every free (`slot-reuse-no-generation`), and checked "
        "by the library before and after each load. A map-wide seqcount is as safe but costs "
        << per(seqc.syscalls, seqc.lookups) << " syscalls per lookup under churn against " << per(rec.syscalls, rec.lookups)
        << ", and voids " << seqc.retries << " of " << seqc.scans << " scans against " << rec.retries << "; notifications into a user-side view leave a window between the check and the load "
           "(" << c.claim("proposal-notify", "mls-zap-race", "handle-aliasing") << " in `mls-zap-race`).\n"
     << "- User writes (hints for BPF) pin the slot first: the writer counts itself in its process's own pin "
        "page, then checks the slot's generation again, and the kernel defers the slot's reuse while any mapped "
        "pin page counts it (either the reuse sees the pin or the check sees the free's generation 0). A store "
        "between two generation checks cannot be undone: it faults on the zero page or lands in the next owner's "
        "entry (`mls-user-write` under checked writes, arena + task storage, and the seqcount and notification "
        "publications, which have no per-slot generation to pin).\n"
     << "- Keep what the kernel trusts out of memory user space can write: the header is mapped read-only, the "
        "kernel decides from its own generations, and each process's pins are in a page of its own that goes with "
        "its mapping (vm_close reclaims what it deferred). With the header as first proposed, one word {generation, "
        "pins} per slot in a page every mapper can write (the mutant `header-trusted`), a process holding the map "
        "writable stores a pin count that keeps a freed slot and its page until the map is freed ("
     << c.claim_run("mls-hostile-mapper", {{"target", 2}}, "kernel-state-leak", "header-trusted")
     << " violates `kernel-state-leak`), or restores a freed slot's old generation so that another process's pinned store passes its check and "
        "faults on the zero page (" << c.claim_run("mls-hostile-mapper", {{"target", 1}}, "user-fault", "header-trusted")
     << " violates `user-fault`). Against the same mapper the recommended configuration holds ("
     << c.claim("proposal", "mls-hostile-mapper", "") << " holds in `mls-hostile-mapper`, whose mapper stores 0, 1 or "
        "UINT32_MAX into generations, pins and entries): what it writes in its own pin page only defers reuse while "
        "it lives, and an entry's bytes are the mapper's to write (the data pages are writable by design).\n"
     << "- Refuse special fields in mappable values at map creation (EOPNOTSUPP), as `bpf_map_mmap()` already refuses "
        "any map whose value has a btf_record (kernel/bpf/syscall.c, v6.18). In a page user space can write, a kptr "
        "is a pointer the kernel follows when the entry is freed ("
     << c.claim_run("mls-special-fields", {{"field", 0}}, "kernel-uses-user-pointer", "special-fields-mapped")
     << " violates `kernel-uses-user-pointer`), so is a bpf_timer's `struct bpf_hrtimer *` ("
     << c.claim_run("mls-special-fields", {{"field", 2}}, "kernel-uses-user-pointer", "special-fields-mapped")
     << "), and a bpf_spin_lock is a word user space can hold while a program spins on it with IRQs off ("
     << c.claim_run("mls-special-fields", {{"field", 1}}, "deadlock", "special-fields-mapped")
     << " violates `deadlock`). The recommended configuration refuses all three ("
     << c.claim("proposal", "mls-special-fields", "") << " holds in `mls-special-fields`); a scheduler that needs "
        "them keeps them in a task storage value beside the mappable entry, as the uptr designs do (their fields "
        "are in the element, which is not mapped: " << c.claim("uptr-daemon", "mls-special-fields", "") << " holds).\n"
     << "- Several mappable maps on one task: each map takes its own entry of `task->mls_slot[]`, numbered at map "
        "creation from a small ida (`MLS_MAX_MAPS`, 8 in the model: `bpf_mls_map_alloc` refuses the ninth map with "
        "`ENOSPC` before it allocates anything, `Variants.OneMappableMapMoreThanMlsMaxMapsIsRefused`). With one field for every map (the "
        "mutant `one-slot-field`), the second map's creation finds the first map's slot for the task and its "
        "program writes into another task's entry ("
     << c.claim_run("mls-two-maps", {}, "bpf-pointer-reused", "one-slot-field") << " violates `bpf-pointer-reused`); "
        "with a field per map " << c.claim("proposal", "mls-two-maps", "") << " holds in `mls-two-maps`. The cost "
        "is in every task_struct: 4 bytes per possible map (32 for 8 maps), or one pointer to an array allocated "
        "at the task's first entry (an allocation in `bpf_mls_get`, which may run in atomic context, and one more "
        "load per BPF lookup).\n"
     << "- User handles are (slot, generation); a failed check means ESTALE and the library re-opens by pidfd, "
        "never resyncs the generation (`handle-survives-exit`).\n"
     << "- Reuse a slot only after a Tasks Trace grace period: programs hold entries across their read-side "
        "section (`reuse-before-grace-period`). sched_ext's sdt allocator, which freed an arena index at once before "
        "scx_urcu, shows the same violation (" << c.claim("arena+task-storage", "mls-reader-vs-delete", "bpf-pointer-reused")
     << " in `mls-reader-vs-delete`). Today's sdt defers the free through `scx_urcu`, a grace period user space "
        "drives with `membarrier(MEMBARRIER_CMD_GLOBAL)`, that is `synchronize_rcu()`: it covers programs in an RCU "
        "read-side section (" << c.claim("arena+task-storage-urcu", "mls-reader-vs-delete", "") << " holds in "
        "`mls-reader-vs-delete`), not a sleepable program that holds an entry across a sleep ("
     << c.claim("arena+task-storage-urcu", "mls-sleepable-reader", "bpf-pointer-reused")
     << " in `mls-sleepable-reader`), which its users avoid by using entries only inside `bpf_rcu_read_lock()` ("
     << c.claim_run("mls-sleepable-reader", {{"layout", 4}, {"rcu_read_lock", 1}}, "") << " holds). The proposal's "
        "Tasks Trace grace period covers both (" << c.claim("proposal", "mls-sleepable-reader", "") << " holds).\n"
     << "- Return empty pages after a grace period by replacing them with the zero page in the user mapping. "
        "Freeing them as `bpf_arena_free_pages` does (zapped from every VMA and freed at once, no grace period) lets "
        "a program's pointer reach the next owner once the page comes back ("
     << c.claim("proposal-absent", "mls-reader-vs-delete", "bpf-pointer-reused")
     << " in `mls-reader-vs-delete`), and a racing user load does not fault: `arena_vm_fault` maps a fresh zeroed "
        "page, which the allocator no longer owns and which stays resident until the map is freed ("
     << c.claim("proposal-absent", "mls-churn", "resident-bound") << " in `mls-churn`); only with "
        "`BPF_F_SEGV_ON_FAULT` does the load fault (" << c.claim("proposal-arena-segv", "mls-zap-race", "user-fault")
     << " in `mls-zap-race`). Freeing a still-mapped page is `zap-while-mapped`: user space is not an RCU reader. "
        "Trim pages a sleeping creator left empty.\n"
     << "- Placement and return timing (section 2): on " << c.seqs[1].name << ", filling the fullest page first and "
        "first fit average " << fixed2(c.policy_results[c.seqs[1].name + "|" + pol[0].name].average) << " and "
     << fixed2(c.policy_results[c.seqs[1].name + "|" + pol[1].name].average)
     << " resident pages: the placement policy does not matter on these sequences. Keeping one spare empty page cuts "
        "the zaps on " << c.big->name << " from " << c.policy_results[c.big->name + "|" + pol[0].name].zaps << " to "
     << c.policy_results[c.big->name + "|" + pol[2].name].zaps << " for "
     << fixed2(c.policy_results[c.big->name + "|" + pol[2].name].average - c.policy_results[c.big->name + "|" + pol[0].name].average)
     << " pages more on average. The checked configuration returns at once; a spare page is worth a tunable (the "
        "resident bound becomes the pages holding live entries plus the spares, which `mls-churn` checks).\n"
     << "- The region lives as long as the map: the user mapping holds the map's file, and programs hold the map, "
        "so closing the fd while the daemon still maps the region frees nothing (`map-free-while-mapped` frees it "
        "at close, and the daemon's next load reads freed memory); the last reference queues the free to a "
        "kworker, as `bpf_map_free_deferred` does.\n"
     << "- Page allocation sleeps: only sleepable contexts (prep_enable, syscalls) can make room; a "
        "non-sleepable program's F_CREATE fails when no free entry is left (probe `mls: no free entry in "
        "atomic context`).\n"
     << "- Against today's alternatives: the static pid-indexed array has no lifetime (`bpf-pointer-reused`) and "
        "costs " << c.static_large << " pages at the default pid_max; arena + task storage keeps every page it ever "
        "used (`resident-bound`) and needs its own deferred free; uptr as task-local data uses it serves a thread's "
        "own data to BPF but a central daemon cannot read it ("
     << c.claim("uptr", "mls-pid-reuse", "user-unreachable") << "). uptr used by a daemon that gives every task an "
        "entry in its own memory is readable without syscalls, but programs cannot create an entry (the daemon "
        "registers each task after the fork), and the daemon cannot know when the kernel and its programs are done "
        "with an entry: reused when the task's pidfd reports the exit, it is still written by a program that "
        "looked it up (" << c.claim("uptr-daemon", "mls-reader-vs-delete", "bpf-pointer-reused")
     << " in `mls-reader-vs-delete`).\n\n";
}

void write_risks(ReportContext& c) {
  c.md << "## 5. Open risks and questions the model did not settle\n\n"
     << "- Zap cost: replacing a page with the zero page needs a TLB shootdown on every CPU that runs the mapping "
        "process; section 2 counts the IPIs, their latency is not modelled. Batching returns (a shrinker) or spare "
        "pages trade memory for them.\n"
     << "- Cgroup, socket and inode owners run the same scenarios as tasks (cgroup ids and socket cookies are never "
        "reused, so the scenario that reuses a pid reuses a slot for a new owner instead; what frees a socket's or "
        "an inode's entry is modelled as the task's exit hook, at __sk_destruct and security_inode_free); several maps on one task are `mls-two-maps` (each its own region and slot field), and "
        "the fork/exit churn of section 2 is tasks only.\n"
     << "- Per-process pin pages cost the kernel one load per mapping process at each slot reuse, and a process "
        "holding the map writable can defer any slot's reuse while it lives (capacity, not safety: the slot comes "
        "back at its vm_close, which `mls-hostile-mapper` checks).\n"
     << "- Weak memory: the proposal scenarios keep their values in the model, so under lkmm they explore the same "
        "classes as under sc (section 1's DPOR table); the lock-free user read of a multi-word entry is checked under "
        "lkmm in `proposal-publish-order` (DPOR ends there, and each of its three ordering mutants, "
        "`mls-publish-gen-write-once`, `mls-read-gen-read-once` and `mls-read-without-rmb`, is found only under "
        "lkmm). The kernel side's orderings (the pin count against the slot's reuse) are argued, not checked "
        "under a weak memory model.\n"
     << "- The arena variant follows sdt before `scx_urcu`; its generation starts at 1 in the model (sdt starts "
        "at 0, so a zeroed task storage value and index 0 generation 0 look alike to a user lookup).\n"
     << "- The recorded sequences come from short workloads on a 2-CPU VM; thousands of live tasks are covered by "
        "a synthetic make -j calibrated on the recorded build, not by a recording of one.\n"
     << "- No real-kernel counterpart: the proposal does not exist in a kernel, and costs are model access "
        "counts, not cycles.\n";
}

}  // namespace lsmc::report
