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
  // The model's resident bound, after the allocator's checks: every resident page of the region
  // holds a live entry. The library's region is an mmapable array, every page of it resident
  // from map creation (arena maps are refused on our kernel), as the model's "pages never
  // returned" design: it violates the bound as that design does.
  s.at_end([&lw](Env& e) {
    const mls& m = *lw.m;
    const std::size_t per_page = 4096 / m.elem_size;
    for (std::size_t first = 0; first < m.capacity; first += per_page) {
      bool live = false;
      for (std::size_t s2 = first; s2 < first + per_page && s2 < m.capacity; ++s2) {
        live = live || mls_gen_live(mls_hdr_gen(m.hdr[s2]));
      }
      e.check(live, "resident-bound",
              "page " + std::to_string(first / per_page) + " of the region is resident with no live entry: the "
              "region is preallocated (an mmapable array; arena maps are refused on this kernel), so no page "
              "ever goes back");
    }
  });
}

}  // namespace

void register_mls_lib_churn(sim::Catalog& c) {
  add_mls_lib_scenario(c, "mls-lib-churn", "mls library (host build): two CPUs create and delete entries while the "
                       "daemon maintains and a balancer scans; no slot is lost, but the preallocated region stays "
                       "resident (expected to fail: resident-bound, as the model's design that keeps its pages)",
                       build_churn, {{"rounds", 2, 1, 3, "create/delete rounds per CPU"}}, true);
}

}  // namespace lsmc::properties::scenarios
