// The linearizability checker on hand-made histories (each states its verdict), and on the
// model's concurrent histories.
#include <gtest/gtest.h>

#include "properties/lifetime.hpp"
#include "properties/linearizability.hpp"
#include "sim/runner.hpp"
#include "tests/util.hpp"

namespace lsmc {
namespace {

using properties::HistoryOp;
using K = HistoryOp::Kind;

HistoryOp op(K kind, uint64_t call, uint64_t ret, int err = 0, int64_t value = 0, uint64_t flags = 0, int64_t arg = 0) {
  HistoryOp o;
  o.kind = kind;
  o.call = call;
  o.ret = ret;
  o.err = err;
  o.value = value;
  o.flags = flags;
  o.arg = arg;
  o.found = kind == K::kGet || kind == K::kGetCreate ? err == 0 : false;
  return o;
}

TEST(Linearizability, OverlappingOperationsMayTakeEitherOrder) {
  // update(1) overlaps a lookup that saw nothing: the lookup goes first.
  EXPECT_TRUE(properties::check_linearizable({op(K::kUpdate, 0, 3, 0, 0, 0, 1), op(K::kLookup, 1, 2, 2)}).ok);
  // ... or saw the new value: the update goes first.
  EXPECT_TRUE(properties::check_linearizable({op(K::kUpdate, 0, 3, 0, 0, 0, 1), op(K::kLookup, 1, 2, 0, 1)}).ok);
}

TEST(Linearizability, RealTimeOrderIsRespected) {
  // update(1) returned before the lookup was called, yet the lookup saw nothing.
  const auto r = properties::check_linearizable({op(K::kUpdate, 0, 1, 0, 0, 0, 1), op(K::kLookup, 2, 3, 2)});
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.explanation.find("no order of partition 0"), std::string::npos) << r.explanation;
}

TEST(Linearizability, ValuesMustHaveBeenWritten) {
  EXPECT_FALSE(properties::check_linearizable({op(K::kLookup, 0, 1, 0, 7)}).ok);
  // Two NOEXIST creations that both succeed cannot be ordered.
  EXPECT_FALSE(properties::check_linearizable({op(K::kUpdate, 0, 3, 0, 0, 1, 1), op(K::kUpdate, 1, 2, 0, 0, 1, 2)}).ok);
  // One wins, the other gets EEXIST: fine in either real-time overlap.
  EXPECT_TRUE(properties::check_linearizable({op(K::kUpdate, 0, 3, 0, 0, 1, 1), op(K::kUpdate, 1, 2, 17, 0, 1, 2)}).ok);
}

TEST(Linearizability, PartitionsAreIndependent) {
  HistoryOp a = op(K::kUpdate, 0, 1, 0, 0, 0, 1);
  HistoryOp b = op(K::kLookup, 2, 3, 2);
  b.partition = 1;  // another owner or map: nothing written there
  EXPECT_TRUE(properties::check_linearizable({a, b}).ok);
}

// In 6.18 a syscall delete racing an update(BPF_EXIST) can return 0 and delete nothing: the
// history is not linearizable. The checker finds it in the model (delete-vs-replace).
TEST(Linearizability, DeleteRacingAReplaceIsNotLinearizableIn618) {
  const sim::Catalog c = test::catalog();
  sim::RunRequest r;
  r.scenario = c.find("delete-vs-replace");
  ASSERT_NE(r.scenario, nullptr);
  r.config.executions_max = 20000;
  r.observers = properties::default_observers;
  ASSERT_FALSE(sim::resolve_params(*r.scenario, {}, r.params));
  const auto rep = sim::run(r);
  ASSERT_EQ(rep.outcome, sim::Outcome::kViolation);
  EXPECT_EQ(rep.failure->verdict.property, "linearizability");
  EXPECT_NE(rep.failure->verdict.message.find("user0: delete -> 0"), std::string::npos) << rep.failure->verdict.message;
  EXPECT_NE(rep.failure->verdict.message.find("prog: get -> 3"), std::string::npos) << rep.failure->verdict.message;
}

}  // namespace
}  // namespace lsmc
