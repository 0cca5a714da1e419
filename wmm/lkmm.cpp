// The Linux-kernel memory model, written from tools/memory-model/linux-kernel.{bell,cat} and
// lock.cat as of Linux 6.18 (po-unlock-lock-po with (po|rf), rmb not ordering the reads of
// non-value-returning RMWs, carry-dep through plain memory, SRCU critical sections matched by the
// data flow of the index). Each block below names the cat relations it defines; the axioms are
// coherence, atomic, happens-before, propagation and rcu; plain-coherence too; data-race is a flag.
// Locks are value-carrying accesses of their location (wmm/graph.hpp), which gives lock.cat's
// rf and co for LKR, LKW, UL, LF, RL and RU.
#include <vector>

#include "wmm/base.hpp"
#include "wmm/model.hpp"

namespace lsmc::wmm {

namespace {

struct Fences {
  Relation acq_po, po_rel, po_unlock_lock_po, rmb, wmb, mb, gp, strong_fence, nonrw_fence, fence;
  EventSet R4rmb;
};

Fences fences(const Base& b) {
  Fences f;
  const EventSet acquire = b.with(tag::kAcquire | tag::kLKR);
  const EventSet release = b.with(tag::kRelease | tag::kUL);
  const EventSet UL = b.with(tag::kUL), LKR = b.with(tag::kLKR), LKW = b.with(tag::kLKW);
  f.acq_po = b.po.restrict(acquire, b.M);
  f.po_rel = b.po.restrict(b.M, release);
  f.po_unlock_lock_po = seq(b.po.to(UL), (b.po | b.rf).restrict(UL, LKR), b.po);
  f.R4rmb = b.R - b.with(tag::kNoreturn);
  f.rmb = b.fencerel(tag::kRmb).restrict(f.R4rmb, f.R4rmb);
  f.wmb = b.fencerel(tag::kWmb).restrict(b.W, b.W);
  const Relation po_opt = b.po.opt();
  f.mb = b.fencerel(tag::kMb).restrict(b.M, b.M) |
         seq(b.fencerel(tag::kBeforeAtomic).restrict(b.M, b.RMW), po_opt).to(b.M) |
         seq(po_opt.restrict(b.M, b.RMW), b.fencerel(tag::kAfterAtomic)).to(b.M) |
         seq(po_opt.restrict(b.M, LKW), b.fencerel(tag::kAfterSpinlock)).to(b.M) |
         seq(b.po.restrict(b.M, UL), (b.co | b.po).restrict(UL, LKW), b.fencerel(tag::kAfterUnlockLock)).to(b.M) |
         seq(b.po.restrict(b.M, b.with(tag::kSrcuUnlock)), b.fencerel(tag::kAfterSrcuReadUnlock)).to(b.M);
  f.gp = seq(b.po.to(b.with(tag::kSyncRcu | tag::kSyncSrcu)), po_opt);
  f.strong_fence = f.mb | f.gp;
  f.nonrw_fence = f.strong_fence | f.po_rel | f.acq_po;
  f.fence = f.nonrw_fence | f.wmb | f.rmb;
  return f;
}

struct Order {
  Relation addr, data, ctrl, dep, ppo, cumul_fence, prop, hb, pb;
};

// Preserved program order, propagation, happens-before, propagates-before.
Order order(const Base& b, const Fences& f) {
  Order o;
  // carry-dep = (data ; [~Srcu-unlock] ; rfi)*, composed in front of each dependency.
  const Relation carry_dep = seq(b.data.to(~b.with(tag::kSrcuUnlock)), b.rfi).star();
  o.addr = seq(carry_dep, b.addr);
  o.ctrl = seq(carry_dep, b.ctrl);
  o.data = seq(carry_dep, b.data);
  o.dep = o.addr | o.data;
  const Relation rwdep = (o.dep | o.ctrl).to(b.W);
  const Relation overwrite = b.co | b.fr;
  const Relation to_w = rwdep | (overwrite & b.int_) | seq(o.addr.to(b.Plain), f.wmb);
  const Relation to_r = o.addr | seq(o.dep.to(b.Marked), b.rfi);
  o.ppo = to_r | to_w | f.fence | (f.po_unlock_lock_po & b.int_);
  // A-cumul(r) = (rfe ; [Marked])? ; r
  const Relation a_cumul = seq(b.rfe.to(b.Marked).opt(), f.strong_fence | f.po_rel);
  o.cumul_fence = (a_cumul | f.wmb | f.po_unlock_lock_po).restrict(b.Marked, b.Marked);
  o.prop = seq((overwrite & b.ext).opt().from(b.Marked), o.cumul_fence.star(),
               b.rfe.opt().restrict(b.Marked, b.Marked));
  o.hb = (o.ppo | b.rfe | (o.prop.minus_identity() & b.int_)).restrict(b.Marked, b.Marked);
  o.pb = seq(o.prop, f.strong_fence, o.hb.star()).to(b.Marked);
  return o;
}

// rcu-rscs: each rcu_read_lock with its matching rcu_read_unlock (innermost first, per thread).
Relation rcu_rscs(const Base& b) {
  Relation r(b.n);
  for (const auto& thread : b.g.threads) {
    std::vector<EventId> open;
    for (EventId e : thread) {
      if (b.g.events[e].is(tag::kRcuLock)) open.push_back(e);
      if (b.g.events[e].is(tag::kRcuUnlock) && !open.empty()) {
        r.add(open.back(), e);
        open.pop_back();
      }
    }
  }
  return r;
}

// srcu-rscs = ([Srcu-lock] ; carry-srcu-data ; data ; [Srcu-unlock]) & loc, where
// carry-srcu-data = (data ; [~Srcu-unlock] ; rf)*: the index flows from the lock to the unlock.
Relation srcu_rscs(const Base& b) {
  const EventSet unlock = b.with(tag::kSrcuUnlock);
  const Relation carry = seq(b.data.to(~unlock), b.rf).star();
  return seq(carry.from(b.with(tag::kSrcuLock)), b.data.to(unlock)) & b.loc;
}

// rcu-fence (the cat's "let rec"): a fixpoint over sequences with at least as many grace periods
// as read-side critical sections.
Relation rcu_fence(const Base& b, const Relation& link) {
  const Relation rcu_gp = Relation::identity(b.with(tag::kSyncRcu));
  const Relation srcu_gp = Relation::identity(b.with(tag::kSyncSrcu));
  const Relation rcu_rscsi = rcu_rscs(b).inverse();
  const Relation srcu_rscsi = srcu_rscs(b).inverse();
  const Relation gl = seq(rcu_gp, link), sgl = seq(srcu_gp, link);
  const Relation rl = seq(rcu_rscsi, link), srl = seq(srcu_rscsi, link);
  const Relation base = rcu_gp | srcu_gp | seq(gl, rcu_rscsi) | (seq(sgl, srcu_rscsi) & b.loc) |
                        seq(rl, rcu_gp) | (seq(srl, srcu_gp) & b.loc);
  Relation fence = base;
  for (;;) {
    const Relation fl = seq(fence, link);
    const Relation next = base | seq(gl, fl, rcu_rscsi) | (seq(sgl, fl, srcu_rscsi) & b.loc) |
                          seq(rl, fl, rcu_gp) | (seq(srl, fl, srcu_gp) & b.loc) | seq(fl, fence);
    if (next == fence) return fence;
    fence = next;
  }
}

// rb = prop ; po ; rcu-fence ; po? ; hb* ; pb* ; [Marked], or empty when there is no grace period.
Relation rb(const Base& b, const Order& o, Relation* fence_out) {
  if (b.with(tag::kSyncRcu | tag::kSyncSrcu).empty()) {
    *fence_out = Relation(b.n);
    return Relation(b.n);
  }
  const Relation hb_star = o.hb.star(), pb_star = o.pb.star();
  const Relation link = seq(seq(b.po.opt(), hb_star, pb_star), o.prop, b.po);
  *fence_out = rcu_fence(b, link);
  return seq(seq(o.prop, b.po, *fence_out), seq(b.po.opt(), hb_star, pb_star)).to(b.Marked);
}

struct Races {
  bool incoherent = false;
  bool race = false;
};

// Plain accesses: plain-coherence (an axiom) and data-race (a flag).
Races races(const Base& b, const Fences& f, const Order& o, const Relation& rb_rel, const Relation& rcu_f) {
  Races out;
  const EventSet noreturn = b.with(tag::kNoreturn);
  const Relation pre_race =
      b.ext & (Relation::product(b.Plain, b.M) | Relation::product(b.M - b.IW, b.Plain));
  if (pre_race.empty()) return out;
  const Relation xbstar = (o.hb | o.pb | rb_rel).star();
  const Relation full_fence = f.strong_fence | seq(b.po, rcu_f, b.po.opt());
  const Relation vis = seq(seq(o.cumul_fence.star(), b.rfe.opt().to(b.Marked)),
                           seq(full_fence.to(b.Marked), xbstar) | (xbstar & b.int_));
  const Relation rmb_fence = b.fencerel(tag::kRmb);
  const Relation w_pre = (o.addr | f.fence).opt().from(b.Marked);
  const Relation r_pre = (o.addr | f.nonrw_fence | rmb_fence.restrict(f.R4rmb, ~noreturn)).opt().from(b.Marked);
  const Relation w_post = f.fence.opt().to(b.Marked);
  const Relation r_post = (f.nonrw_fence | rmb_fence.restrict(~noreturn, f.R4rmb)).opt().to(b.Marked);
  const Relation ww_vis = seq(w_post, vis, w_pre);
  const Relation wr_vis = seq(w_post, vis, r_pre);
  const Relation rw_xbstar = seq(r_post, xbstar, w_pre);
  const Relation wr_incoh = pre_race & b.rf & rw_xbstar.inverse();
  const Relation rw_incoh = pre_race & b.fr & wr_vis.inverse();
  const Relation ww_incoh = pre_race & b.co & ww_vis.inverse();
  out.incoherent = !(wr_incoh | rw_incoh | ww_incoh).empty();
  const Relation ww_nonrace = ww_vis & (Relation::product(b.Marked, b.W) | rw_xbstar) &
                              (Relation::product(b.W, b.Marked) | wr_vis);
  const Relation ww_race = (pre_race & b.co) - ww_nonrace;
  const Relation wr_race = (pre_race & seq(b.co.opt(), b.rf)) - wr_vis;
  const Relation rw_race = (pre_race & b.fr) - rw_xbstar;
  out.race = !(ww_race | wr_race | rw_race).empty();
  return out;
}

}  // namespace

Check check_lkmm(const Graph& g) {
  const Base b(g);
  Check c;
  if (!(b.po_loc | b.rf | b.co | b.fr).acyclic()) return {false, "coherence", false};
  if (!(b.rmw & seq(b.fre, b.coe)).empty()) return {false, "atomic", false};
  const Fences f = fences(b);
  const Order o = order(b, f);
  if (!o.hb.acyclic()) return {false, "happens-before", false};
  if (!o.pb.acyclic()) return {false, "propagation", false};
  Relation rcu_f;
  const Relation rb_rel = rb(b, o, &rcu_f);
  if (!rb_rel.irreflexive()) return {false, "rcu", false};
  const Races r = races(b, f, o, rb_rel, rcu_f);
  if (r.incoherent) return {false, "plain-coherence", false};
  c.data_race = r.race;
  return c;
}

bool rcu_axiom_holds(const Graph& g) {
  const Base b(g);
  if (b.with(tag::kSyncRcu | tag::kSyncSrcu).empty()) return true;
  const Fences f = fences(b);
  const Order o = order(b, f);
  Relation rcu_f;
  return rb(b, o, &rcu_f).irreflexive();
}

}  // namespace lsmc::wmm
