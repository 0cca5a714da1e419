// The library scenario mls-lib-atomic-create (registered by the build: register_mls_lib_atomic_create).
#include <cerrno>

#include "properties/scenarios/mls_lib.hpp"

namespace lsmc::properties::scenarios {

namespace {

using model::Env;

// mls-atomic-create: non-sleepable programs create entries while the region fills up; creations
// fail cleanly (the region is preallocated: none sleeps).
void build_atomic_create(sim::Setup& s) {
  LibWorld& lw = make_lib_world(s);
  Env& env = s.env();
  std::vector<mk::Task*> t;
  for (int i = 0; i < 6; ++i) t.push_back(&lib_task(env, lw, std::string(1, static_cast<char>('a' + i)), 100 + i));
  for (int i = 0; i < 3; ++i) lib_seed(env, lw, *t[static_cast<std::size_t>(i)], 1);  // one slot of four left
  spawn_work(s, *lw.w, "enqueue", 0, [&lw, t](Env& e) {
    for (int i : {3, 4}) lib_cmd(e, lw, *t[static_cast<std::size_t>(i)], MLS_TEST_CREATE, lib_value(*t[static_cast<std::size_t>(i)], 1));
  });
  spawn_work(s, *lw.w, "prep_enable", 1, [&lw, t](Env& e) {
    lib_cmd(e, lw, *t[5], MLS_TEST_CREATE, static_cast<__u64>(lib_value(*t[5], 1)));
  });
  spawn_work(s, *lw.w, "balancer", 1, [&lw](Env& e) { lib_user_scan(e, lw, "balancer"); });
  lib_at_end_checks(s, lw);
}

}  // namespace

void register_mls_lib_atomic_create(sim::Catalog& c) {
  add_mls_lib_scenario(c, "mls-lib-atomic-create", "mls library (host build): non-sleepable creations while the "
                       "region fills up fail cleanly", build_atomic_create, {}, false);
}

}  // namespace lsmc::properties::scenarios
