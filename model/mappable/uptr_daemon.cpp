// uptr as a central daemon can use it (v6.13 uptr, kernel/bpf/syscall.c bpf_obj_pin_uptrs): the
// daemon gives every task an entry in its own memory by bpf_map_update_elem(map, pidfd, {uptr}),
// several entries to a pinned page, and reads them all with plain loads. The update pins the page
// in the caller's mm with no check that the caller is the task (upstream-review.md). Programs find
// the entry through task storage and cannot create one; the daemon learns of an exit from the
// task's pidfd (readable at exit_notify) and reuses the entry then: it cannot see when the kernel
// frees the element (free_task) or when the last program that looked the entry up is done.
#include "model/linux/task_storage.hpp"
#include "model/mappable/internal.hpp"

namespace lsmc::model::mappable {

// The scheduler's task_ctx_map with a __uptr field (task storage only, v6.13).
void daemon_uptr_map_create(Env& env, mk::Kernel& k, Map& map) {
  if (map.knobs.owner != mk::OwnerKind::kTask) env.fail("model-error", "uptr exists only in task storage");
  map.smap = &mk::bpf_local_storage_map_alloc(env, k, mk::OwnerKind::kTask, "task_ctx_map", false);
}

// The daemon registers a task: the entry on the fullest page of its own memory (a fresh page from
// its heap when none is free), zeroed, then bpf_map_update_elem(task_ctx_map, &pidfd, {.ctx =
// &mem[slot]}, BPF_ANY), which pins the page (bpf_obj_swap_uptrs, pin_user_pages_fast).
int daemon_uptr_register(Env& env, mk::Kernel& k, Map& map, mk::Owner& owner) {
  env.lock(map.lock, "daemon: entry_alloc(&mem)");
  if (map.free_slots.empty()) {
    env.unlock(map.lock, "daemon: (its memory is full)");
    if (!alloc_first_absent_page(env, map, {"daemon: mmap(MAP_POPULATE) page fault", "daemon: entry_alloc(&mem)",
                                            "daemon: entry_alloc done", "daemon: a page of its memory",
                                            "daemon: the page's entries free"})) {
      return -1;
    }
    env.lock(map.lock, "daemon: entry_alloc(&mem)");
  }
  const std::size_t pick = pick_free_slot(map);
  const uint32_t s = map.free_slots[pick];
  map.free_slots.erase(map.free_slots.begin() + static_cast<std::ptrdiff_t>(pick));
  Slot& slot = map.slots[s];
  env.write(slot.obj, kData, "daemon: memset(&mem[slot], 0)");
  slot = Slot{slot.obj, slot.gen + 1, true, 0, &owner};
  ++map.pages[page_of(map, s)].live;
  map.owner_slot[&owner] = s;
  env.unlock(map.lock, "daemon: entry_alloc done");
  const int err = mk::sys_map_update_elem(env, k, *map.smap, owner_fd(owner), mk::Value{encode_entry(s, slot.gen), 0},
                                          mk::kBpfAny);
  return err == 0 ? static_cast<int>(s) : -1;
}

// The task exits: release_task() reaps it and its pidfd turns readable; the daemon, polling it,
// takes the entry back for the next task. The element (and the page's pin) goes when the kernel
// frees the task, after its last reference, which the daemon does not see.
void daemon_uptr_task_exit(Env& env, mk::Kernel& k, Map& map, mk::Owner& owner) {
  mk::release_task(env, k, as_task(owner));
  const auto it = map.owner_slot.find(&owner);
  if (it == map.owner_slot.end()) return;
  env.access({kNoObject, 0, Op::kSyscall}, "daemon: poll(pidfd) reports the exit");
  env.lock(map.lock, "daemon: entry_free(&mem[slot])");
  const uint32_t s = it->second;
  map.owner_slot.erase(it);
  --map.pages[page_of(map, s)].live;
  map.free_slots.push_back(s);
  env.unlock(map.lock, "daemon: entry_free done");
}

// The daemon reads a task's entry in its own memory: its table gives the slot, one load, no check
// (nothing else reuses the daemon's memory), under the table's lock, which its exit handling takes
// to give entries back.
UserRead daemon_uptr_read(Env& env, Map& map, UserLib& lib, const mk::Owner& owner) {
  UserRead r;
  env.lock(map.lock, "daemon: pthread_mutex_lock(&table)");
  const auto it = map.owner_slot.find(&owner);
  if (it != map.owner_slot.end()) {
    ++lib.loads;
    const Slot& slot = map.slots[it->second];
    env.read(slot.obj, kData, "daemon: mem[slot] (its own memory)");
    r = {UserRead::Status::kOk, slot.data, slot.owner, slot.initialised};
  }
  env.unlock(map.lock, "daemon: pthread_mutex_unlock(&table)");
  return r;
}

}  // namespace lsmc::model::mappable
