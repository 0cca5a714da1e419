#include "model/linux/local_storage_7_0.hpp"

#include "model/linux/rcu_fields.hpp"
#include "model/linux/special_fields.hpp"

#include <algorithm>
#include <string>

#include "model/linux/asserts.hpp"
#include "model/linux/sk_storage.hpp"

namespace lsmc::model::kernel::v7_0 {

namespace {

constexpr uint64_t kGoldenRatio64 = 0x61C8864680B583EBull;  // include/linux/hash.h

void erase(std::vector<Ref<Selem>>& list, Ref<Selem> selem) {
  list.erase(std::remove_if(list.begin(), list.end(), [&](const Ref<Selem>& r) { return r.p == selem.p; }),
             list.end());
}

// raw_res_spin_lock_irqsave() on a local_storage->lock or a b->lock: whether a contended
// acquisition may time out is the scenario's choice per lock class (Knobs::lock_timeouts).
int lock_storage(Env& env, Kernel& k, ObjectId lock, std::string_view label) {
  return raw_res_spin_lock_irqsave(env, k.rqspinlocks, lock, (k.knobs().lock_timeouts & kTimeoutStorageLock) != 0, label);
}
int lock_bucket(Env& env, Kernel& k, ObjectId lock, std::string_view label) {
  return raw_res_spin_lock_irqsave(env, k.rqspinlocks, lock, (k.knobs().lock_timeouts & kTimeoutBucketLock) != 0, label);
}
void res_unlock(Env& env, Kernel& k, ObjectId lock, std::string_view label) {
  raw_res_spin_unlock_irqrestore(env, k.rqspinlocks, lock, label);
}

// The element's retirement as the rcutorture-style age probes read it (model bookkeeping).
void retire(Kernel& k, Ref<Selem> selem) {
  selem->retired = true;
  selem->retired_gp = {k.rcu.completed(RcuFlavour::kRcu), k.rcu.completed(RcuFlavour::kTasksTrace)};
}

// bpf_selem_free_rcu() / __bpf_selem_free_rcu() (v7.0): bpf_selem_unlink_nofail may have cleared
// smap and freed the fields already; kfree_nolock() or kfree().
void bpf_selem_free_rcu(Env& env, Kernel& k, Ref<Selem> selem) {
  env.read(selem.id, field::kSelemSmap, "bpf_selem_free_rcu: rcu_dereference_check(SDATA(selem)->smap)");
  const Ref<Smap> smap = selem->smap;
  if (smap) bpf_obj_free_fields(env, k, *smap.p, selem, "bpf_selem_free_rcu: bpf_obj_free_fields");
  env.free(selem.id, selem->use_kmalloc_nolock ? "bpf_selem_free_rcu: kfree_nolock" : "__bpf_selem_free_rcu: kfree");
}

// bpf_local_storage_free_rcu() (v7.0)
void bpf_local_storage_free_rcu(Env& env, Ref<Storage> storage) {
  env.free(storage.id, storage->use_kmalloc_nolock ? "bpf_local_storage_free_rcu: kfree_nolock"
                                                   : "__bpf_local_storage_free_trace_rcu: kfree");
}

void link_map_nolock(Env& env, Bucket& b, uint32_t bucket, Ref<Selem> selem, std::string_view label) {
  env.write(selem.id, field::kSelemMapNode, label);
  b.list.insert(b.list.begin(), selem);
  selem->bucket = bucket;
  selem->map_linked = true;
}

// bpf_selem_unlink_map_nolock() (v7.0)
void bpf_selem_unlink_map_nolock(Env& env, Smap& smap, Ref<Selem> selem) {
  env.write(selem.id, field::kSelemMapNode, "bpf_selem_unlink_map_nolock: hlist_del_init_rcu(map_node)");
  if (selem->map_linked) erase(smap.buckets[selem->bucket].list, selem);
  selem->map_linked = false;
}

// bpf_selem_unlink_storage_nolock_misc() (v7.0): the cache slot, the uncharge (a no-op but for
// sk storage), and, for the last element, the owner's pointer. With pin_owner (map_free),
// only while owner_refcnt can still be raised: destroy() waits for it to drop to 0.
void bpf_selem_unlink_storage_nolock_misc(Env& env, Kernel& k, Ref<Selem> selem, const Smap& smap,
                                          Ref<Storage> storage, bool free_local_storage, bool pin_owner) {
  env.read(storage.id, field::kStorageOwner, "bpf_selem_unlink_storage_nolock_misc: local_storage->owner");
  const Ref<Owner> owner = storage->owner;
  const uint16_t slot = smap.cache_idx;
  env.read(storage.id, field::kStorageCache0 + slot, "bpf_selem_unlink_storage_nolock_misc: cache[idx]");
  if (storage->cache[slot].p == selem.p) {
    cache_store(env, storage, slot, {}, Order::kOnce, "bpf_selem_unlink_storage_nolock_misc: cache[idx] = NULL");
  }
  if (pin_owner) {
    env.rmw(storage.id, field::kStorageOwnerRefcnt, "bpf_selem_unlink_storage_nolock_misc: refcount_inc_not_zero(owner_refcnt)");
    if (storage->owner_refcnt == 0) {
      env.probe("map_free found the owner going away");
      return;
    }
    ++storage->owner_refcnt;
  }
  // uncharge = elem_size (+ sizeof(*local_storage) for the last one): mem_uncharge() and
  // local_storage->mem_charge -= uncharge, which destroy() returns what is left of.
  const uint32_t uncharge = kSkElemSize + (free_local_storage ? kSkStorageSize : 0);
  mem_uncharge(env, k, owner, uncharge);
  storage->mem_charge -= uncharge;
  if (free_local_storage) {
    env.write(storage.id, field::kStorageOwner, "bpf_selem_unlink_storage_nolock_misc: local_storage->owner = NULL");
    storage->owner = {};
    // After this, the owner may be freed and must not be used.
    owner_storage_store(env, owner, {}, Order::kOnce, "bpf_selem_unlink_storage_nolock_misc: *owner_storage = NULL");
  }
  if (pin_owner) {
    env.rmw(storage.id, field::kStorageOwnerRefcnt, "bpf_selem_unlink_storage_nolock_misc: refcount_dec(owner_refcnt)");
    --storage->owner_refcnt;
  }
}

// A NULL pointer the kernel code would dereference next (bpf_selem_unlink_nofail() clears
// SDATA(selem)->smap and selem->local_storage): an oops, reported as a finding instead of being
// run by the host.
template <class T>
void oops_if_null(Env& env, const Ref<T>& r, std::string_view what) {
  if (!r) env.fail("null-dereference", std::string(what) + " is NULL (cleared by bpf_selem_unlink_nofail) and dereferenced");
}

void unlink_storage_node(Env& env, Kernel& k, Ref<Storage> storage, Ref<Selem> selem, std::string_view label) {
  std::vector<Ref<Selem>> rest = storage->list;
  erase(rest, selem);
  storage_list_store(env, storage, std::move(rest), Order::kOnce, label);
  env.write(selem.id, field::kSelemSnode, label);
  selem->storage_linked = false;
  retire(k, selem);
}

bool singular(Env& env, Ref<Storage> storage, Ref<Selem> selem, std::string_view label) {
  env.read(storage.id, field::kStorageList, label);
  return storage->list.size() == 1 && storage->list.front().p == selem.p;
}

// Bug 8 (mapfree-vs-destroy-halfunlink): map_free and destroy unlink with the failable locks
// and no arbitration, as before bpf_selem_unlink_nofail(). map_free's half: the element's
// bpf_selem_unlink() with reuse_now, which gives up when a lock fails (the element stays).
void halfunlink_map_free(Env& env, Kernel& k, Ref<Selem> selem) {
  env.read(selem.id, field::kSelemSnode, "bpf_local_storage_map_free (bug 8): selem_linked_to_storage_lockless");
  if (!selem->storage_linked) return;
  env.read(selem.id, field::kSelemStorage, "bpf_local_storage_map_free (bug 8): selem->local_storage");
  const Ref<Storage> storage = selem->local_storage;
  if (lock_storage(env, k, storage->lock, "bpf_selem_unlink (bug 8): raw_res_spin_lock_irqsave(&local_storage->lock)")) {
    env.probe("bug 8: an unlink gave up");
    return;
  }
  SelemList free_list;
  bool free_storage = false;
  if (selem->storage_linked) {
    if (v7_0::bpf_selem_unlink_map(env, k, selem) == 0) {
      free_storage = v7_0::bpf_selem_unlink_storage_nolock(env, k, storage, selem, free_list);
    } else {
      env.probe("bug 8: an unlink gave up");
    }
  }
  res_unlock(env, k, storage->lock, "bpf_selem_unlink (bug 8): raw_res_spin_unlock_irqrestore");
  v7_0::bpf_selem_free_list(env, k, free_list, true);
  if (free_storage) v7_0::bpf_local_storage_free(env, k, storage, true);
}

// destroy's half: 6.18's loop under storage->lock, each element's map unlink failable; the
// storage side goes on whatever the map side did.
void halfunlink_destroy(Env& env, Kernel& k, Ref<Storage> storage) {
  if (lock_storage(env, k, storage->lock, "bpf_local_storage_destroy (bug 8): raw_res_spin_lock_irqsave(&local_storage->lock)")) {
    env.probe("bug 8: an unlink gave up");
    return;
  }
  env.read(storage.id, field::kStorageList, "bpf_local_storage_destroy (bug 8): hlist_for_each_entry_safe");
  const std::vector<Ref<Selem>> all = storage->list;
  SelemList free_list;
  bool free_storage = false;
  for (const Ref<Selem>& selem : all) {
    if (v7_0::bpf_selem_unlink_map(env, k, selem) != 0) env.probe("bug 8: an unlink gave up");
    free_storage = v7_0::bpf_selem_unlink_storage_nolock(env, k, storage, selem, free_list);
  }
  res_unlock(env, k, storage->lock, "bpf_local_storage_destroy (bug 8): raw_res_spin_unlock_irqrestore");
  v7_0::bpf_selem_free_list(env, k, free_list, true);
  if (free_storage) v7_0::bpf_local_storage_free(env, k, storage, true);
}

}  // namespace

// select_bucket() (v7.0): hash_ptr(local_storage, bucket_log): an owner's elements of one map
// share a bucket. bucket_log == 0 is undefined behaviour (bug 18), as in 6.18.
uint32_t select_bucket(Env& env, const Smap& smap, Ref<Storage> local_storage) {
  const uint64_t h = static_cast<uint64_t>(local_storage.id) * kGoldenRatio64;
  if (smap.bucket_log == 0) {
    env.fail("undefined-behaviour", "select_bucket: hash_ptr(local_storage, 0) shifts a 64-bit value by 64 "
                                    "(one bucket); the index " + std::to_string(h) + " is outside the bucket array");
  }
  return static_cast<uint32_t>(h >> (64 - smap.bucket_log));
}

// bpf_selem_alloc() (v7.0): the owner is charged first (sk storage) and uncharged when the
// allocation fails; bpf_map_kmalloc_nolock() or bpf_map_kzalloc(gfp | __GFP_NOWARN); sdata->smap
// is set here, and the state bits cleared.
Ref<Selem> bpf_selem_alloc(Env& env, Kernel& k, Smap& smap, Ref<Owner> owner, const Value* value, Gfp gfp) {
  const Traced traced(env, k, fn("bpf_selem_alloc"));
  if (mem_charge(env, k, owner, kSkElemSize) != 0) return {};
  if (!smap.use_kmalloc_nolock && gfp == Gfp::kKernel) env.might_sleep("bpf_map_kzalloc(GFP_KERNEL)");
  if (!smap.use_kmalloc_nolock && k.knobs().preempt_rt) env.might_sleep("bpf_map_kzalloc: kmalloc on PREEMPT_RT (rt_spin_lock)");
  bool failed = false;
  if (smap.use_kmalloc_nolock && !k.knobs().cmpxchg_double) {
    env.probe("kmalloc_nolock cannot allocate here");
    failed = true;
  } else if (env.fault(smap.use_kmalloc_nolock ? "bpf_map_kmalloc_nolock: out of memory?" : "bpf_map_kzalloc: out of memory?")) {
    env.probe("alloc failed");
    failed = true;
  }
  if (failed) {
    mem_uncharge(env, k, owner, kSkElemSize);
    return {};
  }
  const Ref<Selem> selem = Ref<Selem>::of(k.kzalloc_selem(
      env, smap.use_kmalloc_nolock ? "bpf_selem_alloc: bpf_map_kmalloc_nolock" : "bpf_selem_alloc: bpf_map_kzalloc"));
  selem_smap_store(env, selem, Ref<Smap>::of(&smap), Order::kOnce,
                   "bpf_selem_alloc: RCU_INIT_POINTER(SDATA(selem)->smap, smap)");
  env.write(selem.id, field::kSelemState, "bpf_selem_alloc: atomic_set(&selem->state, 0)");
  selem->state = 0;
  selem->use_kmalloc_nolock = smap.use_kmalloc_nolock;
  if (value != nullptr) {
    copy_map_value(env, k, smap, selem, *value);
    bpf_obj_swap_uptrs(env, smap, selem, *value);  // swap_uptrs: the syscall update's pins move in
  }
  return selem;
}

// bpf_selem_free() (v7.0): every free waits for a grace period (call_rcu with reuse_now, else
// RCU Tasks Trace, whose grace period implies an RCU one in 7.0: the callback frees directly).
void bpf_selem_free(Env& env, Kernel& k, Ref<Selem> selem, bool reuse_now) {
  const Traced traced(env, k, fn("bpf_selem_free"));
  if (k.bug(Bug::kCanary) && !reuse_now) {
    env.probe("canary: freed without a grace period");
    env.free(selem.id, "bpf_selem_free (canary: no grace period)");
    return;
  }
  if (reuse_now) {
    k.rcu.call(env, RcuFlavour::kRcu, [&k, selem](Env& e) { v7_0::bpf_selem_free_rcu(e, k, selem); },
               selem->use_kmalloc_nolock ? "bpf_selem_free: call_rcu(bpf_selem_free_rcu)"
                                         : "__bpf_selem_free: call_rcu(__bpf_selem_free_rcu)");
    return;
  }
  if (k.bug(Bug::kSleepablePlainRcu)) {
    k.rcu.call(env, RcuFlavour::kRcu, [&k, selem](Env& e) { v7_0::bpf_selem_free_rcu(e, k, selem); },
               "bpf_selem_free: call_rcu (bug 9: no Tasks Trace grace period)");
    return;
  }
  k.call_rcu_tasks_trace(env, [&k, selem](Env& e) { v7_0::bpf_selem_free_rcu(e, k, selem); },
                         "bpf_selem_free: call_rcu_tasks_trace(bpf_selem_free_trace_rcu)");
}

// bpf_selem_free_list() (v7.0)
void bpf_selem_free_list(Env& env, Kernel& k, SelemList& list, bool reuse_now) {
  for (Ref<Selem> selem : list) v7_0::bpf_selem_free(env, k, selem, reuse_now);
  list.clear();
}

// bpf_local_storage_free() (v7.0). destroy() frees the storage before the owner's free clears
// the owner's pointer ("the owner is going away"), so lsmc's storage-free invariant is checked
// when the grace period has passed and the memory goes.
void bpf_local_storage_free(Env& env, Kernel& k, Ref<Storage> storage, bool reuse_now, bool published) {
  if (!storage) return;
  auto free_rcu = [&k, storage, published](Env& e) {
    check_storage_free(e, k, storage, published);
    bpf_local_storage_free_rcu(e, storage);
  };
  if (reuse_now) {
    k.rcu.call(env, RcuFlavour::kRcu, free_rcu,
               storage->use_kmalloc_nolock ? "bpf_local_storage_free: call_rcu(bpf_local_storage_free_rcu)"
                                           : "__bpf_local_storage_free: kfree_rcu");
    return;
  }
  k.call_rcu_tasks_trace(env, free_rcu, "bpf_local_storage_free: call_rcu_tasks_trace");
}

// bpf_selem_unlink_storage_nolock() (v7.0): local_storage->lock held.
bool bpf_selem_unlink_storage_nolock(Env& env, Kernel& k, Ref<Storage> storage, Ref<Selem> selem,
                                     SelemList& free_list) {
  env.read(selem.id, field::kSelemSmap, "bpf_selem_unlink_storage_nolock: rcu_dereference_check(SDATA(selem)->smap)");
  const Ref<Smap> smap = selem->smap;
  oops_if_null(env, smap, "bpf_selem_unlink_storage_nolock: SDATA(selem)->smap");
  const bool free_local_storage = singular(env, storage, selem, "bpf_selem_unlink_storage_nolock: hlist_is_singular_node");
  v7_0::bpf_selem_unlink_storage_nolock_misc(env, k, selem, *smap.p, storage, free_local_storage, false);
  unlink_storage_node(env, k, storage, selem, "bpf_selem_unlink_storage_nolock: hlist_del_init_rcu(snode)");
  free_list.push_back(selem);
  return free_local_storage;
}

// bpf_selem_unlink_map() (v7.0): the bucket lock may fail.
int bpf_selem_unlink_map(Env& env, Kernel& k, Ref<Selem> selem) {
  const Traced traced(env, k, fn("bpf_selem_unlink_map"));
  env.read(selem.id, field::kSelemStorage, "bpf_selem_unlink_map: selem->local_storage");
  const Ref<Storage> storage = selem->local_storage;
  env.read(selem.id, field::kSelemSmap, "bpf_selem_unlink_map: SDATA(selem)->smap");
  oops_if_null(env, selem->smap, "bpf_selem_unlink_map: SDATA(selem)->smap");
  Smap& smap = *selem->smap.p;
  Bucket& b = smap.buckets[v7_0::select_bucket(env, smap, storage)];
  if (int err = lock_bucket(env, k, b.lock, "bpf_selem_unlink_map: raw_res_spin_lock_irqsave(&b->lock)")) return err;
  v7_0::bpf_selem_unlink_map_nolock(env, smap, selem);
  res_unlock(env, k, b.lock, "bpf_selem_unlink_map: raw_res_spin_unlock_irqrestore(&b->lock)");
  return 0;
}

// bpf_selem_link_map() (v7.0): the bucket of `local_storage`, whose rqspinlock may fail.
int bpf_selem_link_map(Env& env, Kernel& k, Smap& smap, Ref<Storage> local_storage, Ref<Selem> selem) {
  const Traced traced(env, k, fn("bpf_selem_link_map"));
  const uint32_t bucket = v7_0::select_bucket(env, smap, local_storage);
  Bucket& b = smap.buckets[bucket];
  if (int err = lock_bucket(env, k, b.lock, "bpf_selem_link_map: raw_res_spin_lock_irqsave(&b->lock)")) return err;
  link_map_nolock(env, b, bucket, selem, "bpf_selem_link_map: hlist_add_head_rcu(map_node)");
  res_unlock(env, k, b.lock, "bpf_selem_link_map: raw_res_spin_unlock_irqrestore(&b->lock)");
  return 0;
}

// bpf_selem_unlink() (v7.0): storage lock, then the bucket lock nested in it (map side first:
// the element is freed once it leaves the storage). Either lock may fail: the error is
// returned and the element stays linked.
int bpf_selem_unlink(Env& env, Kernel& k, Ref<Selem> selem) {
  const Traced traced(env, k, fn("bpf_selem_unlink"));
  env.read(selem.id, field::kSelemSnode, "bpf_selem_unlink: selem_linked_to_storage_lockless");
  if (!selem->storage_linked) return 0;
  env.read(selem.id, field::kSelemStorage, "bpf_selem_unlink: selem->local_storage");
  const Ref<Storage> storage = selem->local_storage;
  oops_if_null(env, storage, "bpf_selem_unlink: selem->local_storage");
  if (int err = lock_storage(env, k, storage->lock, "bpf_selem_unlink: raw_res_spin_lock_irqsave(&local_storage->lock)")) {
    env.probe("delete: a lock failed");
    return err;
  }
  SelemList free_list;
  bool free_local_storage = false;
  int err = 0;
  env.read(selem.id, field::kSelemSnode, "bpf_selem_unlink: selem_linked_to_storage");
  if (selem->storage_linked) {
    err = v7_0::bpf_selem_unlink_map(env, k, selem);
    if (err == 0) {
      free_local_storage = v7_0::bpf_selem_unlink_storage_nolock(env, k, storage, selem, free_list);
    } else {
      env.probe("delete: a lock failed");
    }
  }
  res_unlock(env, k, storage->lock, "bpf_selem_unlink: raw_res_spin_unlock_irqrestore");
  // Programs may still hold the element (reuse_now = false), unless bug 10 picks the
  // owner-destruction flavour here.
  const bool reuse_now = k.bug(Bug::kWrongFlavourAtFreeSite);
  v7_0::bpf_selem_free_list(env, k, free_list, reuse_now);
  if (free_local_storage) v7_0::bpf_local_storage_free(env, k, storage, reuse_now);
  return err;
}

// bpf_selem_unlink_nofail() (v7.0, 5d800f87d0a5): the arbiter between map_free (b != null) and
// destroy (b == null). Each side unlinks what its own lock lets it; the one that sees both
// halves gone frees the element, through the state bits' cmpxchg when the two race.
void bpf_selem_unlink_nofail(Env& env, Kernel& k, Ref<Selem> selem, Bucket* b) {
  const bool in_map_free = b != nullptr;
  bool free_storage = false;
  int unlink = 0;
  env.read(selem.id, field::kSelemStorage, "bpf_selem_unlink_nofail: selem->local_storage");
  const Ref<Storage> storage = selem->local_storage;
  env.read(selem.id, field::kSelemSmap, "bpf_selem_unlink_nofail: SDATA(selem)->smap");
  const Ref<Smap> smap = selem->smap;
  if (smap) {
    if (b == nullptr) b = &smap->buckets[v7_0::select_bucket(env, *smap.p, storage)];
    const int err = lock_bucket(env, k, b->lock, "bpf_selem_unlink_nofail: raw_res_spin_lock_irqsave(&b->lock)");
    if (err == 0) {
      // bpf_obj_free_fields() under b->lock: exactly once per element.
      env.read(selem.id, field::kSelemMapNode, "bpf_selem_unlink_nofail: selem_linked_to_map");
      if (selem->map_linked) {
        v7_0::bpf_selem_unlink_map_nolock(env, *smap.p, selem);
        bpf_obj_free_fields(env, k, *smap.p, selem, "bpf_selem_unlink_nofail: bpf_obj_free_fields");
        ++unlink;
      }
      res_unlock(env, k, b->lock, "bpf_selem_unlink_nofail: raw_res_spin_unlock_irqrestore(&b->lock)");
    }
    // The documented residual leak: map_free cannot take b->lock (another destroy holds it too
    // long), and the element's special fields are never freed.
    warn_on_once(env, err != 0 && in_map_free, "err && in_map_free", "bpf_selem_unlink_nofail");
    if (err == 0 || in_map_free) {
      selem_smap_store(env, selem, {}, Order::kOnce, "bpf_selem_unlink_nofail: RCU_INIT_POINTER(SDATA(selem)->smap, NULL)");
    }
  }
  if (storage) {
    const int err = lock_storage(env, k, storage->lock, "bpf_selem_unlink_nofail: raw_res_spin_lock_irqsave(&local_storage->lock)");
    if (err == 0) {
      env.read(selem.id, field::kSelemSnode, "bpf_selem_unlink_nofail: selem_linked_to_storage");
      if (selem->storage_linked) {
        free_storage = singular(env, storage, selem, "bpf_selem_unlink_nofail: hlist_is_singular_node");
        // destroy() may leave the owner's pointer: the owner is going away.
        if (smap && in_map_free) {
          v7_0::bpf_selem_unlink_storage_nolock_misc(env, k, selem, *smap.p, storage, free_storage, true);
        }
        unlink_storage_node(env, k, storage, selem, "bpf_selem_unlink_nofail: hlist_del_init_rcu(snode)");
        ++unlink;
      }
      res_unlock(env, k, storage->lock, "bpf_selem_unlink_nofail: raw_res_spin_unlock_irqrestore");
    }
    if (err == 0 || !in_map_free) {
      env.write(selem.id, field::kSelemStorage, "bpf_selem_unlink_nofail: RCU_INIT_POINTER(selem->local_storage, NULL)");
      selem->local_storage = {};
    }
  }
  if (unlink != 2) {
    env.rmw(selem.id, field::kSelemState, "bpf_selem_unlink_nofail: atomic_or(state)");
    selem->state |= in_map_free ? field::kSelemMapUnlinked : field::kSelemStorageUnlinked;
    env.probe("map_free and destroy each unlinked half");
  }
  bool free_it = unlink == 2;
  if (!free_it) {
    env.rmw(selem.id, field::kSelemState, "bpf_selem_unlink_nofail: atomic_cmpxchg(state, SELEM_UNLINKED, SELEM_TOFREE)");
    if (selem->state == field::kSelemUnlinked) {
      selem->state = field::kSelemToFree;
      free_it = true;
    }
  }
  if (free_it) v7_0::bpf_selem_free(env, k, selem, true);
  if (free_storage) v7_0::bpf_local_storage_free(env, k, storage, true);
}

// __bpf_local_storage_insert_cache() (v7.0): when the lock fails, the cache is not filled.
void __bpf_local_storage_insert_cache(Env& env, Kernel& k, Ref<Storage> storage, const Smap& smap,
                                      Ref<Selem> selem) {
  const Traced traced(env, k, fn("__bpf_local_storage_insert_cache"));
  const uint16_t slot = smap.cache_idx;
  if (k.bug(Bug::kCacheFillWithoutRecheck)) {
    cache_store(env, storage, slot, selem, Order::kRelease,
                "__bpf_local_storage_insert_cache: cache[idx] = sdata (no lock, no re-check)");
    return;
  }
  if (lock_storage(env, k, storage->lock, "__bpf_local_storage_insert_cache: raw_res_spin_lock_irqsave(&local_storage->lock)")) {
    env.probe("cache fill skipped: the lock failed");
    return;
  }
  env.read(selem.id, field::kSelemSnode, "__bpf_local_storage_insert_cache: selem_linked_to_storage");
  if (selem->storage_linked) {
    cache_store(env, storage, slot, selem, Order::kRelease, "__bpf_local_storage_insert_cache: rcu_assign_pointer(cache[idx])");
  } else {
    env.probe("cache fill lost its race");
  }
  res_unlock(env, k, storage->lock, "__bpf_local_storage_insert_cache: raw_res_spin_unlock_irqrestore");
}

// bpf_local_storage_alloc() (v7.0): b->lock is held across the publishing cmpxchg.
int bpf_local_storage_alloc(Env& env, Kernel& k, Ref<Owner> owner, Smap& smap, Ref<Selem> first, Gfp gfp) {
  const Traced traced(env, k, fn("bpf_local_storage_alloc"));
  if (int err = mem_charge(env, k, owner, kSkStorageSize)) return err;
  if (!smap.use_kmalloc_nolock && gfp == Gfp::kKernel) env.might_sleep("bpf_map_kzalloc(GFP_KERNEL)");
  if (env.fault(smap.use_kmalloc_nolock ? "bpf_map_kmalloc_nolock: out of memory?" : "bpf_map_kzalloc: out of memory?")) {
    env.probe("alloc failed");
    mem_uncharge(env, k, owner, kSkStorageSize);  // uncharge:
    return kENOMEM;
  }
  const Ref<Storage> storage = Ref<Storage>::of(k.kzalloc_storage(
      env, smap.use_kmalloc_nolock ? "bpf_local_storage_alloc: bpf_map_kmalloc_nolock" : "bpf_local_storage_alloc: bpf_map_kzalloc"));
  storage->lock = env.new_lock(LockKind::kSpinIrq, "local_storage->lock (rqspinlock)");
  storage->owner = owner;
  storage->owner_refcnt = 1;
  storage->mem_charge = kSkStorageSize;  // sizeof(*storage); the first element adds its own
  storage->use_kmalloc_nolock = smap.use_kmalloc_nolock;
  bpf_selem_link_storage_nolock(env, k, storage, first);
  const uint32_t bucket = v7_0::select_bucket(env, smap, storage);
  Bucket& b = smap.buckets[bucket];
  int err = lock_bucket(env, k, b.lock, "bpf_local_storage_alloc: raw_res_spin_lock_irqsave(&b->lock)");
  if (err == 0) {
    link_map_nolock(env, b, bucket, first, "bpf_local_storage_alloc: bpf_selem_link_map_nolock");
    if (owner_storage_cmpxchg(env, owner, storage, Order::kFull,
                              "bpf_local_storage_alloc: cmpxchg(owner_storage_ptr, NULL, storage)")) {
      env.probe("storage cmpxchg lost");
      v7_0::bpf_selem_unlink_map_nolock(env, smap, first);
      err = kEAGAIN;
    }
    res_unlock(env, k, b.lock, "bpf_local_storage_alloc: raw_res_spin_unlock_irqrestore(&b->lock)");
    if (err == 0) return 0;
  } else {
    env.probe("create: a lock failed");
  }
  v7_0::bpf_local_storage_free(env, k, storage, true, false);  // uncharge: never published
  mem_uncharge(env, k, owner, kSkStorageSize);
  return err;
}

// bpf_local_storage_update() (v7.0)
SdataOrErr bpf_local_storage_update(Env& env, Kernel& k, Ref<Owner> owner, Smap& smap, const Value& value,
                                    uint64_t map_flags, Gfp gfp) {
  const Traced traced(env, k, fn("bpf_local_storage_update"));
  if ((map_flags & ~kBpfFLock) > kBpfExist || ((map_flags & kBpfFLock) && !smap.has_spin_lock)) return {{}, kEINVAL};
  if (gfp == Gfp::kKernel && (map_flags & ~kBpfFLock) != kBpfNoexist) return {{}, kEINVAL};

  const Ref<Storage> storage = owner_storage_load(env, owner, "bpf_local_storage_update: owner->storage");
  bool empty = !storage;
  if (storage) {
    env.read(storage.id, field::kStorageList, "bpf_local_storage_update: hlist_empty");
    empty = storage->list.empty();
  }
  if (empty) {
    if (int err = check_flags(false, map_flags)) return {{}, err};
    const Ref<Selem> selem = v7_0::bpf_selem_alloc(env, k, smap, owner, &value, gfp);
    if (!selem) return {{}, kENOMEM};
    if (int err = v7_0::bpf_local_storage_alloc(env, k, owner, smap, selem, gfp)) {
      v7_0::bpf_selem_free(env, k, selem, true);
      mem_uncharge(env, k, owner, kSkElemSize);
      return {{}, err};
    }
    return {selem, 0};
  }

  if ((map_flags & kBpfFLock) && !(map_flags & kBpfNoexist)) {
    const Ref<Selem> old = bpf_local_storage_lookup(env, k, storage, smap, false);
    if (int err = check_flags(bool(old), map_flags)) return {{}, err};
    if (old) {
      env.read(old.id, field::kSelemSnode, "bpf_local_storage_update: selem_linked_to_storage_lockless");
      if (old->storage_linked) {
        copy_map_value_locked(env, smap, old, value);
        return {old, 0};
      }
    }
  }

  Ref<Selem> alloc_selem = v7_0::bpf_selem_alloc(env, k, smap, owner, &value, gfp);
  Ref<Selem> selem = alloc_selem;
  if (!alloc_selem) return {{}, kENOMEM};
  SelemList old_free_list;
  int err = lock_storage(env, k, storage->lock, "bpf_local_storage_update: raw_res_spin_lock_irqsave(&local_storage->lock)");
  if (err != 0) {
    env.probe("update: a lock failed");
  } else {
    env.read(storage.id, field::kStorageList, "bpf_local_storage_update: hlist_empty (locked)");
    if (storage->list.empty()) {
      env.probe("update found the storage emptied");
      err = kEAGAIN;
    } else {
      const Ref<Selem> old = bpf_local_storage_lookup(env, k, storage, smap, false);
      err = check_flags(bool(old), map_flags);
      if (err == 0 && old && (map_flags & kBpfFLock)) {
        copy_map_value_locked(env, smap, old, value);
        selem = old;
      } else if (err == 0) {
        const uint32_t bucket = v7_0::select_bucket(env, smap, storage);
        Bucket& b = smap.buckets[bucket];
        err = lock_bucket(env, k, b.lock, "bpf_local_storage_update: raw_res_spin_lock_irqsave(&b->lock)");
        if (err != 0) {
          env.probe("update: a lock failed");
        } else {
          alloc_selem = {};
          link_map_nolock(env, b, bucket, selem, "bpf_local_storage_update: bpf_selem_link_map_nolock");
          bpf_selem_link_storage_nolock(env, k, storage, selem);
          if (old) {
            v7_0::bpf_selem_unlink_map_nolock(env, smap, old);
            v7_0::bpf_selem_unlink_storage_nolock(env, k, storage, old, old_free_list);
          }
          res_unlock(env, k, b.lock, "bpf_local_storage_update: raw_res_spin_unlock_irqrestore(&b->lock)");
        }
      }
    }
    res_unlock(env, k, storage->lock, "bpf_local_storage_update: raw_res_spin_unlock_irqrestore");
  }
  v7_0::bpf_selem_free_list(env, k, old_free_list, false);
  if (alloc_selem) {
    mem_uncharge(env, k, owner, kSkElemSize);
    v7_0::bpf_selem_free(env, k, alloc_selem, true);
  }
  if (err) return {{}, err};
  return {selem, 0};
}

// bpf_local_storage_map_alloc() (v7.0): no bpf_mem_alloc; use_kmalloc_nolock as the map type
// asks, forced on PREEMPT_RT. Each failure unwinds through free_smap; the cache index, taken last,
// cannot fail.
SmapOrErr bpf_local_storage_map_alloc(Env& env, Kernel& k, const MapAttr& attr, IdxCache& cache,
                                      bool use_kmalloc_nolock) {
  const Traced traced(env, k, fn("bpf_local_storage_map_alloc"));
  if (env.fault("bpf_map_area_alloc(sizeof(*smap)): out of memory?")) return {nullptr, kENOMEM};
  Smap& smap = k.new_smap(attr.name);
  smap.id = env.alloc(kSmapType, "bpf_local_storage_map_alloc");
  smap.type = attr.type;
  smap.clone = attr.clone;
  uint32_t nbuckets = 1;
  while (nbuckets < k.knobs().cpus) nbuckets <<= 1;  // roundup_pow_of_two(num_possible_cpus())
  if (!k.bug(Bug::kSingleBucket)) nbuckets = std::max<uint32_t>(2, nbuckets);
  uint32_t log = 0;
  while ((1u << log) < nbuckets) ++log;
  smap.bucket_log = log;
  if (env.fault("bpf_map_kvcalloc(smap->buckets): out of memory?")) {
    env.free(smap.id, "bpf_local_storage_map_alloc: free_smap: bpf_map_area_free(smap)");
    return {nullptr, kENOMEM};
  }
  smap.buckets.resize(nbuckets);
  for (Bucket& b : smap.buckets) b.lock = env.new_lock(LockKind::kSpinIrq, "b->lock (rqspinlock)");
  smap.bpf_ma = false;
  smap.use_kmalloc_nolock = k.knobs().preempt_rt || use_kmalloc_nolock;
  smap.cache_idx = bpf_local_storage_cache_idx_get(env, cache);
  return {&smap, 0};
}

// bpf_local_storage_destroy() (v7.0): each element through bpf_selem_unlink_nofail(), then wait
// until a racing map_free has dropped its pin of the owner. Returns mem_charge (sk only).
uint32_t bpf_local_storage_destroy(Env& env, Kernel& k, Ref<Storage> storage) {
  if (k.bug(Bug::kMapfreeVsDestroyHalfunlink)) {
    halfunlink_destroy(env, k, storage);
    return 0;
  }
  storage->destroying = true;
  env.read(storage.id, field::kStorageList, "bpf_local_storage_destroy: hlist_for_each_entry_rcu");
  const std::vector<Ref<Selem>> all = storage->list;
  for (const Ref<Selem>& selem : all) v7_0::bpf_selem_unlink_nofail(env, k, selem, nullptr);
  env.rmw(storage.id, field::kStorageOwnerRefcnt, "bpf_local_storage_destroy: refcount_dec_and_test(owner_refcnt)");
  if (--storage->owner_refcnt != 0) {
    env.probe("destroy waits for map_free's pin of the owner");
    const Storage* s = storage.p;
    env.wait_until([s] { return s->owner_refcnt == 0; }, "bpf_local_storage_destroy: while (refcount_read(owner_refcnt)) cpu_relax()");
  }
  // Paired with map_free's refcount_dec(): the charge its unlinks left.
  return storage->mem_charge;
}

// bpf_local_storage_map_free() (v7.0): walks each bucket under rcu_read_lock with
// bpf_selem_unlink_nofail(selem, b). After each element need_resched() may be true (a recorded
// choice, at most once per bucket so that the walk ends): cond_resched_rcu() leaves the RCU read
// section, lets others run, and the walk restarts at the bucket's head. The rcu barriers are
// unconditional in 7.0.
void bpf_local_storage_map_free(Env& env, Kernel& k, Smap& smap) {
  bpf_local_storage_cache_idx_free(env, k.idx_cache(smap.type), smap.cache_idx);
  k.rcu.synchronize(env, RcuFlavour::kRcu);
  for (Bucket& b : smap.buckets) {
    k.rcu.read_lock(env, RcuFlavour::kRcu);
    bool resched_taken = false;
    for (bool restart = true; restart;) {
      restart = false;
      env.read(smap.id, field::kSmapBuckets, "bpf_local_storage_map_free: hlist_for_each_entry_rcu(&b->list)");
      const std::vector<Ref<Selem>> walk = b.list;
      for (const Ref<Selem>& selem : walk) {
        if (k.bug(Bug::kMapfreeVsDestroyHalfunlink)) {
          halfunlink_map_free(env, k, selem);
        } else {
          v7_0::bpf_selem_unlink_nofail(env, k, selem, &b);
        }
        if (resched_taken || env.choose(2, "bpf_local_storage_map_free: need_resched()?") == 0) continue;
        resched_taken = true;
        env.probe("map_free restarted its bucket walk");
        // cond_resched_rcu(): rcu_read_unlock(); cond_resched(); rcu_read_lock().
        k.rcu.read_unlock(env, RcuFlavour::kRcu);
        env.yield("bpf_local_storage_map_free: cond_resched_rcu");
        k.rcu.read_lock(env, RcuFlavour::kRcu);
        restart = true;  // goto restart
        break;
      }
    }
    k.rcu.read_unlock(env, RcuFlavour::kRcu);
  }
  k.rcu.synchronize(env, RcuFlavour::kRcu);
  k.rcu.barrier(env, RcuFlavour::kTasksTrace);
  k.rcu.barrier(env, RcuFlavour::kRcu);
  env.free(smap.id, "bpf_local_storage_map_free: bpf_map_area_free");
}

}  // namespace lsmc::model::kernel::v7_0
