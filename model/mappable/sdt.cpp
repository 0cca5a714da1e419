// The arena layout as sched_ext's sdt allocator does it (sched-ext/scx lib/sdt_alloc.bpf.c,
// lib/sdt_task.bpf.c): entries in arena pages, task storage holding {idx, gen}.
#include <algorithm>

#include "model/linux/local_storage.hpp"
#include "model/mappable/internal.hpp"

namespace lsmc::model::mappable {

// scx_alloc_free_idx() (sched-ext/scx lib/sdt_alloc.bpf.c): under the allocator lock,
// data->tid = {0, genn + 1}, the payload zeroed word by word, the index's bit cleared; the index
// can be handed out again at once. Before scx_urcu exit_task called it directly (scx_task_free);
// with scx_urcu, the reclaim calls it after a grace period (sdt_urcu.cpp).
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

namespace {

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

// scx_task_init() (sched-ext/scx lib/sdt_task.bpf.c): the arena (nothing populated yet) and
// scx_task_map. sdt starts an index's genn at 0; the model starts it at 1 so that a zeroed task
// storage value means "no entry". (sdt_cgroup.bpf.c does the same for cgroups with a
// CGRP_STORAGE map.)
void scx_task_init(Env& env, mk::Kernel& k, Map& map) {
  constexpr const char* kNames[] = {"scx_task_map", "scx_cgroup_map", "sk_storage_map", "inode_storage_map"};
  map.smap = &mk::bpf_local_storage_map_alloc(env, k, map.knobs.owner, kNames[static_cast<std::size_t>(map.knobs.owner)], false);
  for (Slot& slot : map.slots) {
    slot.gen = 1;
    slot.initialised = true;  // arena pages come zero-filled
  }
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

}  // namespace lsmc::model::mappable
