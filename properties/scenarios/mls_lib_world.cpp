#include <cerrno>
#include <cstring>

#include "properties/scenarios/mls_lib.hpp"

#ifndef LSMC_MLS_HOST_DIR
#error "LSMC_MLS_HOST_DIR names the directory of the mls host builds (mls/CMakeLists.txt)"
#endif

namespace lsmc::properties::scenarios {

using model::Env;

const std::vector<LibMutant>& lib_mutants() {
  static const std::vector<LibMutant> kRows = {
      {"lib-publish-before-init", "publish-before-init", "published-uninitialised",
       "mls library: mls_get publishes the generation before it zeroes the entry", {"mls-lib-publish"}},
      {"lib-reuse-old-generation", "reuse-old-generation", "handle-aliasing",
       "mls library: a reused slot takes back its old generation (a missing generation bump)", {"mls-lib-pid-reuse"}},
      {"lib-no-grace-period", "no-grace-period", "data-race",
       "mls library: mls_delete returns the slot to the free stack at once, without a grace period",
       {"mls-lib-reader-vs-delete"}},
      {"lib-reclaim-ignores-pins", "reclaim-ignores-pins", "user-write-aliasing",
       "mls library: the reclaim pass frees a slot a user writer still pins", {"mls-lib-user-write"}},
      {"lib-resync-stale-handle", "resync-stale-handle", "handle-aliasing",
       "mls library: mls_read takes a stale handle's slot's new generation instead of -ESTALE", {"mls-lib-pid-reuse"}},
      {"lib-unpinned-write", "unpinned-write", "user-write-aliasing",
       "mls library: mls_write checks the generation, stores, checks again (no pin)", {"mls-lib-user-write"}},
  };
  return kRows;
}

namespace {

template <class F>
F lib_fn(Env& env, const bh::Module& m, const char* name) {
  void* p = m.symbol(name);
  if (p == nullptr) env.fail("model-error", std::string("the mls host build has no ") + name);
  return reinterpret_cast<F>(p);
}

// mls_test_value as the library copies it out.
struct Entry {
  mls_test_value v{};
};

// Whose bytes these are, checked against the oracle: `wanted` (or any owner when null).
void check_entry(Env& env, LibWorld& lw, const mls_test_value& v, const mk::Task* wanted, std::string_view who) {
  if (v.owner == 0) return;  // zeroed by mls_get, not yet written by the program
  for (const mk::Task* d : lw.deleted) {
    bool reused = false;
    for (const auto& t : lw.w->k.tasks()) reused = reused || (t.get() != d && t->pid != nullptr && t->pid->nr == d->pid->nr);
    env.check(d->pid->nr != v.owner || reused, "published-uninitialised",
              std::string(who) + " read a published entry that still holds " + d->name + "'s bytes (owner " +
                  std::to_string(v.owner) + "), whose entry was deleted: not zeroed before it was published");
  }
  if (wanted != nullptr) {
    env.check(v.owner == wanted->pid->nr, "handle-aliasing",
              std::string(who) + " asked for " + wanted->name + " (pid " + std::to_string(wanted->pid->nr) +
                  ") and read the entry of pid " + std::to_string(v.owner));
  }
  env.check(v.data == 0 || v.data / 1000 == v.owner, "user-read-mismatch",
            std::string(who) + " read data " + std::to_string(v.data) + " in the entry of pid " + std::to_string(v.owner));
  env.check(v.hint == 0 || v.hint / 1000 == v.owner, "user-write-aliasing",
            std::string(who) + " read a hint for pid " + std::to_string(v.hint / 1000) + " in the entry of pid " +
                std::to_string(v.owner) + ": a user store landed in another owner's entry");
}

std::string so_for(sim::Setup& s) {
  for (const LibMutant& m : lib_mutants()) {
    if (s.mutant(m.name)) return std::string(LSMC_MLS_HOST_DIR) + "/mls_host-" + std::string(m.suffix);
  }
  return std::string(LSMC_MLS_HOST_DIR) + "/mls_host";
}

}  // namespace

LibWorld& make_lib_world(sim::Setup& s) {
  LibWorld& lw = s.make<LibWorld>();
  lw.w = &make_world(s, {mk::Knobs{}, false});
  const std::string base = so_for(s);
  std::string error;
  auto module = bh::Module::for_thread(base + ".so", base + ".bpf.o", error);
  if (!module) s.env().fail("model-error", error);
  lw.host = &s.make<bh::Host>(s.env(), lw.w->k, module);
  lw.m = bh::mls_open_host(*lw.host);
  if (!lw.m) s.env().fail("model-error", "the mls host build has no mls_entries or mls_hdr");
  Env& env = s.env();
  lw.handle = lib_fn<decltype(lw.handle)>(env, *module, "mls_handle");
  lw.read = lib_fn<decltype(lw.read)>(env, *module, "mls_read");
  lw.write = lib_fn<decltype(lw.write)>(env, *module, "mls_write");
  lw.for_each = lib_fn<decltype(lw.for_each)>(env, *module, "mls_for_each");
  lw.maintain = lib_fn<decltype(lw.maintain)>(env, *module, "mls_maintain");
  lw.stats = lib_fn<decltype(lw.stats)>(env, *module, "mls_stats");
  return lw;
}

mk::Task& lib_task(Env& env, LibWorld& lw, std::string name, int pid) {
  mk::Task& t = mk::task_for_scenario(env, lw.w->k, std::move(name), pid);
  lw.host->task(t);
  return t;
}

long lib_cmd(Env&, LibWorld& lw, mk::Task& t, __u64 op, __u64 arg) {
  __u64 args[2] = {op, arg};
  return lw.host->run("mls_test_cmd", args, &t);
}

void lib_exit(Env&, LibWorld& lw, mk::Task& t) {
  __u64 ctx[2] = {reinterpret_cast<__u64>(lw.host->task(t)), 0};
  lw.host->run("mls_test_exit", ctx, &t);
  lw.deleted.push_back(&t);
}

void lib_user_read(Env& env, LibWorld& lw, mk::Task& t, int pidfd, struct mls_handle& h, std::string_view who) {
  mls_test_value v{};
  if (h.gen == 0 && lw.handle(lw.m.get(), pidfd, &h) != 0) return;
  int rc = lw.read(lw.m.get(), h, &v);
  if (rc == -ESTALE) {  // the entry was deleted: a new handle by pidfd, once
    h = {};
    if (lw.handle(lw.m.get(), pidfd, &h) != 0) return;
    rc = lw.read(lw.m.get(), h, &v);
  }
  if (rc == 0) check_entry(env, lw, v, &t, who);
}

void lib_user_scan(Env& env, LibWorld& lw, std::string_view who) {
  struct Ctx {
    Env* env;
    LibWorld* lw;
    std::string_view who;
  } ctx{&env, &lw, who};
  lw.for_each(lw.m.get(), [](struct mls_handle, const void* entry, void* arg) -> int {
    auto* c = static_cast<Ctx*>(arg);
    check_entry(*c->env, *c->lw, *static_cast<const mls_test_value*>(entry), nullptr, c->who);
    return 0;
  }, &ctx);
}

void lib_check_entries(Env& env, LibWorld& lw) {
  const mls& m = *lw.m;
  for (__u32 s = 0; s < m.capacity; ++s) {
    if (!mls_gen_live(mls_hdr_gen(m.hdr[s]))) continue;
    mls_test_value v;
    std::memcpy(&v, m.entries + s * m.elem_size, sizeof(v));
    check_entry(env, lw, v, nullptr, "the end check");
  }
}

namespace {

// mls.bpf.h's struct mls_state, as the host build lays it out (checked against the map's size).
struct StateHead {
  __u64 free_head, pend[2], deferred_head, epoch, fresh, maintaining, created, deleted, failed;
};

// Follows one slot list (slot + 1 links through next[]), marking each slot; false on a cycle or
// a slot out of range.
bool walk(__u64 head, const __u32* next, __u32 capacity, std::vector<int>& seen, int mark) {
  for (__u32 top = static_cast<__u32>(head), n = 0; top != 0; top = next[top - 1], ++n) {
    if (top > capacity || n > capacity) return false;
    if (seen[top - 1] != 0) return false;
    seen[top - 1] = mark;
  }
  return true;
}

}  // namespace

// The end checks every library scenario has: entries hold their owners' bytes, no slot leaked.
void lib_at_end_checks(sim::Setup& s, LibWorld& lw) {
  s.at_end([&lw](Env& e) {
    lib_check_entries(e, lw);
    lib_check_slots(e, lw);
  });
}

void lib_seed(Env& env, LibWorld& lw, mk::Task& t, int n) {
  if (lib_cmd(env, lw, t, MLS_TEST_CREATE, static_cast<__u64>(lib_value(t, n))) != 0) {
    env.fail("model-error", "seeding " + t.name + "'s entry failed");
  }
}

// A daemon's user-space maintenance: the deleted slots come back after a grace period.
void lib_maintain(Env&, LibWorld& lw) { lw.maintain(lw.m.get()); }

// Fills the region's other slots (four in the host build), so that a new entry can only get the
// slot a deletion frees: the reuse the scenarios are about happens whenever the library allows it.
void lib_fill(Env& env, LibWorld& lw, int others) {
  for (int i = 0; i < others; ++i) lib_seed(env, lw, lib_task(env, lw, "filler" + std::to_string(i), 200 + i), 1);
}

// `gone` exits (its exit hook deletes its entry) on `cpu`; the daemon then maintains; prep_enable
// creates `next`'s entry once `gone` exited, and again after the maintenance if it found no slot.
void lib_spawn_exit_maintain_create(sim::Setup& s, LibWorld& lw, mk::Task& gone, mk::Task& next, uint16_t cpu) {
  auto& stage = s.make<int>(0);
  spawn_work(s, *lw.w, "exit", cpu, [&lw, &gone, &stage](Env& e) {
    lib_exit(e, lw, gone);
    stage = 1;
  });
  spawn_work(s, *lw.w, "daemon-maintain", cpu, [&lw, &stage](Env& e) {
    e.wait_until([&stage] { return stage >= 1; }, "the exit hook ran");
    lib_maintain(e, lw);
    stage = 2;
  });
  spawn_work(s, *lw.w, "prep_enable", cpu, [&lw, &next, &stage](Env& e) {
    e.wait_until([&stage] { return stage >= 1; }, "the exit hook ran");
    if (lib_cmd(e, lw, next, MLS_TEST_CREATE, static_cast<__u64>(lib_value(next, 1))) == 0) return;
    e.wait_until([&stage] { return stage >= 2; }, "the daemon maintained");
    lib_cmd(e, lw, next, MLS_TEST_CREATE, static_cast<__u64>(lib_value(next, 1)));
  });
}

void add_mls_lib_scenario(sim::Catalog& c, std::string_view name, std::string_view description,
                          FunctionScenario::Build build, std::vector<sim::ParamSpec> params, bool fails) {
  c.add(std::make_unique<FunctionScenario>(name, description, std::move(build), std::move(params),
                                           std::vector<std::string_view>{}, fails));
}

void lib_reclaim_now(Env& env, LibWorld& lw) {
  if (env.self() != model::kNoActor) env.fail("model-error", "lib_reclaim_now is for set-up only");
  mls_sys_args flip{};
  flip.op = MLS_SYS_FLIP;
  lw.host->run("mls_sys", &flip, nullptr);
  mls_sys_args reclaim{};
  reclaim.op = MLS_SYS_RECLAIM;
  reclaim.side = flip.side;
  lw.host->run("mls_sys", &reclaim, nullptr);
}

void lib_check_slots(Env& env, LibWorld& lw) {
  bh::Host::Map* st = lw.host->map_named("mls_state_map");
  const mls& m = *lw.m;
  if (st == nullptr || st->def->value_size != sizeof(StateHead) + 4 * m.capacity) {
    env.fail("model-error", "mls_state_map does not have the layout of mls.bpf.h's struct mls_state");
  }
  const auto* head = reinterpret_cast<const StateHead*>(st->data.data());
  const auto* next = reinterpret_cast<const __u32*>(reinterpret_cast<const uint8_t*>(st->data.data()) + sizeof(StateHead));
  std::vector<int> seen(m.capacity, 0);  // 1 free, 2 waiting for a grace period, 3 deferred, 4 live
  bool ok = walk(head->free_head, next, m.capacity, seen, 1) && walk(head->pend[0], next, m.capacity, seen, 2) &&
            walk(head->pend[1], next, m.capacity, seen, 2) && walk(head->deferred_head, next, m.capacity, seen, 3);
  env.check(ok, "slot-accounting", "a slot is on two of the allocator's lists, or a list loops");
  for (__u32 s = 0; s < m.capacity; ++s) {
    const bool live = mls_gen_live(mls_hdr_gen(m.hdr[s]));
    const bool used = s < head->fresh;
    env.check(!(live && seen[s] != 0), "slot-accounting",
              "slot " + std::to_string(s) + " is live and also on the allocator's list " + std::to_string(seen[s]));
    env.check(!used || live || seen[s] != 0, "slot-leak",
              "slot " + std::to_string(s) + " is neither live nor on any list: it can never be used again");
    env.check(used || (!live && seen[s] == 0), "slot-accounting",
              "slot " + std::to_string(s) + " was never handed out but is live or listed");
  }
}

}  // namespace lsmc::properties::scenarios
