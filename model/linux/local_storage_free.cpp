// kernel/bpf/bpf_local_storage.c (v6.18): allocating and freeing elements and storages, and the
// grace periods a free waits for (split from local_storage.cpp; one model function per kernel
// function).
#include <string>

#include "model/linux/local_storage.hpp"
#include "model/linux/local_storage_7_0.hpp"
#include "model/linux/rcu_fields.hpp"
#include "model/linux/sk_storage.hpp"
#include "model/linux/special_fields.hpp"

namespace lsmc::model::kernel {

namespace {

bool raw_freed_by_canary(Env& env, Kernel& k, Ref<Selem> selem, Smap& smap) {
  if (!k.bug(Bug::kCanary)) return false;
  env.probe("canary: freed without a grace period");
  smap.selem_ma.raw_free(env, selem, "bpf_selem_free (canary: no grace period)");
  return true;
}

}  // namespace

// bpf_selem_alloc() (v6.18): charges the owner first (sk storage), uncharges when it fails.
Ref<Selem> bpf_selem_alloc(Env& env, Kernel& k, Smap& smap, Ref<Owner> owner, const Value* value,
                           Gfp gfp) {
  if (k.v7_0()) return v7_0::bpf_selem_alloc(env, k, smap, owner, value, gfp);
  const Traced traced(env, k, fn("bpf_selem_alloc"));
  if (mem_charge(env, k, owner, kSkElemSize) != 0) return {};
  Ref<Selem> selem;
  if (smap.use_kmalloc_nolock) {
    // 6.19 (bug 13): kmalloc_nolock() needs cmpxchg_double; without it, it always fails.
    if (!k.knobs().cmpxchg_double) {
      env.probe("kmalloc_nolock cannot allocate here");
    } else if (env.fault("kmalloc_nolock: out of memory?")) {
      env.probe("alloc failed");
    } else {
      selem = Ref<Selem>::of(k.kzalloc_selem(env, "bpf_selem_alloc: kmalloc_nolock"));
    }
  } else if (smap.bpf_ma) {
    if (gfp == Gfp::kKernel) env.might_sleep("bpf_mem_cache_alloc_flags(GFP_KERNEL)");
    selem = smap.selem_ma.alloc(env, "bpf_selem_alloc");
  } else {
    // bpf_map_kzalloc(): kmalloc takes spinlock_t, which PREEMPT_RT turns into a sleeping lock.
    if (gfp == Gfp::kKernel || k.knobs().preempt_rt) {
      env.might_sleep(k.knobs().preempt_rt ? "bpf_map_kzalloc: kmalloc on PREEMPT_RT (rt_spin_lock)"
                                           : "bpf_map_kzalloc(GFP_KERNEL)");
    }
    if (env.fault("bpf_map_kzalloc: out of memory?")) {
      env.probe("alloc failed");
    } else {
      selem = Ref<Selem>::of(k.kzalloc_selem(env, "bpf_selem_alloc: bpf_map_kzalloc"));
    }
  }
  if (!selem) {
    mem_uncharge(env, k, owner, kSkElemSize);
    return {};
  }
  if (value != nullptr) {
    copy_map_value(env, k, smap, selem, *value);
    bpf_obj_swap_uptrs(env, smap, selem, *value);  // swap_uptrs: the syscall update's pins move in
  }
  return selem;
}

// bpf_selem_free_rcu() (v6.18): the last step of a deferred free. It reads SDATA(selem)->smap
// (bpf_local_storage_map_free waits in rcu_barrier for exactly this).
void bpf_selem_free_rcu(Env& env, Kernel& k, Ref<Selem> selem) {
  env.read(selem.id, field::kSelemSmap, "bpf_selem_free_rcu: sdata->smap");
  Ref<Smap> smap = selem->smap;
  bpf_obj_free_fields(env, k, *smap.p, selem, "bpf_selem_free_rcu: bpf_obj_free_fields(smap->map.record)");
  smap->selem_ma.raw_free(env, selem, "bpf_selem_free_rcu: bpf_mem_cache_raw_free");
}

// bpf_selem_free_trace_rcu() (v6.18): after a Tasks Trace grace period.
void bpf_selem_free_trace_rcu(Env& env, Kernel& k, Ref<Selem> selem) {
  if (k.rcu.knobs().trace_implies_rcu_gp || k.bug(Bug::kTraceImpliesRcuAssumed)) {
    bpf_selem_free_rcu(env, k, selem);
  } else {
    k.rcu.call(env, RcuFlavour::kRcu, [&k, selem](Env& e) { bpf_selem_free_rcu(e, k, selem); },
               "bpf_selem_free_trace_rcu: call_rcu");
  }
}

// The deferred free of a selem that programs may still hold: a Tasks Trace grace period.
void call_rcu_tasks_trace_selem(Env& env, Kernel& k, Ref<Selem> selem) {
  auto cb = [&k, selem](Env& e) { bpf_selem_free_trace_rcu(e, k, selem); };
  if (k.bug(Bug::kSleepablePlainRcu)) {
    k.rcu.call(env, RcuFlavour::kRcu, [&k, selem](Env& e) { bpf_selem_free_rcu(e, k, selem); },
               "bpf_selem_free: call_rcu (bug 9: no Tasks Trace grace period)");
    return;
  }
  k.call_rcu_tasks_trace(env, cb, "bpf_selem_free: call_rcu_tasks_trace");
}

// bpf_selem_free() (v6.18)
void bpf_selem_free(Env& env, Kernel& k, Ref<Selem> selem, Smap& smap, bool reuse_now) {
  if (k.v7_0()) return v7_0::bpf_selem_free(env, k, selem, reuse_now);
  const Traced traced(env, k, fn("bpf_selem_free"));
  if (!smap_bpf_ma(smap)) {
    // The fields go now, whatever reuse_now says ("Only task storage has uptrs and task storage
    // has moved to bpf_mem_alloc"); then __bpf_selem_free(): kfree_rcu, or call_rcu_tasks_trace
    // then kfree(_rcu).
    bpf_obj_free_fields(env, k, smap, selem, "bpf_selem_free: bpf_obj_free_fields");
    if (raw_freed_by_canary(env, k, selem, smap)) return;
    if (reuse_now) {
      k.rcu.call(env, RcuFlavour::kRcu, [selem](Env& e) { e.free(selem.id, "kfree_rcu(selem)"); },
                 "__bpf_selem_free: kfree_rcu");
      return;
    }
    k.rcu.call(env, RcuFlavour::kTasksTrace, [&k, selem](Env& e) {
      if (k.rcu.knobs().trace_implies_rcu_gp) {
        e.free(selem.id, "__bpf_selem_free_trace_rcu: kfree");
      } else {
        k.rcu.call(e, RcuFlavour::kRcu, [selem](Env& e2) { e2.free(selem.id, "kfree_rcu(selem)"); },
                   "__bpf_selem_free_trace_rcu: kfree_rcu");
      }
    }, "__bpf_selem_free: call_rcu_tasks_trace");
    return;
  }
  if (reuse_now) {
    // Owner or map destruction: no program can hold the selem; reusable at once.
    bpf_obj_free_fields(env, k, smap, selem, "bpf_selem_free: bpf_obj_free_fields");
    smap.selem_ma.free(env, selem, "bpf_selem_free: bpf_mem_cache_free");
    return;
  }
  if (raw_freed_by_canary(env, k, selem, smap)) return;
  call_rcu_tasks_trace_selem(env, k, selem);
}

// bpf_selem_free_list() (v6.18)
void bpf_selem_free_list(Env& env, Kernel& k, SelemList& list, bool reuse_now) {
  for (Ref<Selem> selem : list) {
    env.read(selem.id, field::kSelemSmap, "bpf_selem_free_list: sdata->smap");
    bpf_selem_free(env, k, selem, *selem->smap.p, reuse_now);
  }
  list.clear();
}

// bpf_local_storage_free_rcu() (v6.18)
void bpf_local_storage_free_rcu(Env& env, Kernel& k, Ref<Storage> storage) {
  (void)k;
  env.free(storage.id, "bpf_local_storage_free_rcu: bpf_mem_cache_raw_free");
}

// lsmc's invariant (not a kernel assertion), paired with the owner side: a storage is freed only
// when no live owner points at it any more and its list is empty. The one exception is a storage
// that was never published: bpf_local_storage_alloc() frees the loser of the cmpxchg race with its
// first element still on the list (callers pass published = false). A half-built child
// (copy_process before RCU_INIT_POINTER(p->bpf_storage, NULL)) holds its parent's pointer as
// dup_task_struct copied it; it is not an owner yet and is not counted.
void check_storage_free(Env& env, Kernel& k, Ref<Storage> storage, bool published) {
  if (!published) return;
  env.check(storage->list.empty(), "invariant",
            "bpf_local_storage_free of a storage whose list still holds " + std::to_string(storage->list.size()) +
                " element(s)");
  auto points_here = [&](const Owner& o) { return o.bpf_storage.p == storage.p && o.bpf_storage.id == storage.id; };
  // The messages are built only for a finding: this runs at every free, over every owner.
  for (const auto& t : k.tasks()) {
    const bool owner = t->state != Task::State::kFreed && t->state != Task::State::kForking;
    if (owner && points_here(*t)) env.fail("invariant", "bpf_local_storage_free of the storage " + t->name + "->bpf_storage still points at");
  }
  for (const auto& c : k.cgroups()) {
    if (points_here(*c)) env.fail("invariant", "bpf_local_storage_free of the storage " + c->name + "->bpf_cgrp_storage still points at");
  }
  for (const auto& sk : k.socks()) {
    if (sk->state != Sock::State::kFreed && points_here(*sk)) {
      env.fail("invariant", "bpf_local_storage_free of the storage " + sk->name + "->sk_bpf_storage still points at");
    }
  }
  for (const auto& inode : k.inodes()) {
    if (inode->state != Inode::State::kFreed && points_here(*inode)) {
      env.fail("invariant", "bpf_local_storage_free of the storage " + inode->name + "'s BPF LSM blob still points at");
    }
  }
}

// bpf_local_storage_free() (v6.18)
void bpf_local_storage_free(Env& env, Kernel& k, Ref<Storage> storage, Smap* smap, bool bpf_ma,
                            bool reuse_now, bool published) {
  if (!storage) return;
  check_storage_free(env, k, storage, published);
  if (!bpf_ma) {
    // __bpf_local_storage_free()
    if (reuse_now) {
      k.rcu.call(env, RcuFlavour::kRcu, [storage](Env& e) { e.free(storage.id, "kfree_rcu(storage)"); },
                 "__bpf_local_storage_free: kfree_rcu");
    } else {
      k.rcu.call(env, RcuFlavour::kTasksTrace, [&k, storage](Env& e) {
        if (k.rcu.knobs().trace_implies_rcu_gp) {
          e.free(storage.id, "__bpf_local_storage_free_trace_rcu: kfree");
        } else {
          k.rcu.call(e, RcuFlavour::kRcu, [storage](Env& e2) { e2.free(storage.id, "kfree_rcu(storage)"); },
                     "__bpf_local_storage_free_trace_rcu: kfree_rcu");
        }
      }, "__bpf_local_storage_free: call_rcu_tasks_trace");
    }
    return;
  }
  if (!reuse_now) {
    // bpf_local_storage_free_trace_rcu()
    k.call_rcu_tasks_trace(env, [&k, storage](Env& e) {
      if (k.rcu.knobs().trace_implies_rcu_gp || k.bug(Bug::kTraceImpliesRcuAssumed)) {
        bpf_local_storage_free_rcu(e, k, storage);
      } else {
        k.rcu.call(e, RcuFlavour::kRcu, [&k, storage](Env& e2) { bpf_local_storage_free_rcu(e2, k, storage); },
                   "bpf_local_storage_free_trace_rcu: call_rcu");
      }
    }, "bpf_local_storage_free: call_rcu_tasks_trace");
    return;
  }
  if (smap != nullptr) {
    smap->storage_ma.free(env, storage, "bpf_local_storage_free: bpf_mem_cache_free");
  } else {
    k.rcu.call(env, RcuFlavour::kRcu, [&k, storage](Env& e) { bpf_local_storage_free_rcu(e, k, storage); },
               "bpf_local_storage_free: call_rcu (smap gone)");
  }
}

}  // namespace lsmc::model::kernel
