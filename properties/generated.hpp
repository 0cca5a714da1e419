// Generated scenarios: RapidCheck generates the parameters of the "generated" kernel scenario
// (actors' programs, CPUs, initial element, teardown), runs the explorer on each, and shrinks a
// finding to a minimal scenario that replays from the command line.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "sim/runner.hpp"

namespace lsmc::properties {

struct GenerateOptions {
  std::string mutant;            // empty: the unmutated model, which must pass
  std::string profile = "linux-6.18";  // the kernel version the model follows (Config::profile)
  uint64_t seed = 1;             // RapidCheck's seed
  uint64_t cases = 2000;         // generated scenarios at most
  uint64_t executions = 300;     // explorer budget per scenario (portfolio strategy)
  uint64_t faults_max = 1;       // faults injected per execution at most (Config::faults_max)
  bool count_known = true;       // known upstream findings (Catalog::known_in) are counted, not reported
  // The first cases pass without running: RapidCheck draws each case from its own split of the
  // seed and sizes it by the passes before it, so case N is the same with or without them (what
  // resumes an interrupted search).
  uint64_t skip_cases = 0;
  // Set (by a signal handler) to stop early: no further case runs, shrinking ends with the
  // smallest failing scenario so far (may be null).
  const std::atomic<bool>* interrupted = nullptr;
};

struct GenerateResult {
  uint64_t cases = 0;                       // scenarios run, shrinking included
  std::optional<std::map<std::string, int64_t>> minimal;  // the smallest failing scenario
  std::optional<sim::RunReport> report;     // its exploration (with the failing execution)
  std::string command;                      // the arguments of 'lsmc explore ...' that finds it again
  std::map<std::string, uint64_t> known_cases;  // scenarios that met each known finding (counted)
  std::string known_first_command;          // the arguments of 'lsmc explore ...' of the first of them
  bool interrupted = false;                 // a signal stopped it: `minimal` may not be minimal
  uint64_t resume_case = 0;                 // nothing found: the first case not run to its end
  uint64_t failing_case = 0;                // a finding: the case that first failed (0-based)
};

// Needs a catalog holding the "generated" scenario. Throws std::invalid_argument when it lacks it.
GenerateResult generate(const sim::Catalog& catalog, const GenerateOptions& options);

// Size of a scenario for shrinking reports: the number of operation digits.
int scenario_size(const std::map<std::string, int64_t>& params);

}  // namespace lsmc::properties
