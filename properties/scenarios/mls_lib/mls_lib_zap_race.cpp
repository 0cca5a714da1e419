// The library scenario mls-lib-zap-race (registered by the build: register_mls_lib_zap_race).
#include <cerrno>

#include "properties/scenarios/mls_lib.hpp"

namespace lsmc::properties::scenarios {

namespace {

using model::Env;

// mls-zap-race: the daemon reads t's entry while t exits and its slot is reclaimed.
void build_zap_race(sim::Setup& s) {
  LibWorld& lw = make_lib_world(s);
  Env& env = s.env();
  mk::Task& t = lib_task(env, lw, "t", 100);
  lib_seed(env, lw, t, 1);
  const int fd = lw.host->pidfd(t);
  auto& h = s.make<struct mls_handle>();
  spawn_work(s, *lw.w, "daemon", 0, [&lw, &t, &h, fd](Env& e) {
    for (int round = 0; round < 2; ++round) lib_user_read(e, lw, t, fd, h, "daemon");
  });
  spawn_work(s, *lw.w, "exit", 1, [&lw, &t](Env& e) {
    lib_exit(e, lw, t);
    lib_maintain(e, lw);
  });
  lib_at_end_checks(s, lw);
}

}  // namespace

void register_mls_lib_zap_race(sim::Catalog& c) {
  add_mls_lib_scenario(c, "mls-lib-zap-race", "mls library (host build): the daemon reads t's entry while t exits "
                       "and its slot is reclaimed", build_zap_race, {}, false);
}

}  // namespace lsmc::properties::scenarios
