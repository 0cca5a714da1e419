// Kernel scenario cgroup-rmdir-vs-get (registered by the build: register_cgroup_rmdir_vs_get).
#include "model/linux/cgrp_storage.hpp"
#include "properties/scenarios/kernel_helpers.hpp"

namespace lsmc::properties::scenarios {

namespace {

// A program creates a cgroup's storage while the cgroup is removed and released; then the map
// is closed. Programs reach the cgroup under RCU, so its free (after a grace period) waits.
void build_cgroup_rmdir_vs_get(sim::Setup& s) {
  World& w = make_world(s, {knobs_with(), true});
  Env& env = s.env();
  mk::Smap& m = mk::bpf_local_storage_map_alloc(env, w.k, OwnerKind::kCgroup, "cgrp_stor", false);
  mk::Cgroup& c = mk::cgroup_mkdir(env, w.k, "/sys/fs/cgroup/test");
  auto& done = s.make<int>(0);
  for (int i = 0; i < 2; ++i) {
    spawn_work(s, w, "prog" + std::to_string(i), static_cast<uint16_t>(i), [&w, &m, &c, &done](Env& e) {
      w.k.run_prog(e, ProgType::kTracing, [&](Env& e2, const ProgCtx&) {
        const Ref<mk::Cgroup> cg = mk::cgroup_from_id(e2, c);
        if (!cg) return;
        const auto sdata = mk::bpf_cgrp_storage_get(e2, w.k, m, cg, nullptr, mk::kGetFCreate, mk::Gfp::kAtomic);
        if (sdata) read_value(e2, sdata, "prog: *sdata");
      });
      ++done;
    });
  }
  spawn_work(s, w, "rmdir", 1, [&w, &c](Env& e) { mk::cgroup_rmdir(e, w.k, c); });
  spawn_work(s, w, "close_map", 0, [&w, &m, &done](Env& e) {
    e.wait_until([&done] { return done == 2; }, "programs detached");
    mk::bpf_map_free_deferred(e, w.k, m);
  });
}

}  // namespace

void register_cgroup_rmdir_vs_get(sim::Catalog& c) {
  add_kernel_scenario(c, "cgroup-rmdir-vs-get", "two programs create a cgroup's storage while the cgroup is removed and released; then the map is closed",
      build_cgroup_rmdir_vs_get);
}

}  // namespace lsmc::properties::scenarios
