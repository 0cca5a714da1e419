// lsmc mls diff (docs/mls.md): RapidCheck generates operation sequences over a few owners (BPF
// create, delete and get as the owner; the owner's exit; the daemon's handle, read, write and
// maintenance), the model's library (model/mappable: the proposal's region, pages kept, pinned
// writes) and the mls library on this machine's kernel (mls/test/mls_diff_kernel.c) run each one,
// every outcome is compared, and a mismatch is shrunk to a minimal sequence.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "properties/diff/sequence.hpp"

namespace lsmc::properties::mls_diff {

struct Op {
  int kind = 0;  // enum mls_diff_op (mls/test/mls_diff_kernel.h)
  int owner = 0;
  int64_t value = 0;
};

struct Outcome {
  int err = 0;
  int64_t value = 0;
  bool operator==(const Outcome&) const = default;
};

struct Options {
  uint64_t seed = 1;
  int sequences = 1000;
  int length_max = 24;
};

using Mismatch = diff::Sequence<Op, Outcome>;

struct Report {
  int sequences = 0;  // run, shrinking included
  long operations = 0;
  std::optional<Mismatch> mismatch;
  std::string error;  // the kernel side could not be set up
};

// The model's outcomes for `ops` (one execution, one actor, the grace-period actors).
std::vector<Outcome> run_model(const std::vector<Op>& ops);
Report run(const Options& options);
std::string describe(const Mismatch& m);
std::string to_string(const Op& op);

}  // namespace lsmc::properties::mls_diff
