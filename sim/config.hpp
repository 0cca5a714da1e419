// Every knob of a run, as named fields (units and qualifiers last: steps_max, seconds_max).
// The CLI and trace files only fill a Config; the library never reads flags or the environment.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lsmc::sim {

// The kernel profiles a scenario can declare: linux-6.18 (this machine's kernel, as shipped) and
// linux-7.0 (rqspinlock, no busy counters, bpf_selem_unlink_nofail). The first is the default.
inline constexpr std::string_view kProfiles[] = {"linux-6.18", "linux-7.0"};

// The memory models an execution can run under (docs/memory-model.md): sequential consistency,
// x86-TSO and the Linux-kernel memory model.
inline constexpr std::string_view kMemoryModels[] = {"sc", "tso", "lkmm"};

struct Config {
  // What to run.
  std::string strategy = "portfolio";
  std::string mutant;  // empty: the model as the kernel has it
  // The kernel version the model follows (a scenario declares the profiles it applies to;
  // scenarios that model no kernel ignore it). Names: sim::kProfiles.
  std::string profile = "linux-6.18";
  // What a load of shared memory (model/cell.hpp) may read: sc (the newest store), tso or lkmm
  // (any store the model allows; which one is a recorded decision). Names: sim::kMemoryModels.
  std::string memory_model = "sc";
  uint64_t seed = 1;

  // Exploration budget: the amount of work asked for. Using it up with nothing found is a pass.
  uint64_t executions_max = 10000;
  uint64_t seconds_max = 0;  // 0: no time budget
  uint64_t execution_first = 0;  // index of the first execution (to re-run one execution alone)

  // Campaigns. The run covers the indices i in [execution_first, execution_first +
  // executions_max) with i % shard_count == shard_index, spread over `jobs` threads.
  uint64_t jobs = 1;
  uint64_t shard_index = 0;
  uint64_t shard_count = 1;

  // Limits of one execution: hitting one is its own outcome (exit 3), neither pass nor fail.
  uint64_t steps_max = 100000;
  uint64_t actors_max = 64;
  uint64_t objects_max = 1000000;

  // Engine.
  uint64_t stack_bytes = 256 * 1024;
  uint64_t determinism_check_every = 0;  // re-run every Nth execution and compare (0: never)

  // Strategies.
  uint64_t pct_depth = 3;         // PCT: bugs of depth up to this many ordering constraints
  uint64_t preemption_bound = 2;  // DFS: preemptions per schedule at most

  // Model.
  // Faults the model may inject in one execution (Env::fault: every fallible kernel step can
  // fail as an explored choice while fewer than this many have failed). 0 for hand-written
  // scenarios, whose budgets and golden traces assume no injected faults; lsmc generate uses 1.
  uint64_t faults_max = 0;
};

// One knob as text: used by trace headers ("config steps_max=100000") and by `--set`.
struct ConfigField {
  std::string name;
  std::string value;
};

std::vector<ConfigField> config_fields(const Config& config);
// Sets one field from text. Returns an error message for an unknown name or an impossible value.
std::optional<std::string> set_config_field(Config& config, const std::string& name,
                                            const std::string& value);
// Cross-field checks, after every field is set.
std::optional<std::string> validate(const Config& config);

// Parses an unsigned decimal integer; no sign, no trailing junk, no overflow.
std::optional<uint64_t> parse_u64(const std::string& text);
std::optional<int64_t> parse_i64(const std::string& text);

}  // namespace lsmc::sim
