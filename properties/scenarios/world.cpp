#include "properties/scenarios/world.hpp"

#include "properties/kernel_checks.hpp"
#include "properties/publication.hpp"
#include "properties/scenarios/kernel_helpers.hpp"

namespace lsmc::properties::scenarios {

World& make_world(sim::Setup& s, const WorldOptions& options) {
  std::bitset<static_cast<std::size_t>(mk::Bug::kCount)> bugs;
  for (const auto* list : {&kernel_mutants(), &ordering_mutants()}) {
    for (const MutantSpec& m : *list) {
      if (s.mutant(m.name)) bugs.set(static_cast<std::size_t>(m.bug));
    }
  }
  // The run's profile picks which kernel version's functions the model runs.
  mk::Knobs knobs = options.knobs;
  const std::optional<mk::Profile> profile = mk::profile_from_name(s.profile());
  if (!profile) s.env().fail("model-error", "unknown kernel profile " + std::string(s.profile()));
  knobs.profile = *profile;
  World& w = s.make<World>(s.env(), knobs, bugs);
  // Grace periods advance in their own kthreads; callbacks run on a real CPU (cpu0 for RCU, the
  // last CPU for Tasks Trace), in softirq context, using that CPU's per-CPU state.
  for (auto f : {model::RcuFlavour::kRcu, model::RcuFlavour::kTasksTrace}) {
    sim::ActorOptions o;
    o.cpu = static_cast<uint16_t>(f == model::RcuFlavour::kRcu ? 0 : options.knobs.cpus - 1);
    o.daemon = true;  // a kthread: the execution ends when only it is left, asleep
    s.spawn(f == model::RcuFlavour::kRcu ? "rcu_gp" : "rcu_tasks_trace_gp",
            [&w, f](model::Env& env) { w.k.rcu.gp_actor(env, f); }, o);
  }
  if (options.kernel_checks) {
    s.observe(std::make_unique<CacheSanityChecker>(w.k));
    // What lockless readers must find initialised once they reach it (weak memory models only).
    s.observe(std::make_unique<PublicationChecker>(std::vector<PublicationChecker::Field>{
        {mk::kSelemType.name, mk::field::kSelemSmap}, {mk::kStorageType.name, mk::field::kStorageList}}));
    s.observe(std::make_unique<LinkageChecker>(w.k));
    s.observe(std::make_unique<ContextChecker>(options.knobs.preempt_rt));
    s.observe(std::make_unique<BusyCounterChecker>(w.k));
  }
  if (options.quiescent_at_end) {
    s.observe(std::make_unique<LeakChecker>(std::vector<const model::TypeInfo*>{
        &mk::kSelemType, &mk::kStorageType, &mk::kSmapType, &mk::kTaskType, &mk::kSockType,
        &mk::kInodeType, &mk::kUserPageType, &mk::kPercpuObjType}));
  }
  return w;
}

void spawn_work(sim::Setup& s, World& w, std::string name, uint16_t cpu,
                std::function<void(model::Env&)> body, sim::ActorOptions options) {
  options.cpu = cpu;
  (void)w;
  s.spawn(std::move(name), std::move(body), options);
}

mk::Fd pidfd_of(mk::Task& t) { return mk::Fd{mk::Fd::Kind::kPidfd, t.pid}; }

FunctionScenario& add_kernel_scenario(sim::Catalog& c, std::string_view name, std::string_view description,
                                      FunctionScenario::Build build, std::vector<sim::ParamSpec> params,
                                      std::vector<std::string_view> probes, bool expected_to_fail) {
  auto scenario = std::make_unique<FunctionScenario>(name, description, std::move(build), std::move(params),
                                                     std::move(probes), expected_to_fail);
  scenario->set_profiles({"linux-6.18", "linux-7.0"});
  FunctionScenario& added = *scenario;
  c.add(std::move(scenario));
  return added;
}

}  // namespace lsmc::properties::scenarios
