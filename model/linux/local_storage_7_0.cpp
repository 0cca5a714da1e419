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

// The element's retirement as the rcutorture-style age probes read it (model bookkeeping).
void retire(Kernel& k, Ref<Selem> selem) {
  selem->retired = true;
  selem->retired_gp = {k.rcu.completed(RcuFlavour::kRcu), k.rcu.completed(RcuFlavour::kTasksTrace)};
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

}  // namespace

int lock_storage(Env& env, Kernel& k, ObjectId lock, std::string_view label) {
  return raw_res_spin_lock_irqsave(env, k.rqspinlocks, lock, (k.knobs().lock_timeouts & kTimeoutStorageLock) != 0, label);
}
int lock_bucket(Env& env, Kernel& k, ObjectId lock, std::string_view label) {
  return raw_res_spin_lock_irqsave(env, k.rqspinlocks, lock, (k.knobs().lock_timeouts & kTimeoutBucketLock) != 0, label);
}
void res_unlock(Env& env, Kernel& k, ObjectId lock, std::string_view label) {
  raw_res_spin_unlock_irqrestore(env, k.rqspinlocks, lock, label);
}


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

}  // namespace lsmc::model::kernel::v7_0
