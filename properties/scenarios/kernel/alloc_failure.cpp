// Kernel scenario alloc-failure (registered by the build: register_alloc_failure).
#include "properties/scenarios/kernel_helpers.hpp"

namespace lsmc::properties::scenarios {

namespace {

// Allocation failure as an explored outcome: every bpf_mem_alloc call may fail. Creation may
// then return NULL, but nothing may leak or be left half-built, and the map frees cleanly.
void build_alloc_failure(sim::Setup& s) {
  World& w = make_world(s, {knobs_with(), true});
  Env& env = s.env();
  mk::Smap& a = task_map(env, w, "map_a");
  mk::Smap& b = task_map(env, w, "map_b");
  mk::Task& t = mk::task_for_scenario(env, w.k, "p", 100);
  auto& done = s.make<int>(0);
  for (int i = 0; i < 2; ++i) {
    mk::Smap& m = i == 0 ? a : b;
    spawn_work(s, w, "creator" + std::to_string(i), static_cast<uint16_t>(i), [&w, &m, &t, &done](Env& e) {
      w.k.run_prog(e, ProgType::kTracing, [&](Env& e2, const ProgCtx& c) {
        mk::prog_task_storage_get(e2, w.k, c, m, ref(t), mk::kGetFCreate);
      });
      mk::sys_map_update_elem(e, w.k, m, pidfd_of(t), mk::Value{5, 0}, mk::kBpfAny);
      ++done;
    });
  }
  spawn_work(s, w, "exit", 1, [&w, &t, &done](Env& e) {
    e.wait_until([&done] { return done == 2; }, "creators done");
    mk::do_exit(e, w.k, t);
    mk::release_task(e, w.k, t);
  });
  spawn_work(s, w, "close_maps", 0, [&w, &a, &b, &done](Env& e) {
    e.wait_until([&done] { return done == 2; }, "creators done");
    mk::bpf_map_free_deferred(e, w.k, a);
    mk::bpf_map_free_deferred(e, w.k, b);
  });
}

}  // namespace

void register_alloc_failure(sim::Catalog& c) {
  add_kernel_scenario(c, "alloc-failure", "every allocation may fail: two programs and two syscalls create elements of one task in two maps; then the task exits and the maps are freed",
      build_alloc_failure, {}, {"alloc failed", "storage cmpxchg lost"});
}

}  // namespace lsmc::properties::scenarios
