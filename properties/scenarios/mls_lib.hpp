// The mls library (mls/) in its host build, as the mls-lib-* scenarios use it: the kernel world,
// the Host running mls_test.bpf.c and mls.c compiled for the engine (model/bpfhost/), the
// library's user functions from that build, and what BPF and user actors do with them.
#pragma once

#include <linux/types.h>

#include <memory>
#include <string>
#include <vector>

#include "model/bpfhost/mls_platform.hpp"
#include "properties/scenarios/world.hpp"

extern "C" {
#include "mls/lib/mls.h"
#include "mls/test/mls_test.h"
}

namespace lsmc::properties::scenarios {

namespace bh = model::bpfhost;

// The library's mutants: each is the library built with one macro (mls/CMakeLists.txt).
struct LibMutant {
  std::string_view name;    // lsmc's name: lib-<file suffix>
  std::string_view suffix;  // mls_host-<suffix>.so
  std::string_view property;  // what reveals it (at seed 1)
  std::string_view description;
  std::vector<std::string> scenarios;
};
const std::vector<LibMutant>& lib_mutants();

struct LibWorld {
  World* w = nullptr;
  bh::Host* host = nullptr;
  std::unique_ptr<struct mls> m;
  decltype(&::mls_handle) handle = nullptr;
  decltype(&::mls_read) read = nullptr;
  decltype(&::mls_write) write = nullptr;
  decltype(&::mls_for_each) for_each = nullptr;
  decltype(&::mls_maintain) maintain = nullptr;
  decltype(&::mls_stats) stats = nullptr;
  std::vector<mk::Task*> deleted;  // owners whose entries were deleted (the oracle of stale bytes)
};

// The world, with the library's build for the run's mutant (if it is one of lib_mutants()).
LibWorld& make_lib_world(sim::Setup& s);

// A task with this pid, known to the Host.
mk::Task& lib_task(model::Env& env, LibWorld& lw, std::string name, int pid);

// BPF: mls_test_cmd as task `t` (the raw_tp test-run program): op and argument, its return value.
long lib_cmd(model::Env& env, LibWorld& lw, mk::Task& t, __u64 op, __u64 arg);
// BPF: the exit hook of mls_test.bpf.c for `t` (tp_btf/sched_process_exit): deletes its entry.
void lib_exit(model::Env& env, LibWorld& lw, mk::Task& t);
// What an entry of `t` holds when BPF wrote it: pid * 1000 + n.
inline __s64 lib_value(const mk::Task& t, int n) { return static_cast<__s64>(t.pid->nr) * 1000 + n; }

// User: a read of `t`'s entry through the handle `h` (opened once by pidfd when it is not valid,
// and again once after -ESTALE), checked: the bytes read belong to `t` (handle-aliasing), are
// consistent (user-read-mismatch), and are no deleted owner's (published-uninitialised).
void lib_user_read(model::Env& env, LibWorld& lw, mk::Task& t, int pidfd, struct mls_handle& h, std::string_view who);
// User: a scan of every live entry (mls_for_each), each checked as above for whatever owner it names.
void lib_user_scan(model::Env& env, LibWorld& lw, std::string_view who);
// The end check: every live entry's bytes are its owner's, the BPF data and the user hint alike.
void lib_check_entries(model::Env& env, LibWorld& lw);
// The end check of the allocator (quiescent): every slot handed out is live or on exactly one of
// the free stack, the grace-period lists and the deferred list (slot-leak, slot-accounting).
void lib_check_slots(model::Env& env, LibWorld& lw);
// BPF: mls_test_cmd CREATE for `t` with lib_value(t, n), before the scenario starts.
void lib_seed(model::Env& env, LibWorld& lw, mk::Task& t, int n);
// Fills `others` more slots with entries of new tasks (pids 200...), so that a new entry can
// only get the slot a deletion frees: the reuse a scenario is about happens whenever allowed.
void lib_fill(model::Env& env, LibWorld& lw, int others);
// User: the daemon's maintenance (mls_maintain): deleted slots come back after a grace period.
void lib_maintain(model::Env& env, LibWorld& lw);
// `gone` exits on `cpu` (its exit hook deletes its entry); the daemon then maintains; prep_enable
// creates `next`'s entry once `gone` exited, and again after the maintenance if it found no slot.
void lib_spawn_exit_maintain_create(sim::Setup& s, LibWorld& lw, mk::Task& gone, mk::Task& next, uint16_t cpu);
// The end checks every library scenario has: lib_check_entries and lib_check_slots.
void lib_at_end_checks(sim::Setup& s, LibWorld& lw);
// Registers a library scenario; `fails`: a finding is expected (the residual risks).
void add_mls_lib_scenario(sim::Catalog& c, std::string_view name, std::string_view description,
                          FunctionScenario::Build build, std::vector<sim::ParamSpec> params, bool fails);
// Set-up only (no actor runs yet): deleted slots become free at once, as after a grace period.
void lib_reclaim_now(model::Env& env, LibWorld& lw);

}  // namespace lsmc::properties::scenarios
