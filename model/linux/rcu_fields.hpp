// The pointers that lockless RCU readers follow (v6.18): owner->bpf_storage, the storage's hlist
// head, local_storage->cache[], SDATA(selem)->smap. Each keeps its plain field (what checkers and
// code under the storage's lock read) and a Cell beside it (model/cell.hpp: what a lockless load
// reads under a weak memory model); every store goes through these functions, which move the two
// together, with the ordering the kernel's primitive has. Under sc they are the env.write /
// env.read scheduling points the model always had, with the same labels.
#pragma once

#include <string_view>
#include <vector>

#include "model/linux/types.hpp"

namespace lsmc::model::kernel {

// owner->bpf_storage (task->bpf_storage, cgroup->bpf_cgrp_storage, sk->sk_bpf_storage, ...)
void owner_storage_store(Env& env, Ref<Owner> owner, Ref<Storage> storage, Order order, std::string_view label);
// cmpxchg(owner_storage_ptr, NULL, storage): returns the value it found (NULL: it stored).
Ref<Storage> owner_storage_cmpxchg(Env& env, Ref<Owner> owner, Ref<Storage> storage, Order order,
                                   std::string_view label);
// The pointer copied with the rest of the object (dup_task_struct, sock_copy): not an access.
void owner_storage_copy(Owner& to, const Owner& from);
Ref<Storage> owner_storage_rcu_dereference(Env& env, Ref<Owner> owner, std::string_view label);

// local_storage->list, the hlist of its elements (a new version per hlist_add_head_rcu /
// hlist_del_init_rcu; the model walks one version).
void storage_list_store(Env& env, Ref<Storage> storage, std::vector<Ref<Selem>> list, Order order,
                        std::string_view label);
std::vector<Ref<Selem>> storage_list_rcu_dereference(Env& env, Ref<Storage> storage, std::string_view label);

// local_storage->cache[slot]
void cache_store(Env& env, Ref<Storage> storage, uint16_t slot, Ref<Selem> selem, Order order, std::string_view label);
Ref<Selem> cache_rcu_dereference(Env& env, Ref<Storage> storage, uint16_t slot, std::string_view label);

// SDATA(selem)->smap
void selem_smap_store(Env& env, Ref<Selem> selem, Ref<Smap> smap, Order order, std::string_view label);
Ref<Smap> selem_smap_rcu_access_pointer(Env& env, Ref<Selem> selem, std::string_view label);

}  // namespace lsmc::model::kernel
