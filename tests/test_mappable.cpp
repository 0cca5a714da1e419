// The proposal's variants (issue 7) on the same scenarios: what each design holds and what it
// violates is a result the model computes, pinned here so that a model change that moves it is
// seen. Variants: layout 0 the proposal (page_return 1 zero page, 2 absent, 0 kept), 1 the static
// pid-indexed array, 2 arena + task storage (sdt), 3 uptr (task-local data).
#include <gtest/gtest.h>

#include <cerrno>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "model/mappable/mappable.hpp"
#include "properties/lifetime.hpp"
#include "properties/scenarios/world.hpp"
#include "sim/execution.hpp"
#include "sim/runner.hpp"
#include "sim/strategy.hpp"
#include "tests/util.hpp"

namespace lsmc {
namespace {

struct Case {
  std::string scenario;
  int64_t layout;
  int64_t page_return;
  int64_t publication;
  std::string expected;  // the property violated, or "" when every property holds
  int64_t owner = 0;     // 0 task storage, 1 cgroup storage
};

sim::RunReport run_scenario(const sim::Catalog& c, const std::string& scenario, const std::map<std::string, int64_t>& given,
                            uint64_t executions) {
  sim::RunRequest req;
  req.scenario = c.find(scenario);
  req.config.executions_max = executions;
  req.observers = properties::default_observers;
  if (auto err = sim::resolve_params(*req.scenario, given, req.params)) ADD_FAILURE() << *err;
  return sim::run(req);
}

sim::RunReport explore(const sim::Catalog& c, const Case& k, uint64_t executions) {
  return run_scenario(c, k.scenario,
                      {{"layout", k.layout}, {"page_return", k.page_return}, {"publication", k.publication}, {"owner", k.owner}},
                      executions);
}

// What gtest prints for a case (instead of its bytes).
void PrintTo(const Case& k, std::ostream* os) {
  *os << k.scenario << " layout=" << k.layout << " page_return=" << k.page_return << " publication=" << k.publication
      << " owner=" << k.owner << " expecting " << (k.expected.empty() ? "nothing" : k.expected);
}

class VariantTest : public ::testing::TestWithParam<Case> {};

TEST_P(VariantTest, HoldsOrViolatesAsTheDesignDoes) {
  const sim::Catalog c = test::catalog();
  const Case& k = GetParam();
  const sim::RunReport r = explore(c, k, 3000);
  if (k.expected.empty()) {
    EXPECT_FALSE(r.failure) << r.failure->verdict.property << ": " << r.failure->verdict.message;
    EXPECT_EQ(r.executions, 3000u);
  } else {
    ASSERT_TRUE(r.failure) << "nothing found in " << r.executions << " executions";
    EXPECT_EQ(r.failure->verdict.property, k.expected) << r.failure->verdict.message;
  }
}

std::string case_name(const ::testing::TestParamInfo<Case>& info) {
  std::string n = info.param.scenario + "_layout" + std::to_string(info.param.layout) + "_return" +
                  std::to_string(info.param.page_return) + "_pub" + std::to_string(info.param.publication) +
                  (info.param.owner == 1 ? "_cgroup" : "");
  for (char& ch : n) {
    if (ch == '-') ch = '_';
  }
  return n;
}

INSTANTIATE_TEST_SUITE_P(
    Variants, VariantTest,
    ::testing::Values(
        // The recommended configuration holds everywhere.
        Case{"mls-publish", 0, 1, 0, ""}, Case{"mls-pid-reuse", 0, 1, 0, ""}, Case{"mls-reader-vs-delete", 0, 1, 0, ""},
        Case{"mls-zap-race", 0, 1, 0, ""}, Case{"mls-churn", 0, 1, 0, ""}, Case{"mls-map-close", 0, 1, 0, ""},
        Case{"mls-map-close", 2, 1, 0, ""}, Case{"mls-map-close", 1, 1, 0, ""}, Case{"mls-atomic-create", 0, 1, 0, ""},
        Case{"mls-atomic-create", 2, 1, 0, ""},
        // Returning pages as bpf_arena_free_pages does (at once, no grace period): a racing user load
        // populates a fresh zeroed page (ESTALE, but the page stays resident, unknown to the
        // allocator), and a program's pointer reaches the next owner once the page comes back;
        // with BPF_F_SEGV_ON_FAULT the racing load faults.
        Case{"mls-zap-race", 0, 2, 0, ""}, Case{"mls-churn", 0, 2, 0, "resident-bound"},
        Case{"mls-reader-vs-delete", 0, 2, 0, "bpf-pointer-reused"}, Case{"mls-zap-race", 0, 3, 0, "user-fault"},
        // Keeping pages violates the bound every design is checked against; the other properties hold.
        Case{"mls-churn", 0, 0, 0, "resident-bound"}, Case{"mls-zap-race", 0, 0, 0, ""},
        // The static pid-indexed array: no lifetime, every page resident.
        Case{"mls-reader-vs-delete", 1, 1, 0, "bpf-pointer-reused"}, Case{"mls-churn", 1, 1, 0, "resident-bound"},
        Case{"mls-pid-reuse", 1, 1, 0, ""},
        // Arena + task storage: sdt frees an index at once (no grace period), and arena pages stay.
        Case{"mls-reader-vs-delete", 2, 1, 0, "bpf-pointer-reused"}, Case{"mls-churn", 2, 1, 0, "resident-bound"},
        Case{"mls-pid-reuse", 2, 1, 0, ""}, Case{"mls-zap-race", 2, 1, 0, ""}, Case{"mls-publish", 2, 1, 0, ""},
        // sdt as it frees today (scx_urcu): a grace period covers programs in RCU read sections, not a
        // sleepable program holding an entry across a sleep; user stores are not covered.
        Case{"mls-reader-vs-delete", 4, 1, 0, ""}, Case{"mls-sleepable-reader", 4, 1, 0, "bpf-pointer-reused"},
        Case{"mls-user-write", 4, 1, 0, "user-write-aliasing"}, Case{"mls-pid-reuse", 4, 1, 0, ""},
        Case{"mls-sleepable-reader", 0, 1, 0, ""},
        // uptr used by a daemon: readable by it, but it reuses an entry a program still holds.
        Case{"mls-publish", 5, 1, 0, ""}, Case{"mls-pid-reuse", 5, 1, 0, ""},
        Case{"mls-reader-vs-delete", 5, 1, 0, "bpf-pointer-reused"}, Case{"mls-user-write", 5, 1, 0, ""},
        // uptr: another process cannot read a thread's memory; BPF's pointers are safe.
        Case{"mls-publish", 3, 1, 0, "user-unreachable"}, Case{"mls-pid-reuse", 3, 1, 0, "user-unreachable"},
        Case{"mls-zap-race", 3, 1, 0, "user-unreachable"}, Case{"mls-reader-vs-delete", 3, 1, 0, ""},
        // A map-wide seqcount is safe (and costs syscalls: every change makes every handle stale).
        Case{"mls-publish", 0, 1, 1, ""}, Case{"mls-pid-reuse", 0, 1, 1, ""}, Case{"mls-zap-race", 0, 1, 1, ""},
        Case{"mls-churn", 0, 1, 1, ""},
        // Notifications consumed into the library's view leave a window between its check and its
        // load: a handle reads the zero page of an exited task as if it were the entry.
        Case{"mls-zap-race", 0, 1, 2, "handle-aliasing"}, Case{"mls-pid-reuse", 0, 1, 2, ""},
        // Cgroup storage made mappable: the same results (cgroup ids are never reused, slots are).
        Case{"mls-publish", 0, 1, 0, "", 1}, Case{"mls-pid-reuse", 0, 1, 0, "", 1},
        Case{"mls-reader-vs-delete", 0, 1, 0, "", 1}, Case{"mls-zap-race", 0, 1, 0, "", 1},
        Case{"mls-churn", 0, 1, 0, "", 1}, Case{"mls-reader-vs-delete", 2, 1, 0, "bpf-pointer-reused", 1},
        Case{"mls-churn", 1, 1, 0, "resident-bound", 1},
        // User writes: pinned (the default) holds; the arena has no pin and aliases the next owner.
        Case{"mls-user-write", 0, 1, 0, ""}, Case{"mls-user-write", 0, 0, 0, ""},
        Case{"mls-user-write", 2, 1, 0, "user-write-aliasing"}, Case{"mls-user-write", 0, 1, 2, "user-write-aliasing"},
        // A hostile mapper: the recommended header (read-only, pins per process) holds; sdt keeps its
        // generation in the entry, which any mapper can restore, so an old handle passes its check.
        Case{"mls-hostile-mapper", 0, 1, 0, ""}, Case{"mls-hostile-mapper", 2, 1, 0, "handle-aliasing"},
        Case{"mls-hostile-mapper", 1, 1, 0, ""}),
    case_name);

TEST(Variants, CheckedUserWritesLandInTheNextOwnersEntry) {
  // Without the pin, a store between two generation checks cannot be undone.
  const sim::Catalog c = test::catalog();
  const sim::RunReport r = run_scenario(c, "mls-user-write", {{"user_write", 0}, {"page_return", 0}}, 20000);
  ASSERT_TRUE(r.failure);
  EXPECT_EQ(r.failure->verdict.property, "user-write-aliasing") << r.failure->verdict.message;
  const sim::RunReport pinned = run_scenario(c, "mls-user-write", {{"user_write", 1}, {"page_return", 0}}, 3000);
  EXPECT_FALSE(pinned.failure);
  EXPECT_GT(pinned.probe_hits.count("mls: slot reuse deferred by a user pin"), 0u);
}

TEST(Variants, AtomicCreationFailsCleanlyWhenTheRegionIsFull) {
  // Design question 1: a non-sleepable program cannot make room; its F_CREATE fails, it never sleeps.
  const sim::Catalog c = test::catalog();
  const sim::RunReport r = run_scenario(c, "mls-atomic-create", {}, 500);
  EXPECT_FALSE(r.failure);
  const auto it = r.probe_hits.find("mls: no free entry in atomic context");
  ASSERT_NE(it, r.probe_hits.end());
  EXPECT_GT(it->second, 0u);
}

// The placement knob: with page 0 emptier than page 1, fullest-page-first takes page 1's free
// entry and first fit takes page 0's.
int64_t slot_after_holes(model::mappable::Placement placement) {
  namespace mm = model::mappable;
  namespace mk = model::kernel;
  namespace ps = properties::scenarios;
  auto picked = std::make_shared<int64_t>(-1);
  test::Lambda scenario([placement, picked](sim::Setup& s) {
    ps::World& w = ps::make_world(s, {mk::Knobs{}, false});
    auto& map = s.make<mm::Map>();
    map.knobs.pages = 2;
    map.knobs.slots_per_page = 3;
    map.knobs.placement = placement;
    mm::bpf_mls_map_alloc(s.env(), w.k, map);
    auto& tasks = s.make<std::vector<mk::Task*>>();
    for (int i = 0; i < 6; ++i) {
      tasks.push_back(&mk::task_for_scenario(s.env(), w.k, "t" + std::to_string(i), 100 + i));
      if (i < 5) mm::bpf_mls_seed(s.env(), w.k, map, *tasks.back());  // slots 0-2 (page 0), 3-4 (page 1)
    }
    ps::spawn_work(s, w, "churn", 0, [&w, &map, &tasks, picked](model::Env& e) {
      mm::bpf_mls_task_free(e, w.k, map, *tasks[0]);
      mm::bpf_mls_task_free(e, w.k, map, *tasks[1]);
      w.k.rcu.barrier(e, model::RcuFlavour::kTasksTrace);  // slots 0 and 1 are free again
      *picked = mm::bpf_mls_seed(e, w.k, map, *tasks[5]);
    });
  });
  sim::RunRequest req;
  req.scenario = &scenario;
  req.config.executions_max = 1;
  req.observers = properties::default_observers;
  const sim::RunReport r = sim::run(req);
  EXPECT_FALSE(r.failure) << r.failure->verdict.message;
  return *picked;
}

TEST(Variants, PlacementKnobChoosesTheFullestPageOrTheLowestEntry) {
  EXPECT_EQ(slot_after_holes(model::mappable::Placement::kFullestPage), 5);
  EXPECT_EQ(slot_after_holes(model::mappable::Placement::kLowestSlot), 0);
}

TEST(Variants, UptrForCgroupsIsRefusedAsADesignThatDoesNotExist) {
  const test::CliResult r = test::run_lsmc("explore --scenario mls-publish --param layout=3 --param owner=1");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("uptr exists only in task storage"), std::string::npos) << r.err;
}

TEST(Variants, UptrCannotBeCreatedByAProgram) {
  // Under churn every entry is created by a program (prep_enable): with uptr none can be, which
  // is why the scenario "holds" there; the probe says so.
  const sim::Catalog c = test::catalog();
  const sim::RunReport r = explore(c, {"mls-churn", 3, 1, 0, ""}, 200);
  EXPECT_FALSE(r.failure);
  const auto it = r.probe_hits.find("mls: a program cannot create a thread's uptr memory");
  ASSERT_NE(it, r.probe_hits.end());
  EXPECT_GT(it->second, 0u);
}

TEST(Variants, ArenaLookupGoesThroughTaskStorage) {
  // The arena variant's handle comes from a bpf(BPF_MAP_LOOKUP_ELEM) of the 6.18 task storage
  // model, and its reads check the entry's own generation: one execution shows both.
  const sim::Catalog c = test::catalog();
  const sim::Scenario& scenario = *c.find("mls-pid-reuse");
  sim::Params params;
  ASSERT_FALSE(sim::resolve_params(scenario, {{"layout", 2}}, params));
  const sim::Config config;
  sim::Engine engine(config);
  engine.execution().set_record_events(true);
  auto strategy = sim::make_random_strategy(1);
  engine.run(scenario, params, *strategy, {}, 0);
  std::map<std::string, int> seen;
  for (const sim::Event& ev : engine.execution().events()) ++seen[std::string(ev.label)];
  EXPECT_GT(seen["bpf(BPF_MAP_LOOKUP_ELEM)"], 0);
  EXPECT_GT(seen["task_storage_lookup: task->bpf_storage"], 0);
  EXPECT_GT(seen["user: READ_ONCE(data->tid.genn)"], 0);
  EXPECT_EQ(seen["sys_bpf(BPF_MLS_HANDLE_OPEN, pidfd)"], 0);  // the proposal's syscall is not used
}

// MLS_MAX_MAPS: each mappable map takes an entry of task->mls_slot[]; the map after the last entry
// is refused with ENOSPC (the ida is full) before it allocates anything, and the maps that exist
// keep working.
TEST(Variants, OneMappableMapMoreThanMlsMaxMapsIsRefused) {
  namespace mm = model::mappable;
  namespace mk = model::kernel;
  namespace ps = properties::scenarios;
  auto results = std::make_shared<std::vector<int>>();
  auto refused_allocated = std::make_shared<bool>(true);
  auto last_slot = std::make_shared<int>(-2);
  test::Lambda scenario([results, refused_allocated, last_slot](sim::Setup& s) {
    ps::World& w = ps::make_world(s, {mk::Knobs{}, false});
    auto& maps = s.make<std::vector<std::unique_ptr<mm::Map>>>();
    for (uint32_t i = 0; i <= mm::kMlsMaxMaps; ++i) {
      maps.push_back(std::make_unique<mm::Map>());
      results->push_back(mm::bpf_mls_map_alloc(s.env(), w.k, *maps.back(), i == 0 ? nullptr : maps[i - 1].get()));
    }
    *refused_allocated = maps.back()->map_obj != model::kNoObject || maps.back()->header != model::kNoObject;
    mk::Task& t = mk::task_for_scenario(s.env(), w.k, "t", 100);
    *last_slot = mm::bpf_mls_seed(s.env(), w.k, *maps[mm::kMlsMaxMaps - 1], t);
  });
  sim::RunRequest req;
  req.scenario = &scenario;
  req.config.executions_max = 1;
  req.observers = properties::default_observers;
  const sim::RunReport r = sim::run(req);
  EXPECT_FALSE(r.failure) << r.failure->verdict.message;
  ASSERT_EQ(results->size(), mm::kMlsMaxMaps + 1);
  for (uint32_t i = 0; i < mm::kMlsMaxMaps; ++i) EXPECT_EQ((*results)[i], 0) << "map " << i;
  EXPECT_EQ(results->back(), -ENOSPC);
  EXPECT_FALSE(*refused_allocated) << "the refused map allocated its bpf_map or header";
  EXPECT_GE(*last_slot, 0) << "the last map that fits works";
}

}  // namespace
}  // namespace lsmc
