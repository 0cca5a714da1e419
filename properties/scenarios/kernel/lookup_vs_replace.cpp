// Kernel scenario lookup-vs-replace (registered by the build: register_lookup_vs_replace).
//
// The lockless side of the element list and the cache under a weak memory model
// (docs/memory-model.md): a syscall replaces a task's element (BPF_ANY: a new element is linked
// into the storage's list with hlist_add_head_rcu() and the old one unlinked) while two tracing
// programs on other CPUs look the element up: the first walks the list and fills the cache
// (rcu_assign_pointer), the second hits the cache. Whatever element a lookup finds, through the
// list or the cache, it finds initialised (PublicationChecker) and holding the seeded or the new
// value. Under sc this is an ordinary race; under lkmm it is where hlist_add_head_rcu's release is
// needed (the mutant link-storage-without-release). The cache fill's rcu_assign_pointer is not:
// the fill holds local_storage->lock, taken after the updater's critical section that linked the
// element, and LKMM's po-unlock-lock-po orders that section's stores before it.
#include <string>

#include "properties/scenarios/kernel_helpers.hpp"

namespace lsmc::properties::scenarios {

namespace {

constexpr int64_t kSeeded = 1;
constexpr int64_t kReplaced = 2;

void build_lookup_vs_replace(sim::Setup& s) {
  World& w = make_world(s, {knobs_with(4), false});
  Env& env = s.env();
  mk::Task& t = mk::task_for_scenario(env, w.k, "p", 100);
  mk::Smap& m = task_map(env, w, "map");
  seed_element(env, w, m, t, kSeeded);
  spawn_work(s, w, "updater", 1, [&w, &m, &t](Env& e) {
    mk::sys_map_update_elem(e, w.k, m, pidfd_of(t), mk::Value{kReplaced, 0}, mk::kBpfAny);
  });
  for (int r = 0; r < 2; ++r) {
    spawn_work(s, w, "reader" + std::to_string(r), static_cast<uint16_t>(2 + r), [&w, &m, &t](Env& e) {
      w.k.run_prog(e, ProgType::kTracing, [&](Env& e2, const ProgCtx& c) {
        const auto sdata = mk::prog_task_storage_get(e2, w.k, c, m, ref(t), 0);
        if (!sdata) return;
        const int64_t v = read_value(e2, sdata, "reader: *sdata", &w.k);
        e2.check(v == kSeeded || v == kReplaced, "spec", "lookup returned value " + std::to_string(v));
      });
    });
  }
}

}  // namespace

void register_lookup_vs_replace(sim::Catalog& c) {
  add_kernel_scenario(c, "lookup-vs-replace",
                      "a syscall replaces a task's element (BPF_ANY) while one tracing program walks the list and "
                      "fills the cache and another hits the cache; what they find is initialised",
                      build_lookup_vs_replace)
      .set_profiles({"linux-6.18"});
}

}  // namespace lsmc::properties::scenarios
