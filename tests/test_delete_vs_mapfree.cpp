// A syscall delete and bpf_map_free_deferred() on the same map (issues 12, 14): the kernel cannot
// run them together (map_delete_elem() holds the map's fd for the whole call), and when a scenario
// does anyway, 7.0's bpf_selem_unlink() meets the NULL selem->local_storage that
// bpf_selem_unlink_nofail() left: a reported null-dereference, never a host crash.
#include <gtest/gtest.h>

#include "model/linux/task_storage.hpp"
#include "properties/lifetime.hpp"
#include "properties/scenarios/kernel_helpers.hpp"
#include "sim/runner.hpp"
#include "tests/util.hpp"

namespace lsmc {
namespace {

namespace mk = model::kernel;
namespace ps = properties::scenarios;

sim::RunReport run_from(const sim::Scenario& s, uint64_t first, uint64_t executions) {
  sim::RunRequest req;
  req.scenario = &s;
  req.config.profile = "linux-7.0";
  req.config.execution_first = first;
  req.config.executions_max = executions;
  req.observers = properties::default_observers;
  return sim::run(req);
}

// Execution 15430 of sleepable-vs-mapfree (seed 1, portfolio) segfaulted the host before the
// scenario made close_map wait for the delete to return.
TEST(DeleteVsMapfree, TheScenarioIsCleanOn7_0WhereItCrashed) {
  const sim::Catalog c = test::catalog();
  const sim::RunReport one = run_from(*c.find("sleepable-vs-mapfree"), 15430, 1);
  EXPECT_EQ(one.outcome, sim::Outcome::kNothingFound) << (one.failure ? one.failure->verdict.message : "");
  EXPECT_EQ(one.executions, 1u);
#ifdef LSMC_SANITIZE
  const uint64_t range = 500;
#else
  const uint64_t range = 5000;
#endif
  const sim::RunReport r = run_from(*c.find("sleepable-vs-mapfree"), 15000, range);
  EXPECT_EQ(r.outcome, sim::Outcome::kNothingFound) << (r.failure ? r.failure->verdict.message : "");
  EXPECT_EQ(r.executions, range);
}

// The race the kernel excludes, built on purpose: the map is freed while the delete runs.
TEST(DeleteVsMapfree, ADeleteRacingMapFreeIsAFindingNotAHostCrash) {
  test::Lambda s([](sim::Setup& setup) {
    ps::World& w = ps::make_world(setup, {ps::knobs_with(), false});
    mk::Smap& m = ps::task_map(setup.env(), w);
    mk::Task& t = mk::task_for_scenario(setup.env(), w.k, "p", 100);
    ps::seed_element(setup.env(), w, m, t, 5);
    ps::spawn_work(setup, w, "deleter", 0, [&w, &m, &t](model::Env& e) { mk::sys_map_delete_elem(e, w.k, m, ps::pidfd_of(t)); });
    ps::spawn_work(setup, w, "close_map", 1, [&w, &m](model::Env& e) { mk::bpf_map_free_deferred(e, w.k, m); });
  });
  sim::RunRequest req;
  req.scenario = &s;
  req.config.profile = "linux-7.0";
  req.config.strategy = "dfs";
  req.config.executions_max = 20000;
  req.observers = properties::default_observers;
  const sim::RunReport r = sim::run(req);
  ASSERT_TRUE(r.failure.has_value()) << "the delete never met a cleared selem->local_storage";
  EXPECT_EQ(r.failure->verdict.property, "null-dereference") << r.failure->verdict.message;
  EXPECT_NE(r.failure->verdict.message.find("bpf_selem_unlink"), std::string::npos) << r.failure->verdict.message;
}

}  // namespace
}  // namespace lsmc
