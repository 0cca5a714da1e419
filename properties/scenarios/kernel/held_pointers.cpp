// Program-held pointers: how long a task storage value a program got stays usable after the
// program drops the reference it reached the task with. A sleepable syscall program (the kind
// BPF_PROG_TEST_RUN runs) takes a task by pid (bpf_task_from_pid, a KF_ACQUIRE kfunc), gets its
// storage, releases the task (bpf_task_release) and keeps the value pointer across a sleep (the
// verifier ties a map value pointer to no reference). Meanwhile the task exits and is reaped; its
// last reference goes after an RCU grace period, and 6.18's bpf_task_storage_free() frees the
// element with reuse_now = true: "no bpf prog can have a hold on the selem" (bpf_selem_free()),
// so bpf_mem_alloc may hand it to the next creation at once. The sleepable program is under
// rcu_read_lock_trace only, which that free does not wait for.
#include "model/linux/cgrp_storage.hpp"
#include "model/linux/special_fields.hpp"
#include "properties/scenarios/kernel_helpers.hpp"

namespace lsmc::properties::scenarios {

namespace {

// `release_early`: the program releases the task before it sleeps (else after, the control).
// `uptr`: the target's element was set by a daemon with a __uptr field naming one of its pages;
// the program writes through it after the sleep, and the daemon unmaps the page once the target
// is reaped.
void build_sleepable_holds(sim::Setup& s, bool release_early, bool uptr) {
  World& w = make_world(s, {knobs_with(), true});  // everything is gone at the end: leaks checked
  Env& env = s.env();
  mk::Smap& m = task_map(env, w);
  mk::Task& target = mk::task_for_scenario(env, w.k, "target", 100);
  mk::UserPage* page = nullptr;
  if (uptr) {
    m.has_uptr = true;
    page = &s.make<mk::UserPage>();
    page->id = env.alloc(mk::kUserPageType, "mmap: the daemon's page");
    // bpf_map_update_elem(map, &pidfd, {.udata = page}) from the daemon, before the scenario.
    mk::Value v{1, 0, page};
    if (mk::bpf_local_storage_update(env, w.k, owner(target), m, v, mk::kBpfAny, mk::Gfp::kAtomic).err != 0) {
      env.fail("model-error", "seeding the uptr element failed");
    }
  }
  mk::Task& other = mk::task_for_scenario(env, w.k, "other", 101);
  auto& released = s.make<bool>(false);
  auto& exited = s.make<bool>(false);
  auto& prog_done = s.make<bool>(false);
  auto& slept = s.make<bool>(false);
  spawn_work(s, w, "syscall_prog", 0, [&w, &m, &target, &released, &slept, &prog_done, release_early](Env& e) {
    w.k.run_prog(e, ProgType::kSyscall, [&](Env& e2, const ProgCtx& c) {
      const Ref<mk::Task> task = mk::bpf_task_from_pid(e2, w.k, *target.pid);
      if (!task) return;
      const auto sdata = mk::prog_task_storage_get(e2, w.k, c, m, task, m.has_uptr ? 0 : mk::kGetFCreate);
      if (release_early) mk::bpf_task_release(e2, w.k, task);
      released = true;
      if (sdata) {
        // With a uptr, the program loads the pointer first (udata = v->udata) and writes
        // through it after the sleep.
        mk::UserPage* udata = m.has_uptr ? mk::uptr_load(e2, sdata, "syscall program: udata = v->udata") : nullptr;
        e2.might_sleep("bpf_copy_from_user");  // a sleepable program may sleep here
        slept = true;
        e2.yield("syscall program: after sleeping");
        if (m.has_uptr) {
          if (udata != nullptr) mk::uptr_store(e2, *udata, "syscall program: udata->x = 1 after sleeping");
        } else {
          read_value(e2, sdata, "syscall program: *value after sleeping", &w.k);
        }
      }
      if (!release_early) mk::bpf_task_release(e2, w.k, task);
    });
    prog_done = true;
  });
  spawn_work(s, w, "exit", 1, [&w, &target, &released, &slept, &exited](Env& e) {
    e.wait_until([&released, &slept] { return released && slept; }, "the program is asleep holding the value");
    mk::do_exit(e, w.k, target);
    mk::release_task(e, w.k, target);
    exited = true;
  });
  if (page != nullptr) {
    // The daemon drops its page once the target is gone (it no longer needs the task's data).
    spawn_work(s, w, "daemon_munmap", 1, [page, &exited](Env& e) {
      e.wait_until([&exited] { return exited; }, "the target is reaped");
      mk::user_munmap(e, *page);
    });
  }
  // Another task's first element: with bpf_mem_alloc it may get the freed element's memory.
  spawn_work(s, w, "create_other", 1, [&w, &m, &other, &exited](Env& e) {
    e.wait_until([&exited] { return exited; }, "the target is reaped");
    mk::sys_map_update_elem(e, w.k, m, pidfd_of(other), mk::Value{7, 0}, mk::kBpfAny);
  });
  spawn_work(s, w, "teardown", 1, [&w, &m, &other, &prog_done](Env& e) {
    e.wait_until([&prog_done] { return prog_done; }, "the program has returned");
    mk::do_exit(e, w.k, other);
    mk::release_task(e, w.k, other);
    mk::close_fd(e, w.k, m);  // the map goes at the last put: create_other's update may hold the fd
  });
}

// The cgroup form: the program takes a cgroup by id (bpf_cgroup_from_id), gets its storage, and
// releases it before (or, the control, after) sleeping while the cgroup is removed and freed.
void build_sleepable_holds_cgroup(sim::Setup& s, bool release_early) {
  World& w = make_world(s, {knobs_with(), true});
  Env& env = s.env();
  mk::Smap& m = mk::bpf_local_storage_map_alloc(env, w.k, OwnerKind::kCgroup, "cgrp_stor", false);
  mk::Cgroup& cg = mk::cgroup_mkdir(env, w.k, "/sys/fs/cgroup/target");
  auto& released = s.make<bool>(false);
  auto& slept = s.make<bool>(false);
  auto& prog_done = s.make<bool>(false);
  spawn_work(s, w, "syscall_prog", 0, [&w, &m, &cg, &released, &slept, &prog_done, release_early](Env& e) {
    w.k.run_prog(e, ProgType::kSyscall, [&](Env& e2, const ProgCtx&) {
      const Ref<mk::Cgroup> held = mk::bpf_cgroup_from_id(e2, w.k, cg);
      if (!held) return;
      const auto sdata = mk::bpf_cgrp_storage_get(e2, w.k, m, held, nullptr, mk::kGetFCreate, mk::Gfp::kKernel);
      if (release_early) mk::bpf_cgroup_release(e2, w.k, held);
      released = true;
      if (sdata) {
        e2.might_sleep("bpf_copy_from_user");
        slept = true;
        e2.yield("syscall program: after sleeping");
        read_value(e2, sdata, "syscall program: *cgroup storage value after sleeping", &w.k);
      }
      if (!release_early) mk::bpf_cgroup_release(e2, w.k, held);
    });
    prog_done = true;
  });
  spawn_work(s, w, "rmdir", 1, [&w, &cg, &released, &slept](Env& e) {
    e.wait_until([&released, &slept] { return released && slept; }, "the program is asleep holding the value");
    mk::cgroup_rmdir(e, w.k, cg);
  });
  spawn_work(s, w, "close_map", 1, [&w, &m, &prog_done](Env& e) {
    e.wait_until([&prog_done] { return prog_done; }, "the program has returned");
    mk::close_fd(e, w.k, m);
  });
}

}  // namespace

void register_held_pointers(sim::Catalog& c) {
  auto scenario = std::make_unique<FunctionScenario>(
      "sleepable-holds-past-exit",
      "a sleepable syscall program takes a task by pid, gets its storage, releases the task and keeps the "
      "value across a sleep while the task exits and is reaped; another task then creates an element",
      [](sim::Setup& s) { build_sleepable_holds(s, true, false); }, std::vector<sim::ParamSpec>{},
      std::vector<std::string_view>{}, true);
  scenario->set_profiles({"linux-6.18", "linux-7.0"});
  c.add(std::move(scenario));
  auto control = std::make_unique<FunctionScenario>(
      "sleepable-holds-task",
      "the control of sleepable-holds-past-exit: the program keeps its task reference across the sleep, so the "
      "task (and its storage) outlives the program's use of the value",
      [](sim::Setup& s) { build_sleepable_holds(s, false, false); });
  control->set_profiles({"linux-6.18", "linux-7.0"});
  c.add(std::move(control));
  // The same with a __uptr field: the owner's free unpins the daemon's page at once
  // (bpf_obj_free_fields with reuse_now), so after the daemon's munmap the program's write goes
  // to a freed page. Model only: on a kernel that write would land in whatever reused the page.
  auto with_uptr = std::make_unique<FunctionScenario>(
      "sleepable-uptr-past-exit",
      "as sleepable-holds-past-exit, with a __uptr field: the program writes through the element's uptr after the "
      "task is reaped and the daemon unmapped its page (fails: a finding, model only)",
      [](sim::Setup& s) { build_sleepable_holds(s, true, true); }, std::vector<sim::ParamSpec>{},
      std::vector<std::string_view>{}, true);
  with_uptr->set_profiles({"linux-6.18", "linux-7.0"});
  c.add(std::move(with_uptr));
  auto uptr_control = std::make_unique<FunctionScenario>(
      "sleepable-uptr-holds-task",
      "the control of sleepable-uptr-past-exit: the task reference kept across the sleep keeps the page pinned",
      [](sim::Setup& s) { build_sleepable_holds(s, false, true); });
  uptr_control->set_profiles({"linux-6.18", "linux-7.0"});
  c.add(std::move(uptr_control));
  // The cgroup form, confirmed on 6.18.44 too (experiments/held-pointer/cg_hold.c).
  auto cgroup = std::make_unique<FunctionScenario>(
      "sleepable-holds-past-rmdir",
      "as sleepable-holds-past-exit, with a cgroup taken by id (bpf_cgroup_from_id) and released before the "
      "sleep while the cgroup is removed (fails: a finding, confirmed on Linux 6.18.44)",
      [](sim::Setup& s) { build_sleepable_holds_cgroup(s, true); }, std::vector<sim::ParamSpec>{},
      std::vector<std::string_view>{}, true);
  cgroup->set_profiles({"linux-6.18", "linux-7.0"});
  c.add(std::move(cgroup));
  auto cgroup_control = std::make_unique<FunctionScenario>(
      "sleepable-holds-cgroup",
      "the control of sleepable-holds-past-rmdir: the cgroup reference kept across the sleep",
      [](sim::Setup& s) { build_sleepable_holds_cgroup(s, false); });
  cgroup_control->set_profiles({"linux-6.18", "linux-7.0"});
  c.add(std::move(cgroup_control));
}

}  // namespace lsmc::properties::scenarios
