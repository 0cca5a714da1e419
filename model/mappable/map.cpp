// The map's lifetime: bpf_mls_map_alloc, its references (fd, VMA, programs) and the deferred free.
#include "model/mappable/internal.hpp"

#include <cerrno>

namespace lsmc::model::mappable {

// bpf_mls_map_alloc() (proposal)
int bpf_mls_map_alloc(Env& env, mk::Kernel& k, Map& map, Map* previous) {
  if (previous != nullptr) {
    // The next task->mls_slot[] entry (ida_alloc_max(&mls_ida, MLS_MAX_MAPS - 1)), refused with
    // -ENOSPC past the last one, before anything is allocated; the mutant has one field for every
    // mappable map. Only the region keeps its slot in the task.
    if (previous->mls_id + 1 >= kMlsMaxMaps) return -ENOSPC;
    map.mls_id = previous->mls_id + 1;
    if (map.bug(Bug::kOneSlotField) && map.knobs.layout == Layout::kRegion) map.field_owner = previous;
  }
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
  if (map.knobs.layout == Layout::kPidArray) array_map_alloc(env, map);
  if (is_sdt(map)) scx_task_init(env, k, map);
  if (map.knobs.layout == Layout::kArenaUrcu) scx_urcu_init(env, map);
  if (map.knobs.layout == Layout::kUptr) tld_data_map_create(env, k, map);
  if (map.knobs.layout == Layout::kUptrDaemon) daemon_uptr_map_create(env, k, map);
  return 0;
}

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

}  // namespace lsmc::model::mappable
