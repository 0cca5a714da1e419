#include "wmm/base.hpp"

namespace lsmc::wmm {

namespace {

constexpr uint32_t kMarkedTags = tag::kOnce | tag::kAcquire | tag::kRelease | tag::kNoreturn |
                                 tag::kRmw | tag::kLKR | tag::kLKW | tag::kUL | tag::kLF | tag::kRL |
                                 tag::kRU | tag::kSrcuLock | tag::kSrcuUnlock | tag::kInit;

}  // namespace

Base::Base(const Graph& graph)
    : g(graph), n(graph.events.size()), R(n), W(n), F(n), M(n), IW(n), Marked(n), Plain(n), RMW(n),
      po(n), int_(n), ext(n), loc(n), rf(n), co(n), fr(n), rmw(n), addr(n), data(n), ctrl(n) {
  for (EventId e = 0; e < n; ++e) {
    const Event& ev = g.events[e];
    if (ev.kind == Kind::kRead) R.add(e);
    if (ev.kind == Kind::kWrite) W.add(e);
    if (ev.kind == Kind::kFence) F.add(e);
    if (ev.is(tag::kInit)) IW.add(e);
    if (ev.is(tag::kRmw)) RMW.add(e);
    // Marked = (~M) | IW | Once | Release | Acquire | domain(rmw) | range(rmw) | lock events | SRCU
    if (!ev.is_access() || ev.is(kMarkedTags)) Marked.add(e);
    if (ev.rmw_write >= 0) rmw.add(e, static_cast<EventId>(ev.rmw_write));
    for (EventId d : ev.addr) addr.add(d, e);
    for (EventId d : ev.data) data.add(d, e);
    for (EventId d : ev.ctrl) ctrl.add(d, e);
    for (EventId f = 0; f < n; ++f) {
      const Event& other = g.events[f];
      const bool same_thread = ev.thread == other.thread && ev.thread != kInitThread;
      if (same_thread) {
        int_.add(e, f);
      } else {
        ext.add(e, f);
      }
      if (ev.loc != kNoLoc && ev.loc == other.loc) loc.add(e, f);
    }
  }
  M = R | W;
  Plain = M - Marked;
  for (const auto& thread : g.threads) {
    for (std::size_t i = 0; i < thread.size(); ++i) {
      for (std::size_t j = i + 1; j < thread.size(); ++j) po.add(thread[i], thread[j]);
    }
  }
  if (g.loads_control_later_stores) ctrl |= po.restrict(R, W);
  for (EventId e = 0; e < n; ++e) {
    if (g.rf[e] >= 0) rf.add(static_cast<EventId>(g.rf[e]), e);
  }
  for (const auto& order : g.co) {
    for (std::size_t i = 0; i < order.size(); ++i) {
      for (std::size_t j = i + 1; j < order.size(); ++j) co.add(order[i], order[j]);
    }
  }
  fr = seq(rf.inverse(), co);
  id = Relation::identity(~EventSet(n));
  po_loc = (po & loc).restrict(M, M);
  rfe = rf & ext;
  rfi = rf & int_;
  coe = co & ext;
  fre = fr & ext;
}

EventSet Base::with(uint32_t t) const {
  EventSet s(n);
  for (EventId e = 0; e < n; ++e) {
    if (g.events[e].is(t)) s.add(e);
  }
  return s;
}

Relation Base::fencerel(uint32_t t) const { return seq(po.to(with(t)), po); }

}  // namespace lsmc::wmm
