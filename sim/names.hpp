// The names an execution keeps beyond the Env call that passed them (the labels of recorded
// events, object, lock and condition-variable names, allocation and free sites): text in the
// program's static storage (string literals) as it is, any other text copied once per execution.
// So model code may pass names built at run time, a literal (every label of lsmc's own model)
// costs two pointer comparisons, and exploration, which records no events, keeps no labels at all
// (model/env.hpp, "Names").
#pragma once

#include <cstdint>
#include <functional>
#include <set>
#include <string>
#include <string_view>

namespace lsmc::sim {

class Names {
public:
  Names();
  // `text` itself when it lies in the program's static storage, else a copy that lives until
  // clear(). Equal texts share one copy.
  std::string_view keep(std::string_view text) { return is_static(text) ? text : copy(text); }
  // Drops the copies.
  void clear() { copies_.clear(); }
  // The engine calls it when the next execution starts, once the last one's record
  // (sim::record_of) has been taken. Executions of one scenario mostly build the same names
  // ("map" + std::to_string(m)), so the copies are kept for the next one, which then finds them
  // instead of allocating them again; only a set grown past kKeptMax copies is dropped, so
  // names that differ in every execution cannot pile up.
  void next_execution() {
    if (copies_.size() > kKeptMax) copies_.clear();
  }
  static constexpr std::size_t kKeptMax = 4096;
  std::size_t copies() const { return copies_.size(); }

private:
  // Only where the text lives is compared (never ordered by, never printed): the answer decides
  // whether to copy, not what the execution does.
  bool is_static(std::string_view text) const {
    const auto at = reinterpret_cast<std::uintptr_t>(text.data());
    return at >= image_begin_ && at + text.size() <= image_end_;
  }
  std::string_view copy(std::string_view text);

  std::uintptr_t image_begin_;  // the program's image: text, read-only data, data, bss
  std::uintptr_t image_end_;
  std::set<std::string, std::less<>> copies_;
};

}  // namespace lsmc::sim
