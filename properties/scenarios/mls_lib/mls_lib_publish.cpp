// The library scenario mls-lib-publish (registered by the build: register_mls_lib_publish).
#include <cerrno>

#include "properties/scenarios/mls_lib.hpp"

namespace lsmc::properties::scenarios {

namespace {

using model::Env;

// mls-publish: a scan must never show an entry before it is zeroed. b's entry goes into the slot
// z used, which still holds z's bytes.
void build_publish(sim::Setup& s) {
  LibWorld& lw = make_lib_world(s);
  Env& env = s.env();
  mk::Task& a = lib_task(env, lw, "a", 100);
  mk::Task& z = lib_task(env, lw, "z", 99);
  mk::Task& b = lib_task(env, lw, "b", 101);
  lib_seed(env, lw, a, 1);
  lib_seed(env, lw, z, 1);
  lib_exit(env, lw, z);
  lib_reclaim_now(env, lw);
  spawn_work(s, *lw.w, "prep_enable", 0, [&lw, &b](Env& e) {
    lib_cmd(e, lw, b, MLS_TEST_CREATE, static_cast<__u64>(lib_value(b, 1)));
  });
  spawn_work(s, *lw.w, "balancer", 1, [&lw](Env& e) {
    for (int round = 0; round < 2; ++round) lib_user_scan(e, lw, "balancer");
  });
  lib_at_end_checks(s, lw);
}

}  // namespace

void register_mls_lib_publish(sim::Catalog& c) {
  add_mls_lib_scenario(c, "mls-lib-publish", "mls library (host build): prep_enable creates b's entry in the slot z "
                       "left while a balancer scans without syscalls; a published entry must be zeroed", build_publish, {}, false);
}

}  // namespace lsmc::properties::scenarios
