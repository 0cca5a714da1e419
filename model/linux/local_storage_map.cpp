// kernel/bpf/bpf_local_storage.c (v6.18): a map's life, its cache index, bpf_local_storage_map_alloc()
// and bpf_local_storage_map_free() (split from local_storage.cpp).
#include <string>

#include "model/linux/local_storage.hpp"
#include "model/linux/local_storage_7_0.hpp"

namespace lsmc::model::kernel {

// bpf_local_storage_cache_idx_get() (v6.18): least-used slot, lowest index on ties, stop at 0.
uint16_t bpf_local_storage_cache_idx_get(Env& env, IdxCache& cache) {
  if (cache.idx_lock == kNoObject) cache.idx_lock = env.new_lock(LockKind::kSpinT, cache.name);
  env.lock(cache.idx_lock, "bpf_local_storage_cache_idx_get: spin_lock(&cache->idx_lock)");
  uint64_t min_usage = UINT64_MAX;
  uint16_t res = 0;
  for (uint16_t i = 0; i < kCacheSize; ++i) {
    if (cache.usage[i] < min_usage) {
      min_usage = cache.usage[i];
      res = i;
      if (min_usage == 0) break;
    }
  }
  if (min_usage > 0) env.probe("cache slot shared by two maps");
  ++cache.usage[res];
  env.unlock(cache.idx_lock, "bpf_local_storage_cache_idx_get: spin_unlock");
  return res;
}

// bpf_local_storage_cache_idx_free() (v6.18)
void bpf_local_storage_cache_idx_free(Env& env, IdxCache& cache, uint16_t idx) {
  env.lock(cache.idx_lock, "bpf_local_storage_cache_idx_free: spin_lock(&cache->idx_lock)");
  --cache.usage[idx];
  env.unlock(cache.idx_lock, "bpf_local_storage_cache_idx_free: spin_unlock");
}

namespace {
// bpf_mem_alloc_init() (kernel/bpf/memalloc.c, v6.18): the per-CPU caches, prefilled; fails with
// -ENOMEM (alloc_percpu or the prefill).
int bpf_mem_alloc_init(Env& env, Kernel& k, std::string_view which) {
  const Traced traced(env, k, fn("bpf_mem_alloc_init"));
  return env.fault(which) ? kENOMEM : 0;
}
}  // namespace

// bpf_local_storage_map_alloc() (v6.18): each failure unwinds through free_smap; the cache index,
// taken last, cannot fail. PREEMPT_RT forces bpf_mem_alloc on every storage type (bug 12's fix,
// which the mutant leaves out).
SmapOrErr bpf_local_storage_map_alloc(Env& env, Kernel& k, const MapAttr& attr, IdxCache& cache, bool bpf_ma) {
  if (k.v7_0()) return v7_0::bpf_local_storage_map_alloc(env, k, attr, cache, bpf_ma);
  const Traced traced(env, k, fn("bpf_local_storage_map_alloc"));
  if (env.fault("bpf_map_area_alloc(sizeof(*smap)): out of memory?")) return {nullptr, kENOMEM};
  Smap& smap = k.new_smap(attr.name);
  smap.id = env.alloc(kSmapType, "bpf_local_storage_map_alloc");
  smap.type = attr.type;
  smap.clone = attr.clone;
  uint32_t nbuckets = 1;
  while (nbuckets < k.knobs().cpus) nbuckets <<= 1;  // roundup_pow_of_two(num_possible_cpus())
  // At least two buckets: select_bucket() is undefined with one (bug 18).
  if (!k.bug(Bug::kSingleBucket)) nbuckets = std::max<uint32_t>(2, nbuckets);
  uint32_t log = 0;
  while ((1u << log) < nbuckets) ++log;
  smap.bucket_log = log;
  if (env.fault("bpf_map_kvcalloc(smap->buckets): out of memory?")) {
    env.free(smap.id, "bpf_local_storage_map_alloc: free_smap: bpf_map_area_free(smap)");
    return {nullptr, kENOMEM};
  }
  smap.buckets.resize(nbuckets);
  for (Bucket& b : smap.buckets) b.lock = env.new_lock(LockKind::kSpinIrq, "b->lock");
  smap.bpf_ma = (k.knobs().preempt_rt && !k.bug(Bug::kAllocInAtomicRt)) || bpf_ma;
  if (smap.bpf_ma) {
    int err = bpf_mem_alloc_init(env, k, "bpf_mem_alloc_init(&smap->selem_ma): out of memory?");
    if (err == 0) {
      err = bpf_mem_alloc_init(env, k, "bpf_mem_alloc_init(&smap->storage_ma): out of memory?");
      if (err) smap.selem_ma.destroy(env);  // bpf_mem_alloc_destroy(&smap->selem_ma)
    }
    if (err) {
      smap.buckets.clear();  // kvfree(smap->buckets)
      env.free(smap.id, "bpf_local_storage_map_alloc: free_smap: bpf_map_area_free(smap)");
      return {nullptr, err};
    }
  }
  smap.use_kmalloc_nolock = k.bug(Bug::kNolockAllocFails);
  smap.cache_idx = bpf_local_storage_cache_idx_get(env, cache);
  return {&smap, 0};
}

Smap& bpf_local_storage_map_alloc(Env& env, Kernel& k, OwnerKind type, std::string name, bool has_spin_lock) {
  MapAttr attr;
  attr.type = type;
  attr.name = std::move(name);
  attr.fields.spin_lock = has_spin_lock;
  return setup_map(env, k, attr);
}

// bpf_local_storage_map_free() (v6.18), called from the map's free work (it may sleep).
void bpf_local_storage_map_free(Env& env, Kernel& k, Smap& smap, Kernel::Busy* busy) {
  if (k.v7_0()) return v7_0::bpf_local_storage_map_free(env, k, smap);
  bpf_local_storage_cache_idx_free(env, k.idx_cache(smap.type), smap.cache_idx);
  k.rcu.synchronize(env, RcuFlavour::kRcu);
  for (Bucket& b : smap.buckets) {
    k.rcu.read_lock(env, RcuFlavour::kRcu);
    for (;;) {
      env.read(smap.id, field::kSmapBuckets, "bpf_local_storage_map_free: hlist_first_rcu(&b->list)");
      if (b.list.empty()) break;
      const Ref<Selem> selem = b.list.front();
      const uint16_t cpu = env.context().cpu;
      if (busy != nullptr) {
        ++env.context().migrate_disabled;  // migrate_disable()
        env.rmw(busy->obj[cpu], field::kBusyCount, "bpf_local_storage_map_free: this_cpu_inc(busy)");
        ++busy->count[cpu];
      }
      bpf_selem_unlink(env, k, selem, true);
      if (busy != nullptr) {
        env.rmw(busy->obj[cpu], field::kBusyCount, "bpf_local_storage_map_free: this_cpu_dec(busy)");
        --busy->count[cpu];
        --env.context().migrate_disabled;  // migrate_enable()
      }
      // cond_resched_rcu()
      k.rcu.read_unlock(env, RcuFlavour::kRcu);
      k.rcu.read_lock(env, RcuFlavour::kRcu);
    }
    k.rcu.read_unlock(env, RcuFlavour::kRcu);
  }
  k.rcu.synchronize(env, RcuFlavour::kRcu);
  if (smap_bpf_ma(smap)) {
    k.rcu.barrier(env, RcuFlavour::kTasksTrace);
    if (!k.rcu.knobs().trace_implies_rcu_gp) k.rcu.barrier(env, RcuFlavour::kRcu);
    smap.selem_ma.destroy(env);
    smap.storage_ma.destroy(env);
  }
  env.free(smap.id, "bpf_local_storage_map_free: bpf_map_area_free");
}

}  // namespace lsmc::model::kernel
