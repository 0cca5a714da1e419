#include "model/linux/local_storage.hpp"

#include "model/linux/rcu_fields.hpp"

#include <algorithm>
#include <string>

#include "model/linux/irqflags.hpp"
#include "model/linux/local_storage_7_0.hpp"
#include "model/linux/sk_storage.hpp"
#include "model/linux/special_fields.hpp"

namespace lsmc::model::kernel {

namespace {

constexpr uint64_t kGoldenRatio64 = 0x61C8864680B583EBull;  // include/linux/hash.h

void erase(std::vector<Ref<Selem>>& list, Ref<Selem> selem) {
  list.erase(std::remove_if(list.begin(), list.end(), [&](const Ref<Selem>& r) { return r.p == selem.p; }),
             list.end());
}

}  // namespace

// owner_storage() + rcu_dereference(*owner_storage_ptr) (bpf_local_storage.c, v6.18)
Ref<Storage> owner_storage_load(Env& env, Ref<Owner> owner, std::string_view label) {
  return owner_storage_rcu_dereference(env, owner, label);
}

// select_bucket() (v6.18): hash_ptr(selem, bucket_log). With bucket_log == 0 the shift in
// hash_64() is by 64 bits: undefined behaviour (bug 18); x86 masks the count and the index
// runs off the bucket array.
uint32_t select_bucket(Env& env, const Smap& smap, Ref<Selem> selem) {
  const uint64_t h = static_cast<uint64_t>(selem.id) * kGoldenRatio64;
  if (smap.bucket_log == 0) {
    env.fail("undefined-behaviour", "select_bucket: hash_ptr(selem, 0) shifts a 64-bit value by 64 "
                                    "(one bucket); the index " + std::to_string(h) +
                                    " is outside the bucket array");
  }
  return static_cast<uint32_t>(h >> (64 - smap.bucket_log));
}

// copy_map_value() (include/linux/bpf.h, v6.18): special fields (the spin lock) are skipped.
void copy_map_value(Env& env, Kernel& k, const Smap& smap, Ref<Selem> dst, const Value& src) {
  env.write(dst.id, field::kSelemData, "copy_map_value");
  dst->value.data = src.data;
  if (!smap.has_spin_lock || k.bug(Bug::kValueCopyClobbersLock)) {
    if (smap.has_spin_lock) {
      env.write(dst.id, field::kSelemSpinLock, "memcpy over the bpf_spin_lock (bug 15)");
    }
    dst->value.spin_lock = smap.has_spin_lock ? src.spin_lock : 0;
  }
}

// copy_map_value_locked() (kernel/bpf/helpers.c, v6.18): copy under the value's own lock.
void copy_map_value_locked(Env& env, const Smap& smap, Ref<Selem> dst, const Value& src) {
  (void)smap;
  // __bpf_spin_lock_irqsave(): local_irq_save(), then spin until the lock word is 0: the holder
  // and a spinning waiter both have IRQs (and so preemption) off.
  local_irq_save(env);
  env.wait_until([dst] { return dst->value.spin_lock == 0; }, "bpf_spin_lock: value lock is free");
  env.rmw(dst.id, field::kSelemSpinLock, "bpf_spin_lock");
  dst->value.spin_lock = 1;
  env.write(dst.id, field::kSelemData, "copy_map_value_locked");
  dst->value.data = src.data;
  env.write(dst.id, field::kSelemSpinLock, "bpf_spin_unlock");
  dst->value.spin_lock = 0;
  local_irq_restore(env);  // __bpf_spin_unlock_irqrestore()
}

// Whether a map's elements and storages come from bpf_mem_alloc (smap->bpf_ma in v6.18). The
// 6.19 kmalloc_nolock mutant (bug 13) allocates with kmalloc_nolock and frees on the kfree paths,
// so it counts as not bpf_ma everywhere: allocation and every free must agree (generated
// scenarios found the frees taking the other path when the allocation succeeded).
bool smap_bpf_ma(const Smap& smap) { return smap.bpf_ma && !smap.use_kmalloc_nolock; }

// check_storage_bpf_ma() (v6.18): the allocator of a storage is its smap's, or, when
// local_storage->smap is NULL, that of the smap of `selem` (the caller passes one of its elements).
bool check_storage_bpf_ma(Env& env, Smap* storage_smap, Ref<Selem> selem) {
  if (storage_smap != nullptr) return smap_bpf_ma(*storage_smap);
  if (!selem) return true;
  env.read(selem.id, field::kSelemSmap, "check_storage_bpf_ma: SDATA(selem)->smap");
  return smap_bpf_ma(*selem->smap.p);
}

// mem_charge() / mem_uncharge() (v6.18): map_local_storage_charge, which only sk storage has.
int mem_charge(Env& env, Kernel& k, Ref<Owner> owner, uint32_t size) {
  if (!owner || owner->kind != OwnerKind::kSock) return 0;
  return bpf_sk_storage_charge(env, k, Ref<Sock>{static_cast<Sock*>(owner.p), owner.id}, size);
}
void mem_uncharge(Env& env, Kernel& k, Ref<Owner> owner, uint32_t size) {
  if (!owner || owner->kind != OwnerKind::kSock) return;
  bpf_sk_storage_uncharge(env, k, Ref<Sock>{static_cast<Sock*>(owner.p), owner.id}, size);
}

// bpf_selem_unlink_storage_nolock() (v6.18): local_storage->lock held. Returns whether the
// storage became empty and must be freed by the caller.
bool bpf_selem_unlink_storage_nolock(Env& env, Kernel& k, Ref<Storage> storage, Ref<Selem> selem,
                                     SelemList& free_list) {
  env.read(selem.id, field::kSelemSmap, "bpf_selem_unlink_storage_nolock: sdata->smap");
  const Ref<Smap> smap = selem->smap;
  env.read(storage.id, field::kStorageOwner, "bpf_selem_unlink_storage_nolock: local_storage->owner");
  const Ref<Owner> owner = storage->owner;
  // All uncharging on the owner first: it may be freed once the last selem is unlinked. Every
  // 6.18 caller passes uncharge_mem = true.
  mem_uncharge(env, k, owner, kSkElemSize);
  env.read(storage.id, field::kStorageList, "bpf_selem_unlink_storage_nolock: hlist_is_singular_node");
  const bool free_local_storage = storage->list.size() == 1 && storage->list.front().p == selem.p;
  if (free_local_storage) {
    mem_uncharge(env, k, owner, kSkStorageSize);
    env.write(storage.id, field::kStorageOwner, "bpf_selem_unlink_storage_nolock: owner = NULL");
    storage->owner = {};
    // After this, the owner may be freed and must not be used. RCU_INIT_POINTER().
    owner_storage_store(env, owner, {}, Order::kOnce, "bpf_selem_unlink_storage_nolock: *owner_storage = NULL");
  }
  std::vector<Ref<Selem>> rest = storage->list;
  erase(rest, selem);
  storage_list_store(env, storage, std::move(rest), Order::kOnce,
                     "bpf_selem_unlink_storage_nolock: hlist_del_init_rcu(snode)");
  env.write(selem.id, field::kSelemSnode, "bpf_selem_unlink_storage_nolock: hlist_del_init_rcu(snode)");
  selem->storage_linked = false;
  selem->retired = true;
  selem->retired_gp = {k.rcu.completed(RcuFlavour::kRcu), k.rcu.completed(RcuFlavour::kTasksTrace)};
  const uint16_t slot = smap->cache_idx;
  env.read(storage.id, field::kStorageCache0 + slot, "bpf_selem_unlink_storage_nolock: cache[idx]");
  if (storage->cache[slot].p == selem.p) {
    cache_store(env, storage, slot, {}, Order::kOnce, "bpf_selem_unlink_storage_nolock: cache[idx] = NULL");
  }
  free_list.push_back(selem);
  env.read(storage.id, field::kStorageSmap, "bpf_selem_unlink_storage_nolock: local_storage->smap");
  if (storage->smap.p == smap.p) {
    env.write(storage.id, field::kStorageSmap, "bpf_selem_unlink_storage_nolock: local_storage->smap = NULL");
    storage->smap = {};
  }
  return free_local_storage;
}

// bpf_selem_unlink_storage() (v6.18)
void bpf_selem_unlink_storage(Env& env, Kernel& k, Ref<Selem> selem, bool reuse_now) {
  env.read(selem.id, field::kSelemSnode, "bpf_selem_unlink_storage: selem_linked_to_storage_lockless");
  if (!selem->storage_linked) return;
  env.read(selem.id, field::kSelemStorage, "bpf_selem_unlink_storage: selem->local_storage");
  const Ref<Storage> storage = selem->local_storage;
  env.read(storage.id, field::kStorageSmap, "bpf_selem_unlink_storage: local_storage->smap");
  Smap* storage_smap = storage->smap.p;
  const bool bpf_ma = check_storage_bpf_ma(env, storage_smap, selem);
  SelemList free_list;
  bool free_local_storage = false;
  env.lock(storage->lock, "bpf_selem_unlink_storage: raw_spin_lock_irqsave(&local_storage->lock)");
  env.read(selem.id, field::kSelemSnode, "bpf_selem_unlink_storage: selem_linked_to_storage");
  if (selem->storage_linked) {
    free_local_storage = bpf_selem_unlink_storage_nolock(env, k, storage, selem, free_list);
  }
  env.unlock(storage->lock, "bpf_selem_unlink_storage: raw_spin_unlock_irqrestore");
  bpf_selem_free_list(env, k, free_list, reuse_now);
  if (free_local_storage) bpf_local_storage_free(env, k, storage, storage_smap, bpf_ma, reuse_now);
}

// bpf_selem_link_storage_nolock() (v6.18): publishes the selem to lockless readers.
// hlist_add_head_rcu() is rcu_assign_pointer(hlist_first_rcu(h), n): a release store.
void bpf_selem_link_storage_nolock(Env& env, Kernel& k, Ref<Storage> storage, Ref<Selem> selem) {
  // v7.0: local_storage->mem_charge += smap->elem_size (6.18 keeps no such count; unused there).
  storage->mem_charge += kSkElemSize;
  env.write(selem.id, field::kSelemStorage, "bpf_selem_link_storage_nolock: selem->local_storage");
  selem->local_storage = storage;
  // v6.18 writes selem->local_storage only here (v7.0's bpf_selem_unlink_nofail clears it).
  if (!k.v7_0()) env.immutable(selem.id, field::kSelemStorage);
  std::vector<Ref<Selem>> list = storage->list;
  list.insert(list.begin(), selem);
  const Order publish = k.bug(Bug::kLinkStorageWithoutRelease) ? Order::kOnce : Order::kRelease;
  storage_list_store(env, storage, std::move(list), publish, "bpf_selem_link_storage_nolock: hlist_add_head_rcu(snode)");
  selem->storage_linked = true;
}

// bpf_selem_unlink_map() (v6.18)
void bpf_selem_unlink_map(Env& env, Kernel& k, Ref<Selem> selem) {
  const Traced traced(env, k, fn("bpf_selem_unlink_map"));
  env.read(selem.id, field::kSelemMapNode, "bpf_selem_unlink_map: selem_linked_to_map_lockless");
  if (!selem->map_linked) return;
  env.read(selem.id, field::kSelemSmap, "bpf_selem_unlink_map: sdata->smap");
  Smap& smap = *selem->smap.p;
  Bucket& b = smap.buckets[selem->bucket];
  env.lock(b.lock, "bpf_selem_unlink_map: raw_spin_lock_irqsave(&b->lock)");
  env.read(selem.id, field::kSelemMapNode, "bpf_selem_unlink_map: selem_linked_to_map");
  if (selem->map_linked) {
    env.write(selem.id, field::kSelemMapNode, "bpf_selem_unlink_map: hlist_del_init_rcu(map_node)");
    erase(b.list, selem);
    selem->map_linked = false;
  }
  env.unlock(b.lock, "bpf_selem_unlink_map: raw_spin_unlock_irqrestore(&b->lock)");
}

// bpf_selem_link_map() (v6.18)
void bpf_selem_link_map(Env& env, Kernel& k, Smap& smap, Ref<Selem> selem) {
  const Traced traced(env, k, fn("bpf_selem_link_map"));
  const uint32_t bucket = select_bucket(env, smap, selem);
  Bucket& b = smap.buckets[bucket];
  env.lock(b.lock, "bpf_selem_link_map: raw_spin_lock_irqsave(&b->lock)");
  selem_smap_store(env, selem, Ref<Smap>::of(&smap), Order::kOnce, "bpf_selem_link_map: sdata->smap = smap");
  // v6.18 writes SDATA(selem)->smap only here (RCU_INIT_POINTER; bpf_selem_alloc leaves it alone).
  env.immutable(selem.id, field::kSelemSmap);
  selem->bucket = bucket;
  env.write(selem.id, field::kSelemMapNode, "bpf_selem_link_map: hlist_add_head_rcu(map_node)");
  b.list.insert(b.list.begin(), selem);
  selem->map_linked = true;
  env.unlock(b.lock, "bpf_selem_link_map: raw_spin_unlock_irqrestore(&b->lock)");
}

// bpf_selem_unlink() (v6.18): map side first, because the selem is freed once it leaves the
// storage. The two unlinks take their locks one after the other, not nested.
void bpf_selem_unlink(Env& env, Kernel& k, Ref<Selem> selem, bool reuse_now) {
  if (k.v7_0()) {
    (void)v7_0::bpf_selem_unlink(env, k, selem);
    return;
  }
  const Traced traced(env, k, fn("bpf_selem_unlink"));
  bpf_selem_unlink_map(env, k, selem);
  bpf_selem_unlink_storage(env, k, selem, reuse_now);
}

// __bpf_local_storage_insert_cache() (v6.18): the lock and the still-linked re-check keep a
// parallel delete from having an unlinked sdata published into the cache (bug 16).
void __bpf_local_storage_insert_cache(Env& env, Kernel& k, Ref<Storage> storage, const Smap& smap,
                                      Ref<Selem> selem) {
  if (k.v7_0()) return v7_0::__bpf_local_storage_insert_cache(env, k, storage, smap, selem);
  const Traced traced(env, k, fn("__bpf_local_storage_insert_cache"));
  const uint16_t slot = smap.cache_idx;
  if (k.bug(Bug::kCacheFillWithoutRecheck)) {
    cache_store(env, storage, slot, selem, Order::kRelease,
                "__bpf_local_storage_insert_cache: cache[idx] = sdata (no lock, no re-check)");
    return;
  }
  env.lock(storage->lock, "__bpf_local_storage_insert_cache: raw_spin_lock_irqsave(&local_storage->lock)");
  env.read(selem.id, field::kSelemSnode, "__bpf_local_storage_insert_cache: selem_linked_to_storage");
  if (selem->storage_linked) {
    cache_store(env, storage, slot, selem, Order::kRelease, "__bpf_local_storage_insert_cache: rcu_assign_pointer(cache[idx])");
  } else {
    env.probe("cache fill lost its race");
  }
  env.unlock(storage->lock, "__bpf_local_storage_insert_cache: raw_spin_unlock_irqrestore");
}

// bpf_local_storage_lookup() (include/linux/bpf_local_storage.h, v6.18, static inline).
// The slow path walks the list under RCU; the model walks a snapshot taken when it reads the
// head, which is one of the views an RCU reader can have.
Ref<Selem> bpf_local_storage_lookup(Env& env, Kernel& k, Ref<Storage> storage, const Smap& smap,
                                    bool cacheit_lockit) {
  const uint16_t slot = smap.cache_idx;
  const Ref<Selem> cached = cache_rcu_dereference(env, storage, slot, "bpf_local_storage_lookup: cache[idx]");
  if (cached) {
    if (selem_smap_rcu_access_pointer(env, cached, "bpf_local_storage_lookup: sdata->smap (cache hit?)").p == &smap) {
      return cached;
    }
    env.probe("cache slot holds another map's sdata");
  }
  const std::vector<Ref<Selem>> walk =
      storage_list_rcu_dereference(env, storage, "bpf_local_storage_lookup: hlist_for_each_entry_rcu");
  for (const Ref<Selem>& selem : walk) {
    if (selem_smap_rcu_access_pointer(env, selem, "bpf_local_storage_lookup: SDATA(selem)->smap").p != &smap) continue;
    if (cacheit_lockit) __bpf_local_storage_insert_cache(env, k, storage, smap, selem);
    return selem;
  }
  return {};
}

// check_flags() (v6.18)
int check_flags(bool old_exists, uint64_t map_flags) {
  if (old_exists && (map_flags & ~kBpfFLock) == kBpfNoexist) return kEEXIST;
  if (!old_exists && (map_flags & ~kBpfFLock) == kBpfExist) return kENOENT;
  return 0;
}

// bpf_local_storage_alloc() (v6.18): the first element of an owner; the storage is published
// with cmpxchg on the owner's pointer, which needs no lock of the owner.
int bpf_local_storage_alloc(Env& env, Kernel& k, Ref<Owner> owner, Smap& smap, Ref<Selem> first,
                            Gfp gfp) {
  const Traced traced(env, k, fn("bpf_local_storage_alloc"));
  if (int err = mem_charge(env, k, owner, kSkStorageSize)) return err;
  Ref<Storage> storage;
  if (smap_bpf_ma(smap)) {
    if (gfp == Gfp::kKernel) env.might_sleep("bpf_mem_cache_alloc_flags(GFP_KERNEL)");
    storage = smap.storage_ma.alloc(env, "bpf_local_storage_alloc");
  } else if (env.fault("bpf_map_kzalloc: out of memory?")) {
    env.probe("alloc failed");
  } else {
    storage = Ref<Storage>::of(k.kzalloc_storage(env, "bpf_local_storage_alloc: bpf_map_kzalloc"));
  }
  if (!storage) {
    mem_uncharge(env, k, owner, kSkStorageSize);
    return kENOMEM;
  }
  storage->lock = env.new_lock(LockKind::kSpinIrq, "local_storage->lock");
  env.write(storage.id, field::kStorageSmap, "bpf_local_storage_alloc: storage->smap = smap");
  storage->smap = Ref<Smap>::of(&smap);
  storage->owner = owner;
  bpf_selem_link_storage_nolock(env, k, storage, first);
  bpf_selem_link_map(env, k, smap, first);
  // cmpxchg() returns a value and is fully ordered: the storage's list is visible before it is.
  const Order publish = k.bug(Bug::kStorageCmpxchgRelaxed) ? Order::kOnce : Order::kFull;
  const Ref<Storage> prev =
      owner_storage_cmpxchg(env, owner, storage, publish, "bpf_local_storage_alloc: cmpxchg(owner_storage_ptr, NULL, storage)");
  if (prev) {
    env.probe("storage cmpxchg lost");
    bpf_selem_unlink_map(env, k, first);
    bpf_local_storage_free(env, k, storage, &smap, smap_bpf_ma(smap), true, false);
    mem_uncharge(env, k, owner, kSkStorageSize);
    return kEAGAIN;
  }
  return 0;
}

// bpf_local_storage_update() (v6.18)
SdataOrErr bpf_local_storage_update(Env& env, Kernel& k, Ref<Owner> owner, Smap& smap,
                                    const Value& value, uint64_t map_flags, Gfp gfp) {
  if (k.v7_0()) return v7_0::bpf_local_storage_update(env, k, owner, smap, value, map_flags, gfp);
  const Traced traced(env, k, fn("bpf_local_storage_update"));
  if ((map_flags & ~kBpfFLock) > kBpfExist || ((map_flags & kBpfFLock) && !smap.has_spin_lock)) {
    return {{}, kEINVAL};
  }
  if (gfp == Gfp::kKernel && (map_flags & ~kBpfFLock) != kBpfNoexist) return {{}, kEINVAL};

  const Ref<Storage> storage = owner_storage_load(env, owner, "bpf_local_storage_update: owner->storage");
  bool empty = !storage;
  if (storage) {
    env.read(storage.id, field::kStorageList, "bpf_local_storage_update: hlist_empty");
    empty = storage->list.empty();
  }
  if (empty) {
    // The very first element for the owner.
    if (int err = check_flags(false, map_flags)) return {{}, err};
    const Ref<Selem> selem = bpf_selem_alloc(env, k, smap, owner, &value, gfp);
    if (!selem) return {{}, kENOMEM};
    if (int err = bpf_local_storage_alloc(env, k, owner, smap, selem, gfp)) {
      bpf_selem_free(env, k, selem, smap, true);
      mem_uncharge(env, k, owner, kSkElemSize);
      return {{}, err};
    }
    return {selem, 0};
  }

  if ((map_flags & kBpfFLock) && !(map_flags & kBpfNoexist)) {
    // Hoping for an in-place update without the storage lock.
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

  Ref<Selem> alloc_selem = bpf_selem_alloc(env, k, smap, owner, &value, gfp);
  Ref<Selem> selem = alloc_selem;
  if (!alloc_selem) return {{}, kENOMEM};
  SelemList old_free_list;
  int err = 0;
  env.lock(storage->lock, "bpf_local_storage_update: raw_spin_lock_irqsave(&local_storage->lock)");
  env.read(storage.id, field::kStorageList, "bpf_local_storage_update: hlist_empty (locked)");
  if (storage->list.empty()) {
    // A parallel delete is freeing the storage: no retry.
    env.probe("update found the storage emptied");
    err = kEAGAIN;
  } else {
    const Ref<Selem> old = bpf_local_storage_lookup(env, k, storage, smap, false);
    err = check_flags(bool(old), map_flags);
    if (err == 0 && old && (map_flags & kBpfFLock)) {
      copy_map_value_locked(env, smap, old, value);
      selem = old;
    } else if (err == 0) {
      alloc_selem = {};
      bpf_selem_link_map(env, k, smap, selem);
      bpf_selem_link_storage_nolock(env, k, storage, selem);
      if (old) {
        bpf_selem_unlink_map(env, k, old);
        bpf_selem_unlink_storage_nolock(env, k, storage, old, old_free_list);
      }
    }
  }
  env.unlock(storage->lock, "bpf_local_storage_update: raw_spin_unlock_irqrestore");
  bpf_selem_free_list(env, k, old_free_list, false);
  if (alloc_selem) {
    mem_uncharge(env, k, owner, kSkElemSize);
    bpf_selem_free(env, k, alloc_selem, smap, true);
  }
  if (err) return {{}, err};
  return {selem, 0};
}

// bpf_local_storage_destroy() (v6.18): the owner is going away; nothing else adds elements.
void bpf_local_storage_destroy(Env& env, Kernel& k, Ref<Storage> storage) {
  if (k.v7_0()) {
    (void)v7_0::bpf_local_storage_destroy(env, k, storage);
    return;
  }
  env.read(storage.id, field::kStorageSmap, "bpf_local_storage_destroy: local_storage->smap");
  Smap* storage_smap = storage->smap.p;
  SelemList free_list;
  bool free_storage = false;
  env.lock(storage->lock, "bpf_local_storage_destroy: raw_spin_lock_irqsave(&local_storage->lock)");
  env.read(storage.id, field::kStorageList, "bpf_local_storage_destroy: hlist_for_each_entry_safe");
  const std::vector<Ref<Selem>> all = storage->list;
  const bool bpf_ma = check_storage_bpf_ma(env, storage_smap, all.empty() ? Ref<Selem>{} : all.front());
  for (const Ref<Selem>& selem : all) {
    bpf_selem_unlink_map(env, k, selem);
    free_storage = bpf_selem_unlink_storage_nolock(env, k, storage, selem, free_list);
  }
  env.unlock(storage->lock, "bpf_local_storage_destroy: raw_spin_unlock_irqrestore");
  bpf_selem_free_list(env, k, free_list, true);
  if (free_storage) bpf_local_storage_free(env, k, storage, storage_smap, bpf_ma, true);
}

}  // namespace lsmc::model::kernel
