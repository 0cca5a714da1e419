// Today's workaround: a BPF_F_MMAPABLE array indexed by pid, every page resident, no generations,
// no lifetime (scx schedulers that share per-task state with their daemon this way).
#include "model/mappable/internal.hpp"

namespace lsmc::model::mappable {

// The pid-array variant: the entry of a task is array[pid % capacity].
uint32_t pid_index(const Map& map, const mk::Owner& owner) {
  return static_cast<uint32_t>(number_of(owner) % static_cast<int64_t>(map.slots.size()));
}

// array_map_alloc() with BPF_F_MMAPABLE (kernel/bpf/arraymap.c, v6.18): the whole array exists
// from the start and is mapped; there are no generations (every entry reads as published) and
// nothing is ever returned.
void array_map_alloc(Env& env, Map& map) {
  for (uint32_t p = 0; p < map.pages.size(); ++p) {
    map.pages[p].obj = env.alloc(kPageType, "array_map_alloc: bpf_map_area_mmapable_alloc");
    map.pages[p].present = true;
    map.pages[p].user = UserPte::kPage;
    map.header_present[p] = true;
  }
  map.header_gen.assign(map.slots.size(), 1);
  map.resident_max = map.pages.size();
}

// The scheduler's prep_enable: array[pid] is the task's; initialise it in place.
int pid_array_prep_enable(Env& env, Map& map, mk::Owner& owner) {
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

// The scheduler's exit_task: memset(&array[pid], 0), under the lock the caller holds. No grace
// period: the array has no lifetime.
void pid_array_exit_task(Env& env, Map& map, uint32_t s) {
  Slot& slot = map.slots[s];
  env.write(slot.obj, kData, "exit_task: memset(&pid_ctx[pid], 0)");
  slot = Slot{slot.obj, slot.gen, false, 0, nullptr};
  --map.pages[page_of(map, s)].live;
}

// The daemon's read of array[pid]: one load, and nothing to check it against (its pages never go
// away).
UserRead pid_array_read(Env& env, Map& map, UserLib& lib, uint32_t s) {
  UserRead r;
  ++lib.loads;
  const Slot& slot = map.slots[s];
  env.read(slot.obj, kData, "user: pid_ctx[pid] (through the mapping)");
  if (slot.owner == nullptr) return r;  // an empty entry
  r = {UserRead::Status::kOk, slot.data, slot.owner, slot.initialised};
  return r;
}

}  // namespace lsmc::model::mappable
