// The library scenario mls-lib-user-write (registered by the build: register_mls_lib_user_write).
#include <cerrno>

#include "properties/scenarios/mls_lib.hpp"

namespace lsmc::properties::scenarios {

namespace {

using model::Env;

// mls-user-write: the daemon writes hints into t's entry while t exits and c takes its slot. A
// store reaches another owner only from inside one pinned write (between the pin and the store);
// the daemon writes kRounds times, so that a preemption there has as many chances as it has rounds.
constexpr int kRounds = 8;
void build_user_write(sim::Setup& s) {
  LibWorld& lw = make_lib_world(s);
  Env& env = s.env();
  mk::Task& t = lib_task(env, lw, "t", 100);
  mk::Task& c = lib_task(env, lw, "c", 101);
  lib_seed(env, lw, t, 1);
  lib_fill(env, lw, 3);
  const int fd = lw.host->pidfd(t);
  spawn_work(s, *lw.w, "daemon", 0, [&lw, &t, fd](Env&) {
    struct mls_handle h{};
    for (int round = 0; round < kRounds; ++round) {
      const __s64 hint = lib_value(t, 10 + round);
      if (h.gen == 0 && lw.handle(lw.m.get(), fd, &h) != 0) return;
      if (lw.write(lw.m.get(), h, offsetof(mls_test_value, hint), &hint, sizeof(hint)) == -ESTALE) h = {};
    }
  });
  lib_spawn_exit_maintain_create(s, lw, t, c, 1);
  lib_at_end_checks(s, lw);
}

}  // namespace

void register_mls_lib_user_write(sim::Catalog& c) {
  add_mls_lib_scenario(c, "mls-lib-user-write", "mls library (host build): the daemon writes hints into t's entry "
                       "(pinned) while t exits and c takes its slot", build_user_write, {}, false);
}

}  // namespace lsmc::properties::scenarios
