#include "model/linux/sk_storage.hpp"

#include "model/linux/asserts.hpp"
#include "model/linux/rcu_fields.hpp"
#include "model/linux/sk_storage_7_0.hpp"

namespace lsmc::model::kernel {

namespace {
Ref<Owner> as_owner(Ref<Sock> sk) { return Ref<Owner>{sk.p, sk.id}; }
}  // namespace

// bpf_sk_storage_map_alloc() (net/core/bpf_sk_storage.c, v6.18): bpf_local_storage_map_alloc()
// with sk_cache and bpf_ma = false (sk storage stays on kzalloc, unless PREEMPT_RT forces it).
SmapOrErr bpf_sk_storage_map_alloc(Env& env, Kernel& k, const MapAttr& attr) {
  const Traced traced(env, k, fn("bpf_sk_storage_map_alloc"));
  return bpf_local_storage_map_alloc(env, k, attr, k.idx_cache(OwnerKind::kSock), false);
}

Smap& bpf_sk_storage_map_alloc(Env& env, Kernel& k, std::string name) {
  MapAttr attr;
  attr.type = OwnerKind::kSock;
  attr.name = std::move(name);
  return setup_map(env, k, attr);
}

// bpf_sk_storage_charge() (v6.18): "size <= optmem_max && atomic_read(&sk->sk_omem_alloc) + size <
// optmem_max", then atomic_add; else -ENOMEM.
int bpf_sk_storage_charge(Env& env, Kernel& k, Ref<Sock> sk, uint32_t size) {
  env.rmw(sk.id, field::kSockOmem, "bpf_sk_storage_charge: atomic_add(size, &sk->sk_omem_alloc)");
  const uint32_t optmem_max = k.knobs().optmem_max;
  if (size <= optmem_max && sk->omem + size < optmem_max) {
    sk->omem += size;
    return 0;
  }
  env.probe("sk storage charge refused (optmem_max)");
  return kENOMEM;
}

// bpf_sk_storage_uncharge() (v6.18): atomic_sub(size, &sk->sk_omem_alloc).
void bpf_sk_storage_uncharge(Env& env, Kernel& k, Ref<Sock> sk, uint32_t size) {
  (void)k;
  env.rmw(sk.id, field::kSockOmem, "bpf_sk_storage_uncharge: atomic_sub(size, &sk->sk_omem_alloc)");
  sk->omem -= size;
}

// bpf_sk_storage_lookup() (v6.18)
Ref<Selem> bpf_sk_storage_lookup(Env& env, Kernel& k, Ref<Sock> sk, const Smap& smap, bool cacheit) {
  const Ref<Storage> storage = owner_storage_load(env, as_owner(sk), "bpf_sk_storage_lookup: sk->sk_bpf_storage");
  if (!storage) return {};
  return bpf_local_storage_lookup(env, k, storage, smap, cacheit);
}

// lsmc's invariant (not a kernel assertion), both profiles: an owner destroys only its own storage
// (or one a racing map free has just emptied, whose owner it cleared).
void check_destroys_own_storage(Env& env, Ref<Sock> sk, Ref<Storage> storage) {
  env.read(storage.id, field::kStorageOwner, "bpf_sk_storage_free: (lsmc) local_storage->owner");
  const bool own = !storage->owner || storage->owner.p == sk.p;
  env.check(own, "invariant",
            "bpf_sk_storage_free of " + sk->name + " destroys the storage of " +
                (storage->owner ? storage->owner->name : std::string()) + " (" + sk->name +
                "->sk_bpf_storage still holds the pointer sock_copy() copied)");
}

// bpf_sk_storage_free() (v6.18): from __sk_destruct(), when the last reference is gone. The sk
// storage functions are not attach points: bpf_sk_storage_tracing_allowed() refuses fentry/fexit
// programs on bpf_sk_storage* (and __sk_destruct is not in the table yet).
void bpf_sk_storage_free(Env& env, Kernel& k, Ref<Sock> sk) {
  if (k.v7_0()) return v7_0::bpf_sk_storage_free(env, k, sk);
  ++env.context().migrate_disabled;
  k.rcu.read_lock(env, RcuFlavour::kRcu);
  const Ref<Storage> storage = owner_storage_load(env, as_owner(sk), "bpf_sk_storage_free: sk->sk_bpf_storage");
  if (storage) {
    check_destroys_own_storage(env, sk, storage);
    bpf_local_storage_destroy(env, k, storage);
  }
  k.rcu.read_unlock(env, RcuFlavour::kRcu);
  --env.context().migrate_disabled;
}

Fd sockfd_of(Sock& sk) {
  Fd fd;
  fd.kind = Fd::Kind::kSocket;
  fd.sock = &sk;
  return fd;
}

// bpf_fd_sk_storage_lookup_elem() (v6.18): sockfd_lookup(), bpf_sk_storage_lookup(.., true).
LookupResult bpf_fd_sk_storage_lookup_elem(Env& env, Kernel& k, Smap& smap, const Fd& fd) {
  if (fd.kind != Fd::Kind::kSocket || fd.sock == nullptr) return {kENOTSOCK, {}};
  const Ref<Selem> sdata = bpf_sk_storage_lookup(env, k, Ref<Sock>::of(fd.sock), smap, true);
  if (!sdata) return {kENOENT, {}};
  return {0, bpf_map_copy_value(env, sdata)};
}

// bpf_fd_sk_storage_update_elem() (v6.18)
int bpf_fd_sk_storage_update_elem(Env& env, Kernel& k, Smap& smap, const Fd& fd, const Value& value, uint64_t flags) {
  if (fd.kind != Fd::Kind::kSocket || fd.sock == nullptr) return kENOTSOCK;
  const SdataOrErr r = bpf_local_storage_update(env, k, as_owner(Ref<Sock>::of(fd.sock)), smap, value, flags, Gfp::kAtomic);
  return r.err;
}

namespace {
// bpf_sk_storage_del() (v6.18)
int bpf_sk_storage_del(Env& env, Kernel& k, Ref<Sock> sk, Smap& smap) {
  if (k.v7_0()) return v7_0::bpf_sk_storage_del(env, k, sk, smap);
  const Ref<Selem> sdata = bpf_sk_storage_lookup(env, k, sk, smap, false);
  if (!sdata) return kENOENT;
  bpf_selem_unlink(env, k, sdata, false);
  return 0;
}
}  // namespace

// bpf_fd_sk_storage_delete_elem() (v6.18)
int bpf_fd_sk_storage_delete_elem(Env& env, Kernel& k, Smap& smap, const Fd& fd) {
  if (fd.kind != Fd::Kind::kSocket || fd.sock == nullptr) return kENOTSOCK;
  return bpf_sk_storage_del(env, k, Ref<Sock>::of(fd.sock), smap);
}

// bpf_sk_storage_get() (v6.18): "Cannot add new elem to a going away sk. Otherwise, the new elem
// may become a leak": creation only under refcount_inc_not_zero(&sk->sk_refcnt).
Ref<Selem> bpf_sk_storage_get(Env& env, Kernel& k, Smap& smap, Ref<Sock> sk, const Value* value,
                              uint64_t flags, Gfp gfp) {
  warn_on_once(env, !bpf_rcu_lock_held(env), "!bpf_rcu_lock_held()", "bpf_sk_storage_get");
  if (!sk || (flags & ~kGetFCreate)) return {};
  Ref<Selem> sdata = bpf_sk_storage_lookup(env, k, sk, smap, true);
  if (sdata || !(flags & kGetFCreate)) return sdata;
  env.rmw(sk.id, field::kOwnerUsage, "bpf_sk_storage_get: refcount_inc_not_zero(&sk->sk_refcnt)");
  if (sk->refcnt == 0) {
    env.probe("sk storage get refused on a going-away sk");
    return {};
  }
  ++sk->refcnt;
  const Value zero;
  const SdataOrErr r = bpf_local_storage_update(env, k, as_owner(sk), smap, value ? *value : zero, kBpfNoexist, gfp);
  sock_put(env, k, sk);
  return r.err ? Ref<Selem>{} : r.sdata;
}

// bpf_sk_storage_delete() (v6.18)
int bpf_sk_storage_delete(Env& env, Kernel& k, Smap& smap, Ref<Sock> sk) {
  warn_on_once(env, !bpf_rcu_lock_held(env), "!bpf_rcu_lock_held()", "bpf_sk_storage_delete");
  if (!sk) return -kEINVAL;
  env.rmw(sk.id, field::kOwnerUsage, "bpf_sk_storage_delete: refcount_inc_not_zero(&sk->sk_refcnt)");
  if (sk->refcnt == 0) return -kENOENT;
  ++sk->refcnt;
  const int err = bpf_sk_storage_del(env, k, sk, smap);
  sock_put(env, k, sk);
  return -err;
}

// bpf_sk_storage_clone_elem() (v6.18 and v7.0): a copy of `selem`'s value for the new socket,
// charged to it.
Ref<Selem> bpf_sk_storage_clone_elem(Env& env, Kernel& k, Sock& newsk, Smap& smap, Ref<Selem> selem, bool fail) {
  if (fail) {
    env.probe("sk storage clone: a copy's allocation failed");
    return {};
  }
  env.read(selem.id, field::kSelemData, "bpf_sk_storage_clone_elem: copy_map_value");
  const Value value = selem->value;
  return bpf_selem_alloc(env, k, smap, as_owner(Ref<Sock>::of(&newsk)), &value, Gfp::kAtomic);
}

// bpf_sk_storage_clone() (v6.18). "In case of an error, don't free anything explicitly here, the
// caller is responsible to call bpf_sk_storage_free."
int bpf_sk_storage_clone(Env& env, Kernel& k, Sock& sk, Sock& newsk, bool fail_copy) {
  if (k.v7_0()) return v7_0::bpf_sk_storage_clone(env, k, sk, newsk, fail_copy);
  owner_storage_store(env, as_owner(Ref<Sock>::of(&newsk)), {}, Order::kOnce,
                      "bpf_sk_storage_clone: RCU_INIT_POINTER(newsk->sk_bpf_storage, NULL)");
  ++env.context().migrate_disabled;
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
        bpf_selem_link_map(env, k, *smap.p, copy);
        bpf_selem_link_storage_nolock(env, k, new_storage, copy);
        continue;
      }
      ret = bpf_local_storage_alloc(env, k, as_owner(Ref<Sock>::of(&newsk)), *smap.p, copy, Gfp::kAtomic);
      if (ret != 0) {
        bpf_selem_free(env, k, copy, *smap.p, true);
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

// sk_clone_lock() (net/core/sock.c, v6.18), reduced to what touches sk storage: sock_copy()
// copies the listener, sk_bpf_storage included; sk_filter_charge() and xfrm_sk_clone_policy()
// may fail before bpf_sk_storage_clone() resets that pointer; every failure frees the copy with
// sk_free_unlock_clone() ("It is still raw copy of parent ... make plain sk_free()").
Sock* sk_clone_lock(Env& env, Kernel& k, Sock& sk, CloneFailure fail) {
  Sock& newsk = k.new_sock(sk.name + "-clone");
  newsk.id = env.alloc(kSockType, "sk_clone_lock: sk_prot_alloc");
  env.read(sk.id, field::kOwnerStorage, "sk_clone_lock: sock_copy (memcpy of the listener)");
  owner_storage_copy(newsk, sk);
  newsk.rcu_free = sk.rcu_free;
  newsk.omem = 0;          // atomic_set(&newsk->sk_omem_alloc, 0)
  newsk.refcnt = 1;        // sk_free() drops the one sk_wmem_alloc reference of a failed copy
  auto free_clone = [&] {  // sk_free_unlock_clone()
    env.probe("sk_clone_lock failed");
    sock_put(env, k, Ref<Sock>::of(&newsk));
    return nullptr;
  };
  if (fail == CloneFailure::kFilterCharge) return free_clone();
  if (bpf_sk_storage_clone(env, k, sk, newsk, fail == CloneFailure::kStorageCopy) != 0) return free_clone();
  env.write(newsk.id, field::kOwnerUsage, "sk_clone_lock: refcount_set(&newsk->sk_refcnt, 2)");
  newsk.refcnt = 2;
  return &newsk;
}

// sk_alloc() (net/core/sock.c, v6.18), reduced: one reference, nothing charged.
Sock& sk_alloc(Env& env, Kernel& k, std::string name, bool rcu_free) {
  Sock& sk = k.new_sock(std::move(name));
  sk.id = env.alloc(kSockType, "sk_alloc: sk_prot_alloc");
  sk.refcnt = 1;
  sk.rcu_free = rcu_free;
  return sk;
}

// sock_put() (include/net/sock.h, v6.18): the last reference frees the socket (sk_free, whose
// sk_wmem_alloc the model does not keep).
void sock_put(Env& env, Kernel& k, Ref<Sock> sk) {
  env.rmw(sk.id, field::kOwnerUsage, "sock_put: refcount_dec_and_test(&sk->sk_refcnt)");
  if (--sk->refcnt == 0) sk_destruct(env, k, sk);
}

// sk_destruct() (v6.18): SOCK_RCU_FREE sockets are destructed after a grace period.
void sk_destruct(Env& env, Kernel& k, Ref<Sock> sk) {
  env.write(sk.id, field::kOwnerState, "sk_destruct");
  sk->state = Sock::State::kDestructing;
  if (sk->rcu_free) {
    k.rcu.call(env, RcuFlavour::kRcu, [&k, sk](Env& e) { __sk_destruct(e, k, sk); }, "sk_destruct: call_rcu(__sk_destruct)");
    return;
  }
  __sk_destruct(env, k, sk);
}

// __sk_destruct() (v6.18): the storage goes, then the charge must be back to zero ("optmem
// leakage (%d bytes) detected", a pr_debug in the kernel; a check here), then the socket.
void __sk_destruct(Env& env, Kernel& k, Ref<Sock> sk) {
  bpf_sk_storage_free(env, k, sk);
  env.read(sk.id, field::kSockOmem, "__sk_destruct: atomic_read(&sk->sk_omem_alloc)");
  env.check(sk->omem == 0, "kernel-warning",
            "__sk_destruct: optmem leakage (" + std::to_string(sk->omem) + " bytes) detected on " + sk->name);
  // lsmc's invariant, the owner side of check_storage_free(): no storage is left on it.
  env.read(sk.id, field::kOwnerStorage, "__sk_destruct: (lsmc) sk->sk_bpf_storage");
  env.check(!sk->bpf_storage, "invariant",
            "__sk_destruct of " + sk->name + " while " + sk->name + "->sk_bpf_storage still points at a storage: "
            "nothing will free it");
  env.write(sk.id, field::kOwnerState, "__sk_destruct: sk_prot_free");
  sk->state = Sock::State::kFreed;
  env.free(sk.id, "__sk_destruct: sk_prot_free");
}

}  // namespace lsmc::model::kernel
