// Kernel scenario spin-lock-value (registered by the build: register_spin_lock_value).
#include "properties/scenarios/kernel_helpers.hpp"

namespace lsmc::properties::scenarios {

namespace {

// Bug 15: a value with an embedded bpf_spin_lock, updated from user space.
void build_spin_lock_value(sim::Setup& s) {
  World& w = make_world(s, {knobs_with(), false});
  Env& env = s.env();
  mk::Smap& m = task_map(env, w, "locked_map", true);
  mk::Task& t = mk::task_for_scenario(env, w.k, "p", 100);
  spawn_work(s, w, "user", 0, [&w, &m, &t](Env& e) {
    // The user's buffer has garbage where the value's bpf_spin_lock lives.
    const uint64_t faults = e.faults_injected();
    const int first = mk::sys_map_update_elem(e, w.k, m, pidfd_of(t), mk::Value{1, 1}, mk::kBpfAny);
    check_unless_faulted(e, faults, first == 0, "update failed");
    if (first != 0) return;
    e.check(mk::sys_map_update_elem(e, w.k, m, pidfd_of(t), mk::Value{2, 0}, mk::kBpfFLock) == 0, "spec",
            "BPF_F_LOCK update failed");
    const mk::LookupResult r = mk::sys_map_lookup_elem(e, w.k, m, pidfd_of(t), 0);
    e.check(r.err == 0 && r.value.data == 2 && r.value.spin_lock == 0, "spec", "lookup after BPF_F_LOCK update");
  });
}

}  // namespace

void register_spin_lock_value(sim::Catalog& c) {
  add_kernel_scenario(c, "spin-lock-value", "a value with a bpf_spin_lock: update from user space with garbage in the lock word, then a BPF_F_LOCK update",
      build_spin_lock_value);
}

}  // namespace lsmc::properties::scenarios
