// The designs the report compares: each a set of the mappable scenarios' variant parameters
// (design §4: variants as knobs on one model, compared on the same scenarios).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "model/mappable/mappable.hpp"

namespace lsmc::report {

struct Variant {
  std::string key;  // for file names
  std::string title;
  std::map<std::string, int64_t> params;
  bool cost_row = true;  // has a row of its own in the user-cost table (not the proposal's read path again)
  // The model's knobs these parameters choose.
  model::mappable::Knobs knobs() const;
};

// The recommended configuration first, then the proposal's other knob settings, then the designs
// that exist today.
const std::vector<Variant>& variants();
// The variant with this key; throws std::logic_error if there is none.
const Variant& find_variant(std::string_view key);

}  // namespace lsmc::report
