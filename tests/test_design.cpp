// lsmc report --design: the design exploration regenerates from one command, and what it says
// is backed by traces that replay.
#include <gtest/gtest.h>

#include <filesystem>

#include "properties/lifetime.hpp"
#include "tests/util.hpp"
#include "tools/design_report.hpp"
#include "traces/replay.hpp"

namespace lsmc {
namespace {

TEST(DesignReport, RegeneratesWithEveryDesignMistakeFoundAndReplayable) {
  const sim::Catalog c = test::catalog();
  const std::string dir = test::temp_dir("design");
  cli::DesignReportOptions o;
  o.out = dir + "/design.md";
  o.source_dir = LSMC_SOURCE_DIR;
  o.executions = 2000;
  const std::string summary = cli::write_design_report(c, o);
  EXPECT_NE(summary.find("the recommended configuration holds in 6/6 scenarios, 7/7 design mistakes found"), std::string::npos)
      << summary;
  const std::string md = test::read_file(o.out);
  EXPECT_NE(md.find("recorded: forkexit-shell.txt"), std::string::npos);  // a sequence recorded on a real machine
  EXPECT_NE(md.find("## 4. Recommendation"), std::string::npos);
  // Every design runs on the same scenarios, and the matrix says what each violates.
  EXPECT_NE(md.find("| proposal: generations, zero page on return (recommended) | holds | holds | holds | holds | holds | holds |"),
            std::string::npos) << md;
  EXPECT_NE(md.find("| static pid-indexed array (today's workaround) | holds | holds | **`bpf-pointer-reused`** |"),
            std::string::npos);
  EXPECT_NE(md.find("| arena + task storage (sched_ext's sdt) | holds | holds | **`bpf-pointer-reused`** |"),
            std::string::npos);
  EXPECT_NE(md.find("| uptr (task-local data) | **`user-unreachable`** |"), std::string::npos);
  EXPECT_NE(md.find("| proposal: returned pages left absent | holds | holds | holds | holds | **`user-fault`** |"),
            std::string::npos);
  // The BPF-side cost comes from the 6.18 model's cache: the first lookup misses and fills it.
  EXPECT_NE(md.find("| today: task storage (6.18) | 12 accesses, fills the cache | 7 accesses |"), std::string::npos);
  EXPECT_TRUE(std::filesystem::exists(dir + "/design-exploration-churn.svg"));
  for (const char* m : {"publish-before-init", "zap-while-mapped", "handle-survives-exit",
                        "arena+task-storage--mls-reader-vs-delete", "proposal-notify--mls-zap-race"}) {
    const traces::Trace t = traces::read_trace_file(dir + "/design-traces/" + m + ".trace");
    const traces::ReplayResult r = traces::replay(t, c, properties::default_observers);
    EXPECT_EQ(r.status, traces::ReplayStatus::kReproduced) << m << ": " << r.message;
  }
}

}  // namespace
}  // namespace lsmc
