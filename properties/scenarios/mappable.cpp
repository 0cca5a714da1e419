// Scenarios over the proposal (profile `mappable`, model/mappable/) and its design mistakes
// (../shared/bugs.md, "Proposal design mistakes"). Each scenario is a small race around one
// design question; the properties are those of design §5:
// - a handle never resolves to another owner's entry (handle-aliasing);
// - no user access to a page that is absent or freed unless the design defines it (user-fault);
// - a published entry is initialised (published-uninitialised);
// - resident pages stay within a stated bound of live entries (resident-bound): at quiescence,
//   every resident page holds a live entry when the design returns empty pages, but for the
//   spare pages it keeps on purpose;
// - what BPF wrote is what user space reads (user-read-mismatch);
// - a BPF pointer never reaches another owner's entry (bpf-pointer-reused);
// - a user store never lands in another owner's entry (user-write-aliasing);
// - user space can read a live owner's entry at all (user-unreachable: the proposal's purpose).
// Every scenario takes the design as parameters (layout, owner, page_return, publication), so the
// variants of design §4 are compared on the same races.
#include <optional>
#include <string>
#include <vector>

#include "model/linux/cgrp_storage.hpp"
#include "model/mappable/mappable.hpp"
#include "properties/scenarios/world.hpp"

namespace lsmc::properties::scenarios {

namespace {

using model::Env;
using mk::ProgType;
namespace mm = model::mappable;

struct MutantRow {
  std::string_view name;
  mm::Bug bug;
  std::string_view description;
  std::vector<std::string> scenarios;
};

const std::vector<MutantRow>& mappable_mutants() {
  static const std::vector<MutantRow> kRows = {
      {"publish-before-init", mm::Bug::kPublishBeforeInit,
       "proposal: an entry's generation is published before its contents are written", {"mls-publish"}},
      {"slot-reuse-no-generation", mm::Bug::kSlotReuseNoGeneration,
       "proposal: a freed slot is reused without bumping its generation; an old handle reads another task's data",
       {"mls-pid-reuse"}},
      {"zap-while-mapped", mm::Bug::kZapWhileMapped,
       "proposal: an empty page is freed while user space still maps it", {"mls-zap-race"}},
      {"reuse-before-grace-period", mm::Bug::kReuseBeforeGracePeriod,
       "proposal: a slot is reused while a BPF program may still hold its old pointer", {"mls-reader-vs-delete"}},
      {"handle-survives-exit", mm::Bug::kHandleSurvivesExit,
       "proposal: the user handle table keeps pid -> handle after exit and resyncs its generation",
       {"mls-pid-reuse"}},
      {"no-page-return", mm::Bug::kNoPageReturn,
       "proposal: empty pages are never returned; resident memory grows under churn", {"mls-churn"}},
      {"page-alloc-in-atomic", mm::Bug::kPageAllocInAtomic,
       "proposal: a non-sleepable program's F_CREATE allocates a page with GFP_KERNEL", {"mls-atomic-create"}},
      {"map-free-while-mapped", mm::Bug::kMapFreeWhileMapped,
       "proposal: the region is freed when the map's fd is closed, though the daemon still maps it",
       {"mls-map-close"}},
  };
  return kRows;
}


// The kernel world (RCU and its grace-period actors, tasks) plus one mappable map.
struct MlsWorld {
  World* w = nullptr;
  mm::Map map;
  mm::UserLib lib;
};

MlsWorld& make_mls_world(sim::Setup& s, mm::Knobs knobs) {
  MlsWorld& m = s.make<MlsWorld>();
  m.w = &make_world(s, {mk::Knobs{}, false});
  m.map.knobs = knobs;
  m.map.knobs.layout = static_cast<mm::Layout>(s.params().get("layout"));
  m.map.knobs.page_return = static_cast<mm::PageReturn>(s.params().get("page_return"));
  m.map.knobs.publication = static_cast<mm::Publication>(s.params().get("publication"));
  m.map.knobs.owner = s.params().get("owner") == 0 ? mk::OwnerKind::kTask : mk::OwnerKind::kCgroup;
  for (const MutantRow& row : mappable_mutants()) {
    if (s.mutant(row.name)) m.map.bugs.set(static_cast<std::size_t>(row.bug));
  }
  mm::bpf_mls_map_alloc(s.env(), m.w->k, m.map);
  return m;
}

// An owner of the kind the scenario runs on: a task with this pid, or a new cgroup (whose id the
// kernel gives: cgroup ids are never reused, so "pid reuse" becomes slot reuse by a new cgroup).
mk::Owner& make_owner(Env& env, MlsWorld& m, std::string name, int pid) {
  if (m.map.knobs.owner == mk::OwnerKind::kTask) return mk::task_for_scenario(env, m.w->k, std::move(name), pid);
  return mk::cgroup_mkdir(env, m.w->k, "cgroup " + name);
}

// What a writer stores in an owner's entry: the owner's number (pid or cgroup id) * 1000 + n, so
// that a reader can tell whose bytes it read.
int64_t value_of(const mk::Owner& o, int n) { return mm::owner_number(o) * 1000 + n; }

// A program creates `o`'s entry (F_CREATE) and stores its first value, value_of(o, n): prep_enable
// when sleepable, enqueue when not.
void create_entry(Env& e, MlsWorld& m, mk::Owner& o, int n, ProgType type = ProgType::kLsmSleepable) {
  m.w->k.run_prog(e, type, [&](Env& e2, const mk::ProgCtx& ctx) {
    const int slot = mm::bpf_mls_get(e2, m.w->k, m.map, ctx, o, true);
    if (slot >= 0) mm::bpf_mls_write(e2, m.map, slot, o, value_of(o, n));
  });
}

// `gone` exits on `cpu` while prep_enable, on the same CPU, waits for the free and creates
// `next`'s entry: the slot (or its page) can come back to `next`.
void spawn_exit_then_create(sim::Setup& s, MlsWorld& m, mk::Owner& gone, mk::Owner& next, uint16_t cpu) {
  auto& freed = s.make<bool>(false);
  spawn_work(s, *m.w, "exit", cpu, [&m, &gone, &freed](Env& e) {
    mm::bpf_mls_task_free(e, m.w->k, m.map, gone);
    freed = true;
  });
  spawn_work(s, *m.w, "prep_enable", cpu, [&m, &next, &freed](Env& e) {
    e.wait_until([&freed] { return freed; }, "the exiting owner freed");
    create_entry(e, m, next, 1);
  });
}

// An entry made before the scenario starts (prep_enable ran earlier, or with uptr the thread
// registered its memory), holding `data`.
int seed_entry(Env& env, MlsWorld& m, mk::Owner& t, int n) {
  const int slot = mm::bpf_mls_seed(env, m.w->k, m.map, t);
  if (slot < 0) env.fail("model-error", "seeding an entry failed");
  m.map.slots[static_cast<std::size_t>(slot)].data = value_of(t, n);
  return slot;
}

// What user space saw must be what the design promises.
void check_user_read(Env& env, const mm::UserRead& r, const mk::Owner* wanted, std::string_view who) {
  if (r.status != mm::UserRead::Status::kOk) return;
  env.check(r.initialised, "published-uninitialised",
            std::string(who) + " read a published entry whose contents were never written");
  if (wanted != nullptr) {
    env.check(r.owner == wanted, "handle-aliasing",
              std::string(who) + " asked for " + wanted->name + " and read " +
                  (r.owner ? r.owner->name : std::string("a free slot")) + "'s entry");
  }
  // Values are written as value_of(owner, n): what user space reads belongs to the entry's owner.
  if (r.owner != nullptr && r.data != 0) {
    env.check(r.data / 1000 == mm::owner_number(*r.owner), "user-read-mismatch",
              std::string(who) + " read " + std::to_string(r.data) + " from " + r.owner->name + "'s entry");
  }
}

// Design question 3: a lock-free scan of the header must never show an entry before it is
// initialised.
void build_publish(sim::Setup& s) {
  MlsWorld& m = make_mls_world(s, {2, 2});
  Env& env = s.env();
  mk::Owner& a = make_owner(env, m, "a", 100);
  mk::Owner& b = make_owner(env, m, "b", 101);
  seed_entry(env, m, a, 1);  // page 0 is present; b's entry goes next to a's
  spawn_work(s, *m.w, "prep_enable", 0, [&m, &b](Env& e) {
    create_entry(e, m, b, 1);
  });
  spawn_work(s, *m.w, "balancer", 1, [&m](Env& e) {
    for (int round = 0; round < 2; ++round) {
      for (const auto& [slot, r] : mm::libbpf_mls_scan(e, m.map, m.lib)) check_user_read(e, r, nullptr, "balancer");
    }
  });
}

// Design question 4: a handle must not reach another task after exit and pid reuse.
void build_pid_reuse(sim::Setup& s) {
  MlsWorld& m = make_mls_world(s, {2, 1});
  Env& env = s.env();
  mk::Owner& a = make_owner(env, m, "a", 100);
  mk::Owner& c = make_owner(env, m, "c", 101);
  mk::Owner& b = make_owner(env, m, "b (pid 100 reused)", 100);  // forked later
  seed_entry(env, m, a, 1);
  auto& stage = s.make<int>(0);
  spawn_work(s, *m.w, "daemon", 0, [&m, &a, &b, &stage](Env& e) {
    check_user_read(e, mm::libbpf_mls_lookup(e, m.map, m.lib, a, mm::owner_number(a)), &a, "daemon");
    stage = 1;
    e.wait_until([&stage] { return stage == 3; }, "pid 100 reused");
    check_user_read(e, mm::libbpf_mls_lookup(e, m.map, m.lib, b, mm::owner_number(b)), &b, "daemon");
  });
  spawn_work(s, *m.w, "churn", 1, [&m, &a, &b, &c, &stage](Env& e) {
    e.wait_until([&stage] { return stage == 1; }, "daemon holds a handle");
    mm::bpf_mls_task_free(e, m.w->k, m.map, a);  // a exits
    // c is created once a's slot can be had again: after the grace period its page goes back
    // and c's page allocation brings slot 0 back (with the mutant, at once).
    e.wait_until([&m] {
      return m.map.knobs.layout == mm::Layout::kPidArray || !m.map.pages[0].present || !m.map.free_slots.empty();
    }, "a's slot reusable");
    create_entry(e, m, c, 1);
    create_entry(e, m, b, 2);
    stage = 3;
  });
}

// Design question 5: BPF readers hold entries within their read-side section.
void build_reader_vs_delete(sim::Setup& s) {
  MlsWorld& m = make_mls_world(s, {2, 1});
  Env& env = s.env();
  mk::Owner& t1 = make_owner(env, m, "t1", 100);
  mk::Owner& t2 = make_owner(env, m, "t2 (pid 100 reused)", 100);  // forked after t1 exits
  seed_entry(env, m, t1, 1);
  // The task being enqueued is on the runqueue, which holds a reference until enqueue is done
  // (today's kernel frees task storage only after the last one: the uptr layout's exit, which
  // is today's free path, depends on it).
  const bool task_ref = m.map.knobs.layout == mm::Layout::kUptr;
  const mk::Ref<mk::Task> rq_ref = mk::Ref<mk::Task>::of(static_cast<mk::Task*>(&t1));
  if (task_ref) mk::get_task_struct(env, m.w->k, rq_ref);
  spawn_work(s, *m.w, "enqueue", 0, [&m, &t1, task_ref, rq_ref](Env& e) {
    m.w->k.run_prog(e, ProgType::kStructOps, [&](Env& e2, const mk::ProgCtx& c) {
      const int slot = mm::bpf_mls_get(e2, m.w->k, m.map, c, t1, false);
      if (slot < 0) return;
      e2.yield("enqueue: work while holding tctx");
      mm::bpf_mls_write(e2, m.map, slot, t1, value_of(t1, 2));
    });
    if (task_ref) mk::put_task_struct(e, m.w->k, rq_ref);
  });
  spawn_exit_then_create(s, m, t1, t2, 1);
}

// Design question 2: user space is not an RCU reader; a page can go back while a user load is
// between its generation check and its load.
void build_zap_race(sim::Setup& s) {
  MlsWorld& m = make_mls_world(s, {1, 1});
  Env& env = s.env();
  mk::Owner& t = make_owner(env, m, "t", 100);
  seed_entry(env, m, t, 1);
  spawn_work(s, *m.w, "daemon", 0, [&m, &t](Env& e) {
    for (int round = 0; round < 2; ++round) check_user_read(e, mm::libbpf_mls_lookup(e, m.map, m.lib, t, mm::owner_number(t)), &t, "daemon");
  });
  spawn_work(s, *m.w, "exit", 1, [&m, &t](Env& e) { mm::bpf_mls_task_free(e, m.w->k, m.map, t); });
}

// Design questions 1 and 6: churn, and what stays resident afterwards.
void build_churn(sim::Setup& s) {
  MlsWorld& m = make_mls_world(s, {3, 2});
  Env& env = s.env();
  const int rounds = static_cast<int>(s.params().get("rounds"));
  auto& tasks = s.make<std::vector<mk::Owner*>>();
  for (int i = 0; i < 2 * rounds; ++i) {
    tasks.push_back(&make_owner(env, m, "t" + std::to_string(i), 100 + i));
  }
  for (int cpu = 0; cpu < 2; ++cpu) {
    spawn_work(s, *m.w, "churn" + std::to_string(cpu), static_cast<uint16_t>(cpu), [&m, &tasks, cpu, rounds](Env& e) {
      for (int r = 0; r < rounds; ++r) {
        mk::Owner& t = *tasks[static_cast<std::size_t>(2 * r + cpu)];
        create_entry(e, m, t, 1);
        mm::bpf_mls_task_free(e, m.w->k, m.map, t);
      }
    });
  }
  spawn_work(s, *m.w, "balancer", 0, [&m](Env& e) {
    for (const auto& [slot, r] : mm::libbpf_mls_scan(e, m.map, m.lib)) check_user_read(e, r, nullptr, "balancer");
  });
  s.at_end([&m](Env& e) {
    if (m.map.knobs.page_return == mm::PageReturn::kNever) return;  // the design claims no bound
    // The bound: every resident page holds a live entry, but for the spare pages the design keeps.
    uint32_t empty = 0;
    std::size_t first_empty = 0;
    for (std::size_t p = 0; p < m.map.pages.size(); ++p) {
      if (m.map.pages[p].present && m.map.pages[p].live == 0 && empty++ == m.map.knobs.spare_pages) first_empty = p;
    }
    e.check(empty <= m.map.knobs.spare_pages, "resident-bound",
            "page " + std::to_string(first_empty) + " is still resident with no live entry after every grace period (" +
                std::to_string(m.map.resident()) + " pages resident, " + std::to_string(m.map.live()) +
                " live entries, " + std::to_string(m.map.resident_max) + " at most, " +
                std::to_string(m.map.knobs.spare_pages) + " spare allowed)");
  });
}

// User writes (hints, as scx_layered stores them for BPF to read): a daemon writes into a task's
// entry while the task exits and its slot goes to another task.
void build_user_write(sim::Setup& s) {
  MlsWorld& m = make_mls_world(s, {2, 1});
  m.map.knobs.user_write = static_cast<mm::UserWrite>(s.params().get("user_write"));
  Env& env = s.env();
  mk::Owner& t = make_owner(env, m, "t", 100);
  mk::Owner& c = make_owner(env, m, "c", 101);
  seed_entry(env, m, t, 1);
  spawn_work(s, *m.w, "daemon", 0, [&m, &t](Env& e) {
    for (int round = 0; round < 2; ++round) mm::libbpf_mls_update(e, m.map, m.lib, t, mm::owner_number(t), value_of(t, 10 + round));
  });
  spawn_exit_then_create(s, m, t, c, 1);
}

// Design question 1, the context that cannot sleep: enqueue (struct_ops, non-sleepable) creates
// entries for tasks prep_enable never saw, while prep_enable (sleepable) creates one too. The
// region's only page fills up: the atomic creations fail cleanly; none may sleep.
void build_atomic_create(sim::Setup& s) {
  MlsWorld& m = make_mls_world(s, {2, 2});
  Env& env = s.env();
  mk::Owner& a = make_owner(env, m, "a", 100);
  mk::Owner& b = make_owner(env, m, "b", 101);
  mk::Owner& c = make_owner(env, m, "c", 102);
  mk::Owner& d = make_owner(env, m, "d", 103);
  seed_entry(env, m, a, 1);  // page 0 is present with one free entry
  spawn_work(s, *m.w, "enqueue", 0, [&m, &b, &c](Env& e) {
    for (mk::Owner* o : {&b, &c}) {
      create_entry(e, m, *o, 1, ProgType::kStructOps);
    }
  });
  spawn_work(s, *m.w, "prep_enable", 1, [&m, &d](Env& e) {
    create_entry(e, m, d, 1);
  });
  spawn_work(s, *m.w, "balancer", 1, [&m](Env& e) {
    for (const auto& [slot, r] : mm::libbpf_mls_scan(e, m.map, m.lib)) check_user_read(e, r, nullptr, "balancer");
  });
}

// Map create, mmap and close: the scheduler unloads (closes the map, unregisters its struct_ops)
// while its daemon still reads through the mapping and a program may still run.
void build_map_close(sim::Setup& s) {
  MlsWorld& m = make_mls_world(s, {1, 2});
  Env& env = s.env();
  mk::Owner& t = make_owner(env, m, "t", 100);
  seed_entry(env, m, t, 1);
  mm::bpf_mls_map_mmap(env, m.map);                             // the daemon mapped the region
  mm::bpf_mls_map_inc(env, m.map, "bpf_prog_load: used_maps");  // enqueue uses the map
  auto& detached = s.make<bool>(false);  // the struct_ops map is unregistered: no new calls into enqueue
  spawn_work(s, *m.w, "daemon", 0, [&m, &t](Env& e) {
    for (int round = 0; round < 2; ++round) {
      check_user_read(e, mm::libbpf_mls_lookup(e, m.map, m.lib, t, mm::owner_number(t)), &t, "daemon");
    }
    mm::bpf_mls_map_munmap(e, m.map);
  });
  spawn_work(s, *m.w, "enqueue", 1, [&m, &t, &detached](Env& e) {
    m.w->k.run_prog(e, ProgType::kStructOps, [&](Env& e2, const mk::ProgCtx& c) {
      if (detached) return;  // scx: the ops are gone, the core no longer calls them
      const int slot = mm::bpf_mls_get(e2, m.w->k, m.map, c, t, false);
      if (slot >= 0) mm::bpf_mls_write(e2, m.map, slot, t, value_of(t, 2));
    });
  });
  spawn_work(s, *m.w, "unload", 1, [&m, &detached](Env& e) {
    mm::bpf_mls_map_put(e, m.map, "close(map_fd): bpf_map_release");
    detached = true;
    // bpf_struct_ops_map_free: the program goes after a grace period, and its map reference with it.
    m.w->k.rcu.call(e, model::RcuFlavour::kRcu, [&m](Env& e2) { mm::bpf_mls_map_put(e2, m.map, "bpf_prog_put: used_maps"); },
                    "bpf_struct_ops_map_free: call_rcu(prog)");
  });
  spawn_work(s, *m.w, "kworker", 0, [&m](Env& e) {
    // The last put comes from the daemon's munmap or the program's RCU callback, whichever is later.
    e.wait_until([&m] { return m.map.free_queued; }, "bpf_map_free_deferred queued");
    mm::bpf_mls_map_free_deferred(e, m.w->k, m.map);
  });
  s.at_end([&m](Env& e) {
    e.check(m.map.freed, "leak", "every reference to the map is gone but the region was never freed (" +
                                     std::to_string(m.map.refcnt) + " references left)");
  });
}

}  // namespace

void add_mappable_scenarios(sim::Catalog& c) {
  auto add = [&c](std::string_view name, std::string_view description, FunctionScenario::Build build,
                  std::vector<sim::ParamSpec> params = {}, std::vector<std::string_view> probes = {}) {
    // Every scenario runs on both variants: the proposal's region, or today's pid-indexed array.
    params.push_back({"layout", 0, 0, 3,
                      "0: the proposal's region of pages; 1: today's workaround, a mmapable array indexed by pid "
                      "(no generations, no lifetime); 2: arena + task storage (sched_ext's sdt allocator); 3: uptr "
                      "(task-local data: each thread's own memory, pinned)",
                      true});
    params.push_back({"page_return", 1, 0, 2,
                      "what the proposal does with an empty page: 0 keeps it (no bound claimed); 1 returns it after "
                      "a grace period with the zero page in the user mapping; 2 returns it and leaves the user "
                      "mapping absent (as bpf_arena_free_pages)",
                      true});
    params.push_back({"owner", 0, 0, 1,
                      "whose storage is mappable: 0 tasks (task storage); 1 cgroups (cgroup storage; cgroup ids "
                      "are never reused)",
                      true});
    params.push_back({"publication", 0, 0, 2,
                      "how the proposal tells user space which entries exist: 0 per-slot generations in the header "
                      "(checked before and after a load); 1 one map-wide seqcount (a handle is stale after any "
                      "change); 2 notifications in a ring buffer, consumed into the library's own view",
                      true});
    auto scenario = std::make_unique<FunctionScenario>(name, description, std::move(build), std::move(params), std::move(probes));
    scenario->set_check([](const sim::Params& p) -> std::optional<std::string> {
      if (p.get("layout") == 3 && p.get("owner") == 1) {
        return "layout=3 (uptr) with owner=1: uptr exists only in task storage (the verifier rejects __uptr in "
               "cgroup storage values); use layout 0, 1 or 2 with owner=1";
      }
      return std::nullopt;
    });
    c.add(std::move(scenario));
  };
  add("mls-publish", "proposal: prep_enable creates b's entry while a balancer scans the header without "
      "syscalls; a published entry must be initialised", build_publish);
  add("mls-pid-reuse", "proposal: a daemon holds a handle for pid 100; the task exits, its slot goes to another "
      "task, pid 100 is reused; the daemon's next lookup must reach the new task or fail", build_pid_reuse);
  add("mls-reader-vs-delete", "proposal: enqueue holds a task's entry while the task exits and another task's "
      "entry is created; the program's pointer must not reach the other task", build_reader_vs_delete);
  add("mls-atomic-create", "proposal: enqueue (non-sleepable) creates entries while the region's page fills up "
      "and prep_enable (sleepable) creates one; atomic creations fail cleanly, none sleeps",
      build_atomic_create, {}, {"mls: no free entry in atomic context"});
  add("mls-map-close", "proposal: the scheduler closes the map and unregisters its program while its daemon still "
      "reads through the mapping; the region lives until the last reference (fd, VMA, program) is gone",
      build_map_close, {}, {"mls: map freed"});
  add("mls-user-write", "proposal: a daemon writes hints into a task's entry while the task exits and another task "
      "takes the slot; a user store must never land in another owner's entry",
      build_user_write,
      {{"user_write", 1, 0, 1,
        "how user space stores through a handle: 0 check the generation, store, check again; 1 pin the slot with "
        "one atomic on the header word (fails once freed), the kernel deferring reuse while pinned",
        true}},
      {"mls: slot reuse deferred by a user pin"});
  add("mls-zap-race", "proposal: a daemon reads a task's entry while the task exits and the empty page goes back",
      build_zap_race, {}, {"mls: empty page returned"});
  add("mls-churn", "proposal: two CPUs create and free entries in rounds while a balancer scans; afterwards no "
      "empty page stays resident (when pages are returned)", build_churn,
      {{"rounds", 2, 1, 4, "create/free rounds per CPU"},
       {"page_return", 1, 0, 1, "0: empty pages stay (no bound claimed); 1: returned after a grace period, "
                                "the user mapping gets the zero page"}});
  for (const MutantRow& row : mappable_mutants()) {
    c.add_mutant({std::string(row.name), std::string(row.description), row.scenarios, {}});
  }
}

}  // namespace lsmc::properties::scenarios
