// The proposal scenario mls-sleepable-reader (registered by the build: register_mls_sleepable_reader).
#include "properties/scenarios/mls_world.hpp"

namespace lsmc::properties::scenarios {

namespace {

using model::Env;
using mk::ProgType;

// Which grace period covers which reader: a sleepable program (a child's ops.init_task copying its
// parent's context, which may sleep in between) holds the parent's entry while the parent exits
// and another task's entry is created. The program is an RCU Tasks Trace reader and takes no
// bpf_rcu_read_lock(): a free deferred by synchronize_rcu() alone (scx_urcu's membarrier) does not
// wait for it. With rcu_read_lock=1 the program does what sched_ext's users of scx_urcu do: it sleeps
// first, then looks the entry up and uses it inside bpf_rcu_read_lock(), where it cannot sleep.
void build_sleepable_reader(sim::Setup& s) {
  MlsWorld& m = make_mls_world(s, {2, 1});
  Env& env = s.env();
  mk::Owner& parent = make_owner(env, m, "parent", 100);
  mk::Owner& next = make_owner(env, m, "t2 (pid 100 reused)", 100);
  seed_entry(env, m, parent, 1);
  const bool task_ref = m.map.knobs.layout == mm::Layout::kUptr || m.map.knobs.layout == mm::Layout::kUptrDaemon;  // the child holds its parent
  const mk::Ref<mk::Task> ref = mk::Ref<mk::Task>::of(static_cast<mk::Task*>(&parent));
  if (task_ref) mk::get_task_struct(env, m.w->k, ref);
  const bool rcu_locked = s.params().get("rcu_read_lock") == 1;
  spawn_mls(s, m, "init_task (sleepable)", 0, [&m, &parent, task_ref, ref, rcu_locked](Env& e) {
    m.w->k.run_prog(e, ProgType::kLsmSleepable, [&](Env& e2, const mk::ProgCtx& c) {
      if (rcu_locked) {
        e2.might_sleep("init_task: arena allocation for the child");
        m.w->k.rcu.read_lock(e2, model::RcuFlavour::kRcu);
      }
      const int slot = mm::bpf_mls_get(e2, m.w->k, m.map, c, parent, false);
      if (slot >= 0) {
        if (!rcu_locked) e2.might_sleep("init_task: arena allocation for the child, the parent's entry held");
        mm::bpf_mls_write(e2, m.map, slot, parent, value_of(parent, 2));
      }
      if (rcu_locked) m.w->k.rcu.read_unlock(e2, model::RcuFlavour::kRcu);
    });
    if (task_ref) mk::put_task_struct(e, m.w->k, ref);
  });
  spawn_exit_then_create(s, m, parent, next, 1);
}

}  // namespace

void register_mls_sleepable_reader(sim::Catalog& c) {
  add_mls_scenario(c, "mls-sleepable-reader", "proposal: a sleepable program (a child's init_task) holds its parent's entry "
      "across a sleep while the parent exits and another task takes the entry; its pointer must not reach the other task",
      build_sleepable_reader,
      {{"rcu_read_lock", 0, 0, 1, "1: the program sleeps first, then uses the entry inside bpf_rcu_read_lock() (what "
                                  "sched_ext schedulers on scx_urcu do); 0: it holds the entry across a sleep"}});
}

}  // namespace lsmc::properties::scenarios
