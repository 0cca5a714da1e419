// The proposal scenario mls-atomic-create (registered by the build: register_mls_atomic_create).
#include "properties/scenarios/mls_world.hpp"

namespace lsmc::properties::scenarios {

namespace {

using model::Env;
using mk::ProgType;

// Design question 1, the context that cannot sleep: enqueue (struct_ops, non-sleepable) creates
// entries for tasks prep_enable never saw, while prep_enable (sleepable) creates one too. The
// region's only page fills up: the atomic creations fail cleanly; none may sleep.
void build_atomic_create(sim::Setup& s) {
  MlsWorld& m = make_mls_world(s, {2, 2});
  Env& env = s.env();
  mk::Owner& a = make_owner(env, m, "a", 100);
  mk::Owner& b = make_owner(env, m, "b", 101);
  mk::Owner& c = make_owner(env, m, "c", 102);
  mk::Owner& d = make_owner(env, m, "d", 103);
  seed_entry(env, m, a, 1);  // page 0 is present with one free entry
  spawn_mls(s, m, "enqueue", 0, [&m, &b, &c](Env& e) {
    for (mk::Owner* o : {&b, &c}) {
      create_entry(e, m, *o, 1, ProgType::kStructOps);
    }
  });
  spawn_mls(s, m, "prep_enable", 1, [&m, &d](Env& e) {
    create_entry(e, m, d, 1);
  });
  spawn_mls(s, m, "balancer", 1, [&m](Env& e) {
    for (const auto& [slot, r] : mm::libbpf_mls_scan(e, m.map, m.lib)) check_user_read(e, r, nullptr, "balancer");
  });
}

}  // namespace

void register_mls_atomic_create(sim::Catalog& c) {
  add_mls_scenario(c, "mls-atomic-create", "proposal: enqueue (non-sleepable) creates entries while the region's page fills up "
      "and prep_enable (sleepable) creates one; atomic creations fail cleanly, none sleeps",
      build_atomic_create, {}, {"mls: no free entry in atomic context"});
}

}  // namespace lsmc::properties::scenarios
