// The library scenario mls-lib-pid-reuse (registered by the build: register_mls_lib_pid_reuse).
#include <cerrno>

#include "properties/scenarios/mls_lib.hpp"

namespace lsmc::properties::scenarios {

namespace {

using model::Env;

// mls-pid-reuse: a handle for pid 100 must not reach another task after exit and pid reuse. The
// daemon keeps its handle by pid, as a daemon's table does, and re-opens it by pidfd on -ESTALE.
void build_pid_reuse(sim::Setup& s) {
  LibWorld& lw = make_lib_world(s);
  Env& env = s.env();
  mk::Task& a = lib_task(env, lw, "a", 100);
  mk::Task& c = lib_task(env, lw, "c", 101);
  mk::Task& b = lib_task(env, lw, "b (pid 100 reused)", 100);
  lib_seed(env, lw, a, 1);
  const int fd_a = lw.host->pidfd(a), fd_b = lw.host->pidfd(b);
  auto& stage = s.make<int>(0);
  auto& by_pid = s.make<struct mls_handle>();  // the daemon's handle for pid 100
  spawn_work(s, *lw.w, "daemon", 0, [&, fd_a, fd_b](Env& e) {
    lib_user_read(e, lw, a, fd_a, by_pid, "daemon");
    stage = 1;
    e.wait_until([&stage] { return stage == 3; }, "pid 100 reused");
    lib_user_read(e, lw, b, fd_b, by_pid, "daemon");
  });
  spawn_work(s, *lw.w, "churn", 1, [&](Env& e) {
    e.wait_until([&stage] { return stage == 1; }, "daemon holds a handle");
    lib_exit(e, lw, a);
    lib_maintain(e, lw);
    lib_cmd(e, lw, c, MLS_TEST_CREATE, static_cast<__u64>(lib_value(c, 1)));
    lib_cmd(e, lw, b, MLS_TEST_CREATE, static_cast<__u64>(lib_value(b, 2)));
    stage = 3;
  });
  lib_at_end_checks(s, lw);
}

}  // namespace

void register_mls_lib_pid_reuse(sim::Catalog& c) {
  add_mls_lib_scenario(c, "mls-lib-pid-reuse", "mls library (host build): a daemon's handle for pid 100 while the task "
                       "exits, its slot goes to another task and pid 100 is reused", build_pid_reuse, {}, false);
}

}  // namespace lsmc::properties::scenarios
