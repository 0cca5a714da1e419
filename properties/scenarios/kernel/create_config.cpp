// Kernel scenarios single-cpu, nolock-alloc (registered by the build: register_create_config).
#include "properties/scenarios/kernel_helpers.hpp"

namespace lsmc::properties::scenarios {

namespace {

// Bugs 13 and 18: configurations where creation must still work.
void build_create_config(sim::Setup& s, mk::Knobs knobs) {
  World& w = make_world(s, {knobs, false});
  Env& env = s.env();
  mk::Smap& m = task_map(env, w);
  mk::Task& t = mk::task_for_scenario(env, w.k, "p", 100);
  spawn_work(s, w, "prog", 0, [&w, &m, &t](Env& e) {
    w.k.run_prog(e, ProgType::kTracing, [&](Env& e2, const ProgCtx& c) {
      const uint64_t faults = e2.faults_injected();
      check_unless_faulted(e2, faults, bool(mk::prog_task_storage_get(e2, w.k, c, m, ref(t), mk::kGetFCreate)),
                           "F_CREATE failed with no allocation failure injected");
    });
  });
}

}  // namespace

void register_create_config(sim::Catalog& c) {
  add_kernel_scenario(c, "single-cpu", "a one-CPU machine: creation must work", [](sim::Setup& s) { build_create_config(s, knobs_with(1)); });
  add_kernel_scenario(c, "nolock-alloc", "a machine without cmpxchg_double (riscv64): creation must work", [](sim::Setup& s) {
    mk::Knobs k = knobs_with();
    k.cmpxchg_double = false;
    build_create_config(s, k);
  });
}

}  // namespace lsmc::properties::scenarios
