// Kernel scenario recursion (registered by the build: register_recursion).
#include "properties/scenarios/kernel_helpers.hpp"

namespace lsmc::properties::scenarios {

namespace {

// Bug 4: a tracing program fires inside bpf_local_storage_update with the storage lock held.
void build_recursion(sim::Setup& s) {
  World& w = make_world(s, {knobs_with(), false});
  Env& env = s.env();
  mk::Smap& m1 = task_map(env, w, "map1");
  mk::Smap& m2 = task_map(env, w, "map2");
  mk::Task& t = mk::task_for_scenario(env, w.k, "p", 100);
  seed_element(env, w, m1, t, 1);
  w.k.attach(mk::fn("bpf_selem_link_map"), mk::AttachKind::kFentry, ProgType::kTracing, [&w, &m2, &t](Env& e, const ProgCtx& c) {
    mk::prog_task_storage_get(e, w.k, c, m2, ref(t), mk::kGetFCreate);
  });
  spawn_work(s, w, "update", 0, [&w, &m1, &t](Env& e) {
    mk::sys_map_update_elem(e, w.k, m1, pidfd_of(t), mk::Value{2, 0}, mk::kBpfAny);
  });
}

}  // namespace

void register_recursion(sim::Catalog& c) {
  add_kernel_scenario(c, "recursion", "a tracing program attached to bpf_selem_link_map creates storage on the same task while the storage lock is held",
      build_recursion, {}, {"busy counter refused", "nested program fired"});
}

}  // namespace lsmc::properties::scenarios
