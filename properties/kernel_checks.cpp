#include "properties/kernel_checks.hpp"

#include <string>

namespace lsmc::properties {

namespace mk = model::kernel;

void CacheSanityChecker::on_event(sim::Execution& exec, const sim::Event& event) {
  if (event.op == model::Op::kUnlock) check(exec);
}

void CacheSanityChecker::check(sim::Execution& exec) {
  for (const auto& task : k_.tasks()) {
    const mk::Ref<mk::Storage> storage = task->bpf_storage;
    const sim::ObjectRecord* rec = exec.object(task->id);
    if (!storage || rec == nullptr || !rec->live || storage->destroying) continue;
    // Inside local_storage->lock the list and the cache change in separate steps; the invariant
    // holds whenever nobody holds the lock.
    const sim::ObjectRecord* lock = exec.object(storage->lock);
    if (lock != nullptr && lock->holder != model::kNoActor) continue;
    for (int slot = 0; slot < mk::kCacheSize; ++slot) {
      const mk::Ref<mk::Selem> cached = storage->cache[slot];
      if (!cached) continue;
      const sim::ObjectRecord* srec = exec.object(cached.id);
      const bool live = srec != nullptr && srec->live && cached.id == cached->id;
      const bool linked = live && cached->storage_linked && cached->local_storage.p == storage.p;
      if (!linked) {
        exec.fail("cache-sanity", exec.describe(storage.id, static_cast<uint16_t>(mk::field::kStorageCache0 + slot)) +
                                      " of " + task->name + " holds " + exec.describe(cached.id, 0) +
                                      (live ? ", which is not linked in this storage" : ", which is freed"));
      }
    }
  }
}

void ContextChecker::on_event(sim::Execution& exec, const sim::Event& event) {
  if (event.actor >= exec.actors().size()) return;
  const sim::ActorInfo& actor = exec.actors()[event.actor];
  const model::ActorContext& ctx = actor.ctx;
  auto why_not = [&]() -> std::string {
    if (ctx.irqs_disabled) return "IRQs are off";
    if (ctx.preempt_disabled) return "preemption is off";
    if (ctx.rcu_read_depth[0]) return "it is inside rcu_read_lock()";
    if (ctx.kind != model::ContextKind::kTask) return "it runs in " + std::string(model::to_string(ctx.kind)) + " context";
    if (!ctx.sleepable) return "its context cannot sleep";
    return {};
  };
  if (event.op == model::Op::kSleep && !ctx.may_sleep()) {
    exec.fail("context", std::string(event.label) + " may sleep, but in " + actor.name + " " + why_not());
  }
  if (event.op != model::Op::kLock) return;
  const sim::ObjectRecord* lock = exec.object(event.object);
  if (lock == nullptr || !lock->is_lock) return;
  if (lock->lock_kind == model::LockKind::kMutex && !ctx.may_sleep()) {
    exec.fail("context", actor.name + " takes mutex '" + std::string(lock->name) + "' in " +
                             std::string(event.label) + ", but " + why_not());
  }
  if (lock->lock_kind != model::LockKind::kSpinT) return;
  for (const sim::ObjectRecord& held : exec.objects()) {
    const bool raw = held.is_lock && (held.lock_kind == model::LockKind::kSpin ||
                                      held.lock_kind == model::LockKind::kSpinIrq);
    if (raw && held.holder == event.actor) {
      exec.fail("context", "invalid wait context: " + actor.name + " takes spinlock_t '" +
                               std::string(lock->name) + "' in " + std::string(event.label) +
                               " while holding raw spinlock '" + std::string(held.name) + "'");
    }
  }
  // On PREEMPT_RT a spinlock_t is an rt_mutex: it may sleep, so preemption must be on.
  if (preempt_rt_ && !ctx.preemptible()) {
    exec.fail("context", "PREEMPT_RT: " + actor.name + " takes spinlock_t '" + std::string(lock->name) +
                             "' (a sleeping lock on RT) in " + std::string(event.label) + ", but " + why_not());
  }
}

void BusyCounterChecker::on_end(sim::Execution& exec) {
  for (auto kind : {mk::OwnerKind::kTask, mk::OwnerKind::kCgroup}) {
    const auto& busy = k_.busy(kind);
    for (std::size_t cpu = 0; cpu < busy.count.size(); ++cpu) {
      if (busy.count[cpu] != 0) {
        exec.fail("busy-counter", std::string(kind == mk::OwnerKind::kTask ? "bpf_task_storage_busy" : "bpf_cgrp_storage_busy") +
                                      " of cpu" + std::to_string(cpu) + " stays at " + std::to_string(busy.count[cpu]) +
                                      " with nothing running: every later trylock on that CPU fails");
      }
    }
  }
}

namespace {
bool live_incarnation(sim::Execution& exec, const mk::Ref<mk::Selem>& r) {
  const sim::ObjectRecord* rec = exec.object(r.id);
  return rec != nullptr && rec->live && r.p->id == r.id;
}

bool contains(const std::vector<mk::Ref<mk::Selem>>& list, const mk::Ref<mk::Selem>& r) {
  for (const auto& x : list) {
    if (x == r) return true;
  }
  return false;
}
}  // namespace

void LinkageChecker::on_end(sim::Execution& exec) {
  auto half = [&exec](const mk::Ref<mk::Selem>& selem, const std::string& why) {
    // 7.0's two-party protocol: bpf_selem_unlink_nofail() whose lock failed leaves the element on
    // the other list by design, marked with its half (SELEM_MAP_UNLINKED or
    // SELEM_STORAGE_UNLINKED), for the other party (map free or the owner's destroy) to finish.
    if (selem->state & mk::field::kSelemUnlinked) return;
    exec.fail("linkage", exec.describe(selem.id, 0) + " " + why + " at the end: linked on one list only");
  };
  for (const auto& smap : k_.maps()) {
    const sim::ObjectRecord* mrec = exec.object(smap->id);
    if (mrec == nullptr || !mrec->live) continue;
    for (const mk::Bucket& b : smap->buckets) {
      for (const mk::Ref<mk::Selem>& selem : b.list) {
        if (!live_incarnation(exec, selem)) continue;  // the lifetime checker names that one
        const mk::Ref<mk::Storage> st = selem->local_storage;
        if (!selem->storage_linked || !st || !contains(st->list, selem)) half(selem, "is in " + smap->name + "'s bucket but not in its storage's list");
      }
    }
  }
  auto owner_side = [&](const mk::Owner& owner) {
    const sim::ObjectRecord* orec = exec.object(owner.id);
    if (orec == nullptr || !orec->live || !owner.bpf_storage) return;
    for (const mk::Ref<mk::Selem>& selem : owner.bpf_storage->list) {
      if (!live_incarnation(exec, selem)) continue;
      const mk::Ref<mk::Smap> smap = selem->smap;
      const bool in_bucket = selem->map_linked && smap && selem->bucket < smap->buckets.size() &&
                             contains(smap->buckets[selem->bucket].list, selem);
      if (!in_bucket) half(selem, "is in " + owner.name + "'s storage but in no map bucket");
    }
  };
  for (const auto& t : k_.tasks()) owner_side(*t);
  for (const auto& c : k_.cgroups()) owner_side(*c);
  for (const auto& sk : k_.socks()) owner_side(*sk);
  for (const auto& inode : k_.inodes()) owner_side(*inode);
}

void LeakChecker::on_end(sim::Execution& exec) {
  for (model::ObjectId id = 1; id < exec.objects().size(); ++id) {
    const sim::ObjectRecord& rec = exec.objects()[id];
    if (!rec.live) continue;
    for (const model::TypeInfo* t : types_) {
      if (rec.type == t) {
        exec.fail("leak", exec.describe(id, 0) + " (allocated in " + std::string(rec.alloc_label) + " at step " +
                              std::to_string(rec.alloc_step) + ") is still allocated at quiescence");
      }
    }
  }
}

}  // namespace lsmc::properties
