// Map creation (kernel/bpf/syscall.c and each local storage type's map_alloc; v6.18 and v7.0):
// BPF_MAP_CREATE as a sequence of fallible steps, each failure unwinding as the kernel does.
//
// map_create()                         syscall.c
//   find_and_alloc_map() -> ops->map_alloc: task_storage_map_alloc(), cgroup_storage_map_alloc(),
//                           bpf_sk_storage_map_alloc(), inode_storage_map_alloc()
//     bpf_local_storage_map_alloc()    bpf_map_area_alloc(smap), bpf_map_kvcalloc(buckets),
//                                      6.18 with bpf_ma: bpf_mem_alloc_init() twice, then the
//                                      cache index (which cannot fail)
//   map_check_btf()                    the value's special fields: EOPNOTSUPP -> bpf_map_free()
//   bpf_map_alloc_id()                 idr_alloc_cyclic(GFP_ATOMIC) -> bpf_map_free()
//   bpf_map_new_fd()                   anon_inode_getfd() -> bpf_map_put_with_uref(): the map is
//                                      published by id by then, so it goes through its refcount
//                                      and bpf_map_free_deferred()
// Every allocation above is a fault point (Env::fault). bpf_map_free() runs ops->map_free() at
// once, in the syscall, with migration disabled.
#pragma once

#include <string>

#include "model/linux/kernel.hpp"

namespace lsmc::model::kernel {

// The special fields btf_parse_fields() finds in a map's BTF value type.
struct ValueFields {
  bool spin_lock = false;    // struct bpf_spin_lock
  bool kptr = false;         // struct task_struct __kptr * (BPF_KPTR_REF)
  bool percpu_kptr = false;  // struct ... __percpu_kptr * (BPF_KPTR_PERCPU)
  bool uptr = false;         // struct ... __uptr * (BPF_UPTR)
  bool timer = false;        // struct bpf_timer
  bool wq = false;           // struct bpf_wq
  bool task_work = false;    // struct bpf_task_work (6.18)
};

// The union bpf_attr of BPF_MAP_CREATE, as far as local storage maps look at it.
struct MapAttr {
  OwnerKind type = OwnerKind::kTask;  // BPF_MAP_TYPE_{TASK,CGRP,SK,INODE}_STORAGE
  std::string name;
  ValueFields fields;
  bool clone = false;  // map_flags & BPF_F_CLONE (sk storage)
};

// A map or an errno, like an ERR_PTR.
struct SmapOrErr {
  Smap* map = nullptr;
  int err = 0;  // positive errno, 0 on success
};

inline constexpr int kEOPNOTSUPP = 95;

// map_check_btf() (kernel/bpf/syscall.c, v6.18): which special fields each map type may hold.
int map_check_btf(Env& env, Kernel& k, Smap& smap, const ValueFields& fields);
// map_create() (kernel/bpf/syscall.c, v6.18): the map, or the errno of the step that failed
// (ENOMEM, EOPNOTSUPP, ENOSPC, EMFILE), with everything before it undone.
SmapOrErr map_create(Env& env, Kernel& k, const MapAttr& attr);
// bpf_map_free() (kernel/bpf/syscall.c, v6.18): ops->map_free() under migrate_disable().
void bpf_map_free(Env& env, Kernel& k, Smap& smap);

// The map types' map_alloc (their files, v6.18 and v7.0): bpf_local_storage_map_alloc() with the
// type's cache and allocator.
SmapOrErr task_storage_map_alloc(Env& env, Kernel& k, const MapAttr& attr);
SmapOrErr cgroup_storage_map_alloc(Env& env, Kernel& k, const MapAttr& attr);

// A map a scenario starts with, made at set-up where nothing fails: the same steps as
// map_create(); a failure there is a model error.
Smap& setup_map(Env& env, Kernel& k, const MapAttr& attr);

}  // namespace lsmc::model::kernel
