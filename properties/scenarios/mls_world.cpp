// The proposal scenarios' shared world and checks (properties/scenarios/mls_world.hpp).
#include "properties/scenarios/mls_world.hpp"

#include <optional>

#include "model/linux/cgrp_storage.hpp"
#include "model/linux/inode_storage.hpp"
#include "model/linux/sk_storage.hpp"

namespace lsmc::properties::scenarios {

using model::Env;
using mk::ProgType;

const std::vector<MlsMutant>& mappable_mutants() {
  static const std::vector<MlsMutant> kRows = {
      {"publish-before-init", mm::Bug::kPublishBeforeInit, "published-uninitialised",
       "proposal: an entry's generation is published before its contents are written", {"mls-publish"}},
      {"slot-reuse-no-generation", mm::Bug::kSlotReuseNoGeneration, "handle-aliasing",
       "proposal: a freed slot is reused without bumping its generation; an old handle reads another task's data",
       {"mls-pid-reuse"}},
      {"zap-while-mapped", mm::Bug::kZapWhileMapped, "user-fault",
       "proposal: an empty page is freed while user space still maps it", {"mls-zap-race"}},
      {"reuse-before-grace-period", mm::Bug::kReuseBeforeGracePeriod, "use-after-free",
       "proposal: a slot is reused while a BPF program may still hold its old pointer", {"mls-reader-vs-delete"}},
      {"handle-survives-exit", mm::Bug::kHandleSurvivesExit, "handle-aliasing",
       "proposal: the user handle table keeps pid -> handle after exit and resyncs its generation",
       {"mls-pid-reuse"}},
      {"no-page-return", mm::Bug::kNoPageReturn, "resident-bound",
       "proposal: empty pages are never returned; resident memory grows under churn", {"mls-churn"}},
      {"page-alloc-in-atomic", mm::Bug::kPageAllocInAtomic, "context",
       "proposal: a non-sleepable program's F_CREATE allocates a page with GFP_KERNEL", {"mls-atomic-create"}},
      {"map-free-while-mapped", mm::Bug::kMapFreeWhileMapped, "user-fault",
       "proposal: the region is freed when the map's fd is closed, though the daemon still maps it",
       {"mls-map-close"}},
      {"header-trusted", mm::Bug::kTrustUserHeader, "kernel-state-leak",
       "proposal as first proposed: the kernel decides a slot's reuse from header words {generation, pins} that "
       "user space maps writable", {"mls-hostile-mapper"}},
      {"special-fields-mapped", mm::Bug::kSpecialFieldsMapped, "kernel-uses-user-pointer",
       "proposal: map creation accepts a kptr, a bpf_spin_lock or a bpf_timer in a mappable value, in the mapped page",
       {"mls-special-fields"}},
      {"one-slot-field", mm::Bug::kOneSlotField, "bpf-pointer-reused",
       "proposal: one task->mls_slot field for every mappable map: the last map to set it wins", {"mls-two-maps"}},
  };
  return kRows;
}


MlsWorld& make_mls_world(sim::Setup& s, mm::Knobs knobs) {
  MlsWorld& m = s.make<MlsWorld>();
  m.own_cpus = s.params().get("own_cpus") == 1;
  mk::Knobs kernel;
  if (m.own_cpus) kernel.cpus = kOwnCpus;
  m.w = &make_world(s, {kernel, false});
  m.map.knobs = knobs;
  m.map.knobs.layout = static_cast<mm::Layout>(s.params().get("layout"));
  m.map.knobs.page_return = static_cast<mm::PageReturn>(s.params().get("page_return"));
  m.map.knobs.publication = static_cast<mm::Publication>(s.params().get("publication"));
  m.map.knobs.owner = static_cast<mk::OwnerKind>(s.params().get("owner"));
  for (const MlsMutant& row : mappable_mutants()) {
    if (s.mutant(row.name)) m.map.bugs.set(static_cast<std::size_t>(row.bug));
  }
  mm::bpf_mls_map_alloc(s.env(), m.w->k, m.map);
  if (m.map.knobs.layout == mm::Layout::kArenaUrcu) {
    // The scheduler's user-space side drives scx_urcu: a daemon, done when only daemons are left.
    sim::ActorOptions daemon;
    daemon.daemon = true;
    spawn_mls(s, m, "scx_urcu daemon", 0, [&m](Env& e) { mm::scx_urcu_daemon(e, m.w->k, m.map); }, daemon);
  }
  return m;
}

void spawn_mls(sim::Setup& s, MlsWorld& m, std::string name, uint16_t cpu, std::function<void(Env&)> body,
               sim::ActorOptions options) {
  if (m.own_cpus) {
    // CPU 0 and the last are the grace-period kthreads'.
    if (m.next_cpu + 2u >= kOwnCpus) s.env().fail("model-error", "own_cpus: more than 6 actors");
    cpu = ++m.next_cpu;
  }
  spawn_work(s, *m.w, std::move(name), cpu, std::move(body), options);
}

// An owner of the kind the scenario runs on: a task with this pid, or a new cgroup, socket or
// inode (whose id the kernel gives: cgroup ids and socket cookies are never reused, so "pid reuse"
// becomes slot reuse by a new owner; a user handle to an inode is an fd of an open file of it).
mk::Owner& make_owner(Env& env, MlsWorld& m, std::string name, int pid) {
  switch (m.map.knobs.owner) {
    case mk::OwnerKind::kTask: return mk::task_for_scenario(env, m.w->k, std::move(name), pid);
    case mk::OwnerKind::kCgroup: return mk::cgroup_mkdir(env, m.w->k, "cgroup " + name);
    case mk::OwnerKind::kSock: return mk::sk_alloc(env, m.w->k, "sk " + name, false);
    case mk::OwnerKind::kInode: break;
  }
  return mk::new_inode(env, m.w->k, "inode " + name);
}

// What a writer stores in an owner's entry: the owner's number (pid or cgroup id) * 1000 + n, so
// that a reader can tell whose bytes it read.

// A program creates `o`'s entry (F_CREATE) and stores its first value, value_of(o, n): prep_enable
// when sleepable, enqueue when not.
void create_entry(Env& e, MlsWorld& m, mk::Owner& o, int n, ProgType type) {
  // A program cannot create uptr memory: with a daemon, the daemon registers the new task first.
  if (m.map.knobs.layout == mm::Layout::kUptrDaemon) mm::bpf_mls_seed(e, m.w->k, m.map, o);
  m.w->k.run_prog(e, type, [&](Env& e2, const mk::ProgCtx& ctx) {
    const int slot = mm::bpf_mls_get(e2, m.w->k, m.map, ctx, o, true);
    if (slot >= 0) mm::bpf_mls_write(e2, m.map, slot, o, value_of(o, n));
  });
}

// `gone` exits on `cpu` while prep_enable, on the same CPU, waits for the free and creates
// `next`'s entry: the slot (or its page) can come back to `next`.
void spawn_exit_then_create(sim::Setup& s, MlsWorld& m, mk::Owner& gone, mk::Owner& next, uint16_t cpu) {
  auto exit = [&m, &gone](Env& e) {
    mm::bpf_mls_task_free(e, m.w->k, m.map, gone);
    if (m.map.knobs.layout == mm::Layout::kArenaUrcu) {
      // sdt's free completes when scx_urcu reclaims the index, after its grace period.
      e.wait_until([&m] { return m.map.urcu.head[0].empty() && m.map.urcu.head[1].empty(); }, "scx_urcu reclaimed");
    }
  };
  if (m.own_cpus) {
    // prep_enable does nothing before the free completes: one actor that runs both in turn has
    // the same interleavings with the others, without a wait DPOR must order against every step.
    spawn_mls(s, m, "exit, then prep_enable", cpu, [&m, &next, exit](Env& e) {
      exit(e);
      create_entry(e, m, next, 1);
    });
    return;
  }
  auto& freed = s.make<bool>(false);
  spawn_mls(s, m, "exit", cpu, [exit, &freed](Env& e) {
    exit(e);
    freed = true;
  });
  spawn_mls(s, m, "prep_enable", cpu, [&m, &next, &freed](Env& e) {
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

void add_mls_scenario(sim::Catalog& c, std::string_view name, std::string_view description,
                      FunctionScenario::Build build, std::vector<sim::ParamSpec> params,
                      std::vector<std::string_view> probes) {
  // Every scenario runs on both variants: the proposal's region, or today's pid-indexed array.
  params.push_back({"layout", 0, 0, 5,
                    "0: the proposal's region of pages; 1: today's workaround, a mmapable array indexed by pid "
                    "(no generations, no lifetime); 2: arena + task storage (sched_ext's sdt allocator before "
                    "scx_urcu: an index is free at once); 3: uptr (task-local data: each thread's own memory, "
                    "pinned); 4: arena + task storage as sdt frees today (scx_task_free_rcu: the index waits for "
                    "scx_urcu's user-driven grace period); 5: uptr used by a central daemon (each task's entry in the "
                    "daemon's own memory, registered by bpf_map_update_elem on the task's pidfd)",
                    true});
  params.push_back({"page_return", 1, 0, 3,
                    "what the proposal does with an empty page: 0 keeps it; 1 returns it after a grace period with "
                    "the zero page in the user mapping; 2 frees it at once as bpf_arena_free_pages does (zapped, no "
                    "grace period; a user fault maps a fresh zeroed page); 3 the same with BPF_F_SEGV_ON_FAULT (a "
                    "user fault is SIGSEGV)",
                    true});
  params.push_back({"owner", 0, 0, 3,
                    "whose storage is mappable: 0 tasks (task storage); 1 cgroups (cgroup storage; cgroup ids "
                    "are never reused); 2 sockets (sk storage, a handle by socket fd); 3 inodes (inode storage, a "
                    "handle by an fd of an open file)",
                    true});
  params.push_back({"own_cpus", 0, 0, 1,
                    "1: every actor on a CPU of its own and the grace-period kthreads on theirs (8 CPUs): no "
                    "preemption between actors on one CPU, the size at which DPOR exhausts the scenario (the report's "
                    "DPOR table); 0: the actors share two CPUs as written",
                    true});
  params.push_back({"publication", 0, 0, 2,
                    "how the proposal tells user space which entries exist: 0 per-slot generations in the header "
                    "(checked before and after a load); 1 one map-wide seqcount (a handle is stale after any "
                    "change); 2 notifications in a ring buffer, consumed into the library's own view",
                    true});
  auto scenario = std::make_unique<FunctionScenario>(name, description, std::move(build), std::move(params), std::move(probes));
  scenario->set_check([](const sim::Params& p) -> std::optional<std::string> {
    if ((p.get("layout") == 3 || p.get("layout") == 5) && p.get("owner") != 0) {
      return "layout=" + std::to_string(p.get("layout")) + " (uptr) with owner=" + std::to_string(p.get("owner")) +
             ": uptr exists only in task storage (the verifier rejects __uptr in other storage values); use layout "
             "0, 1, 2 or 4 with owner=" + std::to_string(p.get("owner"));
    }
    return std::nullopt;
  });
  c.add(std::move(scenario));
}

}  // namespace lsmc::properties::scenarios
