// Section 2 of the design report: resident memory against live entries under churn.
#include <fstream>
#include <memory>
#include <stdexcept>

#include "report/plot.hpp"
#include "report/replay.hpp"
#include "report/sections.hpp"
#include "report/variants.hpp"

namespace lsmc::report {

namespace {

namespace mm = model::mappable;

void write_churn_header(ReportContext& c) {
  c.md << "## 2. Resident memory against live entries under churn\n\n"
       << "Entries of " << kEntryBytes << " bytes (a scheduler's task context with a cpumask), " << kPageBytes / kEntryBytes
       << " to a 4 KiB page. Each sequence is replayed through each design's allocator in the model: a task's "
          "entry is made at fork (prep_enable, sleepable; for uptr the thread registers its own block, or the daemon "
          "registers one of its own entries) and freed "
          "at exit, and a grace period completes between consecutive events (the optimistic timing for page "
          "returns; the designs that keep pages show the pessimistic end). Sequences: a synthetic one (waves of 48 tasks, pids reused), "
          "and fork/exit sequences recorded on this machine from the `sched_process_fork` and "
          "`sched_process_exit` tracepoints (`tools/record-forkexit.sh`, files in `data/`), and at scale a synthetic "
          "make -j" << kMakeParallel << " over " << kMakeBackground << " long-lived tasks, whose " << kMakeJobs
       << " jobs fork children as the recorded build's jobs did (`make_j_sequence`). Pages at the peak / "
          "at the end of the sequence.\n\n"
       << "| sequence | forks | live entries (peak / end) | proposal, pages returned | proposal, pages kept | arena + task "
          "storage (sdt) | uptr, task-local data (pinned pages) | uptr, daemon (pinned pages) | static pid-indexed array "
          "(pid_max 32768 / 4194304) |\n"
       << "|---|---|---|---|---|---|---|---|---|\n";
}

// Whether two replays keep the same number of pages resident after every event.
bool same_resident(const ReplayResult& a, const ReplayResult& b) {
  if (a.samples.size() != b.samples.size()) return false;
  for (std::size_t i = 0; i < a.samples.size(); ++i) {
    if (a.samples[i].resident != b.samples[i].resident) return false;
  }
  return true;
}

}  // namespace

const std::vector<Policy>& placement_policies() {
  static const std::vector<Policy> kPolicies = {
      {"fullest page first, return at once (recommended)", mm::Placement::kFullestPage, 0},
      {"first fit (lowest free entry), return at once", mm::Placement::kLowestSlot, 0},
      {"fullest page first, keep 1 spare page", mm::Placement::kFullestPage, 1},
      {"fullest page first, keep 4 spare pages", mm::Placement::kFullestPage, 4}};
  return kPolicies;
}

void write_churn_table(ReportContext& c) {
  write_churn_header(c);
  const uint64_t static_small = 32768ull * kEntryBytes / kPageBytes;
  c.static_large = 4194304ull * kEntryBytes / kPageBytes;
  c.seqs = report_sequences(c.options.source_dir);
  std::vector<Panel> panels;
  std::vector<std::unique_ptr<ReplayResult>> kept;  // the plotted replays, alive until the plot is drawn
  std::vector<std::string> odd_verdicts;
  for (const NamedSequence& n : c.seqs) {
    // At scale only the designs without task storage are replayed: the kernel model checks every
    // task at each storage free, so the others cost the square of the tasks.
    const bool at_scale = &n == &c.seqs.back();
    const ReplayResult zero = replay(n.seq, find_variant("proposal").knobs());
    const ReplayResult keep = replay(n.seq, find_variant("proposal-keep").knobs());
    const ReplayResult none;
    const ReplayResult arena = at_scale ? none : replay(n.seq, find_variant("arena+task-storage").knobs());
    const ReplayResult uptr = at_scale ? none : replay(n.seq, find_variant("uptr").knobs());
    const ReplayResult daemon = at_scale ? none : replay(n.seq, find_variant("uptr-daemon").knobs());
    auto cell = [at_scale](const ReplayResult& r) {
      return at_scale && r.samples.empty() ? std::string("not replayed")
                                           : std::to_string(r.peak_resident) + " / " + std::to_string(r.final_resident);
    };
    c.md << "| " << n.name << " | " << fork_count(n.seq) << " | " << zero.peak_live << " / " << zero.final_live << " | "
         << cell(zero) << " | " << cell(keep) << " | " << cell(arena) << " | " << cell(uptr) << " | " << cell(daemon) << " | " << static_small << " / "
         << c.static_large << " |\n";
    for (const ReplayResult* r : {&zero, &keep, &arena, &uptr, &daemon}) {
      if (r != &zero && r != &keep && at_scale) continue;
      if (r->verdict != "pass") odd_verdicts.push_back(n.name + ": " + r->verdict);
      if (r->failed_creates > 0) odd_verdicts.push_back(n.name + ": " + std::to_string(r->failed_creates) + " entries could not be created");
    }
    c.scale = {zero.peak_live, zero.peak_resident, keep.peak_resident};
    if (!at_scale && !same_resident(keep, arena)) throw std::logic_error("the plot draws pages kept as one line, but the proposal without return and sdt differ on " + n.name);
    const ReplayResult* z = kept.emplace_back(std::make_unique<ReplayResult>(zero)).get();
    const ReplayResult* k = kept.emplace_back(std::make_unique<ReplayResult>(keep)).get();
    panels.push_back({n.name + " (" + std::to_string(fork_count(n.seq)) + " forks)",
                      {{z, false, "#2e7d32", "", "live entries"},
                       {z, true, "#1565c0", "", "proposal, pages returned: capacity (pages x " +
                                                    std::to_string(kPageBytes / kEntryBytes) + " entries)"},
                       {k, true, "#c62828", " stroke-dasharray=\"6,3\"",
                        "pages kept: capacity of the proposal without return and of arena + task storage (sdt), the same line"}}});
  }
  for (const std::string& v : odd_verdicts) c.md << "\n(replay verdict: " << v << ")\n";
  const std::string svg = plot(panels);
  std::ofstream(c.dir / "design-exploration-churn.svg") << svg;
  c.md << "\n![live entries and resident capacity](design-exploration-churn.svg)\n\n"
       << "Pages that are never returned (the proposal without return, and the arena, whose sdt allocator keeps "
          "its pages) stay at the peak; returned pages follow the live entries, with at most one partly used page "
          "per page that still holds a live entry (the allocator fills the fullest page first). uptr as "
          "task-local data uses it pins one page per live thread (each task here is its own process; the library "
          "adds a metadata page per process, not counted); a daemon's entries share its pages as the proposal's "
          "do, and it keeps them (its heap). sdt's pages are the same with either free path. The static array "
          "costs the same whatever runs. At scale the designs built on task storage are not replayed (the model "
          "checks every task at each storage free, which costs the square of the tasks); on the other sequences "
          "sdt keeps what the proposal without return keeps, and task-local data pins a page per live thread.\n\n";
  c.big = &largest_recorded(c.seqs);
}

// Entry size as a parameter, on the largest recorded sequence.
void write_entry_size_table(ReportContext& c) {
  const NamedSequence& big = *c.big;
  c.md << "Entry size, on " << big.name << " (pages at the peak):\n\n"
       << "| entry bytes | entries per page | proposal, pages returned | arena + task storage | static pid-indexed array "
          "(pid_max 4194304) |\n|---|---|---|---|---|\n";
  for (uint32_t bytes : {64u, 256u, 1024u, 4096u}) {
    const ReplayResult zero = replay(big.seq, find_variant("proposal").knobs(), bytes);
    const ReplayResult arena = replay(big.seq, find_variant("arena+task-storage").knobs(), bytes);
    c.md << "| " << bytes << " | " << kPageBytes / bytes << " | " << zero.peak_resident << " | " << arena.peak_resident << " | "
         << 4194304ull * bytes / kPageBytes << " |\n";
  }
}

// Placement and return policy, on the synthetic churn and the largest recorded sequence.
void write_policy_table(ReportContext& c) {
  c.md << "\nPlacement and return policy (design question 1: fragmentation, and when to give pages back), "
          "entries of " << kEntryBytes << " bytes. A return zaps the page from every user mapping and flushes the "
          "TLB of every other CPU that runs the mapping process (one IPI each, `flush_tlb_mm_range`): the IPIs "
          "are counted for a process running on all 2 CPUs of the recording machine and on 64. Spare pages are "
          "empty pages kept to absorb the next creations:\n\n"
       << "| sequence | policy | pages on average | pages at the peak | page allocations | page returns (zaps) | "
          "shootdown IPIs (2 / 64 CPUs) |\n"
       << "|---|---|---|---|---|---|---|\n";
  for (const NamedSequence* n : std::vector<const NamedSequence*>{&c.seqs[1], c.big, &c.seqs.back()}) {
    for (const Policy& pol : placement_policies()) {
      mm::Knobs k = find_variant("proposal").knobs();
      k.placement = pol.placement;
      k.spare_pages = pol.spare;
      const ReplayResult r = replay(n->seq, k);
      const PolicyResult& result = c.policy_results[n->name + "|" + pol.name] = {average_resident(r), r.page_returns};
      c.md << "| " << n->name << " | " << pol.name << " | " << fixed2(result.average) << " | " << r.peak_resident << " | "
           << r.page_allocs << " | " << r.page_returns << " | " << r.page_returns * 1 << " / " << r.page_returns * 63 << " |\n";
    }
  }
}

}  // namespace lsmc::report
