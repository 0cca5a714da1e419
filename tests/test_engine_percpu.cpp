// Per-CPU data (Env::percpu): on a CPU with one actor its accesses are steps and events but not
// scheduling points; the engine holds the declaration to account in every execution.
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <string>
#include <vector>

#include "sim/execution.hpp"
#include "tests/util.hpp"

namespace lsmc {
namespace {

using model::Env;

constexpr std::string_view kFields[] = {"count"};
constexpr model::TypeInfo kType{"counter", kFields};

struct Objects {
  model::ObjectId cpu1 = 0, shared = 0;
};

// Actor "inc" on CPU 1 increments and decrements CPU 1's counter between writes of a shared variable;
// "other" writes the shared variable on `other_cpu`. `declare`: the counter is CPU 1's per-CPU data.
struct Result {
  sim::Verdict verdict;
  std::vector<sim::Event> events;
  std::vector<uint64_t> asked;
};
Result run(bool declare, uint16_t other_cpu, const std::function<void(Env&, const Objects&)>& other = nullptr) {
  test::Lambda s([&](sim::Setup& setup) {
    Objects& o = setup.make<Objects>();
    o.cpu1 = setup.env().alloc(kType, "DEFINE_PER_CPU(counter)");
    o.shared = setup.env().alloc(kType, "shared");
    if (declare) setup.env().percpu(o.cpu1, 1);
    setup.spawn("inc", [&o](Env& env) {
      env.rmw(o.cpu1, 0, "this_cpu_inc");
      env.write(o.shared, 0, "inc: write");
      env.rmw(o.cpu1, 0, "this_cpu_dec");
      env.write(o.shared, 0, "inc: write again");
    }, {1});
    setup.spawn("other", [&o, other](Env& env) {
      if (other) other(env, o);
      env.write(o.shared, 0, "other: write");
    }, {other_cpu});
  });
  sim::Config config;
  sim::Engine engine(config);
  test::Steps strategy;
  sim::Params params;
  Result r;
  r.verdict = engine.run(s, params, strategy, {}, 0);
  r.events = engine.execution().events();
  r.asked = strategy.asked;
  return r;
}

std::vector<uint64_t> steps_of(const Result& r, const std::string& label) {
  std::vector<uint64_t> steps;
  for (const sim::Event& e : r.events) {
    if (e.label == label) steps.push_back(e.step);
  }
  return steps;
}

bool asked_at(const Result& r, uint64_t step) {
  return std::find(r.asked.begin(), r.asked.end(), step) != r.asked.end();
}

TEST(EnginePercpu, AnAccessOnACpuWithOneActorIsAStepAndAnEventButNotASchedulingPoint) {
  const Result declared = run(true, 2);
  const Result plain = run(false, 2);
  ASSERT_EQ(declared.verdict.kind, sim::VerdictKind::kPass) << declared.verdict.message;
  ASSERT_EQ(plain.verdict.kind, sim::VerdictKind::kPass) << plain.verdict.message;
  // The same events at the same steps: traces and checkers see every access.
  ASSERT_EQ(declared.events.size(), plain.events.size());
  for (std::size_t i = 0; i < plain.events.size(); ++i) {
    EXPECT_EQ(declared.events[i].step, plain.events[i].step);
    EXPECT_EQ(declared.events[i].label, plain.events[i].label);
  }
  const std::vector<uint64_t> incs = steps_of(declared, "this_cpu_inc");
  const std::vector<uint64_t> decs = steps_of(declared, "this_cpu_dec");
  ASSERT_EQ(incs.size(), 1u);
  ASSERT_EQ(decs.size(), 1u);
  // Declared, the strategy is not asked at the counter's steps; undeclared, it is.
  EXPECT_FALSE(asked_at(declared, incs[0]));
  EXPECT_FALSE(asked_at(declared, decs[0]));
  EXPECT_TRUE(asked_at(plain, incs[0]));
  EXPECT_TRUE(asked_at(plain, decs[0]));
  EXPECT_EQ(declared.asked.size() + 2, plain.asked.size());
}

// A task and another actor on the same CPU (an interrupt, a task preempting it) can both reach the
// CPU's data: its accesses stay scheduling points.
TEST(EnginePercpu, AnAccessOnACpuWithTwoActorsIsASchedulingPoint) {
  const Result r = run(true, 1);
  ASSERT_EQ(r.verdict.kind, sim::VerdictKind::kPass) << r.verdict.message;
  const std::vector<uint64_t> incs = steps_of(r, "this_cpu_inc");
  ASSERT_EQ(incs.size(), 1u);
  EXPECT_TRUE(asked_at(r, incs[0]));
}

TEST(EnginePercpu, AnAccessFromAnotherCpuIsAModelError) {
  const Result r = run(true, 2, [](Env& env, const Objects& o) { env.read(o.cpu1, 0, "other: per_cpu(counter, 1)"); });
  ASSERT_EQ(r.verdict.kind, sim::VerdictKind::kViolation);
  EXPECT_EQ(r.verdict.property, "model-error");
  EXPECT_NE(r.verdict.message.find("other on CPU 2 reaches counter#1, CPU 1's per-CPU data, in other: per_cpu(counter, 1)"),
            std::string::npos)
      << r.verdict.message;
}

TEST(EnginePercpu, AFreeFromAnotherCpuIsAModelError) {
  const Result r = run(true, 2, [](Env& env, const Objects& o) { env.free(o.cpu1, "other: free_percpu"); });
  ASSERT_EQ(r.verdict.kind, sim::VerdictKind::kViolation);
  EXPECT_EQ(r.verdict.property, "model-error");
  EXPECT_NE(r.verdict.message.find("CPU 1's per-CPU data, in other: free_percpu"), std::string::npos) << r.verdict.message;
}

TEST(EnginePercpu, AnActorChangingCpuIsAModelError) {
  const Result r = run(true, 2, [](Env& env, const Objects&) {
    env.yield("other: yield");
    env.context().cpu = 3;
    env.yield("other: on CPU 3");
  });
  ASSERT_EQ(r.verdict.kind, sim::VerdictKind::kViolation);
  EXPECT_EQ(r.verdict.property, "model-error");
  EXPECT_NE(r.verdict.message.find("other moved from CPU 2 to CPU 3 in a run with per-CPU data"), std::string::npos)
      << r.verdict.message;
}

TEST(EnginePercpu, DeclaringPerCpuDataInAnActorIsAModelError) {
  const Result r = run(false, 2, [](Env& env, const Objects& o) { env.percpu(o.shared, 2); });
  ASSERT_EQ(r.verdict.kind, sim::VerdictKind::kViolation);
  EXPECT_EQ(r.verdict.property, "model-error");
  EXPECT_NE(r.verdict.message.find("is declared by other; Env::percpu is for set-up"), std::string::npos)
      << r.verdict.message;
}

}  // namespace
}  // namespace lsmc
