// What every kernel scenario sets up: a Kernel with the knobs and the mutant's bug, its
// grace-period actors, and the checkers that read its state.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "model/linux/task_storage.hpp"
#include "sim/scenario.hpp"

namespace lsmc::properties::scenarios {

namespace mk = model::kernel;

struct MutantSpec {
  std::string_view name;
  mk::Bug bug;
  std::string_view property;  // the property whose violation reveals the bug
  std::string_view description;
  std::vector<std::string_view> scenarios;
  std::vector<std::string_view> profiles;  // the kernel versions with the code the bug is in
  std::string_view memory_model = "sc";    // the memory model it shows under (sim::MutantInfo)
  bool generate = true;  // lsmc generate reaches it (sim::MutantInfo::generate)
};
// Every kernel bug of ../shared/bugs.md and the canary.
const std::vector<MutantSpec>& kernel_mutants();
// One ordering of the kernel dropped each: found under lkmm, not under sc (docs/memory-model.md).
const std::vector<MutantSpec>& ordering_mutants();

struct WorldOptions {
  mk::Knobs knobs;
  bool quiescent_at_end = false;  // owners and maps are gone at the end: check for leaks
  bool kernel_checks = true;      // the kernel checkers (cache, linkage, context, busy); a measurement
                                  // that replays thousands of tasks turns them off (the cache check is
                                  // linear in the tasks at every unlock)
};

struct World {
  World(model::Env& env, const mk::Knobs& knobs, std::bitset<static_cast<std::size_t>(mk::Bug::kCount)> bugs)
      : k(env, knobs, bugs) {}
  mk::Kernel k;
};

// Builds the world: the kernel, its grace-period actors, and the checkers.
World& make_world(sim::Setup& s, const WorldOptions& options);

// A workload actor on `cpu` (the grace-period kthreads are daemons: the execution ends once every
// workload actor has finished and they sleep). `w` is kept for the callers' symmetry.
void spawn_work(sim::Setup& s, World& w, std::string name, uint16_t cpu,
                std::function<void(model::Env&)> body, sim::ActorOptions options = {});

// A task with one element in `smap`, created at the start by a syscall update (pidfd key).
mk::Fd pidfd_of(mk::Task& t);

// A scenario from a build function plus its description, parameters and probes (the kernel and
// the proposal's scenarios are all of this kind).
class FunctionScenario final : public sim::Scenario {
public:
  using Build = std::function<void(sim::Setup&)>;
  FunctionScenario(std::string_view name, std::string_view description, Build build,
                   std::vector<sim::ParamSpec> params = {}, std::vector<std::string_view> probes = {},
                   bool expected_to_fail = false)
      : name_(name), description_(description), build_(std::move(build)), params_(std::move(params)),
        probes_(std::move(probes)), expected_to_fail_(expected_to_fail) {}
  bool expected_to_fail() const override { return expected_to_fail_; }
  std::vector<std::string_view> profiles() const override { return profiles_; }
  void set_profiles(std::vector<std::string_view> profiles) { profiles_ = std::move(profiles); }
  double lkmm_seconds_per_execution() const override { return lkmm_seconds_; }
  void set_lkmm_seconds_per_execution(double seconds) { lkmm_seconds_ = seconds; }
  std::string_view name() const override { return name_; }
  std::string_view description() const override { return description_; }
  std::span<const sim::ParamSpec> params() const override { return params_; }
  std::vector<std::string_view> probes() const override { return probes_; }
  void build(sim::Setup& s) const override { build_(s); }
  using Check = std::function<std::optional<std::string>(const sim::Params&)>;
  void set_check(Check check) { check_ = std::move(check); }
  std::optional<std::string> check_params(const sim::Params& params) const override {
    return check_ ? check_(params) : std::nullopt;
  }

private:
  std::string_view name_, description_;
  Build build_;
  Check check_;
  std::vector<sim::ParamSpec> params_;
  std::vector<std::string_view> probes_;
  std::vector<std::string_view> profiles_;
  bool expected_to_fail_;
  double lkmm_seconds_ = 0.0;
};

// Every kernel scenario, mutant and known finding: one file each in properties/scenarios/kernel/,
// called in file-name order by this function, which the build generates
// (cmake/LsmcScenarioRegistry.cmake).
void add_kernel_scenarios(sim::Catalog& catalog);
// The proposal's scenarios and design mistakes: one file each in properties/scenarios/mappable/.
void add_mappable_scenarios(sim::Catalog& catalog);
// The same scenarios on the mls library's host build (one file each in properties/scenarios/mls_lib/) and the
// library's mutants; only where the host build exists (LSMC_HAVE_BPF_HOST).
void add_mls_lib_scenarios(sim::Catalog& catalog);

}  // namespace lsmc::properties::scenarios
