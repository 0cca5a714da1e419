#include "model/linux/sk_storage.hpp"

#include "model/linux/asserts.hpp"

namespace lsmc::model::kernel {

namespace {
Ref<Owner> as_owner(Ref<Sock> sk) { return Ref<Owner>{sk.p, sk.id}; }
}  // namespace

// bpf_sk_storage_map_alloc() (net/core/bpf_sk_storage.c, v6.18): bpf_local_storage_map_alloc()
// with sk_cache and bpf_ma = false (sk storage stays on kzalloc).
Smap& bpf_sk_storage_map_alloc(Env& env, Kernel& k, std::string name) {
  IdxCache& cache = k.idx_cache(OwnerKind::kSock);
  if (cache.idx_lock == kNoObject) cache.idx_lock = env.new_lock(LockKind::kSpinT, "sk_cache.idx_lock");
  Smap& smap = bpf_local_storage_map_alloc(env, k, OwnerKind::kSock, std::move(name), false);
  smap.bpf_ma = false;
  return smap;
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

// bpf_sk_storage_free() (v6.18): from __sk_destruct(), when the last reference is gone. The sk
// storage functions are not attach points: bpf_sk_storage_tracing_allowed() refuses fentry/fexit
// programs on bpf_sk_storage* (and __sk_destruct is not in the table yet).
void bpf_sk_storage_free(Env& env, Kernel& k, Ref<Sock> sk) {
  ++env.context().migrate_disabled;
  k.rcu.read_lock(env, RcuFlavour::kRcu);
  const Ref<Storage> storage = owner_storage_load(env, as_owner(sk), "bpf_sk_storage_free: sk->sk_bpf_storage");
  if (storage) bpf_local_storage_destroy(env, k, storage);
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
  env.write(sk.id, field::kOwnerState, "__sk_destruct: sk_prot_free");
  sk->state = Sock::State::kFreed;
  env.free(sk.id, "__sk_destruct: sk_prot_free");
}

}  // namespace lsmc::model::kernel
