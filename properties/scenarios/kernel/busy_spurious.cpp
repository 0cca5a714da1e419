// Kernel scenario busy-spurious (registered by the build: register_busy_spurious).
#include "properties/scenarios/kernel_helpers.hpp"

namespace lsmc::properties::scenarios {

namespace {

// Bug 7: unrelated tasks on one CPU, each creating its own context from a tracing program.
void build_busy_spurious(sim::Setup& s) {
  mk::Knobs knobs = knobs_with();
  knobs.busy_per_task = true;
  World& w = make_world(s, {knobs, false});
  Env& env = s.env();
  mk::Smap& m = task_map(env, w);
  for (int i = 0; i < 2; ++i) {
    mk::Task& t = mk::task_for_scenario(env, w.k, "p" + std::to_string(i), 100 + i);
    spawn_work(s, w, "tracer" + std::to_string(i), 0, [&w, &m, &t](Env& e) {
      w.k.run_prog(e, ProgType::kTracing, [&](Env& e2, const ProgCtx& c) {
        const uint64_t faults = e2.faults_injected();
        const auto sdata = mk::prog_task_storage_get(e2, w.k, c, m, ref(t), mk::kGetFCreate);
        check_unless_faulted(e2, faults, bool(sdata), "F_CREATE failed with no recursion and no allocation failure");
      });
    });
  }
}

}  // namespace

void register_busy_spurious(sim::Catalog& c) {
  add_kernel_scenario(c, "busy-spurious", "two unrelated tasks on one CPU create their contexts from tracing programs; with the fix of bug 7 neither fails",
      build_busy_spurious)
      .set_profiles({"linux-6.18"});
}

}  // namespace lsmc::properties::scenarios
