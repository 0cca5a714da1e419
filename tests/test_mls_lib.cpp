// The mls library's host build (docs/mls.md, "One source, two targets"): the proposal's scenarios
// run against mls_test.bpf.c and mls.c themselves, with the verdicts the model gives the design
// the library is (the proposal with pages never returned: the region is preallocated), every
// library mutant is found (tests/test_kernel.cpp's MutantTest, with golden traces, covers every
// mutant of the catalog, these too), and the residual risk of user-writable header words shows.
#include <gtest/gtest.h>

#include <map>
#include <vector>
#include <string>

#include "properties/lifetime.hpp"
#include "sim/runner.hpp"
#include "tests/util.hpp"

namespace lsmc {
namespace {

sim::RunReport run(const sim::Catalog& c, const std::string& scenario, const std::map<std::string, int64_t>& given,
                   uint64_t executions, const std::string& mutant = "") {
  sim::RunRequest req;
  req.scenario = c.find(scenario);
  EXPECT_NE(req.scenario, nullptr) << scenario;
  req.config.executions_max = executions;
  req.config.mutant = mutant;
  req.observers = properties::default_observers;
  if (auto err = sim::resolve_params(*req.scenario, given, req.params)) ADD_FAILURE() << *err;
  return sim::run(req);
}

// Each library scenario, the model's scenario it is the counterpart of, and the verdict both give
// (the model's proposal with pages never returned, layout 0 and page_return 0: what the library
// is). "" is "holds".
struct Counterpart {
  std::string lib, model, verdict;
};
const std::vector<Counterpart> kCounterparts = {
    {"mls-lib-publish", "mls-publish", ""},       {"mls-lib-pid-reuse", "mls-pid-reuse", ""},
    {"mls-lib-reader-vs-delete", "mls-reader-vs-delete", ""}, {"mls-lib-atomic-create", "mls-atomic-create", ""},
    {"mls-lib-user-write", "mls-user-write", ""}, {"mls-lib-zap-race", "mls-zap-race", ""},
    {"mls-lib-churn", "mls-churn", "resident-bound"},
};

TEST(MlsLibrary, EveryScenarioHasTheVerdictOfTheModelsDesign) {
  const sim::Catalog c = test::catalog();
  for (const Counterpart& k : kCounterparts) {
    const sim::RunReport m = run(c, k.model, {{"layout", 0}, {"page_return", 0}}, 1500);
    const sim::RunReport l = run(c, k.lib, {}, 1500);
    for (const auto* r : {&m, &l}) {
      const std::string& name = r == &m ? k.model : k.lib;
      if (k.verdict.empty()) {
        EXPECT_FALSE(r->failure) << name << ": " << r->failure->verdict.property << ": " << r->failure->verdict.message;
      } else {
        ASSERT_TRUE(r->failure) << name << ": nothing found";
        EXPECT_EQ(r->failure->verdict.property, k.verdict) << name << ": " << r->failure->verdict.message;
      }
    }
  }
}

TEST(MlsLibrary, AStrayStoreToAHeaderWordBreaksTheProtocol) {
  const sim::Catalog c = test::catalog();
  const sim::RunReport r = run(c, "mls-lib-header-store", {}, 20000);
  ASSERT_TRUE(r.failure) << "the residual risk did not show in " << r.executions << " executions";
  EXPECT_TRUE(r.failure->verdict.property == "user-write-aliasing" ||
              r.failure->verdict.property == "published-uninitialised")
      << r.failure->verdict.property << ": " << r.failure->verdict.message;
}

}  // namespace
}  // namespace lsmc
