// Differential testing of the model against the real kernel (issue 4): RapidCheck generates
// operation sequences, both backends run each one, every outcome is compared, and a mismatch is
// shrunk to a minimal sequence.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "model/backend.hpp"
#include "properties/diff/sequence.hpp"

namespace lsmc::properties::diff {

// The model of today's local storage as a Backend.
class ModelBackend final : public model::Backend {
public:
  // `profile`: the kernel version the model follows (sim::kProfiles).
  explicit ModelBackend(std::string profile = "linux-6.18") : profile_(std::move(profile)) {}
  std::string name() const override { return "model (" + profile_ + ")"; }
  std::vector<model::Outcome> run(const std::vector<model::StorageOp>& ops) override;

private:
  std::string profile_;
};

// The sequential reference spec (per owner and map: absent or a value; the errnos of reference
// §4 in the kernel's order of checks) as a Backend.
class SpecBackend final : public model::Backend {
public:
  std::string name() const override { return "spec"; }
  std::vector<model::Outcome> run(const std::vector<model::StorageOp>& ops) override;
};

struct DiffOptions {
  uint64_t seed = 1;
  int sequences = 100;
  int length_max = 24;  // operations per generated sequence, before the fix-up
};

using Mismatch = Sequence<model::StorageOp, model::Outcome>;

struct DiffReport {
  int sequences = 0;   // sequences run (shrinking included)
  long operations = 0;
  std::optional<Mismatch> mismatch;
};

// Makes a generated sequence valid: maps, owners and cgroups are created before use; the
// fix-up is deterministic, so shrinking stays meaningful.
std::vector<model::StorageOp> make_valid(const std::vector<model::StorageOp>& raw);

DiffReport run_diff(model::Backend& model, model::Backend& kernel, const DiffOptions& options);

// The shrunk sequence with both outcomes, one line per operation, the first difference marked.
std::string describe(const Mismatch& m);

}  // namespace lsmc::properties::diff
