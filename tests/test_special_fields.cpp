// Special fields: a task kptr in a map value holds a reference to its task until
// bpf_obj_free_fields() drops it, on every path an element is freed by, on both profiles; an
// element freed without it leaks the task, and the leak check at quiescence says so.
#include <gtest/gtest.h>

#include <map>

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

}  // namespace
}  // namespace lsmc
