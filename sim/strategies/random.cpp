// Uniform random walk.
#include "sim/rng.hpp"
#include "sim/strategy.hpp"

namespace lsmc::sim {

namespace {

class RandomStrategy final : public Strategy {
public:
  explicit RandomStrategy(uint64_t seed) : seed_(seed) {}
  std::string_view name() const override { return "random"; }
  void begin_execution(uint64_t index) override { rng_.reseed(execution_seed(seed_, index)); }
  ActorId pick(const ChoicePoint& point) override {
    return point.enabled[rng_.below(point.enabled.size())];
  }
  uint64_t draw(uint64_t bound, std::string_view) override { return rng_.below(bound); }
  bool end_execution(const ExecutionSummary&) override { return true; }

private:
  uint64_t seed_;
  Rng rng_;
};

}  // namespace

std::unique_ptr<Strategy> make_random_strategy(uint64_t seed) {
  return std::make_unique<RandomStrategy>(seed);
}

std::vector<StrategyInfo> strategy_catalog() {
  return {
      {"portfolio", "the default: of every 8 executions, 4 random walks and 4 PCT runs (depths 1, 2, "
                    "3, 2; horizon 64..1024 steps); each execution depends on its index only, so "
                    "--jobs and --shard apply"},
      {"random", "uniform random walk: every choice uniform over the enabled actors"},
      {"pct", "PCT (Burckhardt et al. 2010) with depth pct_depth (--set pct_depth=N, default 3)"},
      {"dfs", "bounded DFS: every schedule with at most preemption_bound preemptions (--set "
              "preemption_bound=N, default 2) and every draw; reports when all are explored"},
      {"icb", "iterative context bounding: dfs at preemption bound 0, then 1, ... up to preemption_bound; "
              "finds bugs needing few preemptions first; reports when all are explored"},
      {"dpor", "DPOR (source sets with sleep sets): every class of equivalent schedules once, "
               "every draw; no preemption bound; reports when all are explored"},
  };
}

bool splits_by_prefix(std::string_view name) { return name == "dfs" || name == "dpor"; }

bool resumes_from_checkpoint(std::string_view name) { return name == "dfs" || name == "icb" || name == "dpor"; }

std::unique_ptr<Strategy> make_strategy(std::string_view name, uint64_t seed, uint32_t pct_depth,
                                        uint64_t preemption_bound, Split split) {
  if (name == "portfolio") return make_portfolio_strategy(seed);
  if (name == "random") return make_random_strategy(seed);
  if (name == "pct") return make_pct_strategy(seed, pct_depth);
  if (name == "dfs") return make_dfs_strategy(preemption_bound, split);
  if (name == "icb") return make_icb_strategy(preemption_bound);
  if (name == "dpor") return make_dpor_strategy(split);
  return nullptr;
}

}  // namespace lsmc::sim
