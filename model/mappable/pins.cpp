// User pins (UserWrite::kPinned) and what a hostile mapper can reach. The kernel decides a slot's
// reuse from its own memory and from pin counts that each process keeps in a pin page of its own:
// the header is mapped read-only, so no process can change what the kernel reads for another.
// Bug::kTrustUserHeader is the design as first proposed: one header word {generation, pins} per
// slot, in a page every mapper can write, read by the kernel when it reuses a slot.
#include "model/mappable/internal.hpp"

namespace lsmc::model::mappable {

// bpf_mls_pin_mmap() (proposal): the process's pin page, mapped with the region (at its first pin
// in the model). Its counts are the process's alone.
Map::PinPage& bpf_mls_pin_mmap(Env& env, Map& map, UserLib& lib) {
  if (lib.pin_page < 0) {
    env.lock(map.lock, "bpf_mls_pin_mmap: spin_lock_irqsave(&mls->lock)");
    Map::PinPage page;
    page.obj = env.alloc(kPinType, "bpf_mls_pin_mmap: the process's pin page");
    page.pins.assign(map.slots.size(), 0);
    page.mapped = true;
    lib.pin_page = static_cast<int>(map.pin_pages.size());
    map.pin_pages.push_back(std::move(page));
    env.unlock(map.lock, "bpf_mls_pin_mmap: spin_unlock_irqrestore");
  }
  return map.pin_pages[static_cast<std::size_t>(lib.pin_page)];
}


bool header_writable(const Map& map) { return map.bug(Bug::kTrustUserHeader); }

// bpf_mls_slot_pinned() (proposal): whether a user writer may be inside slot `s`; under mls->lock.
bool bpf_mls_slot_pinned(Env& env, const Map& map, uint32_t s) {
  if (header_writable(map)) {
    env.read(map.header, kHeaderGen, "bpf_mls_slot_pinned: READ_ONCE(hdr->word[slot].pins)");
    return map.pins[s] != 0;
  }
  bool pinned = false;
  for (const Map::PinPage& page : map.pin_pages) {
    if (!page.mapped) continue;
    env.read(page.obj, 0, "bpf_mls_slot_pinned: READ_ONCE(pin_page->pins[slot])");
    pinned = pinned || page.pins[s] != 0;
  }
  return pinned;
}

// libbpf_mls_pin() (proposal): count this writer in the process's pin page, then check the
// generation the kernel published (smp_mb between, as a hazard pointer: either the kernel's
// reuse sees the pin, or this check sees the free's generation 0). ESTALE: false, nothing pinned.
bool libbpf_mls_pin(Env& env, Map& map, UserLib& lib, const Handle& h) {
  ++lib.loads;
  if (header_writable(map)) {
    env.rmw(map.header, kHeaderGen, "libbpf_mls_pin: cmpxchg(&hdr->word[slot], {gen, n}, {gen, n + 1})");
    if (map.header_gen[h.slot] != h.gen) return false;
    ++map.pins[h.slot];
    return true;
  }
  Map::PinPage& page = bpf_mls_pin_mmap(env, map, lib);
  env.rmw(page.obj, 0, "libbpf_mls_pin: pin_page->pins[slot]++; smp_mb()");
  ++page.pins[h.slot];
  ++lib.loads;
  env.read(map.header, kHeaderGen, "libbpf_mls_pin: READ_ONCE(hdr->gen[slot]) (read-only mapping)");
  if (map.header_gen[h.slot] == h.gen) return true;
  libbpf_mls_unpin(env, map, lib, h.slot);
  return false;
}

// libbpf_mls_unpin() (proposal)
void libbpf_mls_unpin(Env& env, Map& map, UserLib& lib, uint32_t s) {
  if (header_writable(map)) {
    env.rmw(map.header, kHeaderGen, "libbpf_mls_unpin: atomic_dec(&hdr->word[slot].pins)");
    --map.pins[s];  // unsigned: a count another mapper zeroed wraps around
    return;
  }
  Map::PinPage& page = map.pin_pages[static_cast<std::size_t>(lib.pin_page)];
  env.rmw(page.obj, 0, "libbpf_mls_unpin: pin_page->pins[slot]--");
  --page.pins[s];
}

// bpf_mls_pin_vm_close() (proposal)
void bpf_mls_pin_vm_close(Env& env, Map& map, UserLib& lib) {
  if (lib.pin_page < 0) return;
  env.lock(map.lock, "bpf_mls_pin_vm_close: spin_lock_irqsave(&mls->lock)");
  Map::PinPage& page = map.pin_pages[static_cast<std::size_t>(lib.pin_page)];
  page.mapped = false;
  env.free(page.obj, "bpf_mls_pin_vm_close: the process's pin page");
  lib.pin_page = -1;
  bpf_mls_reclaim_deferred(env, map);
  bpf_mls_trim(env, map);
  env.unlock(map.lock, "bpf_mls_pin_vm_close: spin_unlock_irqrestore");
}

namespace {

// A hostile store into the entry's bytes through the data pages (mapped writable by design).
bool hostile_entry_store(Env& env, Map& map, uint32_t s, uint32_t value, bool generation) {
  const uint32_t p = page_of(map, s);
  Page& page = map.pages[p];
  if (page.user == UserPte::kNone && arena_semantics(map) && map.knobs.page_return != PageReturn::kSegvOnFault) {
    // arena_vm_fault: the store populates a fresh zeroed page, which stays until the map is freed.
    arena_vm_fault(env, map, p, "a hostile store into entry " + std::to_string(s));
  }
  if (page.user != UserPte::kPage || !page.present) {
    env.probe("mls: a hostile store faulted");
    return false;  // the zero page is read-only, an absent offset faults: SIGSEGV
  }
  Slot& slot = map.slots[s];
  if (generation) {
    env.write(slot.obj, kGen, "hostile: data->tid.genn = v (the arena page)");
    slot.gen = value;
  } else {
    env.write(slot.obj, kData, "hostile: entry = v");
    slot.data = value;
  }
  return true;
}

}  // namespace

// A hostile mapper's store.
bool hostile_store(Env& env, Map& map, UserLib& lib, HostileTarget what, uint32_t s, uint32_t value) {
  if (map.knobs.layout == Layout::kUptr || map.knobs.layout == Layout::kUptrDaemon) return true;  // its own memory only
  if (map.knobs.layout != Layout::kRegion) {
    // The pid array has entries only; sdt's generation is in the entry itself (data->tid.genn).
    return hostile_entry_store(env, map, s, value, is_sdt(map) && what == HostileTarget::kGeneration);
  }
  if (what == HostileTarget::kEntry) return hostile_entry_store(env, map, s, value, false);
  if (what == HostileTarget::kPins && !header_writable(map)) {
    Map::PinPage& page = bpf_mls_pin_mmap(env, map, lib);
    env.write(page.obj, 0, "hostile: pin_page->pins[slot] = v (its own pin page)");
    page.pins[s] = value;
    return true;
  }
  if (!header_writable(map)) {
    env.probe("mls: a hostile store into the read-only header faulted");
    return false;
  }
  if (what == HostileTarget::kGeneration) {
    env.write(map.header, kHeaderGen, "hostile: hdr->word[slot].gen = v");
    map.header_gen[s] = value;
  } else {
    env.write(map.header, kHeaderGen, "hostile: hdr->word[slot].pins = v");
    map.pins[s] = value;
  }
  return true;
}

}  // namespace lsmc::model::mappable
