// The basic sets and relations of an execution graph, as the cat files name them (internal to
// the memory models).
#pragma once

#include "wmm/graph.hpp"
#include "wmm/relation.hpp"

namespace lsmc::wmm {

struct Base {
  explicit Base(const Graph& g);

  // The events carrying one of the tags in `t`.
  EventSet with(uint32_t t) const;

  const Graph& g;
  std::size_t n;
  EventSet R, W, F, M, IW, Marked, Plain, RMW;
  Relation po, int_, ext, loc, rf, co, fr, rmw;
  Relation addr, data, ctrl;  // immediate dependencies (before carry-dep)
  Relation po_loc, rfe, rfi, coe, fre;
  Relation id;

  // fencerel(S) = po ; [S] ; po
  Relation fencerel(uint32_t t) const;
};

}  // namespace lsmc::wmm
