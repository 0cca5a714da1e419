// Scenarios: named, parameterised descriptions of one concurrent situation. A scenario builds a
// fresh state and its actors for every execution (nothing survives from one execution to the
// next) and may add checks that run once every actor has finished.
//
// How to model a new concurrent structure: see docs/engine.md, "Writing a scenario".
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <new>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "model/env.hpp"
#include "sim/event.hpp"
#include "sim/config.hpp"

namespace lsmc::sim {

class Observer;

struct ParamSpec {
  std::string_view name;
  int64_t default_value;
  int64_t min;
  int64_t max;
  std::string_view help;
  // A variant selector (which design, which knob setting), not a size: the minimiser keeps it,
  // since a "smaller" value is another design, not a smaller scenario.
  bool selects_variant = false;
};

// Scenario parameters by name; always complete (defaults filled in) once validated.
class Params {
public:
  int64_t get(std::string_view name) const;  // throws std::out_of_range for an unknown name
  void set(std::string name, int64_t value) { values_[std::move(name)] = value; }
  const std::map<std::string, int64_t, std::less<>>& values() const { return values_; }

private:
  std::map<std::string, int64_t, std::less<>> values_;
};

// ActorOptions::cpu when the scenario does not place the actor: it gets a CPU of its own (the
// lowest number no other actor of the execution uses), so that it neither keeps others off their
// CPU nor is ordered against them by preemption state (which makes every step dependent for DPOR).
inline constexpr uint16_t kAnyCpu = UINT16_MAX;

struct ActorOptions {
  uint16_t cpu = kAnyCpu;
  model::ContextKind kind = model::ContextKind::kTask;
  bool sleepable = true;
  // A service actor (a kernel thread) that never ends by itself: once every other actor has
  // finished and each daemon waits at its idle point (Env::idle_until), the execution ends.
  bool daemon = false;
};

using ActorBody = std::function<void(model::Env&)>;

// What a scenario's build() sees: spawn actors, own state, add end-of-execution checks.
class Setup {
public:
  virtual ~Setup() = default;
  virtual model::ActorId spawn(std::string name, ActorBody body, ActorOptions options = {}) = 0;
  // Runs on the main context after every actor finished, with no scheduling: a place for checks
  // of the final state (env.fail reports a violation).
  virtual void at_end(ActorBody check) = 0;
  virtual const Params& params() const = 0;
  // The execution's Env, for objects that exist before any actor runs (no scheduling points).
  virtual model::Env& env() = 0;
  // True when `--mutant name` was given: the scenario puts that bug back.
  virtual bool mutant(std::string_view name) const = 0;
  // The kernel profile of the run (Config::profile): which version's functions the model runs.
  virtual std::string_view profile() const = 0;
  // A checker for this execution only, typically one that reads the scenario's model state.
  virtual void observe(std::unique_ptr<Observer> observer) = 0;

