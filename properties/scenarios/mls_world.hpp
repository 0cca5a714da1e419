// What the proposal's scenarios share: the kernel world plus one mappable map, owners, entries,
// and the checks of what user space read. The properties are those of design §5:
// - a handle never resolves to another owner's entry (handle-aliasing);
// - no user access to a page that is absent or freed unless the design defines it (user-fault);
// - a published entry is initialised (published-uninitialised);
// - resident pages stay within a stated bound of live entries (resident-bound): at quiescence,
//   every resident page holds a live entry when the design returns empty pages, but for the
//   spare pages it keeps on purpose;
// - what BPF wrote is what user space reads (user-read-mismatch);
// - a BPF pointer never reaches another owner's entry (bpf-pointer-reused);
// - a user store never lands in another owner's entry (user-write-aliasing);
// - user space can read a live owner's entry at all (user-unreachable: the proposal's purpose);
// - nothing a hostile mapper stores keeps a freed slot deferred once it is gone (kernel-state-leak).
// Every scenario takes the design as parameters (layout, owner, page_return, publication), so the
// variants of design §4 are compared on the same races.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "model/mappable/mappable.hpp"
#include "properties/scenarios/world.hpp"

namespace lsmc::properties::scenarios {

namespace mm = model::mappable;

struct MlsMutant {
  std::string_view name;
  mm::Bug bug;
  std::string_view property;  // the property whose violation reveals the mistake
  std::string_view description;
  std::vector<std::string> scenarios;
};
// The proposal's design mistakes (../shared/bugs.md), each with the scenarios that find it.
const std::vector<MlsMutant>& mappable_mutants();

// The kernel world (RCU and its grace-period actors, tasks) plus one mappable map.
struct MlsWorld {
  World* w = nullptr;
  mm::Map map;
  mm::UserLib lib;
  // --param own_cpus=1: every actor gets a CPU of its own (spawn_mls), the grace-period kthreads
  // keep CPU 0 and the last one. DPOR orders every pair of steps on one CPU (preemption there), so
  // actors that share a CPU multiply the classes it explores; on their own CPUs only the steps
  // that touch the same memory are ordered both ways.
  bool own_cpus = false;
  uint16_t next_cpu = 0;  // the last CPU spawn_mls handed out (own_cpus)
};
// The CPUs of the world with own_cpus=1: the two kthreads' and up to six actors'.
inline constexpr uint32_t kOwnCpus = 8;

// The world, with the design the scenario's parameters choose and the mutant's bug.
MlsWorld& make_mls_world(sim::Setup& s, mm::Knobs knobs);
// A workload actor of a proposal scenario on `cpu`, or on the next CPU of its own (own_cpus=1).
void spawn_mls(sim::Setup& s, MlsWorld& m, std::string name, uint16_t cpu, std::function<void(model::Env&)> body,
               sim::ActorOptions options = {});
// An owner of the kind the scenario runs on: a task with this pid, or a new cgroup (whose id the
// kernel gives: cgroup ids are never reused, so "pid reuse" becomes slot reuse by a new cgroup).
mk::Owner& make_owner(model::Env& env, MlsWorld& m, std::string name, int pid);
// What a writer stores in an owner's entry: the owner's number (pid or cgroup id) * 1000 + n, so
// that a reader can tell whose bytes it read.
inline int64_t value_of(const mk::Owner& o, int n) { return mm::owner_number(o) * 1000 + n; }
// A program creates `o`'s entry (F_CREATE) and stores its first value, value_of(o, n): prep_enable
// when sleepable, enqueue when not.
void create_entry(model::Env& e, MlsWorld& m, mk::Owner& o, int n, mk::ProgType type = mk::ProgType::kLsmSleepable);
// `gone` exits on `cpu` while prep_enable, on the same CPU, waits for the free and creates
// `next`'s entry: the slot (or its page) can come back to `next`.
void spawn_exit_then_create(sim::Setup& s, MlsWorld& m, mk::Owner& gone, mk::Owner& next, uint16_t cpu);
// An entry made before the scenario starts (prep_enable ran earlier, or with uptr the thread
// registered its memory), holding value_of(t, n); returns its slot.
int seed_entry(model::Env& env, MlsWorld& m, mk::Owner& t, int n);
// What user space saw must be what the design promises.
void check_user_read(model::Env& env, const mm::UserRead& r, const mk::Owner* wanted, std::string_view who);

// A proposal scenario: every one takes the design as parameters (layout, page_return, owner,
// publication) besides its own, so the variants of design §4 are compared on the same races.
void add_mls_scenario(sim::Catalog& c, std::string_view name, std::string_view description,
                      FunctionScenario::Build build, std::vector<sim::ParamSpec> params = {},
                      std::vector<std::string_view> probes = {});

}  // namespace lsmc::properties::scenarios
