// Kernel scenarios delete-vs-lookup, trace-not-rcu (registered by the build: register_delete_vs_lookup).
#include "properties/scenarios/kernel_helpers.hpp"

namespace lsmc::properties::scenarios {

namespace {

// A program holds a pointer from get while the element is deleted and a new one allocated.
void build_delete_vs_lookup(sim::Setup& s, bool implies) {
  mk::Knobs knobs = knobs_with();
  knobs.rcu_trace_implies_rcu_gp = implies;
  World& w = make_world(s, {knobs, false});
  Env& env = s.env();
  mk::Smap& m = task_map(env, w);
  mk::Task& t1 = mk::task_for_scenario(env, w.k, "p1", 100);
  mk::Task& t2 = mk::task_for_scenario(env, w.k, "p2", 101);
  seed_element(env, w, m, t1, 7);
  auto& deleted = s.make<bool>(false);
  spawn_work(s, w, "reader", 0, [&w, &m, &t1](Env& e) {
    w.k.run_prog(e, ProgType::kTracing, [&](Env& e2, const ProgCtx& c) {
      const auto sdata = mk::prog_task_storage_get(e2, w.k, c, m, ref(t1), 0);
      if (!sdata) return;
      e2.yield("reader: work while holding the pointer");
      read_value(e2, sdata, "reader: *sdata after the work", &w.k);
    });
  });
  spawn_work(s, w, "deleter", 1, [&w, &m, &t1, &deleted](Env& e) {
    e.check(mk::sys_map_delete_elem(e, w.k, m, pidfd_of(t1)) == 0, "spec", "delete of an existing element failed");
    deleted = true;
  });
  spawn_work(s, w, "creator", 1, [&w, &m, &t2, &deleted](Env& e) {
    e.wait_until([&deleted] { return deleted; }, "element deleted");
    mk::sys_map_update_elem(e, w.k, m, pidfd_of(t2), mk::Value{9, 0}, mk::kBpfAny);
  });
}

}  // namespace

void register_delete_vs_lookup(sim::Catalog& c) {
  add_kernel_scenario(c, "delete-vs-lookup", "a tracing program holds sdata from get while a syscall deletes it and another task's element is allocated",
      [](sim::Setup& s) { build_delete_vs_lookup(s, true); });
  add_kernel_scenario(c, "trace-not-rcu", "delete-vs-lookup on a configuration where a Tasks Trace grace period does not imply an RCU one",
      [](sim::Setup& s) { build_delete_vs_lookup(s, false); })
      .set_profiles({"linux-6.18"});
}

}  // namespace lsmc::properties::scenarios
