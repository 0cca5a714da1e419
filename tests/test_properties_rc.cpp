// Property-based checks of the engine with RapidCheck: for any scenario, parameters, seed and
// execution index, replaying an execution's decisions reproduces it event for event.
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include "properties/lifetime.hpp"
#include "sim/runner.hpp"
#include "tests/util.hpp"

namespace lsmc {
namespace {

RC_GTEST_PROP(EngineProperties, ReplayOfAnyExecutionReproducesIt, ()) {
  const sim::Catalog c = test::catalog();
  const auto index = *rc::gen::inRange<std::size_t>(0, c.scenarios().size());
  const sim::Scenario& scenario = *c.scenarios()[index];
  std::map<std::string, int64_t> given;
  for (const auto& p : scenario.params()) {
    given[std::string(p.name)] = *rc::gen::inRange<int64_t>(p.min, std::min<int64_t>(p.max, 4) + 1);
  }
  sim::RunRequest req;
  req.scenario = &scenario;
  req.config.seed = *rc::gen::arbitrary<uint64_t>();
  req.config.execution_first = *rc::gen::inRange<uint64_t>(0, 1u << 20);
  req.config.executions_max = 1;
  req.observers = properties::default_observers;
  // In range, each: only a combination a scenario refuses (check_params, e.g. uptr on cgroups) fails.
  const auto refused = sim::resolve_params(scenario, given, req.params);
  RC_PRE(!refused.has_value());

  sim::Config config = req.config;
  sim::ExecutionRecord first;
  {
    sim::Engine engine(config);
    auto strategy = sim::make_random_strategy(config.seed);
    auto owned = properties::default_observers();
    std::vector<sim::Observer*> observers{owned[0].get()};
    engine.run(scenario, req.params, *strategy, observers, config.execution_first);
    first = sim::record_of(engine.execution(), config.execution_first);
  }
  RC_ASSERT(first.verdict.kind != sim::VerdictKind::kDivergence);
  const sim::ExecutionRecord again = sim::replay_decisions(req, first);
  RC_ASSERT(again.verdict == first.verdict);
  RC_ASSERT(again.events == first.events);
  RC_ASSERT(again.decisions == first.decisions);
}

}  // namespace
}  // namespace lsmc
