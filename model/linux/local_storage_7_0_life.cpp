// kernel/bpf/bpf_local_storage.c as of v7.0: a map's and a storage's life,
// bpf_local_storage_map_alloc(), bpf_local_storage_destroy() and bpf_local_storage_map_free(),
// with bug 8's unarbitrated halves of the last two; split from local_storage_7_0.cpp.
#include <algorithm>
#include <string>

#include "model/linux/local_storage_7_0.hpp"

namespace lsmc::model::kernel::v7_0 {

namespace {

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
