// The proposal scenario mls-hostile-mapper (registered by the build: register_mls_hostile_mapper).
#include <cstdint>

#include "properties/scenarios/mls_world.hpp"

namespace lsmc::properties::scenarios {

namespace {

using model::Env;

// The values a hostile mapper stores: zero, the first generation an entry has (so a freed slot
// looks live again to an old handle), and the largest count.
constexpr uint32_t kHostileValues[] = {0, 1, UINT32_MAX};

// What the legit daemon saw: its handle resolves to its own task's entry. The entry's bytes are
// the mapper's to write (the data pages are mapped writable by design), so their value is not checked.
void check_daemon_read(Env& e, const mm::UserRead& r, const mk::Owner& t) {
  if (r.status != mm::UserRead::Status::kOk) return;
  e.check(r.owner == &t, "handle-aliasing",
          "the daemon asked for " + t.name + " and read " + (r.owner ? r.owner->name : std::string("a free slot")) +
              "'s entry");
}

// A process that holds the map writable stores any value anywhere its mappings reach (header words
// {generation, pins}, its own pin page, entries) while a legit daemon (another process) writes and
// reads a task's entry, the task exits and another task takes the slot. Property: nothing the
// hostile stores makes the kernel touch freed memory (the lifetime checker), leak (no slot stays
// deferred once the hostile is gone), or break another process's entries (the daemon's stores and
// reads reach its own task's entry only).
void build_hostile_mapper(sim::Setup& s) {
  MlsWorld& m = make_mls_world(s, {2, 1});
  m.map.knobs.user_write = static_cast<mm::UserWrite>(s.params().get("user_write"));
  Env& env = s.env();
  mk::Owner& t = make_owner(env, m, "t", 100);
  mk::Owner& c = make_owner(env, m, "c", 101);
  seed_entry(env, m, t, 1);
  const int writes = static_cast<int>(s.params().get("writes"));
  const int64_t target = s.params().get("target");
  auto& hostile = s.make<mm::UserLib>();
  if (s.params().get("pin_pages") == 1 && m.map.knobs.user_write == mm::UserWrite::kPinned && !mm::header_writable(m.map)) {
    mm::bpf_mls_pin_mmap(env, m.map, hostile);
    mm::bpf_mls_pin_mmap(env, m.map, m.lib);
  }
  spawn_mls(s, m, "hostile", 0, [&m, &hostile, writes, target](Env& e) {
    for (int i = 0; i < writes; ++i) {
      const auto what = static_cast<mm::HostileTarget>(target > 0 ? target - 1 : e.choose(3, "hostile: generation, pins or entry"));
      const auto slot = static_cast<uint32_t>(e.choose(m.map.slots.size(), "hostile: which slot"));
      const uint32_t value = kHostileValues[e.choose(3, "hostile: 0, 1 or UINT32_MAX")];
      if (!mm::hostile_store(e, m.map, hostile, what, slot, value)) break;  // SIGSEGV
    }
    mm::bpf_mls_pin_vm_close(e, m.map, hostile);  // exit: its mapping goes
  });
  const int rounds = static_cast<int>(s.params().get("rounds"));
  spawn_mls(s, m, "daemon", 0, [&m, &t, rounds](Env& e) {
    for (int round = 0; round < rounds; ++round) {
      mm::libbpf_mls_update(e, m.map, m.lib, t, mm::owner_number(t), value_of(t, 10 + round));
      check_daemon_read(e, mm::libbpf_mls_lookup(e, m.map, m.lib, t, mm::owner_number(t)), t);
    }
  });
  spawn_exit_then_create(s, m, t, c, 1);
  s.at_end([&m](Env& e) {
    // Every process is gone or done: the next creation's pass must find every freed slot reusable.
    mm::bpf_mls_reclaim(e, m.map);
    e.check(m.map.deferred.empty(), "kernel-state-leak",
            "slot " + (m.map.deferred.empty() ? std::string() : std::to_string(m.map.deferred.front())) +
                " stays deferred after every writer left: the pin count the kernel reads was set by a hostile mapper "
                "(it is never reused, and its page never returned, until the map is freed)");
  });
}

}  // namespace

void register_mls_hostile_mapper(sim::Catalog& c) {
  add_mls_scenario(c, "mls-hostile-mapper", "proposal: a process that maps the region writable stores any value anywhere it "
      "can (header words, its pin page, entries) while a daemon writes and reads a task's entry and the slot is reused; "
      "nothing it stores may make the kernel touch freed memory, leak, or break another process's entries",
      build_hostile_mapper,
      {{"writes", 2, 1, 3, "stores the hostile mapper makes"},
       {"rounds", 2, 1, 2, "the daemon's rounds of a store and a read through its handle"},
       {"pin_pages", 0, 0, 1, "1: both processes' pin pages are mapped before the run (with the region), not at their "
                              "first pin: no allocation under the map's lock while they race"},
       {"user_write", 1, 0, 1, "how the daemon stores through a handle, as in mls-user-write: 0 checked, 1 pinned", true},
       {"target", 0, 0, 3, "what it stores into: 0 any (an explored choice), 1 generations, 2 pin counts, 3 entries"}},
      {"mls: a hostile store into the read-only header faulted"});
}

}  // namespace lsmc::properties::scenarios
