// kernel/bpf/bpf_local_storage.c as of v7.0: allocating and freeing elements and storages
// (kmalloc_nolock or kzalloc, kfree_nolock or kfree after the grace periods); split from
// local_storage_7_0.cpp.
#include <string>

#include "model/linux/local_storage_7_0.hpp"
#include "model/linux/rcu_fields.hpp"
#include "model/linux/sk_storage.hpp"
#include "model/linux/special_fields.hpp"

namespace lsmc::model::kernel::v7_0 {

namespace {

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

}  // namespace

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

}  // namespace lsmc::model::kernel::v7_0
