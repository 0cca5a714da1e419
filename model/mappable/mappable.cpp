#include "model/mappable/mappable.hpp"

#include <algorithm>

namespace lsmc::model::mappable {

namespace {

constexpr std::string_view kSlotFields[] = {"gen", "data"};
constexpr TypeInfo kSlotType{"mls_slot", kSlotFields};
constexpr std::string_view kPageFields[] = {"bytes"};
constexpr TypeInfo kPageType{"mls_page", kPageFields};
constexpr std::string_view kHeaderFields[] = {"gen", "present"};
constexpr TypeInfo kHeaderType{"mls_header", kHeaderFields};
constexpr std::string_view kLinkFields[] = {"mls_slot"};
constexpr TypeInfo kLinkType{"task->mls_slot", kLinkFields};

constexpr uint16_t kGen = 0, kData = 1, kHeaderGen = 0, kHeaderPresent = 1;

uint32_t page_of(const Map& map, uint32_t slot) { return slot / map.knobs.slots_per_page; }

// The allocation policy against fragmentation: the free slot on the fullest page, so that pages
// empty out together and can go back (lowest slot on ties, for determinism).
std::size_t pick_free_slot(const Map& map) {
  std::size_t best = 0;
  for (std::size_t i = 1; i < map.free_slots.size(); ++i) {
    const uint32_t a = map.pages[page_of(map, map.free_slots[i])].live;
    const uint32_t b = map.pages[page_of(map, map.free_slots[best])].live;
    if (a > b || (a == b && map.free_slots[i] < map.free_slots[best])) best = i;
  }
  return best;
}

// bpf_mls_page_release() (proposal): after a grace period an empty page leaves the free list,
// its absence is published, the user mapping is switched to the zero page, and the page is freed.
void bpf_mls_page_release(Env& env, Map& map, uint32_t p) {
  Page& page = map.pages[p];
  if (!page.present || page.live != 0) return;
  const uint32_t first = p * map.knobs.slots_per_page;
  std::erase_if(map.free_slots, [&](uint32_t s) { return page_of(map, s) == p; });
  env.write(map.header, kHeaderPresent, "bpf_mls_page_release: hdr->present[page] = 0");
  map.header_present[p] = false;
  if (!map.bug(Bug::kZapWhileMapped)) {
    // zap_page_range() then vm_insert_page(zero page): a racing user read sees generation 0.
    page.user_mapped = false;
  }
  for (uint32_t s = first; s < first + map.knobs.slots_per_page; ++s) {
    // The entry's bytes are gone with the page (a user load now reads the zero page, or, with
    // the mutant, the freed page): a write as far as any reader of the entry is concerned.
    env.write(map.slots[s].obj, kData, "bpf_mls_page_release: zap_page_range(entry)");
    map.slots[s].initialised = false;
    map.slots[s].data = 0;
    map.slots[s].owner = nullptr;
  }
  env.free(page.obj, "bpf_mls_page_release: __free_page");
  page.present = false;
  env.probe("mls: empty page returned");
}

// bpf_mls_trim() (proposal): returns present pages with no live entry whose slots are all free
// and past their grace period. Needed besides the return on free: a creator that slept in
// bpf_mls_page_alloc() may find a slot elsewhere when it comes back (another creator's page, or
// a grace period ended), leaving the new page empty with no free to return it (found by the
// resident-bound property of mls-churn).
void bpf_mls_trim(Env& env, Map& map) {
  if (map.knobs.page_return != PageReturn::kZeroPage || map.bug(Bug::kNoPageReturn)) return;
  if (map.knobs.layout == Layout::kPidArray) return;
  for (uint32_t p = 0; p < map.pages.size(); ++p) {
    if (!map.pages[p].present || map.pages[p].live != 0) continue;
    uint32_t free_here = 0;
    for (uint32_t s : map.free_slots) free_here += page_of(map, s) == p;
    if (free_here == map.knobs.slots_per_page) bpf_mls_page_release(env, map, p);
  }
}

// The second half of a free: the slot becomes reusable, and an empty page may go back.
void bpf_mls_slot_reuse(Env& env, Map& map, uint32_t s) {
  env.lock(map.lock, "bpf_mls_slot_reuse: spin_lock_irqsave(&mls->lock)");
  const uint32_t p = page_of(map, s);
  if (map.pages[p].present) {
    map.free_slots.push_back(s);
    bpf_mls_trim(env, map);
  }
  env.unlock(map.lock, "bpf_mls_slot_reuse: spin_unlock_irqrestore");
}

void unlink_and_free(Env& env, mk::Kernel& k, Map& map, mk::Task& task, std::string_view label) {
  env.lock(map.lock, label);
  env.read(map.task_slot_obj, 0, "bpf_mls_delete: task->mls_slot");
  const auto it = map.task_slot.find(&task);
  if (it == map.task_slot.end()) {
    env.unlock(map.lock, "bpf_mls_delete: spin_unlock_irqrestore");
    return;
  }
  const uint32_t s = it->second;
  env.write(map.task_slot_obj, 0, "bpf_mls_delete: task->mls_slot = -1");
  map.task_slot.erase(it);
  Slot& slot = map.slots[s];
  if (map.knobs.layout == Layout::kPidArray) {
    // exit_task: memset(&array[pid], 0). No grace period: the array has no lifetime.
    env.write(slot.obj, kData, "exit_task: memset(&pid_ctx[pid], 0)");
    slot = Slot{slot.obj, slot.gen, false, 0, nullptr};
    --map.pages[page_of(map, s)].live;
    env.unlock(map.lock, "exit_task: spin_unlock");
    return;
  }
  env.write(slot.obj, kGen, "bpf_mls_delete: entry->gen++ (free)");
  if (!map.bug(Bug::kSlotReuseNoGeneration)) ++slot.gen;
  env.write(map.header, kHeaderGen, "bpf_mls_delete: hdr->gen[slot] = gen");
  map.header_gen[s] = map.bug(Bug::kSlotReuseNoGeneration) ? map.header_gen[s] : 0;
  --map.pages[page_of(map, s)].live;
  env.unlock(map.lock, "bpf_mls_delete: spin_unlock_irqrestore");
  if (map.bug(Bug::kReuseBeforeGracePeriod)) {
    bpf_mls_slot_reuse(env, map, s);
    return;
  }
  // Programs that looked the entry up may still write through their pointer until they leave
  // their read-side section: reuse after a grace period, as today's elements are freed.
  k.rcu.call(env, RcuFlavour::kTasksTrace, [&map, s](Env& e) { bpf_mls_slot_reuse(e, map, s); },
             "bpf_mls_delete: call_rcu_tasks_trace(slot reuse)");
}

}  // namespace

uint32_t Map::resident() const {
  uint32_t n = 0;
  for (const Page& p : pages) n += p.present;
  return n;
}

uint32_t Map::live() const {
  uint32_t n = 0;
  for (const Page& p : pages) n += p.live;
  return n;
}

// bpf_mls_map_alloc() (proposal)
void bpf_mls_map_alloc(Env& env, Map& map) {
  map.lock = env.new_lock(LockKind::kSpinIrq, "mls->lock");
  map.header = env.alloc(kHeaderType, "bpf_mls_map_alloc: header page");
  map.task_slot_obj = env.alloc(kLinkType, "bpf_mls_map_alloc: task->mls_slot");
  map.pages.assign(map.knobs.pages, Page{});
  map.slots.assign(static_cast<std::size_t>(map.knobs.pages) * map.knobs.slots_per_page, Slot{});
  // An entry's identity (its generation, its place in the region) outlives the pages that back
  // it: one modelled object per slot for the map's lifetime; pages are the objects that come and go.
  for (Slot& slot : map.slots) slot.obj = env.alloc(kSlotType, "bpf_mls_map_alloc: an entry of the region");
  map.header_gen.assign(map.slots.size(), 0);
  map.header_present.assign(map.pages.size(), false);
  if (map.knobs.layout == Layout::kPidArray) {
    // The whole array exists from the start and is mapped; there are no generations (every
    // entry reads as published) and nothing is ever returned.
    for (uint32_t p = 0; p < map.pages.size(); ++p) {
      map.pages[p].obj = env.alloc(kPageType, "array_map_alloc: bpf_map_area_mmapable_alloc");
      map.pages[p].present = map.pages[p].user_mapped = true;
      map.header_present[p] = true;
    }
    map.header_gen.assign(map.slots.size(), 1);
    map.resident_max = map.pages.size();
  }
}

namespace {

// The pid-array variant: the entry of a task is array[pid % capacity].
uint32_t pid_index(const Map& map, const mk::Task& task) {
  return static_cast<uint32_t>(task.pid->nr) % static_cast<uint32_t>(map.slots.size());
}

}  // namespace

// bpf_mls_page_alloc() (proposal kfunc)
bool bpf_mls_page_alloc(Env& env, Map& map) {
  env.might_sleep("bpf_mls_page_alloc: alloc_page(GFP_KERNEL)");
  env.lock(map.lock, "bpf_mls_page_alloc: spin_lock_irqsave(&mls->lock)");
  uint32_t p = 0;
  while (p < map.pages.size() && map.pages[p].present) ++p;
  if (p == map.pages.size()) {
    env.unlock(map.lock, "bpf_mls_page_alloc: spin_unlock_irqrestore");
    env.probe("mls: region full");
    return false;
  }
  Page& page = map.pages[p];
  page.obj = env.alloc(kPageType, "bpf_mls_page_alloc: the page");
  page.present = true;
  for (uint32_t s = p * map.knobs.slots_per_page; s < (p + 1) * map.knobs.slots_per_page; ++s) {
    map.free_slots.push_back(s);
  }
  // remap_pfn_range() into the user mapping, then the header says so.
  page.user_mapped = true;
  env.write(map.header, kHeaderPresent, "bpf_mls_page_alloc: hdr->present[page] = 1");
  map.header_present[p] = true;
  map.resident_max = std::max<uint64_t>(map.resident_max, map.resident());
  env.unlock(map.lock, "bpf_mls_page_alloc: spin_unlock_irqrestore");
  return true;
}

// bpf_mls_get() (proposal helper)
int bpf_mls_get(Env& env, mk::Kernel& k, Map& map, const mk::ProgCtx& ctx, mk::Task& task, bool create) {
  (void)k;
  env.read(map.task_slot_obj, 0, "bpf_mls_get: task->mls_slot");
  if (auto it = map.task_slot.find(&task); it != map.task_slot.end()) return static_cast<int>(it->second);
  if (!create) return -1;
  if (map.knobs.layout == Layout::kPidArray) {
    // prep_enable: array[pid] is the task's; initialise it in place.
    const uint32_t s = pid_index(map, task);
    env.lock(map.lock, "prep_enable: spin_lock");
    Slot& slot = map.slots[s];
    env.write(slot.obj, kData, "prep_enable: pid_ctx[pid] = (struct task_ctx){}");
    slot.data = 0;
    slot.initialised = true;
    slot.owner = &task;
    ++map.pages[page_of(map, s)].live;
    env.write(map.task_slot_obj, 0, "prep_enable: remember the task");
    map.task_slot[&task] = s;
    env.unlock(map.lock, "prep_enable: spin_unlock");
    return static_cast<int>(s);
  }
  env.lock(map.lock, "bpf_mls_get: spin_lock_irqsave(&mls->lock)");
  for (int attempt = 0;; ++attempt) {
    env.read(map.task_slot_obj, 0, "bpf_mls_get: task->mls_slot (locked)");
    if (auto it = map.task_slot.find(&task); it != map.task_slot.end()) {
      env.unlock(map.lock, "bpf_mls_get: spin_unlock_irqrestore");
      return static_cast<int>(it->second);
    }
    if (!map.free_slots.empty()) break;
    env.unlock(map.lock, "bpf_mls_get: spin_unlock_irqrestore");
    if (!ctx.sleepable || attempt > 0) {
      // A non-sleepable program cannot allocate a page (design question 1): creation fails
      // until a sleepable context (prep_enable, a syscall) has made room.
      env.probe(ctx.sleepable ? "mls: no entry after a page allocation" : "mls: no free entry in atomic context");
      return -1;
    }
    if (!bpf_mls_page_alloc(env, map)) return -1;
    env.lock(map.lock, "bpf_mls_get: spin_lock_irqsave(&mls->lock)");
  }
  const std::size_t pick = pick_free_slot(map);
  const uint32_t s = map.free_slots[pick];
  map.free_slots.erase(map.free_slots.begin() + static_cast<std::ptrdiff_t>(pick));
  Slot& slot = map.slots[s];
  auto publish = [&] {
    env.write(map.header, kHeaderGen, "bpf_mls_get: smp_store_release(&hdr->gen[slot], gen)");
    map.header_gen[s] = slot.gen;
  };
  env.write(slot.obj, kGen, "bpf_mls_get: entry->gen++ (in use)");
  if (!map.bug(Bug::kSlotReuseNoGeneration) || slot.gen == 0) ++slot.gen;
  if (map.bug(Bug::kPublishBeforeInit)) publish();
  env.write(slot.obj, kData, "bpf_mls_get: memset(entry, 0)");
  slot.data = 0;
  slot.initialised = true;
  slot.owner = &task;
  if (!map.bug(Bug::kPublishBeforeInit)) publish();
  ++map.pages[page_of(map, s)].live;
  env.write(map.task_slot_obj, 0, "bpf_mls_get: task->mls_slot = slot");
  map.task_slot[&task] = s;
  bpf_mls_trim(env, map);
  env.unlock(map.lock, "bpf_mls_get: spin_unlock_irqrestore");
  return static_cast<int>(s);
}

// A store through the pointer bpf_mls_get returned.
void bpf_mls_write(Env& env, Map& map, int slot, const mk::Task& expected, int64_t value) {
  Slot& s = map.slots[static_cast<std::size_t>(slot)];
  env.write(s.obj, kData, "bpf prog: entry->load = v");
  env.check(map.pages[page_of(map, static_cast<uint32_t>(slot))].present, "use-after-free",
            "a program writes into entry " + std::to_string(slot) + " for " + expected.name +
                ", whose page was already returned (the slot was reused within its read-side section)");
  env.check(s.owner == &expected, "bpf-pointer-reused",
            "a program writes through the pointer it got for " + expected.name + ", but the entry now belongs to " +
                (s.owner ? s.owner->name : std::string("nobody")) +
                " (the entry was freed or reused while the program held it)");
  s.data = value;
}

// bpf_mls_delete() (proposal helper)
void bpf_mls_delete(Env& env, mk::Kernel& k, Map& map, mk::Task& task) {
  unlink_and_free(env, k, map, task, "bpf_mls_delete: spin_lock_irqsave(&mls->lock)");
}

// bpf_mls_task_free() (proposal): the exit hook, where bpf_task_storage_free() is today.
void bpf_mls_task_free(Env& env, mk::Kernel& k, Map& map, mk::Task& task) {
  unlink_and_free(env, k, map, task, "bpf_mls_task_free: spin_lock_irqsave(&mls->lock)");
}

// bpf_mls_handle_open() (proposal syscall)
Handle bpf_mls_handle_open(Env& env, Map& map, mk::Task& task, UserLib& lib) {
  if (map.knobs.layout == Layout::kPidArray) return Handle{pid_index(map, task), 1};  // array[pid]: no syscall
  ++lib.syscalls;
  env.access({kNoObject, 0, Op::kSyscall}, "sys_bpf(BPF_MLS_HANDLE_OPEN, pidfd)");
  env.lock(map.lock, "bpf_mls_handle_open: spin_lock_irqsave(&mls->lock)");
  env.read(map.task_slot_obj, 0, "bpf_mls_handle_open: task->mls_slot");
  Handle h;
  if (auto it = map.task_slot.find(&task); it != map.task_slot.end()) {
    env.read(map.header, kHeaderGen, "bpf_mls_handle_open: hdr->gen[slot]");
    h = {it->second, map.header_gen[it->second]};
  }
  env.unlock(map.lock, "bpf_mls_handle_open: spin_unlock_irqrestore");
  return h;
}

// libbpf_mls_read() (proposal)
UserRead libbpf_mls_read(Env& env, Map& map, UserLib& lib, const Handle& h) {
  UserRead r;
  const uint32_t p = page_of(map, h.slot);
  ++lib.loads;
  env.read(map.header, kHeaderGen, "libbpf_mls_read: smp_load_acquire(&hdr->gen[slot])");
  const uint32_t g1 = map.header_gen[h.slot];
  if (g1 != h.gen) return r;
  // One load through the user mapping. What it reads is decided at that instant: the page, the
  // zero page after a zap, or (the mutant) a page that was freed while still mapped.
  ++lib.loads;
  const Slot& slot = map.slots[h.slot];
  env.read(slot.obj, kData, "libbpf_mls_read: entry->load (through the mapping)");
  const Page& page = map.pages[p];
  if (!page.user_mapped) {
    r.status = UserRead::Status::kAbsent;  // the zero page: generation 0, data 0
    return r;
  }
  env.check(page.present, "user-fault",
            "user space loads entry " + std::to_string(h.slot) + " through its mapping, but page " +
                std::to_string(p) + " was freed without being unmapped (a real process reads freed memory)");
  if (map.knobs.layout == Layout::kPidArray && slot.owner == nullptr) return r;  // an empty entry
  r.data = slot.data;
  r.owner = slot.owner;
  r.initialised = slot.initialised;
  ++lib.loads;
  env.read(map.header, kHeaderGen, "libbpf_mls_read: smp_rmb(); hdr->gen[slot] again");
  if (map.header_gen[h.slot] != g1) return UserRead{};
  r.status = UserRead::Status::kOk;
  return r;
}

// libbpf_mls_scan() (proposal): every published entry, from the header, without syscalls (how a
// load balancer reads every task's load).
std::vector<std::pair<uint32_t, UserRead>> libbpf_mls_scan(Env& env, Map& map, UserLib& lib) {
  std::vector<std::pair<uint32_t, UserRead>> out;
  for (uint32_t s = 0; s < map.slots.size(); ++s) {
    ++lib.loads;
    env.read(map.header, kHeaderGen, "libbpf_mls_scan: hdr->gen[slot]");
    const uint32_t g = map.header_gen[s];
    if (g == 0) continue;
    const UserRead r = libbpf_mls_read(env, map, lib, Handle{s, g});
    if (r.status == UserRead::Status::kOk) out.emplace_back(s, r);
  }
  return out;
}

// libbpf_mls_lookup() (proposal): the IDR layer.
UserRead libbpf_mls_lookup(Env& env, Map& map, UserLib& lib, mk::Task& task, int pid) {
  auto cached = lib.handles.find(pid);
  Handle h = cached != lib.handles.end() ? cached->second : Handle{};
  if (!h.valid()) {
    h = bpf_mls_handle_open(env, map, task, lib);
    if (!h.valid()) return {};
    lib.handles[pid] = h;
  }
  UserRead r = libbpf_mls_read(env, map, lib, h);
  if (r.status == UserRead::Status::kOk) return r;
  if (map.bug(Bug::kHandleSurvivesExit)) {
    // The table trusts the slot it has for this pid: it re-reads the generation and goes on.
    env.read(map.header, kHeaderGen, "libbpf_mls_lookup: resync hdr->gen[slot]");
    h.gen = map.header_gen[h.slot];
    lib.handles[pid] = h;
    if (!h.valid()) return {};
    return libbpf_mls_read(env, map, lib, h);
  }
  lib.handles.erase(pid);
  h = bpf_mls_handle_open(env, map, task, lib);
  if (!h.valid()) return {};
  lib.handles[pid] = h;
  return libbpf_mls_read(env, map, lib, h);
}

}  // namespace lsmc::model::mappable
