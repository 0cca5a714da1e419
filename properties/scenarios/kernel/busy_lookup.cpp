// Kernel scenario busy-lookup (registered by the build: register_busy_lookup).
#include "properties/scenarios/kernel_helpers.hpp"

namespace lsmc::properties::scenarios {

namespace {

// Bug 6: an LSM program's lookup of an existing element while another task on its CPU is in
// a storage syscall.
void build_busy_lookup(sim::Setup& s) {
  World& w = make_world(s, {knobs_with(), false});
  Env& env = s.env();
  mk::Smap& m = task_map(env, w);
  mk::Task& a = mk::task_for_scenario(env, w.k, "a", 100);
  mk::Task& b = mk::task_for_scenario(env, w.k, "b", 101);
  seed_element(env, w, m, a, 1);
  seed_element(env, w, m, b, 2);
  spawn_work(s, w, "syscall", 0, [&w, &m, &a](Env& e) {
    mk::sys_map_update_elem(e, w.k, m, pidfd_of(a), mk::Value{3, 0}, mk::kBpfExist);
  });
  spawn_work(s, w, "lsm", 0, [&w, &m, &b](Env& e) {
    w.k.run_prog(e, ProgType::kLsm, [&](Env& e2, const ProgCtx& c) {
      const auto sdata = mk::prog_task_storage_get(e2, w.k, c, m, ref(b), 0);
      e2.check(bool(sdata), "spec", "an LSM program's lookup of an existing element returned NULL");
    });
  });
}

}  // namespace

void register_busy_lookup(sim::Catalog& c) {
  add_kernel_scenario(c, "busy-lookup", "an LSM program looks up an existing element while another task on its CPU is inside a storage syscall",
      build_busy_lookup)
      .set_profiles({"linux-6.18"});
}

}  // namespace lsmc::properties::scenarios
