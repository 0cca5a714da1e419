// The library scenario mls-lib-churn (registered by the build: register_mls_lib_churn).
#include <cerrno>

#include "properties/scenarios/mls_lib.hpp"

namespace lsmc::properties::scenarios {

namespace {

using model::Env;

// mls-churn: two CPUs create and delete entries in rounds while the daemon maintains and a
// balancer scans; no slot is ever lost.
void build_churn(sim::Setup& s) {
  LibWorld& lw = make_lib_world(s);
  Env& env = s.env();
  const int rounds = static_cast<int>(s.params().get("rounds"));
  auto& tasks = s.make<std::vector<mk::Task*>>();
  for (int i = 0; i < 2 * rounds; ++i) tasks.push_back(&lib_task(env, lw, "t" + std::to_string(i), 100 + i));
  for (int cpu = 0; cpu < 2; ++cpu) {
    spawn_work(s, *lw.w, "churn" + std::to_string(cpu), static_cast<uint16_t>(cpu), [&lw, &tasks, cpu, rounds](Env& e) {
      for (int r = 0; r < rounds; ++r) {
        mk::Task& t = *tasks[static_cast<std::size_t>(2 * r + cpu)];
        lib_cmd(e, lw, t, MLS_TEST_CREATE, static_cast<__u64>(lib_value(t, 1)));
        lib_exit(e, lw, t);
      }
    });
  }
  spawn_work(s, *lw.w, "daemon", 0, [&lw, rounds](Env& e) {
    for (int r = 0; r < rounds; ++r) lib_maintain(e, lw);
  });
  spawn_work(s, *lw.w, "balancer", 1, [&lw](Env& e) { lib_user_scan(e, lw, "balancer"); });
  lib_at_end_checks(s, lw);
}

}  // namespace

void register_mls_lib_churn(sim::Catalog& c) {
  add_mls_lib_scenario(c, "mls-lib-churn", "mls library (host build): two CPUs create and delete entries while the "
                       "daemon maintains and a balancer scans; no slot is lost", build_churn,
                       {{"rounds", 2, 1, 3, "create/delete rounds per CPU"}}, false);
}

}  // namespace lsmc::properties::scenarios
