// The uptr layout as task-local data uses it (v6.13 uptr, selftests' task_local_data.h): each
// thread registers a block of its own memory, pinned by bpf_map_update_elem.
#include "model/linux/task_storage.hpp"
#include "model/mappable/internal.hpp"

namespace lsmc::model::mappable {

namespace {

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

}  // namespace

// tld_create_data_map() (tools/testing/selftests/bpf/prog_tests/task_local_data.h, v6.18): the
// TLD library's tld_data_map; the "pages" are the threads' own memory, one pinned page per
// thread's data block (task_local_data.h aligns a block so that it fits in a page). The verifier
// accepts __uptr only in task storage values (v6.13): no cgroup variant.
void tld_data_map_create(Env& env, mk::Kernel& k, Map& map) {
  if (map.knobs.owner != mk::OwnerKind::kTask) env.fail("model-error", "uptr exists only in task storage");
  map.smap = &mk::bpf_local_storage_map_alloc(env, k, mk::OwnerKind::kTask, "tld_data_map", false);
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

}  // namespace lsmc::model::mappable
