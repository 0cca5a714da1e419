#include "model/mappable/mappable.hpp"

#include <algorithm>

#include "model/linux/cgrp_storage.hpp"
#include "model/linux/local_storage.hpp"
#include "model/linux/task_storage.hpp"

namespace lsmc::model::mappable {

namespace {

constexpr std::string_view kSlotFields[] = {"gen", "data"};
constexpr TypeInfo kSlotType{"mls_slot", kSlotFields};
constexpr std::string_view kPageFields[] = {"bytes"};
constexpr TypeInfo kPageType{"mls_page", kPageFields};
constexpr std::string_view kHeaderFields[] = {"gen", "present", "seq"};
constexpr TypeInfo kHeaderType{"mls_header", kHeaderFields};
constexpr std::string_view kLinkFields[] = {"mls_slot"};
constexpr TypeInfo kLinkType{"task->mls_slot", kLinkFields};

constexpr uint16_t kGen = 0, kData = 1, kHeaderGen = 0, kHeaderPresent = 1, kHeaderSeq = 2;
constexpr std::string_view kRingFields[] = {"data"};
constexpr std::string_view kMapFields[] = {"refcnt"};
constexpr TypeInfo kMapType{"bpf_map", kMapFields};
constexpr TypeInfo kRingType{"mls_ringbuf", kRingFields};

uint32_t page_of(const Map& map, uint32_t slot) { return slot / map.knobs.slots_per_page; }

// Whether the variant gives empty pages back at all (the arena's sdt allocator and uptr do not:
// arena pages stay, uptr memory belongs to the owning process).
bool returns_pages(const Map& map) {
  return map.knobs.layout == Layout::kRegion && map.knobs.page_return != PageReturn::kNever &&
         !map.bug(Bug::kNoPageReturn);
}

// The task storage value of kArena and kUptr: which entry (and for the arena its generation);
// 0 means none (a fresh F_CREATE value, or the uptr a user lookup returns zeroed).
int64_t encode_entry(uint32_t slot, uint32_t gen) { return (static_cast<int64_t>(gen) << 32) | (slot + 1); }
Handle decode_entry(int64_t v) {
  if (v == 0) return {};
  return {static_cast<uint32_t>((v & 0xffffffff) - 1), static_cast<uint32_t>(v >> 32)};
}

// The owner as the kernel's helpers take it. Task and cgroup storage are the same code with
// another owner type (bpf_task_storage.c / bpf_cgrp_storage.c); the proposal's map flag applies
// to both.
mk::Task& as_task(mk::Owner& o) { return static_cast<mk::Task&>(o); }
mk::Cgroup& as_cgroup(mk::Owner& o) { return static_cast<mk::Cgroup&>(o); }

// The owner's number: a task's pid, a cgroup's id (kn->id). The pid-indexed array indexes by it.
int64_t number_of(const mk::Owner& o) {
  if (o.kind == mk::OwnerKind::kTask) return static_cast<const mk::Task&>(o).pid->nr;
  return static_cast<int64_t>(static_cast<const mk::Cgroup&>(o).kn_id);
}

// The key user space has for the owner: a pidfd, or a cgroup directory fd.
mk::Fd owner_fd(mk::Owner& o) {
  if (o.kind == mk::OwnerKind::kTask) return mk::pidfd_open(as_task(o));
  return mk::Fd{mk::Fd::Kind::kCgroup, nullptr, &as_cgroup(o)};
}

// bpf_{task,cgrp}_storage_get() as the program's type is given it (the 6.18 model).
mk::Ref<mk::Selem> storage_get(Env& env, mk::Kernel& k, const mk::ProgCtx& ctx, Map& map, mk::Owner& o, uint64_t flags) {
  if (o.kind == mk::OwnerKind::kTask) return mk::prog_task_storage_get(env, k, ctx, *map.smap, mk::Ref<mk::Task>::of(&as_task(o)), flags);
  return mk::bpf_cgrp_storage_get(env, k, *map.smap, mk::Ref<mk::Cgroup>::of(&as_cgroup(o)), nullptr, flags,
                                  ctx.sleepable ? mk::Gfp::kKernel : mk::Gfp::kAtomic);
}

void storage_delete(Env& env, mk::Kernel& k, const mk::ProgCtx& ctx, Map& map, mk::Owner& o) {
  if (o.kind == mk::OwnerKind::kTask) {
    mk::prog_task_storage_delete(env, k, ctx, *map.smap, mk::Ref<mk::Task>::of(&as_task(o)));
  } else {
    mk::bpf_cgrp_storage_delete(env, k, *map.smap, mk::Ref<mk::Cgroup>::of(&as_cgroup(o)));
  }
}

// bpf_mls_publish() (proposal): tells user space that slot `s` now holds generation `gen` (0:
// freed), the way the publication knob says. Called under mls->lock, after the entry is written.
void bpf_mls_publish(Env& env, Map& map, uint32_t s, uint32_t gen, std::string_view label) {
  const bool seqcount = map.knobs.publication == Publication::kSeqcount;
  if (seqcount) {
    env.write(map.header, kHeaderSeq, "write_seqcount_begin(&hdr->seq)");
    ++map.seq;
  }
  env.write(map.header, kHeaderGen, label);
  map.header_gen[s] = gen;
  if (seqcount) {
    env.write(map.header, kHeaderSeq, "write_seqcount_end(&hdr->seq)");
    ++map.seq;
  }
  if (map.knobs.publication == Publication::kNotification) {
    env.write(map.ring_obj, 0, "bpf_ringbuf_output(&mls->changes, {slot, gen})");
    map.ring.push_back({s, gen});
  }
}

// The allocation policy against fragmentation: the free slot on the fullest page, so that pages
// empty out together and can go back (lowest slot on ties, for determinism).
std::size_t pick_free_slot(const Map& map) {
  std::size_t best = 0;
  if (map.knobs.placement == Placement::kLowestSlot) {
    for (std::size_t i = 1; i < map.free_slots.size(); ++i) {
      if (map.free_slots[i] < map.free_slots[best]) best = i;
    }
    return best;
  }
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
    // zap_page_range(), then either vm_insert_page(zero page), so that a racing user read sees
    // generation 0, or nothing, so that it faults (the kUnmap knob, as bpf_arena_free_pages).
    page.user = map.knobs.page_return == PageReturn::kUnmap ? UserPte::kNone : UserPte::kZero;
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
  ++map.page_returns;
  env.probe("mls: empty page returned");
}

// bpf_mls_trim() (proposal): returns present pages with no live entry whose slots are all free
// and past their grace period. Needed besides the return on free: a creator that slept in
// bpf_mls_page_alloc() may find a slot elsewhere when it comes back (another creator's page, or
// a grace period ended), leaving the new page empty with no free to return it (found by the
// resident-bound property of mls-churn).
void bpf_mls_trim(Env& env, Map& map) {
  if (!returns_pages(map)) return;
  uint32_t kept = 0;  // the first spare_pages empty pages stay, to absorb the next creations
  for (uint32_t p = 0; p < map.pages.size(); ++p) {
    if (!map.pages[p].present || map.pages[p].live != 0) continue;
    uint32_t free_here = 0;
    for (uint32_t s : map.free_slots) free_here += page_of(map, s) == p;
    if (free_here != map.knobs.slots_per_page) continue;
    if (kept < map.knobs.spare_pages) {
      ++kept;
      continue;
    }
    bpf_mls_page_release(env, map, p);
  }
}

// The second half of a free: the slot becomes reusable, and an empty page may go back.
// Slots whose reuse a user pin deferred: reclaimed by the allocator's next pass once unpinned (user
// space cannot call into the kernel when it unpins, and a kernel that polled would spin).
void bpf_mls_reclaim_deferred(Env& env, Map& map) {
  if (map.deferred.empty()) return;
  env.read(map.header, kHeaderGen, "bpf_mls_reclaim_deferred: READ_ONCE(hdr->word[slot].pins)");
  for (auto it = map.deferred.begin(); it != map.deferred.end();) {
    if (map.pins[*it] != 0) {
      ++it;
      continue;
    }
    if (map.pages[page_of(map, *it)].present) map.free_slots.push_back(*it);
    it = map.deferred.erase(it);
  }
}

// The second half of a free: the slot becomes reusable, and an empty page may go back.
void bpf_mls_slot_reuse(Env& env, Map& map, uint32_t s) {
  env.lock(map.lock, "bpf_mls_slot_reuse: spin_lock_irqsave(&mls->lock)");
  if (map.knobs.user_write == UserWrite::kPinned) {
    env.read(map.header, kHeaderGen, "bpf_mls_slot_reuse: READ_ONCE(hdr->word[slot].pins)");
    if (map.pins[s] != 0) {
      // A user writer is inside the entry: the slot waits for the allocator's next pass.
      map.deferred.push_back(s);
      env.probe("mls: slot reuse deferred by a user pin");
      env.unlock(map.lock, "bpf_mls_slot_reuse: spin_unlock_irqrestore");
      return;
    }
  }
  const uint32_t p = page_of(map, s);
  if (map.pages[p].present) {
    map.free_slots.push_back(s);
    bpf_mls_reclaim_deferred(env, map);
    bpf_mls_trim(env, map);
  }
  env.unlock(map.lock, "bpf_mls_slot_reuse: spin_unlock_irqrestore");
}

void unlink_and_free(Env& env, mk::Kernel& k, Map& map, mk::Owner& owner, std::string_view label) {
  env.lock(map.lock, label);
  env.read(map.task_slot_obj, 0, "bpf_mls_delete: task->mls_slot");
  const auto it = map.owner_slot.find(&owner);
  if (it == map.owner_slot.end()) {
    env.unlock(map.lock, "bpf_mls_delete: spin_unlock_irqrestore");
    return;
  }
  const uint32_t s = it->second;
  env.write(map.task_slot_obj, 0, "bpf_mls_delete: task->mls_slot = -1");
  map.owner_slot.erase(it);
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
  bpf_mls_publish(env, map, s, map.bug(Bug::kSlotReuseNoGeneration) ? map.header_gen[s] : 0,
                  "bpf_mls_delete: hdr->gen[slot] = 0");
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

// scx_alloc_free_idx() (sched-ext/scx lib/sdt_alloc.bpf.c, 2025, before scx_urcu): under the
// allocator lock, data->tid = {0, genn + 1}, the payload zeroed word by word, the index's bit
// cleared; the index can be handed out again at once (no grace period).
void scx_alloc_free_idx(Env& env, Map& map, uint32_t s) {
  Slot& slot = map.slots[s];
  env.write(slot.obj, kGen, "scx_alloc_free_idx: data->tid.genn++");
  ++slot.gen;
  env.write(slot.obj, kData, "scx_alloc_free_idx: data->payload[i] = 0");
  slot = Slot{slot.obj, slot.gen, true, 0, nullptr};  // zeroed: a reuse starts initialised
  env.write(map.header, kHeaderGen, "scx_alloc_free_idx: set_idx_state(desc, pos, false)");
  map.header_gen[s] = 0;
  --map.pages[page_of(map, s)].live;
  map.free_slots.push_back(s);
}

// scx_task_free() (sched-ext/scx lib/sdt_task.bpf.c), called from ops.exit_task: the arena
// entry is freed, then the task storage element that pointed at it.
void scx_task_free(Env& env, mk::Kernel& k, Map& map, mk::Owner& owner) {
  k.run_prog(env, mk::ProgType::kStructOps, [&](Env& e, const mk::ProgCtx& ctx) {
    const mk::Ref<mk::Selem> mval = storage_get(e, k, ctx, map, owner, 0);
    if (!mval) return;
    e.read(mval->id, mk::field::kSelemData, "scx_task_free: mval->tid.idx");
    const Handle h = decode_entry(mval->value.data);
    if (h.valid()) {
      e.lock(map.lock, "scx_alloc_free_idx: bpf_spin_lock(&alloc_lock)");
      scx_alloc_free_idx(e, map, h.slot);
      e.unlock(map.lock, "scx_alloc_free_idx: bpf_spin_unlock(&alloc_lock)");
    }
    storage_delete(e, k, ctx, map, owner);
  });
}

// bpf_obj_free_fields() for a uptr (kernel/bpf/syscall.c, v6.13+): unpin_user_page() in the
// element's RCU callback. The thread's memory block goes back to its process (modelled as the
// slot becoming free and the pinned page released).
void uptr_unpin(Env& env, Map& map, uint32_t s) {
  env.lock(map.lock, "bpf_obj_free_fields: unpin_user_page(uptr)");
  Page& page = map.pages[page_of(map, s)];
  map.slots[s] = Slot{map.slots[s].obj, map.slots[s].gen, false, 0, nullptr};
  // One thread's block per page: the last pin goes, and the page with it (the thread is gone).
  if (--page.live == 0 && page.present) {
    env.free(page.obj, "bpf_obj_free_fields: unpin_user_page (last pin of the page)");
    page.present = false;
    page.user = UserPte::kNone;
  }
  env.unlock(map.lock, "bpf_obj_free_fields: done");
}

// The uptr variant at exit: today's free path. In 6.18 bpf_task_storage_free() runs in
// free_task(), after the last reference: release_task() drops the task's own in an RCU callback
// (delayed_put_task_struct), and a program that runs on the task runs while its caller holds one
// (the rq's, for sched_ext callbacks). bpf_selem_free(reuse_now) then calls
// bpf_obj_free_fields(), which unpins the uptr's page, and returns the element to bpf_mem_alloc.
// The model unpins once the task is freed (the exit actor waits for it).
void uptr_task_free(Env& env, mk::Kernel& k, Map& map, mk::Owner& owner) {
  const auto it = map.owner_slot.find(&owner);
  mk::Task& task = as_task(owner);
  mk::release_task(env, k, task);
  if (it == map.owner_slot.end()) return;
  const uint32_t s = it->second;
  map.owner_slot.erase(it);
  env.wait_until([&task] { return task.state == mk::Task::State::kFreed; }, "free_task: the last reference put");
  uptr_unpin(env, map, s);
}

}  // namespace

int64_t owner_number(const mk::Owner& owner) { return number_of(owner); }

// bpf_map_free_deferred() (v6.18) calling the proposal's map_free: every page of the region, the
// header and the entries; arena and uptr free their storage map too (the 6.18 model).
void bpf_mls_map_free_deferred(Env& env, mk::Kernel& k, Map& map) {
  env.might_sleep("bpf_map_free_deferred: map->ops->map_free");
  for (Page& page : map.pages) {
    if (!page.present) continue;
    env.free(page.obj, "bpf_mls_map_free: __free_page");
    page.present = false;  // a VMA that still shows it (only with the mutant) maps freed memory
  }
  env.free(map.header, "bpf_mls_map_free: the header page");
  for (Slot& slot : map.slots) env.free(slot.obj, "bpf_mls_map_free: the region's entries");
  if (map.ring_obj != kNoObject) env.free(map.ring_obj, "bpf_mls_map_free: the ring buffer");
  env.free(map.task_slot_obj, "bpf_mls_map_free: task->mls_slot");
  if (map.smap != nullptr) mk::bpf_map_free_deferred(env, k, *map.smap);
  env.free(map.map_obj, "bpf_map_free_deferred: kfree(map)");
  map.freed = true;
  env.probe("mls: map freed");
}

// bpf_map_inc() (kernel/bpf/syscall.c, v6.18)
void bpf_mls_map_inc(Env& env, Map& map, std::string_view label) {
  env.write(map.map_obj, 0, label);
  ++map.refcnt;
}

// bpf_map_mmap() (kernel/bpf/syscall.c, v6.18): the VMA's vm_file is the map's file, so the map
// is not released while it is mapped.
void bpf_mls_map_mmap(Env& env, Map& map) {
  if (map.bug(Bug::kMapFreeWhileMapped)) return;  // the region's life is tied to the fd alone
  bpf_mls_map_inc(env, map, "bpf_map_mmap: get_file(vma->vm_file)");
}

void bpf_mls_map_munmap(Env& env, Map& map) {
  if (map.bug(Bug::kMapFreeWhileMapped)) return;
  bpf_mls_map_put(env, map, "munmap: fput(vma->vm_file)");
}

// bpf_map_put() (kernel/bpf/syscall.c, v6.18): the last reference queues map_free to a kworker.
void bpf_mls_map_put(Env& env, Map& map, std::string_view label) {
  env.write(map.map_obj, 0, label);
  if (--map.refcnt == 0) {
    map.free_queued = true;
    env.probe("mls: map free queued");
  }
}

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
void bpf_mls_map_alloc(Env& env, mk::Kernel& k, Map& map) {
  map.kernel = &k;
  map.map_obj = env.alloc(kMapType, "bpf_map_area_alloc: struct bpf_map");
  map.refcnt = 1;  // the fd map_create() returns
  map.lock = env.new_lock(LockKind::kSpinIrq, "mls->lock");
  map.header = env.alloc(kHeaderType, "bpf_mls_map_alloc: header page");
  map.task_slot_obj = env.alloc(kLinkType, "bpf_mls_map_alloc: task->mls_slot");
  if (map.knobs.publication == Publication::kNotification) {
    map.ring_obj = env.alloc(kRingType, "bpf_mls_map_alloc: the change ring buffer");
  }
  // uptr: a thread's block lies in its own process, on a page of its own (task_local_data.h
  // aligns blocks so that each fits in one page; the model's tasks are separate processes).
  if (map.knobs.layout == Layout::kUptr) map.knobs.slots_per_page = 1;
  map.pages.assign(map.knobs.pages, Page{});
  map.slots.assign(static_cast<std::size_t>(map.knobs.pages) * map.knobs.slots_per_page, Slot{});
  // An entry's identity (its generation, its place in the region) outlives the pages that back
  // it: one modelled object per slot for the map's lifetime; pages are the objects that come and go.
  for (Slot& slot : map.slots) slot.obj = env.alloc(kSlotType, "bpf_mls_map_alloc: an entry of the region");
  map.header_gen.assign(map.slots.size(), 0);
  map.pins.assign(map.slots.size(), 0);
  map.header_present.assign(map.pages.size(), false);
  if (map.knobs.layout == Layout::kPidArray) {
    // The whole array exists from the start and is mapped; there are no generations (every
    // entry reads as published) and nothing is ever returned.
    for (uint32_t p = 0; p < map.pages.size(); ++p) {
      map.pages[p].obj = env.alloc(kPageType, "array_map_alloc: bpf_map_area_mmapable_alloc");
      map.pages[p].present = true;
      map.pages[p].user = UserPte::kPage;
      map.header_present[p] = true;
    }
    map.header_gen.assign(map.slots.size(), 1);
    map.resident_max = map.pages.size();
  }
  if (map.knobs.layout == Layout::kArena) {
    // scx_task_init(): the arena (nothing populated yet) and scx_task_map. sdt starts an index's
    // genn at 0; the model starts it at 1 so that a zeroed task storage value means "no entry".
    // (sdt_cgroup.bpf.c does the same for cgroups with a CGRP_STORAGE map.)
    const bool task = map.knobs.owner == mk::OwnerKind::kTask;
    map.smap = &mk::bpf_local_storage_map_alloc(env, k, map.knobs.owner, task ? "scx_task_map" : "scx_cgroup_map", false);
    for (Slot& slot : map.slots) {
      slot.gen = 1;
      slot.initialised = true;  // arena pages come zero-filled
    }
  }
  if (map.knobs.layout == Layout::kUptr) {
    // The TLD library's tld_data_map; the "pages" are the threads' own memory, one pinned page
    // per thread's data block (task_local_data.h aligns a block so that it fits in a page).
    // The verifier accepts __uptr only in task storage values (v6.13): no cgroup variant.
    if (map.knobs.owner != mk::OwnerKind::kTask) env.fail("model-error", "uptr exists only in task storage");
    map.smap = &mk::bpf_local_storage_map_alloc(env, k, mk::OwnerKind::kTask, "tld_data_map", false);
  }
}

namespace {

// The pid-array variant: the entry of a task is array[pid % capacity].
uint32_t pid_index(const Map& map, const mk::Owner& owner) {
  return static_cast<uint32_t>(number_of(owner) % static_cast<int64_t>(map.slots.size()));
}

}  // namespace

namespace {

struct PageAllocLabels {
  std::string_view sleep, lock, unlock, alloc, publish;
};

// The first absent page of the region: allocated, mapped to user space, its presence published.
bool alloc_first_absent_page(Env& env, Map& map, const PageAllocLabels& l) {
  env.might_sleep(l.sleep);
  env.lock(map.lock, l.lock);
  uint32_t p = 0;
  while (p < map.pages.size() && map.pages[p].present) ++p;
  if (p == map.pages.size()) {
    env.unlock(map.lock, l.unlock);
    env.probe("mls: region full");
    return false;
  }
  Page& page = map.pages[p];
  page.obj = env.alloc(kPageType, l.alloc);
  page.present = true;
  ++map.page_allocs;
  for (uint32_t s = p * map.knobs.slots_per_page; s < (p + 1) * map.knobs.slots_per_page; ++s) {
    map.free_slots.push_back(s);
  }
  page.user = UserPte::kPage;
  env.write(map.header, kHeaderPresent, l.publish);
  map.header_present[p] = true;
  map.resident_max = std::max<uint64_t>(map.resident_max, map.resident());
  env.unlock(map.lock, l.unlock);
  return true;
}

// bpf_arena_alloc_pages() (kernel/bpf/arena.c, v6.18: KF_SLEEPABLE, arena->lock a mutex) as sdt's
// allocator calls it to refill its pool: the page is mapped in the kernel area and faults into
// user space on first touch (modelled as mapped at once).
bool bpf_arena_alloc_pages(Env& env, Map& map) {
  return alloc_first_absent_page(env, map, {"bpf_arena_alloc_pages: bpf_map_alloc_pages(GFP_KERNEL)",
                                            "scx_alloc: bpf_spin_lock(&alloc_lock)", "scx_alloc: bpf_spin_unlock",
                                            "bpf_arena_alloc_pages: vm_area_map_pages",
                                            "scx_alloc_chunk: desc->chunk = page"});
}

}  // namespace

// bpf_mls_page_alloc() (proposal kfunc): remap_pfn_range() into the user mapping, then the
// header says so.
bool bpf_mls_page_alloc(Env& env, Map& map) {
  return alloc_first_absent_page(env, map, {"bpf_mls_page_alloc: alloc_page(GFP_KERNEL)",
                                            "bpf_mls_page_alloc: spin_lock_irqsave(&mls->lock)",
                                            "bpf_mls_page_alloc: spin_unlock_irqrestore", "bpf_mls_page_alloc: the page",
                                            "bpf_mls_page_alloc: hdr->present[page] = 1"});
}

namespace {

// A creator found no free entry: may it allocate a page now? Only a sleepable one (design
// question 1: a non-sleepable program's creation fails until a sleepable context, prep_enable or a
// syscall, has made room), and once: the probes say which way creation failed.
bool may_allocate_page(Env& env, const Map& map, const mk::ProgCtx& ctx, int attempt) {
  if ((ctx.sleepable || map.bug(Bug::kPageAllocInAtomic)) && attempt == 0) return true;
  env.probe(ctx.sleepable ? "mls: no entry after a page allocation" : "mls: no free entry in atomic context");
  return false;
}

// scx_task_data() (sched-ext/scx lib/sdt_task.bpf.c): the task storage lookup (the 6.18 model:
// cache hit, or a list walk that fills the cache), then the arena pointer it holds.
int scx_task_data(Env& env, mk::Kernel& k, Map& map, const mk::ProgCtx& ctx, mk::Owner& owner) {
  const mk::Ref<mk::Selem> mval = storage_get(env, k, ctx, map, owner, 0);
  if (!mval) return -1;
  env.read(mval->id, mk::field::kSelemData, "scx_task_data: data = mval->data");
  const Handle h = decode_entry(mval->value.data);
  return h.valid() ? static_cast<int>(h.slot) : -1;
}

// scx_task_alloc() (sched-ext/scx lib/sdt_task.bpf.c), from ops.init_task: the task storage
// element (F_CREATE), then scx_alloc() takes the lowest free index of the pool, refilling it
// with arena pages when empty (sleepable only, as bpf_arena_alloc_pages is in 6.18), and the
// element records {tid, data}.
int scx_task_alloc(Env& env, mk::Kernel& k, Map& map, const mk::ProgCtx& ctx, mk::Owner& owner) {
  const mk::Ref<mk::Selem> mval = storage_get(env, k, ctx, map, owner, mk::kGetFCreate);
  if (!mval) return -1;
  env.lock(map.lock, "scx_alloc: bpf_spin_lock(&alloc_lock)");
  for (int attempt = 0; map.free_slots.empty(); ++attempt) {
    env.unlock(map.lock, "scx_alloc: bpf_spin_unlock(&alloc_lock)");
    if (!may_allocate_page(env, map, ctx, attempt) || !bpf_arena_alloc_pages(env, map)) return -1;
    env.lock(map.lock, "scx_alloc: bpf_spin_lock(&alloc_lock)");
  }
  const auto lowest = std::min_element(map.free_slots.begin(), map.free_slots.end());
  const uint32_t s = *lowest;
  map.free_slots.erase(lowest);
  Slot& slot = map.slots[s];
  // Not zeroed here: it was at its last free (or it is a fresh arena page), unless a late store
  // wrote into it since (then `initialised` is false).
  slot.owner = &owner;
  env.write(map.header, kHeaderGen, "scx_alloc: set_idx_state(desc, pos, true)");
  map.header_gen[s] = slot.gen;
  ++map.pages[page_of(map, s)].live;
  env.unlock(map.lock, "scx_alloc: bpf_spin_unlock(&alloc_lock)");
  env.write(mval->id, mk::field::kSelemData, "scx_task_alloc: mval->tid = data->tid; mval->data = data");
  mval->value.data = encode_entry(s, slot.gen);
  return static_cast<int>(s);
}

// tld_object_init() (tools/testing/selftests/bpf/progs/task_local_data.bpf.h, v6.18): the
// thread's tld_data_map element and its uptr. A program cannot create the user memory: with
// F_CREATE it would only get an element whose uptr is NULL.
int tld_object_init(Env& env, mk::Kernel& k, Map& map, const mk::ProgCtx& ctx, mk::Owner& owner, bool create) {
  const mk::Ref<mk::Selem> mval = storage_get(env, k, ctx, map, owner, 0);
  if (!mval) {
    if (create) env.probe("mls: a program cannot create a thread's uptr memory");
    return -1;
  }
  env.read(mval->id, mk::field::kSelemData, "tld_object_init: tld_obj->data_map = mval (uptr)");
  const Handle h = decode_entry(mval->value.data);
  return h.valid() ? static_cast<int>(h.slot) : -1;
}

// __tld_init_data_p() (tools/testing/selftests/bpf/prog_tests/task_local_data.h, v6.18), run by
// the thread itself: a data block in its own memory, then bpf_map_update_elem(tld_data_map,
// pidfd, {data}), which pins the page (bpf_obj_swap_uptrs, pin_user_pages_fast).
int tld_init_data(Env& env, mk::Kernel& k, Map& map, mk::Owner& owner) {
  env.lock(map.lock, "__tld_init_data_p: aligned_alloc(TLD_PAGE_SIZE)");
  if (map.free_slots.empty()) {
    // Each thread's block is a page of its own process: pages come with threads.
    env.unlock(map.lock, "__tld_init_data_p: (no memory)");
    if (!alloc_first_absent_page(env, map, {"__tld_init_data_p: page fault (GFP_KERNEL)", "__tld_init_data_p: mmap_lock",
                                            "__tld_init_data_p: mmap_unlock", "__tld_init_data_p: the thread's page",
                                            "__tld_init_data_p: (process memory)"})) {
      return -1;
    }
    env.lock(map.lock, "__tld_init_data_p: aligned_alloc(TLD_PAGE_SIZE)");
  }
  const uint32_t s = map.free_slots.front();
  map.free_slots.erase(map.free_slots.begin());
  Slot& slot = map.slots[s];
  env.write(slot.obj, kData, "__tld_init_data_p: memset(data, 0)");
  slot = Slot{slot.obj, slot.gen + 1, true, 0, &owner};
  ++map.pages[page_of(map, s)].live;
  map.owner_slot[&owner] = s;
  env.unlock(map.lock, "__tld_init_data_p: done");
  const int err = mk::sys_map_update_elem(env, k, *map.smap, owner_fd(owner), mk::Value{encode_entry(s, slot.gen), 0},
                                          mk::kBpfAny);
  return err == 0 ? static_cast<int>(s) : -1;
}

}  // namespace

// Registers an entry before a scenario starts, as the variant does.
int bpf_mls_seed(Env& env, mk::Kernel& k, Map& map, mk::Owner& owner) {
  if (map.knobs.layout == Layout::kUptr) return tld_init_data(env, k, map, owner);
  int slot = -1;
  k.run_prog(env, mk::ProgType::kLsmSleepable, [&](Env& e, const mk::ProgCtx& ctx) {
    slot = bpf_mls_get(e, k, map, ctx, owner, true);
  });
  return slot;
}

// bpf_mls_get() (proposal helper)
int bpf_mls_get(Env& env, mk::Kernel& k, Map& map, const mk::ProgCtx& ctx, mk::Owner& owner, bool create) {
  if (map.knobs.layout == Layout::kArena) {
    return create ? scx_task_alloc(env, k, map, ctx, owner) : scx_task_data(env, k, map, ctx, owner);
  }
  if (map.knobs.layout == Layout::kUptr) return tld_object_init(env, k, map, ctx, owner, create);
  env.read(map.task_slot_obj, 0, "bpf_mls_get: task->mls_slot");
  if (auto it = map.owner_slot.find(&owner); it != map.owner_slot.end()) return static_cast<int>(it->second);
  if (!create) return -1;
  if (map.knobs.layout == Layout::kPidArray) {
    // prep_enable: array[pid] is the task's; initialise it in place.
    const uint32_t s = pid_index(map, owner);
    env.lock(map.lock, "prep_enable: spin_lock");
    Slot& slot = map.slots[s];
    env.write(slot.obj, kData, "prep_enable: pid_ctx[pid] = (struct task_ctx){}");
    slot.data = 0;
    slot.initialised = true;
    slot.owner = &owner;
    ++map.pages[page_of(map, s)].live;
    env.write(map.task_slot_obj, 0, "prep_enable: remember the task");
    map.owner_slot[&owner] = s;
    env.unlock(map.lock, "prep_enable: spin_unlock");
    return static_cast<int>(s);
  }
  env.lock(map.lock, "bpf_mls_get: spin_lock_irqsave(&mls->lock)");
  for (int attempt = 0;; ++attempt) {
    env.read(map.task_slot_obj, 0, "bpf_mls_get: task->mls_slot (locked)");
    if (auto it = map.owner_slot.find(&owner); it != map.owner_slot.end()) {
      env.unlock(map.lock, "bpf_mls_get: spin_unlock_irqrestore");
      return static_cast<int>(it->second);
    }
    bpf_mls_reclaim_deferred(env, map);
    if (!map.free_slots.empty()) break;
    env.unlock(map.lock, "bpf_mls_get: spin_unlock_irqrestore");
    if (!may_allocate_page(env, map, ctx, attempt) || !bpf_mls_page_alloc(env, map)) return -1;
    env.lock(map.lock, "bpf_mls_get: spin_lock_irqsave(&mls->lock)");
  }
  const std::size_t pick = pick_free_slot(map);
  const uint32_t s = map.free_slots[pick];
  map.free_slots.erase(map.free_slots.begin() + static_cast<std::ptrdiff_t>(pick));
  Slot& slot = map.slots[s];
  auto publish = [&] { bpf_mls_publish(env, map, s, slot.gen, "bpf_mls_get: smp_store_release(&hdr->gen[slot], gen)"); };
  env.write(slot.obj, kGen, "bpf_mls_get: entry->gen++ (in use)");
  if (!map.bug(Bug::kSlotReuseNoGeneration) || slot.gen == 0) ++slot.gen;
  if (map.bug(Bug::kPublishBeforeInit)) publish();
  env.write(slot.obj, kData, "bpf_mls_get: memset(entry, 0)");
  slot.data = 0;
  slot.initialised = true;
  slot.owner = &owner;
  if (!map.bug(Bug::kPublishBeforeInit)) publish();
  ++map.pages[page_of(map, s)].live;
  env.write(map.task_slot_obj, 0, "bpf_mls_get: task->mls_slot = slot");
  map.owner_slot[&owner] = s;
  bpf_mls_trim(env, map);
  env.unlock(map.lock, "bpf_mls_get: spin_unlock_irqrestore");
  return static_cast<int>(s);
}

// A store through the pointer bpf_mls_get returned.
void bpf_mls_write(Env& env, Map& map, int slot, const mk::Owner& expected, int64_t value) {
  Slot& s = map.slots[static_cast<std::size_t>(slot)];
  env.write(s.obj, kData, "bpf prog: entry->load = v");
  env.check(map.pages[page_of(map, static_cast<uint32_t>(slot))].present, "use-after-free",
            "a program writes into entry " + std::to_string(slot) + " for " + expected.name +
                ", whose page was already returned (the slot was reused within its read-side section)");
  if (s.owner == nullptr) {
    // Freed while the program held it. A store into a free entry is lost when the next creation
    // initialises the entry (the pid array's prep_enable, the proposal's memset); sdt zeroes at
    // free and hands the index out as it is, so there the next owner starts with these bytes.
    env.check(map.knobs.layout != Layout::kArena, "bpf-pointer-reused",
              "a program writes through the pointer it got for " + expected.name + " into entry " + std::to_string(slot) +
                  " after sdt freed it (no grace period): scx_alloc does not zero, so the next owner starts with "
                  "these bytes");
    s.initialised = false;
    s.data = value;
    return;
  }
  env.check(s.owner == &expected, "bpf-pointer-reused",
            "a program writes through the pointer it got for " + expected.name + ", but the entry now belongs to " +
                s.owner->name + " (the entry was freed and reused while the program held it)");
  s.data = value;
}

namespace {

// The free of an entry as each layout does it (the arena's and uptr's have no separate delete).
void free_entry(Env& env, mk::Kernel& k, Map& map, mk::Owner& owner, std::string_view label) {
  if (map.knobs.layout == Layout::kArena) return scx_task_free(env, k, map, owner);
  if (map.knobs.layout == Layout::kUptr) return uptr_task_free(env, k, map, owner);
  unlink_and_free(env, k, map, owner, label);
}

}  // namespace

// bpf_mls_delete() (proposal helper)
void bpf_mls_delete(Env& env, mk::Kernel& k, Map& map, mk::Owner& owner) {
  free_entry(env, k, map, owner, "bpf_mls_delete: spin_lock_irqsave(&mls->lock)");
}

// bpf_mls_task_free() (proposal): the exit hook, where bpf_task_storage_free() is today.
void bpf_mls_task_free(Env& env, mk::Kernel& k, Map& map, mk::Owner& owner) {
  free_entry(env, k, map, owner, "bpf_mls_task_free: spin_lock_irqsave(&mls->lock)");
}

// bpf_mls_handle_open() (proposal syscall)
Handle bpf_mls_handle_open(Env& env, Map& map, mk::Owner& owner, UserLib& lib) {
  if (map.knobs.layout == Layout::kPidArray) return Handle{pid_index(map, owner), 1};  // array[pid]: no syscall
  ++lib.syscalls;
  if (map.smap != nullptr) {
    // map_lookup_elem() by pidfd (the 6.18 model): copy_map_value() copies the value, with uptr
    // fields zeroed.
    const mk::LookupResult r = mk::sys_map_lookup_elem(env, *map.kernel, *map.smap, owner_fd(owner), 0);
    if (r.err != 0) return {};
    if (map.knobs.layout == Layout::kUptr) {
      env.check(false, "user-unreachable",
                "user space asked for " + owner.name + "'s entry: the lookup by pidfd returns the uptr zeroed, and the "
                "memory lies in " + owner.name + "'s own process");
      return {};
    }
    return decode_entry(r.value.data);
  }
  env.access({kNoObject, 0, Op::kSyscall}, "sys_bpf(BPF_MLS_HANDLE_OPEN, pidfd)");
  env.lock(map.lock, "bpf_mls_handle_open: spin_lock_irqsave(&mls->lock)");
  env.read(map.task_slot_obj, 0, "bpf_mls_handle_open: task->mls_slot");
  Handle h;
  if (auto it = map.owner_slot.find(&owner); it != map.owner_slot.end()) {
    env.read(map.header, kHeaderGen, "bpf_mls_handle_open: hdr->gen[slot]");
    h = {it->second, map.header_gen[it->second]};
    if (map.knobs.publication == Publication::kSeqcount) {
      env.read(map.header, kHeaderSeq, "bpf_mls_handle_open: hdr->seq");
      h.gen = map.seq;  // even: writers hold mls->lock
    }
  }
  env.unlock(map.lock, "bpf_mls_handle_open: spin_unlock_irqrestore");
  return h;
}

namespace {

// The generation a user read checks, before and after its load: the header's copy (proposal),
// the header's sequence count (kSeqcount), the library's own view (kNotification: no shared
// load), or the entry's own data->tid.genn (arena: sdt bumps it first thing on free).
uint32_t user_gen(Env& env, const Map& map, UserLib& lib, uint32_t s, bool first) {
  if (!(map.knobs.layout == Layout::kRegion && map.knobs.publication == Publication::kNotification)) ++lib.loads;
  if (map.knobs.layout == Layout::kArena) {
    env.read(map.slots[s].obj, kGen, first ? "user: READ_ONCE(data->tid.genn)" : "user: smp_rmb(); data->tid.genn again");
    return map.slots[s].gen;
  }
  if (map.knobs.layout == Layout::kRegion && map.knobs.publication == Publication::kSeqcount) {
    env.read(map.header, kHeaderSeq, first ? "libbpf_mls_read: read_seqcount_begin(&hdr->seq)" : "libbpf_mls_read: read_seqcount_retry");
    return map.seq;
  }
  if (map.knobs.layout == Layout::kRegion && map.knobs.publication == Publication::kNotification) {
    const auto it = lib.view.find(s);
    return it == lib.view.end() ? 0 : it->second;
  }
  env.read(map.header, kHeaderGen,
           first ? "libbpf_mls_read: smp_load_acquire(&hdr->gen[slot])" : "libbpf_mls_read: smp_rmb(); hdr->gen[slot] again");
  return map.header_gen[s];
}

bool notified(const Map& map) {
  return map.knobs.layout == Layout::kRegion && map.knobs.publication == Publication::kNotification;
}

// libbpf_mls_poll() (proposal, kNotification): consumes the changes posted so far into the
// library's view (ring_buffer__poll() in the daemon's event loop).
void libbpf_mls_poll(Env& env, Map& map, UserLib& lib) {
  if (!notified(map)) return;
  ++lib.loads;
  env.read(map.ring_obj, 0, "libbpf_mls_poll: ring_buffer__consume(&changes)");
  for (; lib.ring_pos < map.ring.size(); ++lib.ring_pos) lib.view[map.ring[lib.ring_pos].slot] = map.ring[lib.ring_pos].gen;
}

}  // namespace

// libbpf_mls_read() (proposal)
UserRead libbpf_mls_read(Env& env, Map& map, UserLib& lib, const Handle& h) {
  UserRead r;
  const uint32_t p = page_of(map, h.slot);
  if (map.knobs.layout == Layout::kPidArray) {
    // array[pid]: one load, and nothing to check it against (its pages never go away).
    ++lib.loads;
    const Slot& slot = map.slots[h.slot];
    env.read(slot.obj, kData, "user: pid_ctx[pid] (through the mapping)");
    if (slot.owner == nullptr) return r;  // an empty entry
    r = {UserRead::Status::kOk, slot.data, slot.owner, slot.initialised};
    return r;
  }
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
  if (page.user == UserPte::kNone) {
    env.check(false, "user-fault",
              "user space loads entry " + std::to_string(h.slot) + " through its mapping, but page " + std::to_string(p) +
                  " was zapped and left absent after its generation check: the load faults");
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
    env.check(map.live() == 0, "user-unreachable",
              "a balancer scans every task's entry, but " + std::to_string(map.live()) +
                  " live entries lie in their owners' processes (uptr memory is not shared)");
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
    ++lib.loads;
    env.rmw(map.header, kHeaderGen, "libbpf_mls_update: cmpxchg(&hdr->word[slot], {gen, n}, {gen, n + 1})");
    if (map.header_gen[h.slot] != h.gen) return r;  // freed or reused: ESTALE, nothing stored
    ++map.pins[h.slot];
    user_store(env, map, h.slot, expected, value);
    env.rmw(map.header, kHeaderGen, "libbpf_mls_update: atomic_dec(&hdr->word[slot].pins)");
    --map.pins[h.slot];
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
  return through_handle(env, map, lib, owner, key, [&](const Handle& h) { return libbpf_mls_read(env, map, lib, h); });
}

// libbpf_mls_update() (proposal)
UserRead libbpf_mls_update(Env& env, Map& map, UserLib& lib, mk::Owner& owner, int64_t key, int64_t value) {
  return through_handle(env, map, lib, owner, key,
                        [&](const Handle& h) { return libbpf_mls_write(env, map, lib, h, owner, value); });
}

}  // namespace lsmc::model::mappable
