// A syscall on a map and the close of the map's fd (issues 12, 14): map_delete_elem() holds the
// fd's file from fdget() to fdput() (kernel/bpf/syscall.c), so the map is freed only at the last
// put, the close's or the syscall's (model/linux/map_fd.hpp). Before the model held the fd, a
// scenario freed the map mid-delete, and on 7.0 bpf_selem_unlink() met the NULL
// selem->local_storage that bpf_selem_unlink_nofail() left (execution 15430 segfaulted the host).
#include <gtest/gtest.h>

#include <string>

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

sim::RunReport run_dpor(const sim::Scenario& s, const std::string& profile) {
  sim::RunRequest req;
  req.scenario = &s;
  req.config.profile = profile;
  req.config.strategy = "dfs";
  req.config.preemption_bound = 1;
  req.config.executions_max = 20000;
  req.observers = properties::default_observers;
  return sim::run(req);
}

// sleepable-vs-mapfree closes the map's fd once the program is detached, while the delete may
// still run; execution 15430 (seed 1, portfolio) crashed the host when the close freed the map.
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

// A delete and a close of the map's fd, every interleaving: the delete either finds the fd closed
// (EBADF, nothing touched) or holds the file, and then the map goes at whichever put is last.
// Without the fd's reference, the close frees the map under the delete: a use-after-free on 6.18,
// the NULL selem->local_storage on 7.0.
test::Lambda close_during_delete() {
  return test::Lambda([](sim::Setup& setup) {
    ps::World& w = ps::make_world(setup, {ps::knobs_with(), false});
    mk::Smap& m = ps::task_map(setup.env(), w);
    mk::Task& t = mk::task_for_scenario(setup.env(), w.k, "p", 100);
    ps::seed_element(setup.env(), w, m, t, 5);
    ps::spawn_work(setup, w, "deleter", 0, [&w, &m, &t](model::Env& e) {
      const int err = mk::sys_map_delete_elem(e, w.k, m, ps::pidfd_of(t));
      if (err == mk::kEBADF) return e.probe("test: the delete found the fd closed");
      e.check(err == 0, "spec", "the delete returned errno " + std::to_string(err));
      e.probe(m.refcnt == 0 ? "test: the delete's fdput freed the map" : "test: the close will free the map");
    });
    ps::spawn_work(setup, w, "close_map", 1, [&w, &m](model::Env& e) {
      e.check(mk::close_fd(e, w.k, m) == 0, "spec", "close(map_fd) failed");
      if (m.refcnt != 0) e.probe("test: the close left the map to the delete");
    });
  });
}

TEST(DeleteVsMapfree, CloseDuringADeleteFreesTheMapAtTheLastPut) {
  const test::Lambda s = close_during_delete();
  for (const std::string profile : {"linux-6.18", "linux-7.0"}) {
    const sim::RunReport r = run_dpor(s, profile);
    ASSERT_EQ(r.outcome, sim::Outcome::kNothingFound)
        << profile << ": " << (r.failure ? r.failure->verdict.property + ": " + r.failure->verdict.message : "");
    EXPECT_LT(r.executions, 20000u) << profile << ": the search did not complete";
    for (const char* probe : {"test: the delete found the fd closed", "test: the delete's fdput freed the map",
                              "test: the close will free the map", "test: the close left the map to the delete"}) {
      EXPECT_GT(r.probe_hits.count(probe), 0u) << profile << ": never " << probe;
    }
  }
}

// A scenario that frees the map itself (bpf_map_free_deferred(), the last put) while a syscall
// holds the fd asks for what the kernel cannot do: a model error, not a kernel finding.
TEST(DeleteVsMapfree, FreeingTheMapUnderARunningSyscallIsAModelError) {
  test::Lambda s([](sim::Setup& setup) {
    ps::World& w = ps::make_world(setup, {ps::knobs_with(), false});
    mk::Smap& m = ps::task_map(setup.env(), w);
    mk::Task& t = mk::task_for_scenario(setup.env(), w.k, "p", 100);
    ps::seed_element(setup.env(), w, m, t, 5);
    ps::spawn_work(setup, w, "deleter", 0, [&w, &m, &t](model::Env& e) { mk::sys_map_delete_elem(e, w.k, m, ps::pidfd_of(t)); });
    ps::spawn_work(setup, w, "free_map", 1, [&w, &m](model::Env& e) { mk::bpf_map_free_deferred(e, w.k, m); });
  });
  const sim::RunReport r = run_dpor(s, "linux-7.0");
  ASSERT_TRUE(r.failure.has_value()) << "the free never ran while the delete held the fd";
  EXPECT_EQ(r.failure->verdict.property, "model-error") << r.failure->verdict.message;
  EXPECT_NE(r.failure->verdict.message.find("holds its fd"), std::string::npos) << r.failure->verdict.message;
}

}  // namespace
}  // namespace lsmc
