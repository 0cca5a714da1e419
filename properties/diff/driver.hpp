// The differential driver that `lsmc kernel diff` (properties/diff/diff.cpp) and `lsmc mls diff`
// (properties/mls_diff.cpp) share: RapidCheck generates operation sequences, the model and the
// kernel side run each one, every outcome is compared, and the first failing sequence is shrunk.
// Each command brings its own operations, generator and backends; this file owns the loop, the
// shrinking, and how a backend that throws is told apart from a disagreement.
#pragma once

#include <rapidcheck.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "properties/diff/sequence.hpp"
#include "properties/rc_quiet.hpp"

namespace lsmc::properties::diff {

struct DriverOptions {
  uint64_t seed = 1;
  int sequences = 100;
  int length_max = 24;  // RapidCheck's size: operations per generated sequence
  const char* id = "lsmc diff";
};

template <class Op, class Outcome>
struct DriverResult {
  int sequences = 0;  // sequences run, shrinking included
  long operations = 0;
  std::optional<Sequence<Op, Outcome>> mismatch;
  std::string machine_error;  // a MachineError's message: the run stopped there
};

template <class Op, class Outcome>
using SideOf = std::function<std::vector<Outcome>(const std::vector<Op>&)>;

// Runs `options.sequences` sequences drawn from `gen` on both sides. Only the sequence kept is a
// copy: the loop holds one sequence at a time, whatever the count (memory stays flat).
template <class Op, class Outcome>
DriverResult<Op, Outcome> drive(const DriverOptions& options, const rc::Gen<std::vector<Op>>& gen,
                                const SideOf<Op, Outcome>& model, const SideOf<Op, Outcome>& kernel) {
  DriverResult<Op, Outcome> result;
  std::optional<Sequence<Op, Outcome>> last_failure;
  const auto property = [&] {
    if (!result.machine_error.empty()) return;  // stop comparing: the run ends with that error
    Sequence<Op, Outcome> s;
    s.ops = *gen;
    ++result.sequences;
    result.operations += static_cast<long>(s.ops.size());
    try {
      s.model = model(s.ops);
    } catch (const std::exception& e) {
      s.error = "the model failed: " + std::string(e.what());
    }
    try {
      if (s.error.empty()) s.kernel = kernel(s.ops);
    } catch (const MachineError& e) {
      result.machine_error = e.what();
      return;
    } catch (const std::exception& e) {
      s.error = "the kernel side failed: " + std::string(e.what());
    }
    if (s.error.empty() && (s.model.size() != s.ops.size() || s.kernel.size() != s.ops.size())) {
      s.error = "the two sides gave " + std::to_string(s.model.size()) + " and " + std::to_string(s.kernel.size()) +
                " outcomes for " + std::to_string(s.ops.size()) + " operations";
    }
    if (s.error.empty()) {
      while (s.index < s.ops.size() && s.model[s.index] == s.kernel[s.index]) ++s.index;
      if (s.index == s.ops.size()) return;  // they agree
    }
    const std::string why = s.error.empty() ? "model and kernel disagree" : s.error;
    last_failure = std::move(s);  // RapidCheck's last failing call is the shrunk counterexample
    RC_FAIL(why);
  };
  rc::detail::TestParams params;
  params.seed = options.seed;
  params.maxSuccess = options.sequences;
  params.maxSize = options.length_max;
  params.maxDiscardRatio = 10;
  properties::QuietListener listener;
  rc::detail::TestMetadata metadata;
  metadata.id = options.id;
  // The overload with an explicit (empty) reproduce map does not load RapidCheck's global
  // configuration, which would print "Using configuration: ..." on stderr.
  const std::unordered_map<std::string, rc::detail::Reproduce> no_reproduce;
  const rc::detail::TestResult r =
      rc::detail::checkProperty(rc::detail::toProperty(property), metadata, params, listener, no_reproduce);
  if (!result.machine_error.empty()) return result;  // not a disagreement: nothing to shrink or show
  if (r.template is<rc::detail::FailureResult>()) {
    result.mismatch = std::move(last_failure);
    if (!result.mismatch) {  // a failure that is neither a mismatch nor a backend error
      Sequence<Op, Outcome> s;
      s.error = "RapidCheck reported a failure: " + r.template get<rc::detail::FailureResult>().description;
      result.mismatch = std::move(s);
    }
  }
  return result;
}

}  // namespace lsmc::properties::diff
