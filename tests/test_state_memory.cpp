// The scenario's state (Setup::make) lives in memory the execution keeps for the next one
// (sim/state_memory.hpp): the same blocks are taken again, and each value is still built and
// destroyed once an execution, in the order it was made.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "sim/execution.hpp"
#include "sim/state_memory.hpp"
#include "tests/util.hpp"

namespace lsmc {
namespace {

TEST(StateMemory, ABlockIsTakenAgainInTheNextExecutionAndOneNotTakenIsReleased) {
  sim::StateMemory m;
  void* a = m.take(1304, 8);
  void* b = m.take(1304, 8);
  void* c = m.take(24, 8);
  EXPECT_NE(a, b);
  EXPECT_EQ(m.blocks(), 3u);
  m.next_execution();
  EXPECT_EQ(m.take(1304, 8), a) << "the first free block of that size and alignment";
  EXPECT_EQ(m.take(24, 8), c);
  void* d = m.take(24, 16);
  EXPECT_NE(d, c) << "another alignment is another block";
  EXPECT_EQ(m.blocks(), 4u);
  m.next_execution();  // b was not taken in that execution: released
  EXPECT_EQ(m.blocks(), 3u);
  m.next_execution();  // nothing taken: everything released
  EXPECT_EQ(m.blocks(), 0u);
}

// Two executions of one scenario: the second one's state is made at the addresses of the first
// one's, and each value was constructed and destroyed once an execution, in the order made.
TEST(StateMemory, AnExecutionsStateIsMadeWhereTheLastOnesWasAndDestroyedInOrder) {
  struct Log {
    std::vector<std::string> lines;
  } log;
  struct Noted {
    Noted(Log& l, std::string n) : log(l), name(std::move(n)) { log.lines.push_back("make " + name); }
    ~Noted() { log.lines.push_back("drop " + name); }
    Log& log;
    std::string name;
    char big[1200] = {};  // over malloc's thread-cache limit, as a kernel World is
  };
  std::vector<const void*> at;
  test::Lambda s([&](sim::Setup& setup) {
    at.push_back(&setup.make<Noted>(log, "world"));
    at.push_back(&setup.make<std::vector<int>>(3, 7));
    setup.spawn("a", [](model::Env& env) { env.yield("a: step"); });
  });
  sim::Config config;
  sim::Engine engine(config);
  test::Steps strategy;
  const sim::Params params;
  std::vector<std::unique_ptr<char[]>> held;  // what malloc would hand out again otherwise
  for (uint64_t i = 0; i < 2; ++i) {
    const sim::Verdict& v = engine.run(s, params, strategy, {}, i);
    ASSERT_EQ(v.kind, sim::VerdictKind::kPass) << v.message;
    for (std::size_t bytes = sizeof(Noted); bytes <= sizeof(Noted) + 32; bytes += 8) {
      held.push_back(std::make_unique<char[]>(bytes));
    }
    held.push_back(std::make_unique<char[]>(sizeof(std::vector<int>) + 8));
  }
  EXPECT_EQ(engine.execution().kept_state_memory().blocks(), 2u);
  ASSERT_EQ(at.size(), 4u);
  EXPECT_EQ(at[2], at[0]);
  EXPECT_EQ(at[3], at[1]);
  EXPECT_EQ(log.lines, (std::vector<std::string>{"make world", "drop world", "make world", "drop world"}));
}

// A state whose constructor fails the execution (a property violated during set-up): the run
// reports it, and the memory is taken back at the end of the execution.
TEST(StateMemory, AConstructorThatFailsDuringSetUpLeavesNothingBehind) {
  struct Failing {
    explicit Failing(model::Env& env) { env.fail("assertion", "set-up failed"); }
  };
  test::Lambda s([&](sim::Setup& setup) {
    setup.make<Failing>(setup.env());
    setup.spawn("a", [](model::Env& env) { env.yield("a: step"); });
  });
  sim::Config config;
  sim::Engine engine(config);
  test::Steps strategy;
  const sim::Params params;
  for (uint64_t i = 0; i < 3; ++i) {
    const sim::Verdict& v = engine.run(s, params, strategy, {}, i);
    EXPECT_EQ(v.kind, sim::VerdictKind::kViolation);
    EXPECT_EQ(v.message, "set-up failed");
    EXPECT_EQ(engine.execution().kept_state_memory().blocks(), 1u) << "the one block, taken again in every run";
  }
}

}  // namespace
}  // namespace lsmc
