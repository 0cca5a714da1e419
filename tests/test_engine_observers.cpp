// Observers get the events of the operations they ask for (Observer::event_ops), and every
// observer still gets on_begin and on_end.
#include <gtest/gtest.h>

#include <vector>

#include "sim/execution.hpp"
#include "tests/util.hpp"

namespace lsmc {
namespace {

using model::Env;
using model::Op;

class Counting final : public sim::Observer {
public:
  explicit Counting(uint32_t ops) : ops_(ops) {}
  void on_begin(sim::Execution&) override { ++begins; }
  void on_event(sim::Execution&, const sim::Event& e) override { seen.push_back(e.op); }
  void on_end(sim::Execution&) override { ++ends; }
  uint32_t event_ops() const override { return ops_; }
  std::vector<Op> seen;
  int begins = 0, ends = 0;

private:
  uint32_t ops_;
};

TEST(EngineObservers, EachObserverSeesOnlyTheOperationsItAsksFor) {
  constexpr static std::string_view kFields[] = {"v"};
  constexpr static model::TypeInfo kType{"cell", kFields};
  test::Lambda s([](sim::Setup& setup) {
    auto& o = setup.make<model::ObjectId>(setup.env().alloc(kType, "cell"));
    auto& lock = setup.make<model::ObjectId>(setup.env().new_lock(model::LockKind::kSpin, "l"));
    for (int i = 0; i < 2; ++i) {
      setup.spawn("a" + std::to_string(i), [&o, &lock](Env& env) {
        env.lock(lock, "lock");
        env.write(o, 0, "write");
        env.unlock(lock, "unlock");
        env.read(o, 0, "read");
      });
    }
  });
  Counting every(sim::Observer::kEveryOp);
  Counting locks(sim::Observer::op_bit(Op::kLock) | sim::Observer::op_bit(Op::kUnlock));
  Counting reads(sim::Observer::op_bit(Op::kRead));
  Counting none(0);
  sim::Observer* observers[] = {&every, &locks, &reads, &none};
  sim::Config config;
  sim::Engine engine(config);
  engine.execution().set_record_events(false);
  auto strategy = sim::make_random_strategy(7);
  ASSERT_EQ(engine.run(s, {}, *strategy, observers, 0).kind, sim::VerdictKind::kPass);
  EXPECT_EQ(every.seen.size(), 8u);
  EXPECT_EQ(locks.seen, (std::vector<Op>{Op::kLock, Op::kUnlock, Op::kLock, Op::kUnlock}));
  EXPECT_EQ(reads.seen, (std::vector<Op>{Op::kRead, Op::kRead}));
  EXPECT_TRUE(none.seen.empty());
  for (const Counting* c : {&every, &locks, &reads, &none}) {
    EXPECT_EQ(c->begins, 1);
    EXPECT_EQ(c->ends, 1);
  }
  // The ones every op observer saw, in order, are the lock observer's and the read observer's.
  std::vector<Op> filtered;
  for (Op op : every.seen) {
    if (op == Op::kLock || op == Op::kUnlock) filtered.push_back(op);
  }
  EXPECT_EQ(filtered, locks.seen);
}

}  // namespace
}  // namespace lsmc
