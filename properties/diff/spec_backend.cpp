// The sequential reference spec (properties/diff/spec.hpp) as a Backend.
#include "properties/diff/spec.hpp"
#include "properties/diff/diff.hpp"

namespace lsmc::properties::diff {

std::vector<model::Outcome> SpecBackend::run(const std::vector<model::StorageOp>& ops) {
  Spec spec;
  std::vector<model::Outcome> out;
  for (const model::StorageOp& op : ops) out.push_back(spec.apply(op));
  return out;
}

}  // namespace lsmc::properties::diff
