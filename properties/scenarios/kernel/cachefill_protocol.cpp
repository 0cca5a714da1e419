// Kernel scenario cachefill-protocol (registered by the build: register_cachefill_protocol).
//
// The cache-fill/delete protocol of bpf_local_storage with its knobs, on the model's real
// functions: `readers` tracing programs each doing `lookups` lookups (one program run each, so a
// grace period can end between two of them) over `maps` maps whose cache slots are `slots`
// distinct slots (map i uses slot i % slots: maps sharing a slot must check sdata->smap on a
// hit), `deleters` syscall deletes and `creators` syscall updates that replace an element
// (BPF_ANY). The task also has an element in a map nobody touches, which keeps the storage (and
// so a stale cache slot) reachable after every other element is deleted. Every actor has a CPU of
// its own; the grace-period kthreads have theirs. tools/spin-peer.sh runs the same protocol in
// SPIN (tools/spin/cachefill.pml) for comparison.
#include <string>
#include <vector>

#include "properties/scenarios/kernel_helpers.hpp"

namespace lsmc::properties::scenarios {

namespace {

struct Knobs {
  int readers, lookups, deleters, creators, maps, slots;
};

Knobs knobs_of(const sim::Params& p) {
  auto get = [&p](std::string_view n) { return static_cast<int>(p.get(n)); };
  return {get("readers"), get("lookups"), get("deleters"), get("creators"), get("maps"), get("slots")};
}

// Moves `smap` to cache slot `slot` as if bpf_local_storage_cache_idx_get() had chosen it (the
// knob that makes maps share a slot without allocating more than 16 maps).
void place_in_slot(mk::Kernel& k, mk::Smap& smap, uint16_t slot) {
  mk::IdxCache& cache = k.idx_cache(smap.type);
  --cache.usage[smap.cache_idx];
  ++cache.usage[slot];
  smap.cache_idx = slot;
}

// The value map `m` holds: seeded 1000 + m, replaced with 2000 + m; a lookup in map m that
// returns anything else returned another map's element.
constexpr int64_t kSeeded = 1000;
constexpr int64_t kReplaced = 2000;

void build_cachefill_protocol(sim::Setup& s) {
  const Knobs kn = knobs_of(s.params());
  const int workers = kn.readers + kn.deleters + kn.creators;
  // CPU 0 for the RCU kthread, CPUs 1..workers for the actors, the last for Tasks Trace.
  World& w = make_world(s, {knobs_with(static_cast<uint32_t>(workers + 2)), false});
  Env& env = s.env();
  mk::Task& t = mk::task_for_scenario(env, w.k, "p", 100);
  mk::Smap& anchor = task_map(env, w, "anchor_map");
  seed_element(env, w, anchor, t, 1);
  place_in_slot(w.k, anchor, mk::kCacheSize - 1);
  auto& maps = s.make<std::vector<mk::Smap*>>();
  for (int m = 0; m < kn.maps; ++m) {
    maps.push_back(&task_map(env, w, "map" + std::to_string(m)));
    place_in_slot(w.k, *maps.back(), static_cast<uint16_t>(m % kn.slots));
    seed_element(env, w, *maps.back(), t, kSeeded + m);
  }
  uint16_t cpu = 1;
  for (int r = 0; r < kn.readers; ++r) {
    spawn_work(s, w, "reader" + std::to_string(r), cpu++, [&w, &maps, &t, r, kn](Env& e) {
      for (int j = 0; j < kn.lookups; ++j) {
        const int m = (r + j) % kn.maps;
        w.k.run_prog(e, ProgType::kTracing, [&](Env& e2, const ProgCtx& c) {
          const auto sdata = mk::prog_task_storage_get(e2, w.k, c, *maps[static_cast<std::size_t>(m)], ref(t), 0);
          if (!sdata) return;
          const int64_t v = read_value(e2, sdata, "reader: *sdata", &w.k);
          e2.check(v == kSeeded + m || v == kReplaced + m, "spec",
                   "lookup in map" + std::to_string(m) + " returned another map's value " + std::to_string(v));
        });
      }
    });
  }
  for (int d = 0; d < kn.deleters; ++d) {
    mk::Smap& m = *maps[static_cast<std::size_t>(d % kn.maps)];
    spawn_work(s, w, "deleter" + std::to_string(d), cpu++,
               [&w, &m, &t](Env& e) { mk::sys_map_delete_elem(e, w.k, m, pidfd_of(t)); });
  }
  for (int c = 0; c < kn.creators; ++c) {
    const int mi = c % kn.maps;
    mk::Smap& m = *maps[static_cast<std::size_t>(mi)];
    spawn_work(s, w, "creator" + std::to_string(c), cpu++, [&w, &m, &t, mi](Env& e) {
      mk::sys_map_update_elem(e, w.k, m, pidfd_of(t), mk::Value{kReplaced + mi, 0}, mk::kBpfAny);
    });
  }
}

}  // namespace

void register_cachefill_protocol(sim::Catalog& c) {
  FunctionScenario& s = add_kernel_scenario(
      c, "cachefill-protocol",
      "the cache-fill/delete protocol with knobs: tracing programs look elements up (the slow path fills the "
      "cache) while syscalls delete and replace them, over maps that may share cache slots",
      build_cachefill_protocol,
      {{"readers", 1, 1, 8, "tracing programs looking elements up"},
       {"lookups", 2, 1, 8, "lookups per reader (one program run each)"},
       {"deleters", 1, 0, 8, "syscalls deleting an element (deleter d: map d % maps)"},
       {"creators", 0, 0, 8, "syscall updates replacing an element (creator c: map c % maps, BPF_ANY)"},
       {"maps", 1, 1, 15, "maps with an element on the task (reader r's j-th lookup: map (r + j) % maps)"},
       {"slots", 1, 1, 15, "distinct cache slots the maps use (map m: slot m % slots)"}},
      {});
  s.set_check([](const sim::Params& p) -> std::optional<std::string> {
    if (p.get("slots") > p.get("maps")) return "slots must not exceed maps (map m uses slot m % slots)";
    return std::nullopt;
  });
}

}  // namespace lsmc::properties::scenarios
