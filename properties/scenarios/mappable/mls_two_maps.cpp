// The proposal scenario mls-two-maps (registered by the build: register_mls_two_maps).
#include "properties/scenarios/mls_world.hpp"

namespace lsmc::properties::scenarios {

namespace {

using model::Env;
using mk::ProgType;

// A program creates `o`'s entry in `map` and stores value_of(o, n) (with a daemon's uptr, the daemon
// registers the task first, as create_entry does for the world's map).
void create_in(Env& e, MlsWorld& m, mm::Map& map, mk::Owner& o, int n) {
  if (map.knobs.layout == mm::Layout::kUptrDaemon) mm::bpf_mls_seed(e, m.w->k, map, o);
  m.w->k.run_prog(e, ProgType::kLsmSleepable, [&](Env& e2, const mk::ProgCtx& ctx) {
    const int slot = mm::bpf_mls_get(e2, m.w->k, map, ctx, o, true);
    if (slot >= 0) mm::bpf_mls_write(e2, map, slot, o, value_of(o, n));
  });
}

// Two mappable maps (two schedulers' contexts, or a scheduler's and a profiler's): task t has an
// entry in A and gets one in B, where v already has the first slot; u is t's neighbour in A. Which
// map's slot does task->mls_slot hold? Property: each map's lookup of t reaches t's entry in that
// map (bpf-pointer-reused, handle-aliasing), whatever the other map did.
void build_two_maps(sim::Setup& s) {
  MlsWorld& m = make_mls_world(s, {2, 2});
  Env& env = s.env();
  auto& b = s.make<mm::Map>();
  b.knobs = m.map.knobs;
  b.bugs = m.map.bugs;
  mm::bpf_mls_map_alloc(env, m.w->k, b, &m.map);
  auto& blib = s.make<mm::UserLib>();
  mk::Owner& t = make_owner(env, m, "t", 100);
  mk::Owner& u = make_owner(env, m, "u", 101);
  mk::Owner& v = make_owner(env, m, "v", 102);
  seed_entry(env, m, t, 1);
  seed_entry(env, m, u, 1);
  if (mm::bpf_mls_seed(env, m.w->k, b, v) < 0) env.fail("model-error", "seeding map B failed");
  spawn_mls(s, m, "prog B", 1, [&m, &b, &t](Env& e) { create_in(e, m, b, t, 2); });
  spawn_mls(s, m, "prog A", 0, [&m, &t](Env& e) {
    m.w->k.run_prog(e, ProgType::kLsm, [&](Env& e2, const mk::ProgCtx& ctx) {
      const int slot = mm::bpf_mls_get(e2, m.w->k, m.map, ctx, t, false);
      if (slot >= 0) mm::bpf_mls_write(e2, m.map, slot, t, value_of(t, 3));
    });
  });
  spawn_mls(s, m, "daemon", 0, [&m, &b, &blib, &t](Env& e) {
    check_user_read(e, mm::libbpf_mls_lookup(e, m.map, m.lib, t, mm::owner_number(t)), &t, "the daemon (map A)");
    check_user_read(e, mm::libbpf_mls_lookup(e, b, blib, t, mm::owner_number(t)), &t, "the daemon (map B)");
  });
}

}  // namespace

void register_mls_two_maps(sim::Catalog& c) {
  add_mls_scenario(c, "mls-two-maps", "proposal: a task with entries in two mappable maps; each map's BPF lookup and user "
      "handle must reach the task's entry in that map (which map gets task->mls_slot?)",
      build_two_maps);
}

}  // namespace lsmc::properties::scenarios
