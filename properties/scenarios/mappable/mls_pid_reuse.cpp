// The proposal scenario mls-pid-reuse (registered by the build: register_mls_pid_reuse).
#include "properties/scenarios/mls_world.hpp"

namespace lsmc::properties::scenarios {

namespace {

using model::Env;
using mk::ProgType;

// Design question 4: a handle must not reach another task after exit and pid reuse.
void build_pid_reuse(sim::Setup& s) {
  MlsWorld& m = make_mls_world(s, {2, 1});
  Env& env = s.env();
  mk::Owner& a = make_owner(env, m, "a", 100);
  mk::Owner& c = make_owner(env, m, "c", 101);
  mk::Owner& b = make_owner(env, m, "b (pid 100 reused)", 100);  // forked later
  seed_entry(env, m, a, 1);
  auto& stage = s.make<int>(0);
  spawn_mls(s, m, "daemon", 0, [&m, &a, &b, &stage](Env& e) {
    check_user_read(e, mm::libbpf_mls_lookup(e, m.map, m.lib, a, mm::owner_number(a)), &a, "daemon");
    stage = 1;
    e.wait_until([&stage] { return stage == 3; }, "pid 100 reused");
    check_user_read(e, mm::libbpf_mls_lookup(e, m.map, m.lib, b, mm::owner_number(b)), &b, "daemon");
  });
  spawn_mls(s, m, "churn", 1, [&m, &a, &b, &c, &stage](Env& e) {
    e.wait_until([&stage] { return stage == 1; }, "daemon holds a handle");
    mm::bpf_mls_task_free(e, m.w->k, m.map, a);  // a exits
    // c is created once a's slot can be had again: after the grace period its page goes back
    // and c's page allocation brings slot 0 back (with the mutant, at once).
    e.wait_until([&m] {
      return m.map.knobs.layout == mm::Layout::kPidArray || !m.map.pages[0].present || !m.map.free_slots.empty();
    }, "a's slot reusable");
    create_entry(e, m, c, 1);
    create_entry(e, m, b, 2);
    stage = 3;
  });
}

}  // namespace

void register_mls_pid_reuse(sim::Catalog& c) {
  add_mls_scenario(c, "mls-pid-reuse", "proposal: a daemon holds a handle for pid 100; the task exits, its slot goes to another "
      "task, pid 100 is reused; the daemon's next lookup must reach the new task or fail", build_pid_reuse);
}

}  // namespace lsmc::properties::scenarios
