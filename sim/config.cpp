#include "sim/config.hpp"

#include <charconv>

namespace lsmc::sim {

namespace {

struct NumberField {
  const char* name;
  uint64_t Config::*member;
  uint64_t min;
  uint64_t max;
};

constexpr NumberField kNumberFields[] = {
    {"seed", &Config::seed, 0, UINT64_MAX},
    {"executions_max", &Config::executions_max, 1, UINT64_MAX},
    {"seconds_max", &Config::seconds_max, 0, 7 * 24 * 3600},
    {"execution_first", &Config::execution_first, 0, UINT64_MAX / 2},
    {"steps_max", &Config::steps_max, 1, 1ULL << 32},
    {"actors_max", &Config::actors_max, 1, 4096},
    {"objects_max", &Config::objects_max, 1, 1ULL << 31},
    {"stack_bytes", &Config::stack_bytes, 16 * 1024, 64ULL * 1024 * 1024},
    {"determinism_check_every", &Config::determinism_check_every, 0, UINT64_MAX},
    {"pct_depth", &Config::pct_depth, 1, 64},
    {"jobs", &Config::jobs, 1, 256},
    {"shard_index", &Config::shard_index, 0, 1000000},
    {"shard_count", &Config::shard_count, 1, 1000000},
    {"preemption_bound", &Config::preemption_bound, 0, 1000000},
    {"faults_max", &Config::faults_max, 0, 64},
};

}  // namespace

std::optional<uint64_t> parse_u64(const std::string& text) {
  uint64_t value = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc() || ptr != end) return std::nullopt;
  return value;
}

std::optional<int64_t> parse_i64(const std::string& text) {
  int64_t value = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc() || ptr != end) return std::nullopt;
  return value;
}

std::vector<ConfigField> config_fields(const Config& config) {
  std::vector<ConfigField> out;
  out.push_back({"strategy", config.strategy});
  out.push_back({"mutant", config.mutant.empty() ? "none" : config.mutant});
  out.push_back({"profile", config.profile});
  out.push_back({"memory_model", config.memory_model});
  for (const auto& f : kNumberFields) out.push_back({f.name, std::to_string(config.*f.member)});
  return out;
}

std::optional<std::string> set_config_field(Config& config, const std::string& name,
                                            const std::string& value) {
  if (name == "strategy") {
    if (value.empty()) return "config strategy: empty name";
    config.strategy = value;
    return std::nullopt;
  }
  if (name == "mutant") {
    config.mutant = value == "none" ? "" : value;
    return std::nullopt;
  }
  if (name == "profile") {
    if (value.empty()) return "config profile: empty name";
    config.profile = value;
    return std::nullopt;
  }
  if (name == "memory_model") {
    for (std::string_view m : kMemoryModels) {
      if (m == value) {
        config.memory_model = value;
        return std::nullopt;
      }
    }
    return "config memory_model: unknown model '" + value + "' (known: sc, tso, lkmm)";
  }
  for (const auto& f : kNumberFields) {
    if (name != f.name) continue;
    auto parsed = parse_u64(value);
    if (!parsed) return "config " + name + ": '" + value + "' is not a non-negative integer";
    if (*parsed < f.min || *parsed > f.max) {
      return "config " + name + ": " + value + " is outside [" + std::to_string(f.min) + ", " +
             std::to_string(f.max) + "]";
    }
    config.*f.member = *parsed;
    return std::nullopt;
  }
  std::string known;
  for (const auto& f : config_fields(Config{})) known += (known.empty() ? "" : ", ") + f.name;
  return "unknown config field '" + name + "' (known: " + known + ")";
}

std::optional<std::string> validate(const Config& config) {
  bool known_profile = false;
  std::string profiles;
  for (std::string_view p : kProfiles) {
    known_profile = known_profile || config.profile == p;
    profiles += (profiles.empty() ? "" : ", ") + std::string(p);
  }
  if (!known_profile) return "config profile: unknown profile '" + config.profile + "' (known: " + profiles + ")";
  bool known_model = false;
  for (std::string_view m : kMemoryModels) known_model = known_model || config.memory_model == m;
  if (!known_model) return "config memory_model: unknown model '" + config.memory_model + "' (known: sc, tso, lkmm)";
  for (const auto& f : kNumberFields) {
    const uint64_t v = config.*f.member;
    if (v < f.min || v > f.max) {
      return std::string("config ") + f.name + ": " + std::to_string(v) + " is outside [" +
             std::to_string(f.min) + ", " + std::to_string(f.max) + "]";
    }
  }
  if (config.shard_index >= config.shard_count) {
    return "config shard_index " + std::to_string(config.shard_index) + " must be below shard_count " +
           std::to_string(config.shard_count);
  }
  // dfs and dpor split their tree by decision prefix (sim::Split); random and portfolio deal
  // execution indices; the others learn from earlier executions in order.
  const bool splits = config.strategy == "dfs" || config.strategy == "dpor";
  const bool index_pure = config.strategy == "random" || config.strategy == "portfolio";
  if (config.jobs > 1 && !splits && !index_pure) {
    return "config jobs > 1 needs a strategy whose choices depend only on the execution index "
           "(portfolio, random) or a tree search split by decision prefix (dfs, dpor); " + config.strategy +
           " learns from earlier executions in order";
  }
  const bool tree = splits || config.strategy == "icb";
  if (config.shard_count > 1 && config.strategy == "icb") {
    return "config shard_count > 1 does not apply to icb (it restarts one tree at each bound; dfs and dpor "
           "split by decision prefix)";
  }
  if (config.determinism_check_every > 0 && tree) {
    return "config determinism_check_every does not apply to " + config.strategy +
           " (it replays its prefix every execution, which checks determinism already)";
  }
  if (config.execution_first > UINT64_MAX - config.executions_max) {
    return "config execution_first + executions_max overflows";
  }
  return std::nullopt;
}

}  // namespace lsmc::sim