  // State owned by the execution, destroyed when it ends (in the order it was made). Its memory
  // is the execution's, kept for the next one (sim/state_memory.hpp).
  template <class T, class... Args>
  T& make(Args&&... args) {
    auto* holder = ::new (state_memory(sizeof(Holder<T>), alignof(Holder<T>))) Holder<T>(std::forward<Args>(args)...);
    keep(holder);
    return holder->value;
  }

protected:
  struct HolderBase {
    virtual ~HolderBase() = default;
  };
  template <class T>
  struct Holder final : HolderBase {
    template <class... Args>
    explicit Holder(Args&&... args) : value(std::forward<Args>(args)...) {}
    T value;
  };
  // Memory for a holder, which make() constructs there and then hands to keep(); the execution
  // destroys it (a constructor that throws leaves the memory to the execution, which takes it back
  // at its end).
  virtual void* state_memory(std::size_t bytes, std::size_t align) = 0;
  virtual void keep(HolderBase* holder) = 0;
};

class Scenario {
public:
  virtual ~Scenario() = default;
  virtual std::string_view name() const = 0;
  virtual std::string_view description() const = 0;
  virtual std::span<const ParamSpec> params() const { return {}; }
  // The coverage probes this scenario expects to hit; a campaign reports those it never hit.
  virtual std::vector<std::string_view> probes() const { return {}; }
  // Whether a finding is expected in the unmutated model (the generic examples that fail).
  virtual bool expected_to_fail() const { return false; }
  // The kernel profiles (sim::kProfiles) this scenario applies to; empty: it models no kernel
  // version and runs under the default profile only.
  virtual std::vector<std::string_view> profiles() const { return {}; }
  // Roughly how long one execution takes under lkmm in a Release build (tso about a third of it),
  // for a scenario whose execution graph is large enough that it matters (many Cells: every load
  // checks each candidate store against the whole graph); 0 when it is well under 0.1 s. Tests and
  // quick checks that run many scenarios under a weak model leave out those over their budget.
  virtual double lkmm_seconds_per_execution() const { return 0.0; }
  // Combinations of parameters that each lie in range but mean nothing (a design that does not
  // exist): the message to refuse them with.
  virtual std::optional<std::string> check_params(const Params& params) const {
    (void)params;
    return std::nullopt;
  }
  virtual void build(Setup& setup) const = 0;
};

// A bug that can be put back into the model, and the scenarios that exercise it.
struct MutantInfo {
  std::string name;
  std::string description;
  std::vector<std::string> scenarios;
  std::vector<std::string> profiles;  // the kernel versions that have the code the bug is in
  std::string property;  // the property whose violation reveals it (tests expect exactly this one)
  // The memory model under which it shows (sim::kMemoryModels); "sc" for the bugs an interleaving
  // shows. Runs of the mutant use it unless told otherwise.
  std::string memory_model = "sc";
  // lsmc generate finds it on each of its profiles with default settings, with no scenario written
  // for it (tests/test_generated.cpp checks every such mutant; docs/performance.md has the table).
  bool generate = false;
};

// A finding upstream documents and leaves unfixed in a kernel version (a WARN it placed on a
// residual it calls highly unlikely, say). A run given it (RunRequest::known) counts an execution
// that ends in it and goes on exploring, so that a search for other bugs is not stopped by it.
struct KnownFinding {
  std::string name;      // what lsmc calls it
  std::string profile;   // the kernel version that has it (sim::kProfiles)
  std::string property;  // the verdict's property, e.g. "kernel-warning"
  std::string message;   // a part of the verdict's message that only this finding has
  std::string source;    // where upstream documents it
  bool matches(const Verdict& verdict) const;
};

// Whether `profile` is one `scenario` (and `mutant`, if any) applies to: the message to refuse
// the run with, or nothing.
std::optional<std::string> check_profile(const Scenario& scenario, const MutantInfo* mutant,
                                         std::string_view profile);
// The profiles a scenario runs on, with `mutant` (may be null): its declared ones that the
// mutant also declares; the default profile alone for a scenario that models no kernel.
std::vector<std::string> run_profiles(const Scenario& scenario, const MutantInfo* mutant);

// The scenarios and mutants a binary knows. Built by a function, never a static registry.
class Catalog {
public:
  void add(std::unique_ptr<Scenario> scenario);
  void add_mutant(MutantInfo mutant);
  void add_known(KnownFinding known);
  // Scenarios made on demand from their name, for names no file can list ahead: check-bpf's
  // "check-bpf:FILE#ENTRIES" (properties/check_bpf.hpp). find() asks the maker whose prefix the
  // name starts with, once per name; a maker that cannot make it says why (make_error()).
  using Maker = std::function<std::unique_ptr<Scenario>(std::string_view name, std::string& error)>;
  void add_maker(std::string prefix, Maker maker);
  const Scenario* find(std::string_view name) const;
  // Why find() found no scenario of that name: the maker's reason, or empty.
  std::string make_error(std::string_view name) const;
  const MutantInfo* find_mutant(std::string_view name) const;
  const std::vector<std::unique_ptr<Scenario>>& scenarios() const { return scenarios_; }
  const std::vector<MutantInfo>& mutants() const { return mutants_; }
  const std::vector<KnownFinding>& known() const { return known_; }
  // The known findings of one profile.
  std::vector<KnownFinding> known_in(std::string_view profile) const;

private:
  std::vector<std::unique_ptr<Scenario>> scenarios_;
  std::vector<MutantInfo> mutants_;
  std::vector<KnownFinding> known_;
  std::vector<std::pair<std::string, Maker>> makers_;
  // What the makers made (a cache of the catalog, not execution state), and why they could not.
  mutable std::vector<std::unique_ptr<Scenario>> made_;
  mutable std::map<std::string, std::string, std::less<>> make_errors_;
};

// Fills defaults, checks every name and range. Returns the error message on bad input.
std::optional<std::string> resolve_params(const Scenario& scenario,
                                          const std::map<std::string, int64_t>& given,
                                          Params& out);

// The generic engine examples: one file each in sim/scenarios/generic/, called in file-name order
// by this function, which the build generates (cmake/LsmcScenarioRegistry.cmake).
void add_generic_scenarios(Catalog& catalog);

}  // namespace lsmc::sim
