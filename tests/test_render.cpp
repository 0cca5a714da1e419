// Drawings of traces: the text timeline, the Graphviz graph, and the HTML report in a real browser.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include "tests/util.hpp"
#include "traces/render.hpp"

namespace lsmc {
namespace {

traces::Trace golden_min(const std::string& mutant) {
  return traces::read_trace_file(std::string(LSMC_SOURCE_DIR) + "/tests/golden-min/" + mutant + ".trace");
}

TEST(Render, StoryFindsTheFreeAndTheUseAfterIt) {
  const traces::Trace t = golden_min("canary");
  const traces::Story s = traces::story_of(t, {});
  ASSERT_NE(s.violation, SIZE_MAX);
  ASSERT_NE(s.cause, SIZE_MAX);
  const auto& ev = t.record.events;
  EXPECT_EQ(ev[s.cause].op, model::Op::kFree);
  EXPECT_EQ(ev[s.cause].object, ev[s.violation].object);
  EXPECT_NE(ev[s.cause].actor, ev[s.violation].actor);
  bool free_to_use = false;
  for (const auto& e : s.edges) free_to_use |= e.from == s.cause && e.to == s.violation && e.kind == "free -> use";
  EXPECT_TRUE(free_to_use);
  // Related mode hides what does not matter; --all shows everything.
  EXPECT_LT(s.shown.size(), ev.size());
  traces::RenderOptions all;
  all.all = true;
  EXPECT_EQ(traces::story_of(t, all).shown.size(), ev.size());
}

TEST(Render, DeadlockNamesTheOtherAcquisition) {
  const traces::Trace t = golden_min("swapped-lock-order");
  const traces::Story s = traces::story_of(t, {});
  ASSERT_NE(s.cause, SIZE_MAX);
  EXPECT_EQ(t.record.events[s.cause].op, model::Op::kLock);
}

TEST(Render, TextTimelineMarksThePairInOneColumnPerActor) {
  const std::string text = traces::render_text(golden_min("canary"), {});
  EXPECT_NE(text.find("VIOLATION of use-after-free"), std::string::npos);
  EXPECT_NE(text.find("!! read bpf_local_storage_elem#18.sdata.data"), std::string::npos) << text;
  EXPECT_NE(text.find(">> free bpf_local_storage_elem#18"), std::string::npos) << text;
  EXPECT_NE(text.find("reader (cpu0, task)"), std::string::npos);
  EXPECT_NE(text.find("deleter (cpu1, task)"), std::string::npos);
  EXPECT_NE(text.find("free -> use"), std::string::npos);
}

TEST(Render, DotAndSvgHighlightTheViolation) {
  const std::string dot = traces::render_dot(golden_min("canary"), {});
  EXPECT_NE(dot.find("id=\"violation\""), std::string::npos);
  EXPECT_NE(dot.find("label=\"free -> use\", color=red"), std::string::npos);
  EXPECT_NE(dot.find("subgraph cluster_a2"), std::string::npos);  // the reader's lane
  const std::string svg = traces::run_graphviz(dot, "svg");
  EXPECT_NE(svg.find("<svg"), std::string::npos);
  EXPECT_NE(svg.find("id=\"violation\""), std::string::npos);
}

TEST(Render, CommandLineRefusesBadInputPlainly) {
  const std::string dir = test::temp_dir("render");
  const std::string golden = std::string(LSMC_SOURCE_DIR) + "/tests/golden-min/canary.trace";
  EXPECT_EQ(test::run_lsmc("render " + golden, dir).code, 0);
  EXPECT_EQ(test::run_lsmc("render " + golden + " --format svg -o c.svg", dir).code, 0);
  EXPECT_TRUE(std::filesystem::file_size(dir + "/c.svg") > 1000);
  EXPECT_EQ(test::run_lsmc("render " + golden + " --format jpeg", dir).code, 2);
  EXPECT_EQ(test::run_lsmc("render " + golden + " --format png", dir).code, 2);  // png needs -o
  EXPECT_EQ(test::run_lsmc("render no-such.trace", dir).code, 2);
  EXPECT_EQ(test::run_lsmc("report " + golden, dir).code, 2);  // -o is required
}

// The report in a real browser (Debian's chromium, headless): it renders, the drawing is there,
// and the violating access is drawn in red.
TEST(Report, RendersInChromiumWithTheViolationVisible) {
  if (std::system("command -v chromium >/dev/null 2>&1") != 0) GTEST_SKIP() << "chromium is not installed";
  const std::string dir = test::temp_dir("report");
  const std::string golden = std::string(LSMC_SOURCE_DIR) + "/tests/golden-min/canary.trace";
  ASSERT_EQ(test::run_lsmc("report " + golden + " -o canary.html", dir).code, 0);
  const std::string chromium = "timeout 120 chromium --headless --no-sandbox --disable-gpu ";
  const std::string dom_file = dir + "/dom.html";
  ASSERT_EQ(std::system((chromium + "--dump-dom file://" + dir + "/canary.html > " + dom_file + " 2>/dev/null").c_str()), 0);
  const std::string dom = test::read_file(dom_file);
  EXPECT_NE(dom.find("id=\"verdict\" class=\"violation\""), std::string::npos);
  const std::size_t node = dom.find("id=\"violation\"");
  ASSERT_NE(node, std::string::npos) << "the violating event is not in the rendered page";
  const std::string group = dom.substr(node, dom.find("</g>", node) - node);
  EXPECT_NE(group.find("stroke=\"red\""), std::string::npos) << group;
  EXPECT_NE(dom.find("lsmc replay"), std::string::npos);
  const std::string png = dir + "/shot.png";
  ASSERT_EQ(std::system((chromium + "--window-size=1200,900 --screenshot=" + png + " file://" + dir +
                         "/canary.html >/dev/null 2>&1").c_str()), 0);
  EXPECT_GT(std::filesystem::file_size(png), 20000u);
}

}  // namespace
}  // namespace lsmc
