// Engine throughput against its ceiling, measured in one run.
//
// Workload (issue 2): 4 actors x 20 scheduling steps per execution; at every step the next actor
// is drawn uniformly from the unfinished ones. Two executors run it:
//   raw   a minimal executor on boost::context::fiber: persistent actor fibers, a direct
//         switch per step, nothing else. This is the ceiling.
//   lsmc  the real engine: Scenario::build, Env::access scheduling points with access
//         descriptors, enabled-set computation, the random strategy, decision and event
//         recording (events are recorded only when a failure is replayed, as in the runner),
//         no observers.
// The program prints lsmc/raw as a ratio; the target is >= 0.5.
#include <benchmark/benchmark.h>

#include <boost/context/fiber.hpp>
#include <boost/context/fixedsize_stack.hpp>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "sim/execution.hpp"
#include "sim/rng.hpp"

namespace {

constexpr int kActors = 4;
constexpr int kSteps = 20;

namespace ctx = boost::context;

// ---- raw executor -------------------------------------------------------------------------
class RawExecutor {
public:
  RawExecutor() {
    for (int i = 0; i < kActors; ++i) {
      actors_[i] = ctx::fiber(std::allocator_arg, ctx::fixedsize_stack(64 * 1024),
                              [this, i](ctx::fiber&& back) { return body(i, std::move(back)); });
    }
  }
  ~RawExecutor() {
    stop_ = true;
    for (int i = 0; i < kActors; ++i) {
      while (actors_[i]) actors_[i] = std::move(actors_[i]).resume();
    }
  }
  // One execution: returns the number of steps.
  uint64_t run(uint64_t seed) {
    rng_.reseed(seed);
    for (int i = 0; i < kActors; ++i) left_[i] = kSteps;
    unfinished_ = kActors;
    steps_ = 0;
    int cur = pick();
    while (cur >= 0) {
      next_ = -1;
      actors_[cur] = std::move(actors_[cur]).resume();  // runs until the actor leaves
      cur = next_;
    }
    return steps_;
  }

private:
  int pick() {
    if (unfinished_ == 0) return -1;
    uint64_t k = rng_.below(unfinished_);
    for (int i = 0; i < kActors; ++i) {
      if (left_[i] > 0 && k-- == 0) return i;
    }
    return -1;
  }
  ctx::fiber body(int self, ctx::fiber&& back) {
    main_ = std::move(back);
    while (!stop_) {
      // One execution of this actor.
      while (left_[self] > 0) {
        ++steps_;
        --left_[self];
        if (left_[self] == 0) --unfinished_;
        const int n = pick();
        if (n != self) {
          // Leave: to another actor via the main loop (one hop, as a direct switch costs the same).
          next_ = n;
          main_ = std::move(main_).resume();
        }
      }
      next_ = pick();
      main_ = std::move(main_).resume();
    }
    return std::move(main_);
  }

  ctx::fiber actors_[kActors];
  ctx::fiber main_;
  int left_[kActors] = {};
  int unfinished_ = 0;
  int next_ = -1;
  uint64_t steps_ = 0;
  bool stop_ = false;
  lsmc::sim::Rng rng_;
};

// ---- lsmc engine ----------------------------------------------------------------------------
constexpr std::string_view kFields[] = {"value"};
constexpr lsmc::model::TypeInfo kType{"shared", kFields};

class StepsScenario final : public lsmc::sim::Scenario {
public:
  std::string_view name() const override { return "bench-steps"; }
  std::string_view description() const override { return "4 actors x 20 steps"; }
  void build(lsmc::sim::Setup& s) const override {
    auto& obj = s.make<lsmc::model::ObjectId>(s.env().alloc(kType, "bench"));
    for (int i = 0; i < kActors; ++i) {
      s.spawn("a" + std::to_string(i), [&obj](lsmc::model::Env& env) {
        for (int k = 0; k < kSteps; ++k) env.write(obj, 0, "bench: step");
      }, {static_cast<uint16_t>(i % 2)});
    }
  }
};

std::map<std::string, double> g_rates;  // benchmark name -> executions per second

void BM_RawExecutor(benchmark::State& state) {
  RawExecutor exec;
  uint64_t seed = 1, steps = 0;
  for (auto _ : state) steps += exec.run(seed++);
  state.counters["executions/s"] = benchmark::Counter(static_cast<double>(state.iterations()),
                                                      benchmark::Counter::kIsRate);
  state.counters["steps/s"] = benchmark::Counter(static_cast<double>(steps), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_RawExecutor)->MinTime(1.0)->Repetitions(3)->ReportAggregatesOnly(true);

void BM_LsmcEngine(benchmark::State& state) {
  lsmc::sim::Config config;
  config.stack_bytes = 64 * 1024;
  lsmc::sim::Engine engine(config);
  engine.execution().set_record_events(false);  // as the runner explores
  StepsScenario scenario;
  lsmc::sim::Params params;
  auto strategy = lsmc::sim::make_random_strategy(1);
  uint64_t index = 0, steps = 0;
  for (auto _ : state) {
    engine.run(scenario, params, *strategy, {}, index++);
    steps += engine.execution().steps();
  }
  if (steps != static_cast<uint64_t>(state.iterations()) * kActors * kSteps) state.SkipWithError("wrong step count");
  state.counters["executions/s"] = benchmark::Counter(static_cast<double>(state.iterations()),
                                                      benchmark::Counter::kIsRate);
  state.counters["steps/s"] = benchmark::Counter(static_cast<double>(steps), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_LsmcEngine)->MinTime(1.0)->Repetitions(3)->ReportAggregatesOnly(true);

// Collects the median executions/s of each benchmark while printing as usual.
class RatioReporter : public benchmark::ConsoleReporter {
public:
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const Run& r : runs) {
      if (r.aggregate_name != "median") continue;
      auto it = r.counters.find("executions/s");
      if (it != r.counters.end()) g_rates[r.run_name.function_name] = it->second.value;
    }
    ConsoleReporter::ReportRuns(runs);
  }
};

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 2;
  RatioReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  const double raw = g_rates["BM_RawExecutor"];
  const double lsmc = g_rates["BM_LsmcEngine"];
  if (raw > 0 && lsmc > 0) {
    std::printf("\nmedian executions/s: raw boost::context %.0f, lsmc engine %.0f\n", raw, lsmc);
    std::printf("lsmc / raw ceiling = %.2f (target >= 0.50) %s\n", lsmc / raw,
                lsmc / raw >= 0.5 ? "MET" : "NOT MET");
  }
  return 0;
}
