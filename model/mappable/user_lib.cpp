// The user-space library (libbpf in the proposal): reads, scans and writes through handles, and
// the IDR layer that keeps a handle per pid.
#include "model/mappable/internal.hpp"

namespace lsmc::model::mappable {

// libbpf_mls_read() (proposal)
UserRead libbpf_mls_read(Env& env, Map& map, UserLib& lib, const Handle& h) {
  UserRead r;
  const uint32_t p = page_of(map, h.slot);
  if (map.knobs.layout == Layout::kPidArray) return pid_array_read(env, map, lib, h.slot);
  const uint32_t g1 = user_gen(env, map, lib, h.slot, true);
  if (g1 != h.gen) return r;
  // One load through the user mapping. What it reads is decided at that instant: the page, the
  // zero page after a zap, or (the mutant) a page that was freed while still mapped.
  ++lib.loads;
  const Slot& slot = map.slots[h.slot];
  env.read(slot.obj, kData, "libbpf_mls_read: entry->load (through the mapping)");
  const Page& page = map.pages[p];
  if (page.user == UserPte::kZero) {
    // The zero page: a second generation check sees 0 and reports ESTALE. A library that trusts
    // its notified view has no second check: it takes the zeros as the entry.
    if (!notified(map)) {
      r.status = UserRead::Status::kAbsent;
      return r;
    }
    r.status = UserRead::Status::kOk;
    r.initialised = true;
    return r;
  }
  if (page.user == UserPte::kNone && !arena_vm_fault(env, map, p, "user space's load of entry " + std::to_string(h.slot))) {
    r.status = UserRead::Status::kAbsent;
    return r;
  }
  env.check(page.present, "user-fault",
            "user space loads entry " + std::to_string(h.slot) + " through its mapping, but page " +
                std::to_string(p) + " was freed without being unmapped (a real process reads freed memory)");
  r.data = slot.data;
  r.owner = slot.owner;
  r.initialised = slot.initialised;
  if (!notified(map)) {  // with notifications the library trusts its view: no second check
    if (user_gen(env, map, lib, h.slot, false) != g1) return UserRead{};
  }
  r.status = UserRead::Status::kOk;
  return r;
}

// libbpf_mls_scan() (proposal): every published entry, from the header, without syscalls (how a
// load balancer reads every task's load).
std::vector<std::pair<uint32_t, UserRead>> libbpf_mls_scan(Env& env, Map& map, UserLib& lib) {
  std::vector<std::pair<uint32_t, UserRead>> out;
  ++lib.scans;
  if (map.knobs.layout == Layout::kUptr) {
    // The only way to another thread's entry: its element by pidfd, whose uptr reads back zeroed.
    ++lib.syscalls;
    env.access({kNoObject, 0, Op::kSyscall}, "libbpf_mls_scan: bpf(BPF_MAP_LOOKUP_ELEM, tld_data_map, pidfd)");
    env.check(map.live() == 0, "user-unreachable",
              "a balancer scans every task's entry, but " + std::to_string(map.live()) +
                  " live entries lie in their owners' processes (uptr memory is not shared)");
    return out;
  }
  if (map.knobs.layout == Layout::kUptrDaemon) {
    // The daemon's table: every task it registered, read in its own memory, in slot order.
    for (uint32_t s = 0; s < map.slots.size(); ++s) {
      const mk::Owner* o = map.slots[s].owner;
      const auto it = o == nullptr ? map.owner_slot.end() : map.owner_slot.find(o);
      if (it == map.owner_slot.end() || it->second != s) continue;
      const UserRead r = daemon_uptr_read(env, map, lib, *o);
      if (r.status == UserRead::Status::kOk) out.emplace_back(s, r);
    }
    return out;
  }
  if (notified(map)) {
    libbpf_mls_poll(env, map, lib);
    const std::map<uint32_t, uint32_t> view = lib.view;
    for (const auto& [s, g] : view) {
      if (g == 0) continue;
      const UserRead r = libbpf_mls_read(env, map, lib, Handle{s, g});
      if (r.status == UserRead::Status::kOk) out.emplace_back(s, r);
    }
    return out;
  }
  const bool seqcount = map.knobs.layout == Layout::kRegion && map.knobs.publication == Publication::kSeqcount;
  uint32_t seq = 0;
  if (seqcount) {
    env.read(map.header, kHeaderSeq, "libbpf_mls_scan: read_seqcount_begin(&hdr->seq)");
    seq = map.seq;
  }
  for (uint32_t s = 0; s < map.slots.size(); ++s) {
    ++lib.loads;
    env.read(map.header, kHeaderGen, "libbpf_mls_scan: hdr->gen[slot]");
    const uint32_t g = map.header_gen[s];
    if (g == 0) continue;
    const UserRead r = libbpf_mls_read(env, map, lib, Handle{s, seqcount ? seq : g});
    if (r.status == UserRead::Status::kOk) {
      out.emplace_back(s, r);
    } else if (seqcount) {
      ++lib.retries;  // the sequence moved: this round's snapshot is void
      out.clear();
      return out;
    }
  }
  return out;
}

namespace {

// A store through the user mapping, into whatever the page holds at that instant.
void user_store(Env& env, Map& map, uint32_t s, const mk::Owner& expected, int64_t value) {
  const uint32_t p = page_of(map, s);
  const Page& page = map.pages[p];
  Slot& slot = map.slots[s];
  env.write(slot.obj, kData, "libbpf_mls_update: entry->hint = v (through the mapping)");
  if (page.user == UserPte::kNone && arena_semantics(map)) {
    // The store populates a fresh zeroed page (or SIGSEGV): it lands in no owner's entry.
    arena_vm_fault(env, map, p, "user space's store into entry " + std::to_string(s));
    return;
  }
  if (page.user != UserPte::kPage || !page.present) {
    env.check(false, "user-fault",
              "user space stores into entry " + std::to_string(s) + " through its mapping, but page " + std::to_string(p) +
                  (page.user == UserPte::kZero ? " now maps the read-only zero page" : " is not mapped or was freed") +
                  ": the store faults");
    return;
  }
  // A store into a free entry is lost (the next creation initialises it, or for the arena the free
  // zeroed it); into another owner's entry it is wrong.
  env.check(slot.owner == nullptr || slot.owner == &expected, "user-write-aliasing",
            "user space stores a hint for " + expected.name + " into entry " + std::to_string(s) + ", which now belongs to " +
                (slot.owner ? slot.owner->name : std::string("nobody")) +
                " (freed and reused between the generation check and the store)");
  if (slot.owner == nullptr) return;
  slot.data = value;
}

}  // namespace

// libbpf_mls_write() (proposal): one store through a handle, as the user_write knob says. The pin
// protocol needs per-slot generations in the header; other publications write checked.
UserRead libbpf_mls_write(Env& env, Map& map, UserLib& lib, const Handle& h, const mk::Owner& expected, int64_t value) {
  UserRead r;
  if (map.knobs.layout == Layout::kPidArray) {  // array[pid] = v: nothing to check
    ++lib.loads;
    user_store(env, map, h.slot, expected, value);
    r.status = UserRead::Status::kOk;
    return r;
  }
  const bool pinned = map.knobs.user_write == UserWrite::kPinned && map.knobs.layout == Layout::kRegion &&
                      map.knobs.publication == Publication::kGeneration;
  if (pinned) {
    if (!libbpf_mls_pin(env, map, lib, h)) return r;  // freed or reused: ESTALE, nothing stored
    user_store(env, map, h.slot, expected, value);
    libbpf_mls_unpin(env, map, lib, h.slot);
    r.status = UserRead::Status::kOk;
    return r;
  }
  const uint32_t g1 = user_gen(env, map, lib, h.slot, true);
  if (g1 != h.gen) return r;
  user_store(env, map, h.slot, expected, value);
  if (!notified(map) && user_gen(env, map, lib, h.slot, false) != g1) return r;  // too late: stored
  r.status = UserRead::Status::kOk;
  return r;
}

namespace {

// The IDR layer around one access: the cached handle for `key`, else one syscall; on ESTALE the
// handle is dropped and opened again once.
template <class Access>
UserRead through_handle(Env& env, Map& map, UserLib& lib, mk::Owner& owner, int64_t key, Access access) {
  libbpf_mls_poll(env, map, lib);
  auto open = [&] {
    Handle h = bpf_mls_handle_open(env, map, owner, lib);
    if (h.valid() && notified(map)) lib.view[h.slot] = h.gen;  // the syscall's answer is current
    return h;
  };
  auto cached = lib.handles.find(key);
  Handle h = cached != lib.handles.end() ? cached->second : Handle{};
  if (!h.valid()) {
    h = open();
    if (!h.valid()) return {};
    lib.handles[key] = h;
  }
  UserRead r = access(h);
  if (r.status == UserRead::Status::kOk) return r;
  if (map.bug(Bug::kHandleSurvivesExit)) {
    // The table trusts the slot it has for this key: it re-reads the generation and goes on.
    env.read(map.header, kHeaderGen, "libbpf_mls_lookup: resync hdr->gen[slot]");
    h.gen = map.header_gen[h.slot];
    lib.handles[key] = h;
    if (!h.valid()) return {};
    return access(h);
  }
  lib.handles.erase(key);
  h = open();
  if (!h.valid()) return {};
  lib.handles[key] = h;
  return access(h);
}

}  // namespace

// libbpf_mls_lookup() (proposal)
UserRead libbpf_mls_lookup(Env& env, Map& map, UserLib& lib, mk::Owner& owner, int64_t key) {
  if (map.knobs.layout == Layout::kUptrDaemon) return daemon_uptr_read(env, map, lib, owner);
  return through_handle(env, map, lib, owner, key, [&](const Handle& h) { return libbpf_mls_read(env, map, lib, h); });
}

// libbpf_mls_update() (proposal)
UserRead libbpf_mls_update(Env& env, Map& map, UserLib& lib, mk::Owner& owner, int64_t key, int64_t value) {
  if (map.knobs.layout == Layout::kUptrDaemon) {
    // The daemon's own memory: the entry its table names, one store, under the table's lock (the
    // same lock its exit handling takes to give entries back).
    env.lock(map.lock, "daemon: pthread_mutex_lock(&table)");
    const auto it = map.owner_slot.find(&owner);
    if (it == map.owner_slot.end()) {
      env.unlock(map.lock, "daemon: pthread_mutex_unlock(&table)");
      return {};
    }
    ++lib.loads;
    user_store(env, map, it->second, owner, value);
    env.unlock(map.lock, "daemon: pthread_mutex_unlock(&table)");
    return {UserRead::Status::kOk, value, &owner, true};
  }
  return through_handle(env, map, lib, owner, key,
                        [&](const Handle& h) { return libbpf_mls_write(env, map, lib, h, owner, value); });
}

}  // namespace lsmc::model::mappable
