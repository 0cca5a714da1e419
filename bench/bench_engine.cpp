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
//
// Then the cost of a step against the number of actors (issue 15): ns per step at 3 and at 200
// actors (20 steps each), for the raw executor and for the engine on two workloads: "writes" (every
// step a write to one shared object) and "locks" (lock, write, unlock, write, with a context()
// call, each lock shared by two actors: what a kernel model does). The sizes are run
// interleaved, 3 200 3 200 ..., and the medians compared, so a change in the machine's load hits
// both. `--scaling-only` skips the throughput benchmarks, `--no-scaling` this table (for profiling),
// and `--count N K` runs N executions of K steps an actor untimed (for callgrind); `--count-raw N K`
// the same on the raw executor.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <boost/context/fiber.hpp>
#include <boost/context/fixedsize_stack.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
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
  explicit RawExecutor(int actors = kActors, int steps = kSteps)
      : n_(actors), steps_each_(steps), actors_(actors), left_(actors), pos_(actors) {
    for (int i = 0; i < n_; ++i) {
      actors_[i] = ctx::fiber(std::allocator_arg, ctx::fixedsize_stack(64 * 1024),
                              [this, i](ctx::fiber&& back) { return body(i, std::move(back)); });
    }
  }
  ~RawExecutor() {
    stop_ = true;
    for (int i = 0; i < n_; ++i) {
      while (actors_[i]) actors_[i] = std::move(actors_[i]).resume();
    }
  }
  // One execution: returns the number of steps.
  uint64_t run(uint64_t seed) {
    rng_.reseed(seed);
    live_.clear();
    for (int i = 0; i < n_; ++i) {
      left_[i] = steps_each_;
      pos_[i] = static_cast<int>(live_.size());
      live_.push_back(i);
    }
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
  // Uniform over the unfinished actors, in O(1) at any actor count (the ceiling must not scale).
  int pick() {
    if (live_.empty()) return -1;
    return live_[rng_.below(live_.size())];
  }
  void finished(int self) {
    const int last = live_.back();
    live_[pos_[self]] = last;
    pos_[last] = pos_[self];
    live_.pop_back();
  }
  ctx::fiber body(int self, ctx::fiber&& back) {
    main_ = std::move(back);
    while (!stop_) {
      // One execution of this actor.
      while (left_[self] > 0) {
        ++steps_;
        --left_[self];
        if (left_[self] == 0) finished(self);
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

  int n_;
  int steps_each_;
  std::vector<ctx::fiber> actors_;
  ctx::fiber main_;
  std::vector<int> left_;
  std::vector<int> live_;  // the unfinished actors, in any order
  std::vector<int> pos_;   // each unfinished actor's index in live_
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
  explicit StepsScenario(int steps = kSteps) : steps_(steps) {}
  std::string_view name() const override { return "bench-steps"; }
  std::string_view description() const override { return "4 actors x 20 steps"; }
  void build(lsmc::sim::Setup& s) const override {
    auto& obj = s.make<lsmc::model::ObjectId>(s.env().alloc(kType, "bench"));
    for (int i = 0; i < kActors; ++i) {
      s.spawn("a" + std::to_string(i), [&obj, steps = steps_](lsmc::model::Env& env) {
        for (int k = 0; k < steps; ++k) env.write(obj, 0, "bench: step");
      }, {static_cast<uint16_t>(i % 2)});
    }
  }

private:
  int steps_;
};

// `--count N K`: N executions of the engine's workload with K steps an actor, no timing, for
// instruction counts (issue 15). Under callgrind, the difference of two counts N1 < N2 divided by
// N2 - N1 is what an execution costs; K = 0 leaves its set-up and its actors' starts and ends.
int count(uint64_t executions, int steps) {
  lsmc::sim::Config config;
  config.stack_bytes = 64 * 1024;
  lsmc::sim::Engine engine(config);
  engine.execution().set_record_events(false);
  StepsScenario scenario(steps);
  lsmc::sim::Params params;
  auto strategy = lsmc::sim::make_random_strategy(1);
  uint64_t total = 0, decisions = 0;
  for (uint64_t index = 0; index < executions; ++index) {
    engine.run(scenario, params, *strategy, {}, index);
    total += engine.execution().steps();
    for (const lsmc::sim::Decision& d : engine.execution().decisions()) decisions = decisions * 31 + d.value;
  }
  std::printf("%llu executions, %llu steps, decisions hash %016llx\n", static_cast<unsigned long long>(executions),
              static_cast<unsigned long long>(total), static_cast<unsigned long long>(decisions));
  return 0;
}

// `--count-raw N K`: the same for the raw executor (the ceiling's instructions).
int count_raw(uint64_t executions, int steps) {
  RawExecutor exec(kActors, steps);
  uint64_t total = 0;
  for (uint64_t seed = 1; seed <= executions; ++seed) total += exec.run(seed);
  std::printf("%llu executions, %llu steps (raw executor)\n", static_cast<unsigned long long>(executions),
              static_cast<unsigned long long>(total));
  return 0;
}

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

// ---- cost per step against the actor count -------------------------------------------------
constexpr int kScalingSteps = 20;  // steps per actor

class ScalingScenario final : public lsmc::sim::Scenario {
public:
  ScalingScenario(int actors, bool locks) : actors_(actors), locks_(locks) {}
  std::string_view name() const override { return "bench-scaling"; }
  std::string_view description() const override { return "N actors x 20 steps"; }
  void build(lsmc::sim::Setup& s) const override {
    auto& obj = s.make<lsmc::model::ObjectId>(s.env().alloc(kType, "bench"));
    auto& locks = s.make<std::vector<lsmc::model::ObjectId>>();
    // A lock per two actors: the contention is the same at every size.
    for (int l = 0; l < (actors_ + 1) / 2; ++l) locks.push_back(s.env().new_lock(lsmc::model::LockKind::kSpin, "bench-lock"));
    for (int i = 0; i < actors_; ++i) {
      const lsmc::model::ObjectId lock = locks[static_cast<std::size_t>(i / 2)];
      if (!locks_) {
        s.spawn("a" + std::to_string(i), [&obj](lsmc::model::Env& env) {
          for (int k = 0; k < kScalingSteps; ++k) env.write(obj, 0, "bench: step");
        });
        continue;
      }
      s.spawn("a" + std::to_string(i), [&obj, lock](lsmc::model::Env& env) {
        for (int k = 0; k < kScalingSteps / 4; ++k) {
          env.lock(lock, "bench: lock");
          env.write(obj, 0, "bench: locked write");
          env.unlock(lock, "bench: unlock");
          ++env.context().migrate_disabled;  // what model code does between accesses
          env.write(obj, 0, "bench: write");
          --env.context().migrate_disabled;
        }
      });
    }
  }

private:
  int actors_;
  bool locks_;
};

using Clock = std::chrono::steady_clock;
constexpr auto kSampleTime = std::chrono::milliseconds(150);

// Runs executions for about kSampleTime; nanoseconds per step.
double engine_ns_per_step(lsmc::sim::Engine& engine, const ScalingScenario& scenario, uint64_t& index) {
  lsmc::sim::Params params;
  auto strategy = lsmc::sim::make_random_strategy(1);
  uint64_t steps = 0;
  const Clock::time_point start = Clock::now();
  Clock::time_point now = start;
  while (now - start < kSampleTime) {
    const lsmc::sim::Verdict& v = engine.run(scenario, params, *strategy, {}, index++);
    if (v.kind != lsmc::sim::VerdictKind::kPass) {
      std::fprintf(stderr, "bench-scaling: execution failed: %s\n", v.message.c_str());
      std::exit(1);
    }
    steps += engine.execution().steps();
    now = Clock::now();
  }
  return std::chrono::duration<double, std::nano>(now - start).count() / static_cast<double>(steps);
}

double raw_ns_per_step(RawExecutor& exec, uint64_t& seed) {
  uint64_t steps = 0;
  const Clock::time_point start = Clock::now();
  Clock::time_point now = start;
  while (now - start < kSampleTime) {
    steps += exec.run(seed++);
    now = Clock::now();
  }
  return std::chrono::duration<double, std::nano>(now - start).count() / static_cast<double>(steps);
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// ns per step at `small` and `large` actors, interleaved, `rounds` samples each; prints the medians
// and their ratio.
void scaling(int small, int large, int rounds) {
  constexpr int kRows = 3;
  const char* names[kRows] = {"raw executor", "lsmc, writes", "lsmc, locks"};
  std::vector<double> samples[kRows][2];
  lsmc::sim::Config config;
  config.stack_bytes = 64 * 1024;
  config.actors_max = static_cast<uint64_t>(large);
  const int sizes[2] = {small, large};
  lsmc::sim::Engine engine(config);  // one per thread; its fibers serve both sizes
  engine.execution().set_record_events(false);
  std::vector<std::unique_ptr<RawExecutor>> raws;
  std::vector<ScalingScenario> scenarios;
  for (int s = 0; s < 2; ++s) {
    raws.push_back(std::make_unique<RawExecutor>(sizes[s], kScalingSteps));
    for (int w = 0; w < 2; ++w) scenarios.emplace_back(sizes[s], w == 1);
  }
  uint64_t counter = 1;
  for (int r = 0; r < rounds; ++r) {
    for (int s = 0; s < 2; ++s) {
      samples[0][s].push_back(raw_ns_per_step(*raws[static_cast<std::size_t>(s)], counter));
      for (int w = 0; w < 2; ++w) {
        const std::size_t e = static_cast<std::size_t>(2 * s + w);
        samples[1 + w][s].push_back(engine_ns_per_step(engine, scenarios[e], counter));
      }
    }
  }
  std::printf("\nns per step by actor count (%d steps each; medians of %d runs, the sizes interleaved):\n",
              kScalingSteps, rounds);
  std::printf("%-14s %12d %12d %10s\n", "", small, large, "ratio");
  for (int row = 0; row < kRows; ++row) {
    const double a = median(samples[row][0]);
    const double b = median(samples[row][1]);
    std::printf("%-14s %12.0f %12.0f %10.2f\n", names[row], a, b, b / a);
  }
}

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
  bool scaling_only = false;
  bool no_scaling = false;
  int kept = 1;
  if (argc == 4 && std::strcmp(argv[1], "--count") == 0) return count(std::strtoull(argv[2], nullptr, 10), std::atoi(argv[3]));
  if (argc == 4 && std::strcmp(argv[1], "--count-raw") == 0) {
    return count_raw(std::strtoull(argv[2], nullptr, 10), std::atoi(argv[3]));
  }
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--scaling-only") == 0) {
      scaling_only = true;
    } else if (std::strcmp(argv[i], "--no-scaling") == 0) {
      no_scaling = true;
    } else {
      argv[kept++] = argv[i];
    }
  }
  argc = kept;
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 2;
  if (scaling_only) {
    scaling(3, 200, 7);
    return 0;
  }
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
  if (!no_scaling) scaling(3, 200, 7);
  return 0;
}
