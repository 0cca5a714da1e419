// The proposal scenario mls-churn (registered by the build: register_mls_churn).
#include <vector>

#include "properties/scenarios/mls_world.hpp"

namespace lsmc::properties::scenarios {

namespace {

using model::Env;
using mk::ProgType;

// Design questions 1 and 6: churn, and what stays resident afterwards.
void build_churn(sim::Setup& s) {
  MlsWorld& m = make_mls_world(s, {3, 2});
  Env& env = s.env();
  const int rounds = static_cast<int>(s.params().get("rounds"));
  auto& tasks = s.make<std::vector<mk::Owner*>>();
  for (int i = 0; i < 2 * rounds; ++i) {
    tasks.push_back(&make_owner(env, m, "t" + std::to_string(i), 100 + i));
  }
  for (int cpu = 0; cpu < 2; ++cpu) {
    spawn_mls(s, m, "churn" + std::to_string(cpu), static_cast<uint16_t>(cpu), [&m, &tasks, cpu, rounds](Env& e) {
      for (int r = 0; r < rounds; ++r) {
        mk::Owner& t = *tasks[static_cast<std::size_t>(2 * r + cpu)];
        create_entry(e, m, t, 1);
        mm::bpf_mls_task_free(e, m.w->k, m.map, t);
      }
    });
  }
  if (s.params().get("scans") > 0) {
    spawn_mls(s, m, "balancer", 0, [&m](Env& e) {
      for (const auto& [slot, r] : mm::libbpf_mls_scan(e, m.map, m.lib)) check_user_read(e, r, nullptr, "balancer");
    });
  }
  s.at_end([&m](Env& e) {
    // The bound, the same for every design: every resident page holds a live entry, but for the
    // spare pages the design keeps on purpose. Designs that keep their pages violate it by design.
    uint32_t empty = 0;
    std::size_t first_empty = 0;
    for (std::size_t p = 0; p < m.map.pages.size(); ++p) {
      if (m.map.pages[p].present && m.map.pages[p].live == 0 && empty++ == m.map.knobs.spare_pages) first_empty = p;
    }
    e.check(empty <= m.map.knobs.spare_pages, "resident-bound",
            "page " + std::to_string(first_empty) + " is still resident with no live entry after every grace period" +
                (m.map.pages[first_empty].refaulted ? ", populated again by a user fault after it was freed" : "") + " (" +
                std::to_string(m.map.resident()) + " pages resident, " + std::to_string(m.map.live()) +
                " live entries, " + std::to_string(m.map.resident_max) + " at most, " +
                std::to_string(m.map.knobs.spare_pages) + " spare allowed)");
  });
}

}  // namespace

void register_mls_churn(sim::Catalog& c) {
  add_mls_scenario(c, "mls-churn", "proposal: two CPUs create and free entries in rounds while a balancer scans; afterwards no "
      "empty page stays resident (when pages are returned)", build_churn,
      {{"rounds", 2, 1, 4, "create/free rounds per CPU"},
       {"scans", 1, 0, 1, "the balancer's scans of every entry while the CPUs churn (0: no balancer)"}});
}

}  // namespace lsmc::properties::scenarios
