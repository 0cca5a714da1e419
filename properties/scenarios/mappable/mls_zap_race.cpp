// The proposal scenario mls-zap-race (registered by the build: register_mls_zap_race).
#include "properties/scenarios/mls_world.hpp"

namespace lsmc::properties::scenarios {

namespace {

using model::Env;
using mk::ProgType;

// Design question 2: user space is not an RCU reader; a page can go back while a user load is
// between its generation check and its load.
void build_zap_race(sim::Setup& s) {
  MlsWorld& m = make_mls_world(s, {1, 1});
  Env& env = s.env();
  mk::Owner& t = make_owner(env, m, "t", 100);
  seed_entry(env, m, t, 1);
  spawn_mls(s, m, "daemon", 0, [&m, &t](Env& e) {
    for (int round = 0; round < 2; ++round) check_user_read(e, mm::libbpf_mls_lookup(e, m.map, m.lib, t, mm::owner_number(t)), &t, "daemon");
  });
  spawn_mls(s, m, "exit", 1, [&m, &t](Env& e) { mm::bpf_mls_task_free(e, m.w->k, m.map, t); });
}

}  // namespace

void register_mls_zap_race(sim::Catalog& c) {
  add_mls_scenario(c, "mls-zap-race", "proposal: a daemon reads a task's entry while the task exits and the empty page goes back",
      build_zap_race, {}, {"mls: empty page returned"});
}

}  // namespace lsmc::properties::scenarios
