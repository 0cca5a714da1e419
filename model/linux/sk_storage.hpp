// net/core/bpf_sk_storage.c and the socket lifetime from net/core/sock.c (v6.18), one model
// function per kernel function: sk storage on the shared local-storage core, with the memory it
// charges against the socket's sk_omem_alloc. What 7.0 does differently is in sk_storage_7_0.
#pragma once

#include "model/linux/map_create.hpp"
#include "model/linux/task_storage.hpp"

namespace lsmc::model::kernel {

// Bytes charged per element and per storage: smap->elem_size for an 8-byte value and
// sizeof(struct bpf_local_storage) on x86-64 (approximations; only their sum against
// optmem_max matters).
inline constexpr uint32_t kSkElemSize = 96, kSkStorageSize = 192;

SmapOrErr bpf_sk_storage_map_alloc(Env& env, Kernel& k, const MapAttr& attr);
// An sk storage map a scenario starts with (setup_map()).
Smap& bpf_sk_storage_map_alloc(Env& env, Kernel& k, std::string name);
// bpf_sk_storage_charge() / bpf_sk_storage_uncharge(): sk_omem_alloc against optmem_max.
int bpf_sk_storage_charge(Env& env, Kernel& k, Ref<Sock> sk, uint32_t size);
void bpf_sk_storage_uncharge(Env& env, Kernel& k, Ref<Sock> sk, uint32_t size);
Ref<Selem> bpf_sk_storage_lookup(Env& env, Kernel& k, Ref<Sock> sk, const Smap& smap, bool cacheit);
void bpf_sk_storage_free(Env& env, Kernel& k, Ref<Sock> sk);
void check_destroys_own_storage(Env& env, Ref<Sock> sk, Ref<Storage> storage);
Ref<Selem> bpf_sk_storage_clone_elem(Env& env, Kernel& k, Sock& newsk, Smap& smap, Ref<Selem> selem, bool fail);
// The syscall side (sys_map_*_elem dispatch here), keyed by a socket fd: sockfd_lookup() holds
// the file, so the socket lives; another kind of fd is ENOTSOCK.
Fd sockfd_of(Sock& sk);
LookupResult bpf_fd_sk_storage_lookup_elem(Env& env, Kernel& k, Smap& smap, const Fd& fd);
int bpf_fd_sk_storage_update_elem(Env& env, Kernel& k, Smap& smap, const Fd& fd, const Value& value, uint64_t flags);
int bpf_fd_sk_storage_delete_elem(Env& env, Kernel& k, Smap& smap, const Fd& fd);
// The helpers: creation and deletion only while refcount_inc_not_zero(&sk->sk_refcnt).
Ref<Selem> bpf_sk_storage_get(Env& env, Kernel& k, Smap& smap, Ref<Sock> sk, const Value* value,
                              uint64_t flags, Gfp gfp);
int bpf_sk_storage_delete(Env& env, Kernel& k, Smap& smap, Ref<Sock> sk);

// bpf_sk_storage_clone(): the new socket gets copies of the elements of BPF_F_CLONE maps; on an
// error the caller frees the new socket, and bpf_sk_storage_free() frees what was copied.
int bpf_sk_storage_clone(Env& env, Kernel& k, Sock& sk, Sock& newsk, bool fail_copy);

// Where sk_clone_lock() fails (a plan, as copy_process's ForkPlan): before bpf_sk_storage_clone()
// (sk_filter_charge() or xfrm_sk_clone_policy()), or in it (the first copy's allocation).
enum class CloneFailure : uint8_t { kNone, kFilterCharge, kStorageCopy };
// sk_clone_lock() (net/core/sock.c): the new socket (two references) or nullptr.
Sock* sk_clone_lock(Env& env, Kernel& k, Sock& sk, CloneFailure fail);

// The socket's life: sk_alloc (one reference), sock_put (the last one frees), __sk_destruct
// (after a grace period with SOCK_RCU_FREE).
Sock& sk_alloc(Env& env, Kernel& k, std::string name, bool rcu_free);
void sock_put(Env& env, Kernel& k, Ref<Sock> sk);
void sk_destruct(Env& env, Kernel& k, Ref<Sock> sk);
void __sk_destruct(Env& env, Kernel& k, Ref<Sock> sk);

}  // namespace lsmc::model::kernel
