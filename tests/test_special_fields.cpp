// Special fields: a task kptr in a map value holds a reference to its task, and a percpu kptr its
// object, until bpf_obj_free_fields() drops them, on every path an element is freed by, on both
// profiles; what is never dropped leaks, and the leak check at quiescence says so. Map creation
// refuses bpf_timer, bpf_wq and bpf_task_work in local storage values, and a uptr outside task
// storage; a value with a uptr is never updated under BPF_F_LOCK (experiments/special-fields shows
// 6.18.44 doing the same).
#include <gtest/gtest.h>

#include <functional>
#include <map>

#include "model/linux/map_create.hpp"
#include "model/linux/special_fields.hpp"
#include "model/linux/task_storage.hpp"
#include "properties/generated.hpp"
#include "properties/lifetime.hpp"
#include "properties/scenarios/kernel_helpers.hpp"
#include "sim/runner.hpp"
#include "tests/util.hpp"

namespace lsmc {
namespace {

namespace mk = model::kernel;
namespace ps = properties::scenarios;

sim::RunReport run_generated(const sim::Catalog& c, const char* profile, std::map<std::string, int64_t> params) {
  sim::RunRequest req;
  req.scenario = c.find("generated");
  req.config.profile = profile;
  req.config.executions_max = 1500;
  req.config.faults_max = 1;
  req.observers = properties::default_observers;
  if (auto err = sim::resolve_params(*req.scenario, params, req.params)) ADD_FAILURE() << *err;
  return sim::run(req);
}

// The programs store a reference to the task in the value; the element then goes by a delete
// (a1=6: the grace-period free), by the task's exit (the owner's destroy) or by the map's free
// (teardown frees the maps first when close=1), and every task is freed in the end.
TEST(SpecialFields, AKptrIsDroppedOnEveryFreePath) {
  const sim::Catalog c = test::catalog();
  for (const char* profile : {"linux-6.18", "linux-7.0"}) {
    for (int64_t a1 : {0, 6}) {
      for (int64_t close : {0, 1}) {
        const sim::RunReport r = run_generated(
            c, profile, {{"kptr", 1}, {"a0", 22}, {"a1", a1}, {"seeded", 0}, {"teardown", 1}, {"close", close}});
        EXPECT_EQ(r.outcome, sim::Outcome::kNothingFound)
            << profile << " a1=" << a1 << " close=" << close << ": " << (r.failure ? r.failure->verdict.message : "");
        EXPECT_GT(r.probe_hits.count("kptr stored"), 0u) << profile;
      }
    }
  }
}

// An element freed without bpf_obj_free_fields(): the task its kptr holds is never freed.
TEST(SpecialFields, AKptrNeverDroppedLeaksTheTask) {
  auto build = [](sim::Setup& s) {
    ps::World& w = ps::make_world(s, {ps::knobs_with(), true});
    model::Env& env = s.env();
    mk::Smap& m = ps::task_map(env, w);
    m.has_kptr = true;
    mk::Task& t = mk::task_for_scenario(env, w.k, "p", 100);
    ps::spawn_work(s, w, "prog", 0, [&w, &m, &t](model::Env& e) {
      w.k.run_prog(e, mk::ProgType::kLsm, [&](model::Env& e2, const mk::ProgCtx& ctx) {
        const auto v = mk::prog_task_storage_get(e2, w.k, ctx, m, ps::ref(t), mk::kGetFCreate);
        if (!v) return;
        const mk::Ref<mk::Task> held = mk::bpf_task_acquire(e2, w.k, ps::ref(t));
        mk::bpf_kptr_xchg(e2, w.k, v, held);
        // The model's own bookkeeping undone behind its back: the element forgets the kptr
        // without dropping the reference, as a free that skipped bpf_obj_free_fields() would.
        v->kptr = {};
      });
      mk::do_exit(e, w.k, t);
      mk::release_task(e, w.k, t);
      mk::bpf_map_free_deferred(e, w.k, m);
    });
  };
  test::Lambda s(build);
  sim::RunRequest req;
  req.scenario = &s;
  req.config.executions_max = 50;
  req.observers = properties::default_observers;
  const sim::RunReport r = sim::run(req);
  ASSERT_TRUE(r.failure.has_value());
  EXPECT_EQ(r.failure->verdict.property, "leak");
  EXPECT_NE(r.failure->verdict.message.find("task_struct"), std::string::npos) << r.failure->verdict.message;
}

// Runs `body` as one actor of a scenario that tears everything down (leaks checked), on `profile`.
sim::RunReport run_actor(const char* profile, uint64_t executions,
                         std::function<void(ps::World&, model::Env&)> body) {
  auto build = [&body](sim::Setup& s) {
    ps::World& w = ps::make_world(s, {ps::knobs_with(), true});
    ps::spawn_work(s, w, "actor", 0, [&w, &body](model::Env& e) { body(w, e); });
  };
  test::Lambda s(build);
  sim::RunRequest req;
  req.scenario = &s;
  req.config.profile = profile;
  req.config.executions_max = executions;
  req.observers = properties::default_observers;
  return sim::run(req);
}

// map_check_btf(): a bpf_timer, bpf_wq or bpf_task_work in a local storage value is EOPNOTSUPP on
// every owner type, and so is a uptr anywhere but task storage; spin locks, kptrs and percpu kptrs
// are accepted. A refused map is unwound through bpf_map_free(): nothing is left at the end.
TEST(SpecialFields, LocalStorageRefusesTimersWorkqueuesAndForeignUptrs) {
  for (const char* profile : {"linux-6.18", "linux-7.0"}) {
    const sim::RunReport r = run_actor(profile, 20, [](ps::World& w, model::Env& e) {
      for (mk::OwnerKind type : {mk::OwnerKind::kTask, mk::OwnerKind::kCgroup, mk::OwnerKind::kSock, mk::OwnerKind::kInode}) {
        for (int field = 0; field < 7; ++field) {
          mk::MapAttr attr;
          attr.type = type;
          attr.name = "m";
          mk::ValueFields& f = attr.fields;
          bool* const which[7] = {&f.timer, &f.wq, &f.task_work, &f.uptr, &f.spin_lock, &f.kptr, &f.percpu_kptr};
          *which[field] = true;
          const bool refused = field < 3 || (field == 3 && type != mk::OwnerKind::kTask);
          const mk::SmapOrErr r = mk::map_create(e, w.k, attr);
          e.check(r.err == (refused ? mk::kEOPNOTSUPP : 0), "spec",
                  "field " + std::to_string(field) + " on owner type " + std::to_string(static_cast<int>(type)) +
                      ": errno " + std::to_string(r.err));
          if (r.map != nullptr) mk::bpf_map_free_deferred(e, w.k, *r.map);
        }
      }
    });
    EXPECT_EQ(r.outcome, sim::Outcome::kNothingFound) << profile << ": " << (r.failure ? r.failure->verdict.message : "");
    EXPECT_GT(r.probe_hits.count("map_check_btf refused a timer, wq or task_work field"), 0u);
  }
}

// bpf_pid_task_storage_update_elem(): BPF_F_LOCK on a value with a uptr is EOPNOTSUPP, before the
// element is looked at; the same update without BPF_F_LOCK succeeds.
TEST(SpecialFields, AUptrValueIsNeverUpdatedUnderItsLock) {
  for (const char* profile : {"linux-6.18", "linux-7.0"}) {
    const sim::RunReport r = run_actor(profile, 20, [](ps::World& w, model::Env& e) {
      mk::MapAttr attr;
      attr.name = "uptr_lock";
      attr.fields.uptr = true;
      attr.fields.spin_lock = true;
      const mk::SmapOrErr m = mk::map_create(e, w.k, attr);
      e.check(m.err == 0, "spec", "a task storage map with a uptr and a spin lock is accepted");
      mk::Task& t = mk::task_for_scenario(e, w.k, "p", 100);
      const int locked = mk::sys_map_update_elem(e, w.k, *m.map, ps::pidfd_of(t), mk::Value{1, 0}, mk::kBpfFLock);
      e.check(locked == mk::kEOPNOTSUPP, "spec", "BPF_F_LOCK: errno " + std::to_string(locked));
      const int plain = mk::sys_map_update_elem(e, w.k, *m.map, ps::pidfd_of(t), mk::Value{1, 0}, mk::kBpfAny);
      e.check(plain == 0, "spec", "without BPF_F_LOCK: errno " + std::to_string(plain));
      mk::do_exit(e, w.k, t);
      mk::release_task(e, w.k, t);
      mk::bpf_map_free_deferred(e, w.k, *m.map);
    });
    EXPECT_EQ(r.outcome, sim::Outcome::kNothingFound) << profile << ": " << (r.failure ? r.failure->verdict.message : "");
  }
}

// The percpu kptr: programs store new objects in the value (dropping what was there) and count in
// them while the element goes by a delete, the task's exit or the map's free; every object is freed
// in the end, and no reader meets a freed one (bpf_mem_free_rcu() waits for RCU readers).
TEST(SpecialFields, APercpuKptrIsDroppedOnEveryFreePath) {
  const sim::Catalog c = test::catalog();
  for (const char* profile : {"linux-6.18", "linux-7.0"}) {
    for (int64_t a1 : {0, 6}) {
      for (int64_t close : {0, 1}) {
        const sim::RunReport r = run_generated(
            c, profile, {{"percpu", 1}, {"a0", 22}, {"a1", 10 * a1 + 1}, {"p1", 2}, {"seeded", 0}, {"teardown", 1}, {"close", close}});
        EXPECT_EQ(r.outcome, sim::Outcome::kNothingFound)
            << profile << " a1=" << a1 << " close=" << close << ": " << (r.failure ? r.failure->verdict.message : "");
        EXPECT_GT(r.probe_hits.count("percpu kptr stored"), 0u) << profile;
      }
    }
  }
}

// A percpu object a program allocated and never stored or dropped is still there at quiescence.
TEST(SpecialFields, APercpuObjectNeverDroppedLeaks) {
  const sim::RunReport r = run_actor("linux-6.18", 5, [](ps::World& w, model::Env& e) {
    w.k.run_prog(e, mk::ProgType::kTracing, [&w](model::Env& e2, const mk::ProgCtx&) {
      (void)mk::bpf_percpu_obj_new_impl(e2, w.k);
    });
  });
  ASSERT_TRUE(r.failure.has_value());
  EXPECT_EQ(r.failure->verdict.property, "leak");
  EXPECT_NE(r.failure->verdict.message.find("bpf_percpu_obj"), std::string::npos) << r.failure->verdict.message;
}

// Map creation at run time, every step a fault point: a failed step unwinds as map_create() does
// (through bpf_map_free(), or bpf_map_put_with_uref() once the map has an id), and the leak check
// finds nothing left, on both profiles, with a plain, a locked, a refused (bpf_timer) and a percpu
// kptr value.
TEST(MapCreate, EveryFailedStepUnwindsAndLeavesNothing) {
  const sim::Catalog c = test::catalog();
  for (const char* profile : {"linux-6.18", "linux-7.0"}) {
    std::map<std::string, uint64_t> probes;
    for (int64_t create = 1; create <= 4; ++create) {
      const sim::RunReport r = run_generated(c, profile, {{"create", create}, {"a0", 2}, {"a1", 0}, {"seeded", 0}});
      EXPECT_EQ(r.outcome, sim::Outcome::kNothingFound)
          << profile << " create=" << create << ": " << (r.failure ? r.failure->verdict.message : "");
      for (const auto& [name, hits] : r.probe_hits) probes[name] += hits;
    }
    for (const char* p : {"map created at run time", "map_create unwound through bpf_map_free",
                          "map_create unwound through bpf_map_put_with_uref", "map_check_btf refused a timer, wq or task_work field"}) {
      EXPECT_GT(probes[p], 0u) << profile << ": " << p;
    }
  }
}

}  // namespace
}  // namespace lsmc
