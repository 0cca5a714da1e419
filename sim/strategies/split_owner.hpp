// Which part of a split tree search (sim::Split) owns a subtree: a hash of the decisions that lead
// to it, so every part computes the same owner without talking to the others.
//
// Nested splits (--shard 33/64:5/8): a part owns a subtree when every level's test holds at that
// level's depth. Why the M sub-parts j of part P, each run below the deeper depth d' of its last
// level, together cover every outcome P covers:
// - Ownership: an execution with n decisions meets level k's test on its first min(n, d_k)
//   decisions; the sub-level's value is one number modulo M, so exactly one j owns each execution
//   or subtree that P owns, and a sub-part runs every one of P's executions not in another j's
//   subtree (dfs: the tree is the same for every part; dpor: below).
// - dpor: each sub-part tries every awake enabled actor at the first d' choice points, where P
//   tried every one only at the first d. Together they are the search with the backtrack sets of
//   P's region's choice points between d and d' filled up to every enabled actor, and the other
//   parts' regions unchanged: a choice point's backtrack set may be any superset of a source set
//   (more branches explore more, and their races only add branches), so that search is still
//   sound, and no race below d' asks for a choice at a point another sub-part shares, since the
//   points they share are full. The executions are not P's own (they are those of P run whole at
//   depth d': Split with one more level of count 1), the outcomes covered include P's.
// - dfs: the tree does not depend on the split, so the sub-parts' executions are exactly P's.
#pragma once

#include <cstddef>
#include <cstdint>
#include <utility>

#include "sim/strategy.hpp"

namespace lsmc::sim {

class SplitOwner {
public:
  explicit SplitOwner(Split split) : split_(std::move(split)) {}
  // The prefix expanded fully: the deepest level's depth.
  std::size_t depth() const { return split_.depth(); }
  bool whole() const { return !split_.divided(); }
  // Whether a level cuts the tree at `depth` decisions (then a new subtree opens there).
  bool cuts_at(std::size_t depth) const {
    for (const SplitLevel& l : split_.levels) {
      if (l.depth == depth && l.count > 1) return true;
    }
    return false;
  }
  // Whether this part owns the subtree whose first `n` decisions are value_at(0), ...,
  // value_at(n - 1), opened at depth `at` (a level cuts there): that level's test.
  template <typename ValueAt>
  bool owns_subtree(std::size_t at, std::size_t n, ValueAt value_at) const {
    const uint64_t h = hash(n, value_at);
    for (std::size_t k = 0; k < split_.levels.size(); ++k) {
      if (split_.levels[k].depth == at && !test(k, h)) return false;
    }
    return true;
  }
  // Whether this part owns an execution of `n` decisions that reached `at` levels of depth:
  // every level at or below `at` tests its decisions (the levels above were tested where their
  // subtrees opened).
  template <typename ValueAt>
  bool owns_execution(std::size_t at, std::size_t n, ValueAt value_at) const {
    if (whole()) return true;
    const uint64_t h = hash(n, value_at);
    for (std::size_t k = 0; k < split_.levels.size(); ++k) {
      if (at <= split_.levels[k].depth && !test(k, h)) return false;
    }
    return true;
  }

private:
  template <typename ValueAt>
  static uint64_t hash(std::size_t n, ValueAt value_at) {
    uint64_t h = 0x9e3779b97f4a7c15ULL;
    for (std::size_t i = 0; i < n; ++i) h = mix(h ^ value_at(i));
    return mix(h + n);
  }
  // Level 0 as a one-level split always was; deeper levels salted, so that an execution ending
  // above both cuts is not dealt by the same number twice (33 of 64 would give sub-part 1 of 8).
  bool test(std::size_t k, uint64_t h) const {
    const SplitLevel& l = split_.levels[k];
    if (l.count <= 1) return true;
    const uint64_t v = k == 0 ? h : mix(h + k * 0x9e3779b97f4a7c15ULL);
    return v % l.count == l.index;
  }
  // SplitMix64's finaliser.
  static uint64_t mix(uint64_t z) {
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  Split split_;
};

}  // namespace lsmc::sim
