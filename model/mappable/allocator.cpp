// The entry allocator: which free slot a creation takes, the deferred reuse of freed slots
// (after a grace period, and after user pins), and the helpers BPF calls (bpf_mls_get/delete).

#include "model/mappable/internal.hpp"

namespace lsmc::model::mappable {

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

namespace {

// Whether a slot past its grace period can go back to the free list: its page is still the
// allocator's, in the epoch the slot was freed in (not returned since, which only the arena's
// at-once return does, nor populated again by a user fault).
bool reusable(const Map& map, uint32_t s, uint32_t epoch) {
  const Page& page = map.pages[page_of(map, s)];
  return page.present && !page.refaulted && page.epoch == epoch;
}

}  // namespace

// bpf_mls_reclaim_deferred() (proposal): slots whose reuse a user pin deferred, reclaimed by the
// allocator's next pass once unpinned (user space cannot call into the kernel when it unpins, and
// a kernel that polled would spin). Called under mls->lock.
void bpf_mls_reclaim_deferred(Env& env, Map& map) {
  for (auto it = map.deferred.begin(); it != map.deferred.end();) {
    if (bpf_mls_slot_pinned(env, map, *it)) {
      ++it;
      continue;
    }
    if (map.pages[page_of(map, *it)].present) map.free_slots.push_back(*it);
    it = map.deferred.erase(it);
  }
}

// The allocator's pass (proposal): what the next creation does before it looks for a free entry.
void bpf_mls_reclaim(Env& env, Map& map) {
  env.lock(map.lock, "bpf_mls_reclaim: spin_lock_irqsave(&mls->lock)");
  bpf_mls_reclaim_deferred(env, map);
  bpf_mls_trim(env, map);
  env.unlock(map.lock, "bpf_mls_reclaim: spin_unlock_irqrestore");
}

namespace {

// The second half of a free: the slot becomes reusable, and an empty page may go back.
void bpf_mls_slot_reuse(Env& env, Map& map, uint32_t s, uint32_t epoch) {
  env.lock(map.lock, "bpf_mls_slot_reuse: spin_lock_irqsave(&mls->lock)");
  if (map.knobs.user_write == UserWrite::kPinned) {
    if (bpf_mls_slot_pinned(env, map, s)) {
      // A user writer is inside the entry: the slot waits for the allocator's next pass.
      map.deferred.push_back(s);
      env.probe("mls: slot reuse deferred by a user pin");
      env.unlock(map.lock, "bpf_mls_slot_reuse: spin_unlock_irqrestore");
      return;
    }
  }
  if (reusable(map, s, epoch)) {
    map.free_slots.push_back(s);
    bpf_mls_reclaim_deferred(env, map);
    bpf_mls_trim(env, map);
  }
  env.unlock(map.lock, "bpf_mls_slot_reuse: spin_unlock_irqrestore");
}

// The free of bpf_mls_delete() (proposal): unlink under mls->lock, bump the generation and publish
// the free, then reuse the slot after a Tasks Trace grace period.
void unlink_and_free(Env& env, mk::Kernel& k, Map& map, mk::Owner& owner, std::string_view label) {
  env.lock(map.lock, label);
  env.read(map.task_slot_id(), 0, "bpf_mls_delete: task->mls_slot");
  const auto it = map.task_slot().find(&owner);
  if (it == map.task_slot().end()) {
    env.unlock(map.lock, "bpf_mls_delete: spin_unlock_irqrestore");
    return;
  }
  const uint32_t s = it->second;
  env.write(map.task_slot_id(), 0, "bpf_mls_delete: task->mls_slot = -1");
  map.task_slot().erase(it);
  if (map.knobs.layout == Layout::kPidArray) {
    pid_array_exit_task(env, map, s);
    env.unlock(map.lock, "exit_task: spin_unlock");
    return;
  }
  Slot& slot = map.slots[s];
  env.write(slot.obj, kGen, "bpf_mls_delete: entry->gen++ (free)");
  if (!map.bug(Bug::kSlotReuseNoGeneration)) ++slot.gen;
  bpf_mls_publish(env, map, s, map.bug(Bug::kSlotReuseNoGeneration) ? map.header_gen[s] : 0,
                  "bpf_mls_delete: hdr->gen[slot] = 0");
  const uint32_t p = page_of(map, s);
  --map.pages[p].live;
  // As bpf_arena_free_pages(): an empty page goes back now, with no grace period.
  if (frees_pages_at_once(map) && map.pages[p].live == 0) bpf_mls_page_release(env, map, p);
  env.unlock(map.lock, "bpf_mls_delete: spin_unlock_irqrestore");
  const uint32_t epoch = map.pages[p].epoch;
  if (map.bug(Bug::kReuseBeforeGracePeriod)) {
    bpf_mls_slot_reuse(env, map, s, epoch);
    return;
  }
  // Programs that looked the entry up may still write through their pointer until they leave
  // their read-side section: reuse after a grace period, as today's elements are freed.
  k.rcu.call(env, RcuFlavour::kTasksTrace, [&map, s, epoch](Env& e) { bpf_mls_slot_reuse(e, map, s, epoch); },
             "bpf_mls_delete: call_rcu_tasks_trace(slot reuse)");
}

}  // namespace

// A creator found no free entry: may it allocate a page now? Only a sleepable one (design
// question 1: a non-sleepable program's creation fails until a sleepable context, prep_enable or a
// syscall, has made room), and once: the probes say which way creation failed.
bool may_allocate_page(Env& env, const Map& map, const mk::ProgCtx& ctx, int attempt) {
  if ((ctx.sleepable || map.bug(Bug::kPageAllocInAtomic)) && attempt == 0) return true;
  env.probe(ctx.sleepable ? "mls: no entry after a page allocation" : "mls: no free entry in atomic context");
  return false;
}

// Registers an entry before a scenario starts, as the variant does.
int bpf_mls_seed(Env& env, mk::Kernel& k, Map& map, mk::Owner& owner) {
  if (map.knobs.layout == Layout::kUptr) return tld_init_data(env, k, map, owner);
  if (map.knobs.layout == Layout::kUptrDaemon) return daemon_uptr_register(env, k, map, owner);
  int slot = -1;
  k.run_prog(env, mk::ProgType::kLsmSleepable, [&](Env& e, const mk::ProgCtx& ctx) {
    slot = bpf_mls_get(e, k, map, ctx, owner, true);
  });
  return slot;
}

// bpf_mls_get() (proposal helper)
int bpf_mls_get(Env& env, mk::Kernel& k, Map& map, const mk::ProgCtx& ctx, mk::Owner& owner, bool create) {
  if (is_sdt(map)) {
    return create ? scx_task_alloc(env, k, map, ctx, owner) : scx_task_data(env, k, map, ctx, owner);
  }
  if (map.knobs.layout == Layout::kUptr || map.knobs.layout == Layout::kUptrDaemon) {
    return tld_object_init(env, k, map, ctx, owner, create);
  }
  env.read(map.task_slot_id(), 0, "bpf_mls_get: task->mls_slot");
  if (auto it = map.task_slot().find(&owner); it != map.task_slot().end()) return static_cast<int>(it->second);
  if (!create) return -1;
  if (map.knobs.layout == Layout::kPidArray) return pid_array_prep_enable(env, map, owner);
  env.lock(map.lock, "bpf_mls_get: spin_lock_irqsave(&mls->lock)");
  for (int attempt = 0;; ++attempt) {
    env.read(map.task_slot_id(), 0, "bpf_mls_get: task->mls_slot (locked)");
    if (auto it = map.task_slot().find(&owner); it != map.task_slot().end()) {
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
  env.write(map.task_slot_id(), 0, "bpf_mls_get: task->mls_slot = slot");
  map.task_slot()[&owner] = s;
  bpf_mls_trim(env, map);
  env.unlock(map.lock, "bpf_mls_get: spin_unlock_irqrestore");
  return static_cast<int>(s);
}

// A store through the pointer bpf_mls_get returned.
void bpf_mls_write(Env& env, Map& map, int slot, const mk::Owner& expected, int64_t value) {
  Slot& s = map.slots[static_cast<std::size_t>(slot)];
  env.write(s.obj, kData, "bpf prog: entry->load = v");
  if (!map.pages[page_of(map, static_cast<uint32_t>(slot))].present && arena_semantics(map)) {
    // The kernel area no longer maps the offset: the JIT's exception table skips the store.
    env.probe("mls: a BPF store to a freed arena page was dropped");
    return;
  }
  env.check(map.pages[page_of(map, static_cast<uint32_t>(slot))].present, "use-after-free",
            "a program writes into entry " + std::to_string(slot) + " for " + expected.name +
                ", whose page was already returned (the slot was reused within its read-side section)");
  if (s.owner == nullptr) {
    // Freed while the program held it. A store into a free entry is lost when the next creation
    // initialises the entry (the pid array's prep_enable, the proposal's memset); sdt zeroes at
    // free and hands the index out as it is, so there the next owner starts with these bytes.
    env.check(!is_sdt(map), "bpf-pointer-reused",
              "a program writes through the pointer it got for " + expected.name + " into entry " + std::to_string(slot) +
                  " after sdt freed it (no grace period): scx_alloc does not zero, so the next owner starts with "
                  "these bytes");
    s.initialised = false;
    s.data = value;
    return;
  }
  env.check(s.owner == &expected, "bpf-pointer-reused",
            "a program writes through the pointer it got for " + expected.name + ", but the entry now belongs to " +
                s.owner->name + " (freed and reused while the program held it, or its lookup found another owner's slot)");
  s.data = value;
}

namespace {

// The free of an entry as each layout does it (the arena's and uptr's have no separate delete).
void free_entry(Env& env, mk::Kernel& k, Map& map, mk::Owner& owner, std::string_view label) {
  if (map.knobs.layout == Layout::kArena) return scx_task_free(env, k, map, owner);
  if (map.knobs.layout == Layout::kArenaUrcu) return scx_task_free_rcu(env, k, map, owner);
  if (map.knobs.layout == Layout::kUptr) return uptr_task_free(env, k, map, owner);
  if (map.knobs.layout == Layout::kUptrDaemon) return daemon_uptr_task_exit(env, k, map, owner);
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

}  // namespace lsmc::model::mappable
