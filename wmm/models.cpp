// Sequential consistency and x86-TSO, and the one entry point over the three models.
//
// SC: acyclic(po | rf | co | fr) over memory accesses, RMWs atomic, and RCU's grace-period
// guarantee: a synchronize_rcu() (or synchronize_srcu()) waits for the read-side critical sections
// that started before it, so none spans it. SC states that as LKMM's rcu axiom (rcu_axiom_holds):
// an SC execution meets LKMM's other axioms already, so what SC allows LKMM allows, and an
// interleaving in which a grace period ends inside a section it should have waited for is not SC.
// x86-TSO (Owens, Sarkar, Sewell 2009, axiomatic form): per-location SC, atomic RMWs, and
// acyclic(ppo | fences | rfe | co | fr) where ppo is po minus store-to-load pairs. The kernel's
// primitives map as they compile on x86: smp_mb(), synchronize_rcu() and synchronize_srcu() are
// full fences; every RMW is a locked instruction and orders everything around it (spin_lock and
// failed cmpxchg/trylock included); acquire, release, smp_rmb, smp_wmb and rcu_read_lock cost
// nothing beyond TSO itself. RCU's grace-period guarantee is not modelled under TSO beyond the
// full fence (docs/memory-model.md).
#include "wmm/base.hpp"
#include "wmm/model.hpp"

namespace lsmc::wmm {

std::string_view to_string(Model model) { return kModelNames[static_cast<int>(model)]; }

std::optional<Model> parse_model(std::string_view name) {
  for (int i = 0; i < 3; ++i) {
    if (kModelNames[i] == name) return static_cast<Model>(i);
  }
  return std::nullopt;
}

namespace {

bool atomic_ok(const Base& b) { return (b.rmw & seq(b.fre, b.coe)).empty(); }

}  // namespace

Check check_sc(const Graph& g) {
  const Base b(g);
  if (!atomic_ok(b)) return {false, "atomic", false};
  const Relation order = b.po.restrict(b.M, b.M) | b.rf | b.co | b.fr;
  if (!order.acyclic()) return {false, "sc", false};
  if (!rcu_axiom_holds(g)) return {false, "rcu", false};
  return {};
}

Check check_tso(const Graph& g) {
  const Base b(g);
  if (!(b.po_loc | b.rf | b.co | b.fr).acyclic()) return {false, "coherence", false};
  if (!atomic_ok(b)) return {false, "atomic", false};
  const Relation ppo = b.po.restrict(b.R, b.M) | b.po.restrict(b.W, b.W);
  const EventSet locked = b.RMW | b.with(tag::kLKR | tag::kLKW | tag::kLF);
  const Relation fences = b.fencerel(tag::kMb | tag::kSyncRcu | tag::kSyncSrcu).restrict(b.M, b.M) |
                          b.po.restrict(b.M, locked) | b.po.restrict(locked, b.M);
  const Relation ghb = ppo | fences | b.rfe | b.co | b.fr;
  if (!ghb.acyclic()) return {false, "tso", false};
  return {};
}

Check check(Model model, const Graph& g) {
  switch (model) {
    case Model::kSc: return check_sc(g);
    case Model::kTso: return check_tso(g);
    case Model::kLkmm: return check_lkmm(g);
  }
  return check_lkmm(g);
}

}  // namespace lsmc::wmm
