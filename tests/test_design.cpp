// lsmc report --design: the design exploration regenerates from one command, and what it says
// is backed by traces that replay.
#include <gtest/gtest.h>

#include <filesystem>

#include "properties/lifetime.hpp"
#include "tests/util.hpp"
#include "report/design_report.hpp"
#include "traces/replay.hpp"

namespace lsmc {
namespace {

TEST(DesignReport, RegeneratesWithEveryDesignMistakeFoundAndReplayable) {
  const sim::Catalog c = test::catalog();
  const std::string dir = test::temp_dir("design");
  report::DesignReportOptions o;
  o.out = dir + "/design.md";
  o.source_dir = LSMC_SOURCE_DIR;
  o.executions = 1000;  // every verdict of the 20 000-execution report is reached by 1 000 (seed 1)
  o.dpor_executions = 100;  // the small searches end; the large ones (and lkmm, 10-30x slower) are cut
  const std::string summary = report::write_design_report(c, o);
  EXPECT_NE(summary.find("the recommended configuration holds in 12/12 scenarios, 11/11 design mistakes found"), std::string::npos)
      << summary;
  // Below the 20 000 it is written for, the report says so, but every claimed violation is reached.
  EXPECT_NE(summary.find("evidence thin: 1000 executions per run (the report is written for 20000), 0 claims not confirmed"),
            std::string::npos) << summary;
  const std::string md = test::read_file(o.out);
  EXPECT_NE(md.find("recorded: forkexit-shell.txt"), std::string::npos);  // a sequence recorded on a real machine
  EXPECT_NE(md.find("## 4. Recommendation"), std::string::npos);
  // Every design runs on the same scenarios, and its row of the matrix says what it violates.
  auto row = [&md](const std::string& design) {
    const std::size_t at = md.find("| " + design + " |");
    return at == std::string::npos ? std::string("(no row)") : md.substr(at, md.find('\n', at) - at);
  };
  EXPECT_EQ(row("proposal: generations, zero page on return (recommended)").find("**"), std::string::npos)
      << row("proposal: generations, zero page on return (recommended)");
  EXPECT_EQ(row("proposal on cgroup storage (recommended knobs)").find("**"), std::string::npos);
  EXPECT_NE(row("static pid-indexed array (today's workaround)").find("**`bpf-pointer-reused`**"), std::string::npos);
  EXPECT_NE(row("arena + task storage as sdt freed before scx_urcu").find("**`bpf-pointer-reused`**"), std::string::npos);
  EXPECT_NE(row("arena + task storage as sdt freed before scx_urcu").find("**`user-write-aliasing`**"), std::string::npos);
  EXPECT_NE(row("uptr as task-local data uses it (each thread its own)").find("**`user-unreachable`**"), std::string::npos);
  // The rivals as they are used today: sdt with scx_urcu, and uptr pointing into a daemon's memory.
  EXPECT_NE(row("arena + task storage as sdt frees today (scx_urcu)").find("**`bpf-pointer-reused`**"), std::string::npos);
  EXPECT_EQ(row("uptr used by a daemon (entries in its own memory)").find("user-unreachable"), std::string::npos);
  // Pages freed as the arena frees them: no grace period, and a racing user fault maps a fresh page.
  EXPECT_NE(row("proposal: pages freed as bpf_arena_free_pages does (at once)").find("**`bpf-pointer-reused`**"),
            std::string::npos);
  EXPECT_NE(row("proposal: pages freed as the arena does, BPF_F_SEGV_ON_FAULT").find("**`user-fault`**"), std::string::npos);
  // Every design is checked against the same resident bound: keeping pages violates it.
  EXPECT_NE(row("proposal: pages never returned").find("**`resident-bound`**"), std::string::npos);
  EXPECT_NE(row("proposal: notifications into a user-side view").find("**`handle-aliasing`**"), std::string::npos);
  // A hostile mapper: the header as first proposed (writable, trusted) is found; the recommended one holds.
  EXPECT_NE(md.find("| `header-trusted` | `kernel-state-leak` |"), std::string::npos);
  EXPECT_NE(md.find("`lsmc explore --scenario mls-hostile-mapper --mutant header-trusted --param target=1` violates"),
            std::string::npos);
  // Special fields are refused in mappable values; two maps on one task each keep their own slot.
  EXPECT_NE(md.find("| `special-fields-mapped` | `kernel-uses-user-pointer` |"), std::string::npos);
  EXPECT_NE(md.find("| `one-slot-field` | `bpf-pointer-reused` |"), std::string::npos);
  EXPECT_NE(md.find("--mutant special-fields-mapped --param field=1` violates `deadlock`"), std::string::npos);
  // DPOR at a stated size, under sc and lkmm: the small searches end, and each design mistake of the
  // scenario is found at the same size.
  EXPECT_NE(md.find("| `mls-zap-race` | `--param own_cpus=1` | 16 | holds in every schedule (search complete) | 16 | "
                    "holds in every schedule (search complete) | `zap-while-mapped`: `user-fault` at execution 3 |"),
            std::string::npos);
  EXPECT_NE(md.find("| `mls-publish` | `--param own_cpus=1` | 27 | holds in every schedule (search complete) | 27 | "
                    "holds in every schedule (search complete) | `publish-before-init`: `published-uninitialised` at execution 3 |"),
            std::string::npos);
  EXPECT_NE(md.find("| `proposal-publish-order` | default | 11 | holds in every schedule (search complete) | 85 | holds in "
                    "every schedule (search complete) | `mls-publish-gen-write-once` (lkmm): `publication` at execution 1"),
            std::string::npos);
  EXPECT_NE(md.find("| `mls-churn` | `--param own_cpus=1 --param rounds=1 --param scans=0` | 100 | holds; search not "
                    "complete |"),
            std::string::npos);
  // Socket and inode storage run the recommended knobs on every scenario too.
  EXPECT_EQ(row("proposal on socket storage (recommended knobs)").find("**"), std::string::npos);
  EXPECT_EQ(row("proposal on inode storage (recommended knobs)").find("**"), std::string::npos);
  EXPECT_NE(md.find("in 12 of 12 on socket storage and in 12 of 12 on inode storage"), std::string::npos);
  // The BPF-side cost comes from the 6.18 model's cache: the first lookup misses and fills it.
  EXPECT_NE(md.find("| today: task storage (6.18) | 12 accesses, fills the cache | 7 accesses |"), std::string::npos);
  // The plot: one panel per sequence, pages kept drawn once (the proposal without return and sdt coincide).
  const std::string svg = test::read_file(dir + "/design-exploration-churn.svg");
  std::size_t lines = 0;
  for (std::size_t at = 0; (at = svg.find("<polyline", at)) != std::string::npos; ++at) ++lines;
  EXPECT_EQ(lines, 5u * 3u);
  // At scale, and every question upstream asked.
  EXPECT_NE(md.find("| synthetic make -j64 over 3000 live tasks |"), std::string::npos);
  EXPECT_NE(md.find("## 6. Questions upstream asked"), std::string::npos);
  EXPECT_NE(md.find("Why a new `task_struct` field, and which map gets it?"), std::string::npos);
  // The same command writes the same document, byte for byte (but for the output path it names):
  // checked at a small budget (the same code runs; twice the full report would double the test,
  // the slowest of CI).
  report::DesignReportOptions small = o;
  small.executions = 50;
  small.dpor_executions = 20;
  const std::string dir1 = test::temp_dir("design-small"), dir2 = test::temp_dir("design-again");
  small.out = dir1 + "/design.md";
  report::write_design_report(c, small);
  report::DesignReportOptions again = small;
  again.out = dir2 + "/design.md";
  report::write_design_report(c, again);
  const std::string md1 = test::read_file(small.out);
  std::string md2 = test::read_file(again.out);
  for (std::size_t at; (at = md2.find(dir2)) != std::string::npos;) md2.replace(at, dir2.size(), dir1);
  EXPECT_EQ(md1, md2);
  for (const char* m : {"publish-before-init", "zap-while-mapped", "handle-survives-exit",
                        "arena+task-storage--mls-reader-vs-delete", "proposal-notify--mls-zap-race"}) {
    const traces::Trace t = traces::read_trace_file(dir + "/design-traces/" + m + ".trace");
    const traces::ReplayResult r = traces::replay(t, c, properties::default_observers);
    EXPECT_EQ(r.status, traces::ReplayStatus::kReproduced) << m << ": " << r.message;
  }
}

// A budget too small to reach the claimed violations still writes the report: it says its evidence
// is thin and lists each claim it could not confirm (it used to stop with "internal error").
TEST(DesignReport, ASmallBudgetWritesAReportThatSaysItsEvidenceIsThin) {
  const std::string dir = test::temp_dir("design-thin");
  // On a terminal (script(1) gives it one; stdout and stderr both go to it) the report says which
  // of its sections it is running, with the time so far: the full report takes minutes.
  const auto r = test::run_shell("script -qec \"'" + test::lsmc_program() +
                                     "' report --design --executions 10 -o thin.md\" /dev/null",
                                 dir);
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("report --design: [1/11] the property matrix (every variant on every scenario) (0 s so far)"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("report --design: [11/11] questions upstream asked (their runs) ("), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("evidence thin: 10 executions per run"), std::string::npos) << r.out;
  const std::string md = test::read_file(dir + "/thin.md");
  EXPECT_NE(md.find("> **Evidence is thin.** This report ran 10 executions per scenario and mutant"), std::string::npos);
  EXPECT_NE(md.find("`handle-aliasing`, not confirmed at 10 executions"), std::string::npos);
  EXPECT_NE(md.find("## 6."), std::string::npos);  // written to the end
  // A bad budget is one message and exit 2.
  const auto bad = test::run_lsmc("report --design --executions 9 -o bad.md", dir);
  EXPECT_EQ(bad.code, 2) << bad.out << bad.err;
  EXPECT_NE(bad.err.find("--executions: 9 is outside [10, 100000000]"), std::string::npos) << bad.err;
}

}  // namespace
}  // namespace lsmc
