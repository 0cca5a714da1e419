// Section 6 of the design report: each question the upstream threads on mmapable task storage asked
// (../shared/reference/upstream-review.md), answered with a scenario, a number or a trace of this run.
#include "report/replay.hpp"
#include "report/sections.hpp"

namespace lsmc::report {

namespace {

void answer(ReportContext& c, const std::string& who, const std::string& question, const std::string& text) {
  c.md << "- **" << question << "** (" << who << ")  \n  " << text << "\n";
}

// Pages for `objects` entries of `bytes` each, packed, against one page per object.
std::string density(uint64_t objects, uint64_t bytes) {
  const uint64_t per_page = kPageBytes / bytes;
  return std::to_string((objects + per_page - 1) / per_page) + " pages for " + std::to_string(objects) + " entries of " +
         std::to_string(bytes) + " bytes, against " + std::to_string(objects) + " with a page per object";
}

}  // namespace

void write_questions(ReportContext& c) {
  const UserCost& rec = c.costs.at("proposal");
  c.md << "\n## 6. Questions upstream asked\n\n"
       << "Each question raised on the upstream threads (Hao Luo's RFC, Mar 2022; David Vernet's LSF/MM/BPF topic, "
          "2023; Dave Marchevsky's `BPF_F_MMAPABLE` task storage series, Nov 2023, and the design meeting after it) "
          "and each point of the review this report answers, with the run that backs the answer.\n\n";
  answer(c, "reviewers of the 2022 RFC", "Why not a `bpf_iter` with a tid, or a syscall program run by test_run?",
         "Both cost a syscall per access or per batch: today's lookup by pidfd is about 530 ns against 0.5 ns for a "
         "load (`docs/kernel.md`). The recommended configuration pays " + per(rec.syscalls, rec.lookups) +
             " syscalls per lookup (the handle opens) and " + per(rec.loads, rec.lookups) +
             " shared loads under churn (section 3), and a balancer scans every entry with no syscall at all.");
  answer(c, "Alexei Starovoitov, KP Singh", "Is the mapping a way round unprivileged access, a new write surface?",
         "The mapping is the map fd's: writable only through an fd opened for writing, as `bpf_map_mmap()` grants "
         "`VM_MAYWRITE`. What such a mapper can do was checked: `mls-hostile-mapper` stores 0, 1 or UINT32_MAX into "
         "every generation, pin count and entry it reaches; the recommended configuration holds (" +
             c.claim("proposal", "mls-hostile-mapper", "") + " holds), because the header is mapped read-only and pins "
             "are per process. With the header as first proposed the mutant `header-trusted` is found (section 1, "
             "`kernel-state-leak`, with its trace).");
  answer(c, "David Vernet, 2023", "Zero-page or unmapped placeholders for freed pages?",
         "The zero page after a grace period: " + c.claim("proposal", "mls-zap-race", "") + " holds in `mls-zap-race` "
             "and `mls-reader-vs-delete`. Unmapped as the arena does it lets a program's pointer reach the next "
             "owner (" + c.claim("proposal-absent", "mls-reader-vs-delete", "bpf-pointer-reused") +
             ") and a racing user fault repopulate the page (" + c.claim("proposal-absent", "mls-churn", "resident-bound") +
             " in `mls-churn`); with `BPF_F_SEGV_ON_FAULT` the racing load is SIGSEGV (" +
             c.claim("proposal-arena-segv", "mls-zap-race", "user-fault") + ").");
  answer(c, "Andrii Nakryiko", "Refuse values with special fields (kptr, spin lock, timer)?",
         "Yes: the proposal's map_check_btf refuses them, as `bpf_map_mmap()` refuses any value with a btf_record "
         "(" + c.claim("proposal", "mls-special-fields", "") + " holds in `mls-special-fields`); accepting them is the "
             "mutant `special-fields-mapped`: the kernel follows a kptr or a timer pointer user space overwrote, or a "
             "program spins on a lock word user space holds (section 4 cites the three runs).");
  answer(c, "Andrii Nakryiko", "Bound the mmap to `PAGE_ALIGN(value_size)`?",
         "The proposal maps a region of packed entries, not one value per mapping, so the bound is the region's: "
         "`PAGE_ALIGN(slots * entry size)`, as `array_map_mmap()` (kernel/bpf/arraymap.c) bounds an mmapable array: "
         "a mapping whose offset plus length passes `PAGE_ALIGN(max_entries * elem_size)` is `-EINVAL` (the check "
         "Andrii Nakryiko's 2019 fix of `fc9702273e2e` added; read in that patch, not in the 6.18 tree). "
         "Measured on 6.18.44 with the mls library's region (4096 entries of 32 bytes, 32 pages): 32 pages at "
         "offset 0 map, 33 pages or 32 pages from offset 1 page are `EINVAL`, one page at offset 32 pages is "
         "`EINVAL` (`mls/test/mls_kernel_test.c` checks it). The header is a separate mapping, read-only. Within "
         "the region nothing is bounded per entry: a process that maps it reads every entry, which is the point "
         "(a daemon scans them all); what it may write is the pinned protocol's (section 4) and the hostile "
         "mapper's property above.");
  answer(c, "Martin KaFai Lau", "One page per object is too much (sk storage, 500 k sockets); why not a kptr to a "
         "mmapable array?",
         "Entries are packed: " + density(500000, 64) + "; for tasks, section 2's tables. A kptr to a mmapable "
             "array (or an arena) is the arena + task storage design: a BPF lookup pays the task storage lookup "
             "first (" + std::to_string(c.bpf.at(2).steady) + " model accesses against " +
             std::to_string(c.bpf.at(0).steady) + ") and the design needs its own deferred free (" +
             c.claim("arena+task-storage", "mls-reader-vs-delete", "bpf-pointer-reused") + " without it). Sockets and "
             "inodes own regions as tasks and cgroups do (`--param owner=2`, `owner=3`: a socket's handle comes from "
             "its fd, an inode's from an fd of an open file): the recommended knobs hold in " +
             std::to_string(c.sk_hold) + " of " + std::to_string(c.scenarios.size()) + " scenarios on socket storage, " +
             std::to_string(c.inode_hold) + " on inode storage and " + std::to_string(c.cgroup_hold) +
             " on cgroup storage (section 1).");
  answer(c, "Alexei Starovoitov", "`current` as an implicit key does not fit sched_ext?",
         "The helper takes the task, as `bpf_task_storage_get()` does: in `mls-two-maps` and `mls-reader-vs-delete` "
         "programs look up a task other than the one they run in, and " +
             c.claim("proposal", "mls-two-maps", "") + " holds.");
  answer(c, "the design meeting after the 2023 series", "Why not uptr, with the daemon's own memory?",
         "Readable without syscalls, but programs cannot create an entry and the daemon cannot know when programs "
         "are done with one: reused at the pidfd's exit notification, it is still written by a program (" +
             c.claim("uptr-daemon", "mls-reader-vs-delete", "bpf-pointer-reused") + " in `mls-reader-vs-delete`). "
             "Task-local data's use (each thread its own block) cannot be read by a daemon at all (" +
             c.claim("uptr", "mls-publish", "user-unreachable") + ").");
  answer(c, "review of this report", "Why not an arena with `BPF_F_SEGV_ON_FAULT` plus a deferred free?",
         "sdt does that today with `scx_urcu`: it covers programs in an RCU read-side section (" +
             c.claim("arena+task-storage-urcu", "mls-reader-vs-delete", "") + " holds), not a sleepable program across "
             "a sleep (" + c.claim("arena+task-storage-urcu", "mls-sleepable-reader", "bpf-pointer-reused") +
             "), not a user store that races the free (" + c.claim("arena+task-storage-urcu", "mls-user-write", "user-write-aliasing") +
             "), and its pages stay (" + c.claim("arena+task-storage-urcu", "mls-churn", "resident-bound") + ").");
  answer(c, "review of this report", "Why a new `task_struct` field, and which map gets it?",
         "The field makes the BPF lookup a pointer load: " + std::to_string(c.bpf.at(0).steady) + " model accesses "
             "against " + std::to_string(c.bpf.at(-1).steady) + " for 6.18's cache hit and " +
             std::to_string(c.bpf.at(-1).first) + " for a miss (section 3). Each mappable map gets its own entry of "
             "`task->mls_slot[]` (" + c.claim("proposal", "mls-two-maps", "") + " holds in `mls-two-maps`; one field "
             "for all maps is the mutant `one-slot-field`, found); the cost is 4 bytes per possible map in every task. "
             "The number of maps is bounded by `MLS_MAX_MAPS` (8 in the model): the ninth mappable map is refused "
             "with `ENOSPC` at creation, before anything is allocated.");
  const std::vector<Policy>& pol = placement_policies();
  const std::string& make = c.seqs.back().name;
  const uint64_t at_once = c.policy_results.at(make + "|" + pol[0].name).zaps;
  const uint64_t spare = c.policy_results.at(make + "|" + pol[2].name).zaps;
  answer(c, "review of this report", "What do zaps and TLB shootdowns cost?",
         "Each page return is a zap and a TLB flush IPI to every other CPU that runs the mapping process (section 2's "
         "policy table). On " + make + ", returning at once costs " + std::to_string(at_once) + " returns: " +
             std::to_string(at_once) + " IPIs at 2 CPUs, " + std::to_string(at_once * 63) + " at 64; one spare page "
             "brings that to " + std::to_string(spare) + " returns (" + std::to_string(spare * 63) + " IPIs at 64 CPUs).");
  answer(c, "review of this report", "Does it hold at scale?",
         "On " + make + " (calibrated on the recorded build's jobs), " + std::to_string(c.scale.live) + " entries live "
             "at the peak need " + std::to_string(c.scale.returned) + " pages with returns and " +
             std::to_string(c.scale.kept) + " kept; task-local data's uptr would pin one per live thread, and the "
             "static array takes " + std::to_string(c.static_large) + " at the default pid_max. The property "
             "scenarios run on 2 CPUs; the many-CPU cost is the IPI count above.");
  answer(c, "review of this report", "Is the publication protocol right under the kernel's memory model?",
         "Not checked here: the engine has no weak-memory mode yet (`docs/memory-model.md`), so every scenario runs "
         "under sequential consistency; the release/acquire pairs of section 4 are argued. Open.");
  c.md << "\n";
}

}  // namespace lsmc::report
