#include "report/costs.hpp"

#include "model/linux/task_storage.hpp"
#include "properties/lifetime.hpp"
#include "properties/scenarios/world.hpp"
#include "sim/execution.hpp"
#include "sim/runner.hpp"
#include "sim/strategy.hpp"

namespace lsmc::report {

namespace {

namespace mk = model::kernel;
namespace mm = model::mappable;
namespace ps = properties::scenarios;
using model::Env;

// One task's entry, then two lookups of it by enqueue.
struct LookupScenario final : sim::Scenario {
  int layout;
  explicit LookupScenario(int l) : layout(l) {}
  std::string_view name() const override { return "lookup-cost"; }
  std::string_view description() const override { return "two lookups"; }
  void build(sim::Setup& s) const override {
    ps::World& w = ps::make_world(s, {mk::Knobs{}, false});
    mk::Task& t = mk::task_for_scenario(s.env(), w.k, "t", 100);
    auto& map = s.make<mm::Map>();
    mk::Smap* smap = nullptr;
    if (layout >= 0) {
      map.knobs.layout = static_cast<mm::Layout>(layout);
      mm::bpf_mls_map_alloc(s.env(), w.k, map);
      mm::bpf_mls_seed(s.env(), w.k, map, t);
    } else {
      smap = &mk::bpf_local_storage_map_alloc(s.env(), w.k, mk::OwnerKind::kTask, "task_ctx_stor", false);
      mk::sys_map_update_elem(s.env(), w.k, *smap, mk::pidfd_open(t), mk::Value{1, 0}, mk::kBpfAny);
    }
    ps::spawn_work(s, w, "enqueue", 0, [this, &w, &map, &t, smap](Env& e) {
      for (int i = 0; i < 2; ++i) {
        w.k.run_prog(e, mk::ProgType::kStructOps, [&](Env& e2, const mk::ProgCtx& c) {
          if (layout >= 0) {
            mm::bpf_mls_get(e2, w.k, map, c, t, false);
          } else {
            mk::prog_task_storage_get(e2, w.k, c, *smap, mk::Ref<mk::Task>::of(&t), 0);
          }
        });
      }
    });
  }
};

// A daemon looks one task up while another CPU churns and a balancer scans.
struct UserCostScenario final : sim::Scenario {
  mm::Knobs knobs;
  UserCost& out;
  UserCostScenario(mm::Knobs k, UserCost& o) : knobs(k), out(o) {}
  std::string_view name() const override { return "user-cost"; }
  std::string_view description() const override { return "user lookups under churn"; }
  void build(sim::Setup& s) const override {
    ps::World& w = ps::make_world(s, {mk::Knobs{}, false});
    auto& map = s.make<mm::Map>();
    auto& lib = s.make<mm::UserLib>();
    map.knobs = knobs;
    map.knobs.pages = 3;
    map.knobs.slots_per_page = 2;
    mm::bpf_mls_map_alloc(s.env(), w.k, map);
    mk::Task& t = mk::task_for_scenario(s.env(), w.k, "t", 100);
    mm::bpf_mls_seed(s.env(), w.k, map, t);
    auto& churn = s.make<std::vector<mk::Task*>>();
    for (int i = 0; i < 3; ++i) churn.push_back(&mk::task_for_scenario(s.env(), w.k, "c" + std::to_string(i), 101 + i));
    ps::spawn_work(s, w, "daemon", 0, [this, &map, &lib, &t](Env& e) {
      for (int i = 0; i < 4; ++i) {
        mm::libbpf_mls_lookup(e, map, lib, t, 100);
        ++out.lookups;
      }
    });
    auto& scanner = s.make<mm::UserLib>();
    ps::spawn_work(s, w, "balancer", 0, [&map, &scanner](Env& e) {
      for (int i = 0; i < 2; ++i) mm::libbpf_mls_scan(e, map, scanner);
    });
    ps::spawn_work(s, w, "churn", 1, [&w, &map, &churn](Env& e) {
      for (mk::Task* c : churn) {
        mm::bpf_mls_seed(e, w.k, map, *c);
        mm::bpf_mls_task_free(e, w.k, map, *c);
      }
    });
    s.at_end([this, &lib, &scanner](Env&) {
      ++out.executions;
      out.syscalls += lib.syscalls;
      out.loads += lib.loads;
      out.scans += scanner.scans;
      out.retries += scanner.retries;
    });
  }
};

}  // namespace

BpfCost bpf_lookup_cost(int layout) {
  LookupScenario scenario(layout);
  // One execution with events recorded; the schedule does not matter (one workload actor).
  const sim::Config config;
  const sim::Params params;
  sim::Engine engine(config);
  engine.execution().set_record_events(true);
  auto strategy = sim::make_random_strategy(1);
  engine.run(scenario, params, *strategy, {}, 0);
  BpfCost cost;
  int locks = 0;
  bool in = false;
  for (const sim::Event& ev : engine.execution().events()) {
    if (engine.execution().actors()[ev.actor].name != "enqueue") continue;
    if (ev.op == model::Op::kRcuLock) in = ++locks <= 2;
    if (!in) continue;
    (locks == 1 ? cost.first : cost.steady) += 1;
    if (ev.label.starts_with("__bpf_local_storage_insert_cache")) (locks == 1 ? cost.first_fills_cache : cost.steady_fills_cache) = true;
    if (ev.op == model::Op::kRcuUnlock) in = false;
  }
  return cost;
}

UserCost user_lookup_cost(const Variant& v, uint64_t executions) {
  UserCost cost;
  UserCostScenario scenario(v.knobs(), cost);
  sim::RunRequest req;
  req.scenario = &scenario;
  req.config.executions_max = executions;
  req.observers = properties::default_observers;
  const sim::RunReport r = sim::run(req);
  if (r.failure) cost.verdict = r.failure->verdict.property;
  return cost;
}

}  // namespace lsmc::report
