#include "model/linux/sk_storage_7_0.hpp"

#include <string>

#include "model/linux/asserts.hpp"
#include "model/linux/local_storage_7_0.hpp"
#include "model/linux/rcu_fields.hpp"

namespace lsmc::model::kernel::v7_0 {

namespace {
Ref<Owner> as_owner(Ref<Sock> sk) { return Ref<Owner>{sk.p, sk.id}; }
}  // namespace

// bpf_sk_storage_free() (net/core/bpf_sk_storage.c, v7.0): destroy() returns what the storage
// still has charged to the socket (a racing map_free uncharges its elements itself), which is
// subtracted here; then the socket's pointer is cleared.
void bpf_sk_storage_free(Env& env, Kernel& k, Ref<Sock> sk) {
  ++env.context().migrate_disabled;  // rcu_read_lock_dont_migrate()
  k.rcu.read_lock(env, RcuFlavour::kRcu);
  const Ref<Storage> storage = owner_storage_load(env, as_owner(sk), "bpf_sk_storage_free: sk->sk_bpf_storage");
  if (storage) {
    check_destroys_own_storage(env, sk, storage);
    const uint32_t uncharge = v7_0::bpf_local_storage_destroy(env, k, storage);
    if (uncharge != 0) {
      env.rmw(sk.id, field::kSockOmem, "bpf_sk_storage_free: atomic_sub(uncharge, &sk->sk_omem_alloc)");
      sk->omem -= uncharge;
    }
    owner_storage_store(env, as_owner(sk), {}, Order::kOnce, "bpf_sk_storage_free: RCU_INIT_POINTER(sk->sk_bpf_storage, NULL)");
  }
  k.rcu.read_unlock(env, RcuFlavour::kRcu);
  --env.context().migrate_disabled;  // rcu_read_unlock_migrate()
}

// bpf_sk_storage_del() (v7.0): bpf_selem_unlink()'s error (-EDEADLK, -ETIMEDOUT) is returned.
int bpf_sk_storage_del(Env& env, Kernel& k, Ref<Sock> sk, Smap& smap) {
  const Ref<Selem> sdata = bpf_sk_storage_lookup(env, k, sk, smap, false);
  if (!sdata) return kENOENT;
  return v7_0::bpf_selem_unlink(env, k, sdata);
}

// bpf_sk_storage_clone() (v7.0): as 6.18, with the failable bucket lock. When
// bpf_selem_link_map() fails for a later copy, "goto out" leaves that copy neither linked nor
// freed, and its charge on the new socket.
int bpf_sk_storage_clone(Env& env, Kernel& k, Sock& sk, Sock& newsk, bool fail_copy) {
  owner_storage_store(env, as_owner(Ref<Sock>::of(&newsk)), {}, Order::kOnce,
                      "bpf_sk_storage_clone: RCU_INIT_POINTER(newsk->sk_bpf_storage, NULL)");
  ++env.context().migrate_disabled;  // rcu_read_lock_dont_migrate()
  k.rcu.read_lock(env, RcuFlavour::kRcu);
  int ret = 0;
  const Ref<Storage> storage = owner_storage_load(env, as_owner(Ref<Sock>::of(&sk)), "bpf_sk_storage_clone: sk->sk_bpf_storage");
  Ref<Storage> new_storage;
  if (storage) {
    env.read(storage.id, field::kStorageList, "bpf_sk_storage_clone: hlist_for_each_entry_rcu");
    const std::vector<Ref<Selem>> all = storage->list;
    for (const Ref<Selem>& selem : all) {
      env.read(selem.id, field::kSelemSmap, "bpf_sk_storage_clone: SDATA(selem)->smap");
      const Ref<Smap> smap = selem->smap;
      if (!smap || !smap->clone) continue;
      // bpf_map_inc_not_zero(): the model's maps are freed only once no actor uses them.
      const Ref<Selem> copy = bpf_sk_storage_clone_elem(env, k, newsk, *smap.p, selem, fail_copy);
      if (!copy) {
        ret = kENOMEM;
        break;
      }
      if (new_storage) {
        ret = v7_0::bpf_selem_link_map(env, k, *smap.p, new_storage, copy);
        if (ret != 0) {
          env.probe("sk storage clone: bpf_selem_link_map failed, the copy is left behind");
          break;
        }
        bpf_selem_link_storage_nolock(env, k, new_storage, copy);
        continue;
      }
      ret = v7_0::bpf_local_storage_alloc(env, k, as_owner(Ref<Sock>::of(&newsk)), *smap.p, copy, Gfp::kAtomic);
      if (ret != 0) {
        v7_0::bpf_selem_free(env, k, copy, true);
        bpf_sk_storage_uncharge(env, k, Ref<Sock>::of(&newsk), kSkElemSize);  // atomic_sub(smap->elem_size, ...)
        break;
      }
      env.read(copy.id, field::kSelemStorage, "bpf_sk_storage_clone: copy_selem->local_storage");
      new_storage = copy->local_storage;
    }
  }
  k.rcu.read_unlock(env, RcuFlavour::kRcu);
  --env.context().migrate_disabled;
  return ret;
}

}  // namespace lsmc::model::kernel::v7_0
