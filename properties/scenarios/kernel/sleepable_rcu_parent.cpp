// RCU-protected program pointers: how long a task storage value stays usable after the RCU read
// section a sleepable program reached its task in. Under bpf_rcu_read_lock() the verifier marks
// `bpf_get_current_task_btf()->real_parent` MEM_RCU (BTF_TYPE_SAFE_RCU(struct task_struct)), which
// bpf_task_storage_get() accepts; at bpf_rcu_read_unlock() it makes that pointer untrusted again,
// but not the PTR_TO_MAP_VALUE the helper returned. The parent is freed only after an RCU grace
// period (put_task_struct_rcu_user() -> call_rcu(delayed_put_task_struct)), so inside the section
// the value is safe; after it, the parent may exit, be reaped and freed, and 6.18 frees its
// element with reuse_now (bpf_mem_alloc hands it to the next creation at once; 7.0 after an RCU
// grace period, which the sleeping program does not hold either). No reference is ever taken.
#include "model/linux/special_fields.hpp"
#include "properties/scenarios/kernel_helpers.hpp"

namespace lsmc::properties::scenarios {

namespace {

// `past_unlock`: the program uses the value after bpf_rcu_read_unlock() and a sleep (else inside
// the section, the control).
void build_sleepable_rcu_parent(sim::Setup& s, bool past_unlock) {
  World& w = make_world(s, {knobs_with(), true});  // everything is gone at the end: leaks checked
  Env& env = s.env();
  mk::Smap& m = task_map(env, w);
  mk::Task& parent = mk::task_for_scenario(env, w.k, "parent", 100);
  mk::Task& child = mk::task_for_scenario(env, w.k, "child", 101);
  child.real_parent = ref(parent);  // forked before the scenario
  mk::Task& other = mk::task_for_scenario(env, w.k, "other", 102);
  auto& unlocked = s.make<bool>(false);
  auto& exited = s.make<bool>(false);
  auto& prog_done = s.make<bool>(false);
  // The child runs a sleepable syscall program (BPF_PROG_TEST_RUN): current is the child.
  spawn_work(s, w, "syscall_prog", 0, [&w, &m, &child, &unlocked, &prog_done, past_unlock](Env& e) {
    w.k.run_prog(e, ProgType::kSyscall, [&](Env& e2, const ProgCtx& c) {
      mk::bpf_rcu_read_lock(e2, w.k);
      const Ref<mk::Task> p = mk::task_real_parent(e2, ref(child), "syscall program: current->real_parent");
      const auto sdata = p ? mk::prog_task_storage_get(e2, w.k, c, m, p, mk::kGetFCreate) : Ref<mk::Selem>{};
      if (sdata && !past_unlock) read_value(e2, sdata, "syscall program: *value inside bpf_rcu_read_lock()", &w.k);
      mk::bpf_rcu_read_unlock(e2, w.k);
      unlocked = true;
      if (sdata && past_unlock) {
        e2.might_sleep("bpf_copy_from_user");  // a sleepable program may sleep here
        e2.yield("syscall program: after sleeping");
        read_value(e2, sdata, "syscall program: *value after bpf_rcu_read_unlock() and a sleep", &w.k);
      }
    });
    prog_done = true;
  });
  spawn_work(s, w, "parent_exit", 1, [&w, &parent, &unlocked, &exited](Env& e) {
    e.wait_until([&unlocked] { return unlocked; }, "the program left its RCU read section");
    mk::do_exit(e, w.k, parent);
    mk::release_task(e, w.k, parent);
    exited = true;
  });
  // Another task's first element: with bpf_mem_alloc it may get the freed element's memory.
  spawn_work(s, w, "create_other", 1, [&w, &m, &other, &exited](Env& e) {
    e.wait_until([&exited] { return exited; }, "the parent is reaped");
    mk::sys_map_update_elem(e, w.k, m, pidfd_of(other), mk::Value{7, 0}, mk::kBpfAny);
  });
  spawn_work(s, w, "teardown", 1, [&w, &m, &child, &other, &prog_done](Env& e) {
    e.wait_until([&prog_done] { return prog_done; }, "the program has returned");
    for (mk::Task* t : {&child, &other}) {
      mk::do_exit(e, w.k, *t);
      mk::release_task(e, w.k, *t);
    }
    mk::close_fd(e, w.k, m);  // the map goes at the last put: create_other's update may hold the fd
  });
}

}  // namespace

void register_sleepable_rcu_parent(sim::Catalog& c) {
  auto past = std::make_unique<FunctionScenario>(
      "sleepable-rcu-past-unlock",
      "a sleepable program reaches its parent under bpf_rcu_read_lock() (current->real_parent, MEM_RCU), gets its "
      "storage, unlocks and sleeps while the parent exits and is reaped; its later read of the value is a "
      "use-after-free (fails: a finding of the verifier's rule, model only)",
      [](sim::Setup& s) { build_sleepable_rcu_parent(s, true); }, std::vector<sim::ParamSpec>{},
      std::vector<std::string_view>{}, true);
  past->set_profiles({"linux-6.18", "linux-7.0"});
  c.add(std::move(past));
  auto inside = std::make_unique<FunctionScenario>(
      "sleepable-rcu-inside",
      "the control of sleepable-rcu-past-unlock: the value is used inside the RCU read section, which the "
      "parent's free waits for",
      [](sim::Setup& s) { build_sleepable_rcu_parent(s, false); });
  inside->set_profiles({"linux-6.18", "linux-7.0"});
  c.add(std::move(inside));
}

}  // namespace lsmc::properties::scenarios
