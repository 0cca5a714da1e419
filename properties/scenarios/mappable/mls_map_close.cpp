// The proposal scenario mls-map-close (registered by the build: register_mls_map_close).
#include "properties/scenarios/mls_world.hpp"

namespace lsmc::properties::scenarios {

namespace {

using model::Env;
using mk::ProgType;

// Map create, mmap and close: the scheduler unloads (closes the map, unregisters its struct_ops)
// while its daemon still reads through the mapping and a program may still run.
void build_map_close(sim::Setup& s) {
  MlsWorld& m = make_mls_world(s, {1, 2});
  Env& env = s.env();
  mk::Owner& t = make_owner(env, m, "t", 100);
  seed_entry(env, m, t, 1);
  mm::bpf_mls_map_mmap(env, m.map);                             // the daemon mapped the region
  mm::bpf_mls_map_inc(env, m.map, "bpf_prog_load: used_maps");  // enqueue uses the map
  auto& detached = s.make<bool>(false);  // the struct_ops map is unregistered: no new calls into enqueue
  spawn_mls(s, m, "daemon", 0, [&m, &t](Env& e) {
    for (int round = 0; round < 2; ++round) {
      check_user_read(e, mm::libbpf_mls_lookup(e, m.map, m.lib, t, mm::owner_number(t)), &t, "daemon");
    }
    mm::bpf_mls_map_munmap(e, m.map);
  });
  spawn_mls(s, m, "enqueue", 1, [&m, &t, &detached](Env& e) {
    m.w->k.run_prog(e, ProgType::kStructOps, [&](Env& e2, const mk::ProgCtx& c) {
      if (detached) return;  // scx: the ops are gone, the core no longer calls them
      const int slot = mm::bpf_mls_get(e2, m.w->k, m.map, c, t, false);
      if (slot >= 0) mm::bpf_mls_write(e2, m.map, slot, t, value_of(t, 2));
    });
  });
  spawn_mls(s, m, "unload", 1, [&m, &detached](Env& e) {
    mm::bpf_mls_map_put(e, m.map, "close(map_fd): bpf_map_release");
    detached = true;
    // bpf_struct_ops_map_free: the program goes after a grace period, and its map reference with it.
    m.w->k.rcu.call(e, model::RcuFlavour::kRcu, [&m](Env& e2) { mm::bpf_mls_map_put(e2, m.map, "bpf_prog_put: used_maps"); },
                    "bpf_struct_ops_map_free: call_rcu(prog)");
  });
  spawn_mls(s, m, "kworker", 0, [&m](Env& e) {
    // The last put comes from the daemon's munmap or the program's RCU callback, whichever is later.
    e.wait_until([&m] { return m.map.free_queued; }, "bpf_map_free_deferred queued");
    mm::bpf_mls_map_free_deferred(e, m.w->k, m.map);
  });
  s.at_end([&m](Env& e) {
    e.check(m.map.freed, "leak", "every reference to the map is gone but the region was never freed (" +
                                     std::to_string(m.map.refcnt) + " references left)");
  });
}

}  // namespace

void register_mls_map_close(sim::Catalog& c) {
  add_mls_scenario(c, "mls-map-close", "proposal: the scheduler closes the map and unregisters its program while its daemon still "
      "reads through the mapping; the region lives until the last reference (fd, VMA, program) is gone",
      build_map_close, {}, {"mls: map freed"});
}

}  // namespace lsmc::properties::scenarios
