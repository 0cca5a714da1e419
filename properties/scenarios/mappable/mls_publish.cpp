// The proposal scenario mls-publish (registered by the build: register_mls_publish).
#include "properties/scenarios/mls_world.hpp"

namespace lsmc::properties::scenarios {

namespace {

using model::Env;
using mk::ProgType;

// Design question 3: a lock-free scan of the header must never show an entry before it is
// initialised.
void build_publish(sim::Setup& s) {
  MlsWorld& m = make_mls_world(s, {2, 2});
  Env& env = s.env();
  mk::Owner& a = make_owner(env, m, "a", 100);
  mk::Owner& b = make_owner(env, m, "b", 101);
  seed_entry(env, m, a, 1);  // page 0 is present; b's entry goes next to a's
  spawn_mls(s, m, "prep_enable", 0, [&m, &b](Env& e) {
    create_entry(e, m, b, 1);
  });
  spawn_mls(s, m, "balancer", 1, [&m](Env& e) {
    for (int round = 0; round < 2; ++round) {
      for (const auto& [slot, r] : mm::libbpf_mls_scan(e, m.map, m.lib)) check_user_read(e, r, nullptr, "balancer");
    }
  });
}

}  // namespace

void register_mls_publish(sim::Catalog& c) {
  add_mls_scenario(c, "mls-publish", "proposal: prep_enable creates b's entry while a balancer scans the header without "
      "syscalls; a published entry must be initialised", build_publish);
}

}  // namespace lsmc::properties::scenarios
