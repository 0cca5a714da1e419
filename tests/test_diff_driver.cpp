// The differential driver kernel diff and mls diff share (properties/diff/driver.hpp), on
// integer "operations" whose outcome is the operation itself: what it reports when the sides
// agree, disagree, return too few outcomes, or when this machine fails.
#include <gtest/gtest.h>

#include "properties/diff/driver.hpp"

namespace lsmc {
namespace {

using properties::diff::drive;
using properties::diff::DriverOptions;

rc::Gen<std::vector<int>> ints() { return rc::gen::container<std::vector<int>>(rc::gen::inRange(0, 100)); }
std::vector<int> same(const std::vector<int>& ops) { return ops; }

TEST(DiffDriver, SidesThatAgreeRunEverySequence) {
  const auto r = drive<int, int>(DriverOptions{1, 50, 10, "t"}, ints(), same, same);
  EXPECT_EQ(r.sequences, 50);
  EXPECT_FALSE(r.mismatch.has_value());
  EXPECT_TRUE(r.machine_error.empty());
}

TEST(DiffDriver, ADisagreementIsShrunkToItsFirstDifferingOperation) {
  const auto wrong = [](const std::vector<int>& ops) {
    std::vector<int> out = ops;
    for (int& v : out) v = v >= 5 ? -1 : v;  // wrong on every operation of 5 and above (values grow with the size, at most 10 here)
    return out;
  };
  const auto r = drive<int, int>(DriverOptions{1, 200, 10, "t"}, ints(), same, wrong);
  ASSERT_TRUE(r.mismatch.has_value());
  EXPECT_TRUE(r.mismatch->error.empty()) << r.mismatch->error;
  ASSERT_EQ(r.mismatch->ops.size(), 1u) << "shrunk to the one operation that differs";
  EXPECT_EQ(r.mismatch->ops[0], 5) << "and to the smallest value that differs";
  EXPECT_EQ(r.mismatch->index, 0u);
}

TEST(DiffDriver, TooFewOutcomesAreAnErrorNotAnAgreement) {
  const auto short_side = [](const std::vector<int>& ops) {
    return std::vector<int>(ops.begin(), ops.begin() + static_cast<long>(ops.size() / 2));
  };
  const auto r = drive<int, int>(DriverOptions{1, 100, 10, "t"}, ints(), same, short_side);
  ASSERT_TRUE(r.mismatch.has_value());
  EXPECT_NE(r.mismatch->error.find("outcomes for"), std::string::npos) << r.mismatch->error;
}

TEST(DiffDriver, AMachineErrorStopsTheRunWithoutAMismatch) {
  int calls = 0;
  const auto failing = [&calls](const std::vector<int>& ops) {
    if (++calls == 7) throw properties::diff::MachineError("no more processes");
    return ops;
  };
  const auto r = drive<int, int>(DriverOptions{1, 100, 10, "t"}, ints(), same, failing);
  EXPECT_FALSE(r.mismatch.has_value());
  EXPECT_EQ(r.machine_error, "no more processes");
  EXPECT_EQ(r.sequences, 7) << "nothing runs after the machine failed";
}

TEST(DiffDriver, AModelThatThrowsIsAFailureNamedAfterTheModel) {
  const auto throwing = [](const std::vector<int>& ops) -> std::vector<int> {
    if (ops.size() > 3) throw std::runtime_error("model bug");
    return ops;
  };
  const auto r = drive<int, int>(DriverOptions{1, 100, 10, "t"}, ints(), throwing, same);
  ASSERT_TRUE(r.mismatch.has_value());
  EXPECT_EQ(r.mismatch->error, "the model failed: model bug");
  EXPECT_EQ(r.mismatch->ops.size(), 4u) << "shrunk to the shortest sequence that throws";
}

}  // namespace
}  // namespace lsmc
