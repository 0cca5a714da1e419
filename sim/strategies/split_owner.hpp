// Which part of a split tree search (sim::Split) owns a subtree: a hash of the decisions that lead
// to it, so every part computes the same owner without talking to the others.
#pragma once

#include <cstddef>
#include <cstdint>

#include "sim/strategy.hpp"

namespace lsmc::sim {

class SplitOwner {
public:
  explicit SplitOwner(Split split) : split_(split) {}
  std::size_t depth() const { return split_.depth; }
  bool whole() const { return split_.count <= 1; }
  // Whether this part owns the subtree (or the execution) whose first `n` decisions are
  // value_at(0), ..., value_at(n - 1).
  template <typename ValueAt>
  bool mine(std::size_t n, ValueAt value_at) const {
    if (whole()) return true;
    uint64_t h = 0x9e3779b97f4a7c15ULL;
    for (std::size_t i = 0; i < n; ++i) h = mix(h ^ value_at(i));
    return mix(h + n) % split_.count == split_.index;
  }

private:
  // SplitMix64's finaliser.
  static uint64_t mix(uint64_t z) {
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  Split split_;
};

}  // namespace lsmc::sim
