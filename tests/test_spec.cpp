// The model against the sequential reference spec, on RapidCheck-generated operation sequences
// (the same generator and shrinking as `lsmc kernel diff`, with the spec in the kernel's place).
#include <gtest/gtest.h>

#include "properties/diff/diff.hpp"

namespace lsmc {
namespace {

TEST(Spec, ModelAgreesWithTheSequentialSpec) {
  properties::diff::ModelBackend model_backend;
  properties::diff::SpecBackend spec;
  for (uint64_t seed : {1u, 2u, 3u}) {
    properties::diff::DiffOptions o;
    o.seed = seed;
    o.sequences = 150;
    o.length_max = 32;
    const auto r = properties::diff::run_diff(model_backend, spec, o);
    EXPECT_FALSE(r.mismatch.has_value()) << "seed " << seed << "\n" << properties::diff::describe(*r.mismatch);
  }
}

// The harness itself: a spec that is wrong about one errno must be caught and shrunk.
class OffByOneSpec final : public model::Backend {
public:
  std::string name() const override { return "wrong"; }
  std::vector<model::Outcome> run(const std::vector<model::StorageOp>& ops) override {
    auto out = spec_.run(ops);
    for (std::size_t i = 0; i < ops.size(); ++i) {
      if (ops[i].kind == model::OpKind::kSysDelete && out[i].err == 2) out[i].err = 17;  // ENOENT -> EEXIST
    }
    return out;
  }

private:
  properties::diff::SpecBackend spec_;
};

TEST(Spec, AWrongBackendIsCaughtAndShrunk) {
  properties::diff::ModelBackend model_backend;
  OffByOneSpec wrong;
  properties::diff::DiffOptions o;
  o.sequences = 200;
  const auto r = properties::diff::run_diff(model_backend, wrong, o);
  ASSERT_TRUE(r.mismatch.has_value());
  EXPECT_EQ(r.mismatch->ops[r.mismatch->index].kind, model::OpKind::kSysDelete);
  EXPECT_LE(r.mismatch->ops.size(), 4u) << properties::diff::describe(*r.mismatch);  // shrunk
}

}  // namespace
}  // namespace lsmc
