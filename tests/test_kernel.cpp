// The model of today's local storage: every mutant is found by the default strategy within a
// bounded budget and violates the property it should; the unmutated model passes every
// scenario; each mutant's first counterexample matches its golden trace.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>

#include "model/linux/task_storage.hpp"
#include "properties/lifetime.hpp"
#include "properties/scenarios/world.hpp"
#include "sim/runner.hpp"
#include "tests/util.hpp"
#include "traces/minimize.hpp"
#include "traces/replay.hpp"
#include "traces/trace.hpp"

namespace lsmc {
namespace {

namespace mk = model::kernel;

constexpr uint64_t kMutantBudget = 20000;  // executions; the slowest mutant needs ~310 at seed 1

sim::RunRequest request(const sim::Catalog& c, const std::string& scenario, const std::string& mutant,
                        uint64_t executions, uint64_t seed = 1) {
  sim::RunRequest r;
  r.scenario = c.find(scenario);
  EXPECT_NE(r.scenario, nullptr) << scenario;
  r.config.mutant = mutant;
  r.config.profile = sim::run_profiles(*r.scenario, c.find_mutant(mutant)).front();
  if (const sim::MutantInfo* m = c.find_mutant(mutant)) r.config.memory_model = m->memory_model;
  r.config.seed = seed;
  r.config.executions_max = executions;
  r.observers = properties::default_observers;
  EXPECT_FALSE(sim::resolve_params(*r.scenario, {}, r.params));
  return r;
}

// The catalog is the list: every mutant names the property it violates and scenarios that exist.
TEST(Kernel, EveryMutantNamesItsPropertyAndExistingScenarios) {
  const sim::Catalog c = test::catalog();
  for (const auto& m : c.mutants()) {
    EXPECT_FALSE(m.property.empty()) << m.name;
    EXPECT_FALSE(m.scenarios.empty()) << m.name;
    for (const auto& sc : m.scenarios) EXPECT_NE(c.find(sc), nullptr) << m.name << ": " << sc;
  }
  EXPECT_EQ(properties::scenarios::kernel_mutants().size(), 19u) << "the 18 kernel bugs of bugs.md + canary";
}

// bugs.md: the canary must be found within a few hundred executions, by every strategy.
TEST(Kernel, CanaryIsFoundWithinAFewHundredExecutionsByEveryStrategy) {
  const sim::Catalog c = test::catalog();
  for (const auto& strategy : sim::strategy_catalog()) {
    // DPOR is exhaustive without a bound and goes deepest first: on this scenario it needs about
    // 300 000 executions (docs/performance.md). It is measured there, not held to this budget.
    if (strategy.name == "dpor") continue;
    for (uint64_t seed = 1; seed <= 5; ++seed) {
      // icb first runs every bound-0 schedule (about 600 with the draw values), then bound 1.
      sim::RunRequest r = request(c, "delete-vs-lookup", "canary", strategy.name == "icb" ? 1000 : 500, seed);
      r.config.strategy = std::string(strategy.name);
      // DFS explores deepest choices first: at bound 1 the canary is found in 225 executions, at
      // bound 2 in about 3 200.
      r.config.preemption_bound = 1;
      const sim::RunReport rep = sim::run(r);
      EXPECT_EQ(rep.outcome, sim::Outcome::kViolation) << strategy.name << " seed " << seed;
    }
  }
}

class MutantTest : public ::testing::TestWithParam<std::string> {};

TEST_P(MutantTest, DefaultStrategyFindsItWithinTheBudget) {
  const sim::Catalog c = test::catalog();
  const sim::MutantInfo* m = c.find_mutant(GetParam());
  ASSERT_NE(m, nullptr);
  for (const auto& scenario : m->scenarios) {
    const sim::RunReport r = sim::run(request(c, scenario, m->name, kMutantBudget));
    ASSERT_EQ(r.outcome, sim::Outcome::kViolation) << scenario << ": not found in " << r.executions;
    EXPECT_EQ(r.failure->verdict.property, m->property) << r.failure->verdict.message;
    EXPECT_LE(r.executions, kMutantBudget);
  }
}

// The golden trace is the first counterexample at seed 1, as text. A change in the model's
// behaviour changes it: regenerate with tools/update-golden.sh and review the diff.
TEST_P(MutantTest, FirstCounterexampleMatchesItsGoldenTraceAndReplays) {
  const sim::Catalog c = test::catalog();
  const sim::MutantInfo* m = c.find_mutant(GetParam());
  ASSERT_NE(m, nullptr);
  const std::string path = std::string(LSMC_SOURCE_DIR) + "/tests/golden/" + m->name + ".trace";
  ASSERT_TRUE(std::filesystem::exists(path)) << path << " is missing: run tools/update-golden.sh";
  const sim::RunRequest req = request(c, m->scenarios.front(), m->name, kMutantBudget);
  const sim::RunReport r = sim::run(req);
  ASSERT_TRUE(r.failure.has_value());
  const std::string now = traces::write_trace(traces::make_trace(*req.scenario, req.params, req.config, *r.failure));
  EXPECT_EQ(now, test::read_file(path)) << "behaviour changed; if intended, run tools/update-golden.sh";
  const traces::ReplayResult replay =
      traces::replay(traces::read_trace_file(path), c, properties::default_observers);
  EXPECT_EQ(replay.status, traces::ReplayStatus::kReproduced) << replay.message;
}

// The minimised counterexample, compared as text: a change in behaviour or in the minimiser shows
// up in review (tests/golden-min, regenerated by tools/update-golden.sh).
TEST_P(MutantTest, MinimisedCounterexampleMatchesItsGoldenTraceAndReplays) {
  const sim::Catalog c = test::catalog();
  const sim::MutantInfo* m = c.find_mutant(GetParam());
  ASSERT_NE(m, nullptr);
  const std::string path = std::string(LSMC_SOURCE_DIR) + "/tests/golden-min/" + m->name + ".trace";
  ASSERT_TRUE(std::filesystem::exists(path)) << path << " is missing: run tools/update-golden.sh";
  const sim::RunRequest req = request(c, m->scenarios.front(), m->name, kMutantBudget);
  const sim::RunReport r = sim::run(req);
  ASSERT_TRUE(r.failure.has_value());
  const traces::Trace found = traces::make_trace(*req.scenario, req.params, req.config, *r.failure);
  const traces::MinimizeResult min = traces::minimize(found, c, properties::default_observers);
  EXPECT_EQ(min.minimized.record.verdict.property, r.failure->verdict.property);
  EXPECT_LE(min.after.switches, min.before.switches);
  EXPECT_EQ(traces::write_trace(min.minimized), test::read_file(path))
      << "behaviour changed; if intended, run tools/update-golden.sh";
  const traces::ReplayResult replay = traces::replay(traces::read_trace_file(path), c, properties::default_observers);
  EXPECT_EQ(replay.status, traces::ReplayStatus::kReproduced) << replay.message;
}

std::vector<std::string> mutant_names() {
  std::vector<std::string> out;
  const sim::Catalog catalog = test::catalog();
  for (const auto& m : catalog.mutants()) out.push_back(m.name);
  return out;
}

INSTANTIATE_TEST_SUITE_P(AllMutants, MutantTest, ::testing::ValuesIn(mutant_names()),
                         [](const auto& info) {
                           std::string n = info.param;
                           for (char& ch : n) if (ch == '-') ch = '_';
                           return n;
                         });

class CleanScenarioTest : public ::testing::TestWithParam<std::string> {};

// The unmutated model passes (a short run here; docs/campaign.md has 100 000 per scenario).
TEST_P(CleanScenarioTest, UnmutatedModelPasses) {
  const sim::Catalog c = test::catalog();
  sim::RunRequest req = request(c, GetParam(), "", 3000);
  req.config.determinism_check_every = 97;
  const sim::RunReport r = sim::run(req);
  EXPECT_EQ(r.outcome, sim::Outcome::kNothingFound)
      << (r.failure ? r.failure->verdict.property + ": " + r.failure->verdict.message : r.nondeterminism);
}

std::vector<std::string> clean_scenarios() {
  std::vector<std::string> out;
  const sim::Catalog catalog = test::catalog();
  for (const auto& s : catalog.scenarios()) {
    if (!s->expected_to_fail()) out.emplace_back(s->name());
  }
  return out;
}

INSTANTIATE_TEST_SUITE_P(AllScenarios, CleanScenarioTest, ::testing::ValuesIn(clean_scenarios()),
                         [](const auto& info) {
                           std::string n = info.param;
                           for (char& ch : n) if (ch == '-') ch = '_';
                           return n;
                         });

// ---- direct checks of model functions ------------------------------------------------------

// Runs `body` as the only actor of a fresh kernel.
void with_kernel(const std::function<void(model::Env&, mk::Kernel&)>& body) {
  test::Lambda s([&body](sim::Setup& setup) {
    auto& k = setup.make<mk::Kernel>(setup.env(), mk::Knobs{}, std::bitset<static_cast<std::size_t>(mk::Bug::kCount)>{});
    setup.spawn("test", [&body, &k](model::Env& env) { body(env, k); });
  });
  sim::RunRequest r;
  r.scenario = &s;
  r.config.executions_max = 1;
  const sim::RunReport rep = sim::run(r);
  ASSERT_EQ(rep.outcome, sim::Outcome::kNothingFound)
      << (rep.failure ? rep.failure->verdict.message : rep.nondeterminism);
}

TEST(KernelModel, CacheIdxTakesTheLeastUsedSlotAndSharesPast16) {
  with_kernel([](model::Env& env, mk::Kernel& k) {
    std::vector<uint16_t> idx;
    for (int i = 0; i < 18; ++i) {
      idx.push_back(mk::bpf_local_storage_map_alloc(env, k, mk::OwnerKind::kTask, "m", false).cache_idx);
    }
    for (int i = 0; i < 16; ++i) env.check(idx[i] == i, "assertion", "map " + std::to_string(i) + " got slot " + std::to_string(idx[i]));
    env.check(idx[16] == 0 && idx[17] == 1, "assertion", "maps 16 and 17 share slots 0 and 1");
    // Cgroup maps count separately.
    env.check(mk::bpf_local_storage_map_alloc(env, k, mk::OwnerKind::kCgroup, "c", false).cache_idx == 0, "assertion",
              "cgroup maps have their own slot counts");
  });
}

TEST(KernelModel, CheckFlagsAsTheKernel) {
  EXPECT_EQ(mk::check_flags(true, mk::kBpfNoexist), mk::kEEXIST);
  EXPECT_EQ(mk::check_flags(false, mk::kBpfExist), mk::kENOENT);
  EXPECT_EQ(mk::check_flags(true, mk::kBpfExist | mk::kBpfFLock), 0);
  EXPECT_EQ(mk::check_flags(false, mk::kBpfAny), 0);
}

TEST(KernelModel, UpdateReplacesWithANewElementAndBpfFLockUpdatesInPlace) {
  with_kernel([](model::Env& env, mk::Kernel& k) {
    mk::Smap& m = mk::bpf_local_storage_map_alloc(env, k, mk::OwnerKind::kTask, "m", true);
    mk::Task& t = mk::task_for_scenario(env, k, "p", 100);
    const mk::Ref<mk::Owner> owner{&t, t.id};
    const auto a = mk::bpf_local_storage_update(env, k, owner, m, {1, 0}, mk::kBpfAny, mk::Gfp::kAtomic);
    const auto b = mk::bpf_local_storage_update(env, k, owner, m, {2, 0}, mk::kBpfAny, mk::Gfp::kAtomic);
    env.check(a.err == 0 && b.err == 0 && a.sdata.id != b.sdata.id, "assertion", "BPF_ANY on an existing element makes a new one");
    const auto c = mk::bpf_local_storage_update(env, k, owner, m, {3, 0}, mk::kBpfFLock, mk::Gfp::kAtomic);
    env.check(c.err == 0 && c.sdata.id == b.sdata.id && c.sdata->value.data == 3, "assertion", "BPF_F_LOCK updates in place");
    const auto d = mk::bpf_local_storage_update(env, k, owner, m, {4, 0}, mk::kBpfAny, mk::Gfp::kKernel);
    env.check(d.err == mk::kEINVAL, "assertion", "GFP_KERNEL is only for BPF_NOEXIST");
  });
}

}  // namespace
}  // namespace lsmc
