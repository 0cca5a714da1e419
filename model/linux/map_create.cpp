#include "model/linux/map_create.hpp"

#include "model/linux/inode_storage.hpp"
#include "model/linux/local_storage.hpp"
#include "model/linux/map_fd.hpp"
#include "model/linux/sk_storage.hpp"
#include "model/linux/task_storage.hpp"

namespace lsmc::model::kernel {

namespace {

// find_and_alloc_map() (kernel/bpf/syscall.c, v6.18): ops->map_alloc_check()
// (bpf_local_storage_map_alloc_check(): the attributes modelled always pass it), then the type's
// ops->map_alloc().
SmapOrErr find_and_alloc_map(Env& env, Kernel& k, const MapAttr& attr) {
  switch (attr.type) {
    case OwnerKind::kTask: return task_storage_map_alloc(env, k, attr);
    case OwnerKind::kCgroup: return cgroup_storage_map_alloc(env, k, attr);
    case OwnerKind::kSock: return bpf_sk_storage_map_alloc(env, k, attr);
    case OwnerKind::kInode: return inode_storage_map_alloc(env, k, attr);
  }
  return {nullptr, kEINVAL};
}

// bpf_map_alloc_id() (kernel/bpf/syscall.c, v6.18): idr_preload(GFP_KERNEL), then
// idr_alloc_cyclic(GFP_ATOMIC) under map_idr_lock; -ENOMEM when the idr cannot grow.
int bpf_map_alloc_id(Env& env, Kernel& k) {
  const Traced traced(env, k, fn("bpf_map_alloc_id"));
  env.might_sleep("bpf_map_alloc_id: idr_preload(GFP_KERNEL)");
  return env.fault("bpf_map_alloc_id: idr_alloc_cyclic(GFP_ATOMIC) fails?") ? kENOMEM : 0;
}

// bpf_map_new_fd() (kernel/bpf/syscall.c, v6.18): security_bpf_map() (no LSM refuses here), then
// anon_inode_getfd(): a failed file allocation is -ENOMEM (an fd table at RLIMIT_NOFILE, EMFILE, is
// not a fault-injection point).
int bpf_map_new_fd(Env& env, Kernel& k) {
  const Traced traced(env, k, fn("bpf_map_new_fd"));
  return env.fault("bpf_map_new_fd: anon_inode_getfd fails?") ? kENOMEM : 0;
}

}  // namespace

// map_check_btf() (kernel/bpf/syscall.c, v6.18): btf_parse_fields() of the value type, then for
// each field the map types that may hold it. Local storage maps may hold a bpf_spin_lock, kptrs
// and percpu kptrs; a uptr only task storage; bpf_timer, bpf_wq and bpf_task_work only hash, LRU
// hash and array maps, so local storage refuses them (EOPNOTSUPP; experiments/special-fields shows
// 6.18.44 doing so). Then ops->map_check_btf(): bpf_local_storage_map_check_btf() (an int key).
int map_check_btf(Env& env, Kernel& k, Smap& smap, const ValueFields& fields) {
  const Traced traced(env, k, fn("map_check_btf"));
  if (fields.timer || fields.wq || fields.task_work) {
    env.probe("map_check_btf refused a timer, wq or task_work field");
    return kEOPNOTSUPP;
  }
  if (fields.uptr && smap.type != OwnerKind::kTask) return kEOPNOTSUPP;
  smap.has_spin_lock = fields.spin_lock;
  smap.has_kptr = fields.kptr;
  smap.has_percpu_kptr = fields.percpu_kptr;
  smap.has_uptr = fields.uptr;
  return 0;
}

// bpf_map_free() (kernel/bpf/syscall.c, v6.18): migrate_disable(); ops->map_free(map);
// migrate_enable(), in the caller's context (map_create()'s unwinding, or the free work).
void bpf_map_free(Env& env, Kernel& k, Smap& smap) {
  const Traced traced(env, k, fn("bpf_map_free"));
  ++env.context().migrate_disabled;
  switch (smap.type) {
    case OwnerKind::kTask: task_storage_map_free(env, k, smap); break;
    case OwnerKind::kCgroup: bpf_local_storage_map_free(env, k, smap, &k.busy(OwnerKind::kCgroup)); break;
    default: bpf_local_storage_map_free(env, k, smap, nullptr); break;  // sk and inode: no busy counter
  }
  --env.context().migrate_disabled;
}

// map_create() (kernel/bpf/syscall.c, v6.18 and v7.0): each step's failure unwinds what came
// before it, as the function's labels do.
SmapOrErr map_create(Env& env, Kernel& k, const MapAttr& attr) {
  const Traced traced(env, k, fn("map_create"));
  env.access({kNoObject, 0, Op::kSyscall}, "bpf(BPF_MAP_CREATE)");
  const SmapOrErr r = find_and_alloc_map(env, k, attr);
  if (r.err) return r;
  Smap& smap = *r.map;
  int err = map_check_btf(env, k, smap, attr.fields);
  // security_bpf_map_create(): no LSM refuses (BPF LSM programs at bpf_map_create are not modelled).
  if (err == 0) err = bpf_map_alloc_id(env, k);
  if (err) {
    env.probe("map_create unwound through bpf_map_free");
    bpf_map_free(env, k, smap);  // free_map_sec: security_bpf_map_free(); free_map: bpf_map_free()
    return {nullptr, err};
  }
  if (int fd_err = bpf_map_new_fd(env, k)) {
    env.probe("map_create unwound through bpf_map_put_with_uref");
    smap.refcnt = smap.usercnt = 1;  // atomic64_set(&map->refcnt, 1), and usercnt: no fd holds them
    bpf_map_put_with_uref(env, k, smap);
    return {nullptr, fd_err};
  }
  map_fd_install(env, smap);
  return {&smap, 0};
}

// task_storage_map_alloc() (kernel/bpf/bpf_task_storage.c, v6.18: bpf_ma = true; v7.0:
// use_kmalloc_nolock where cmpxchg_double exists). Bug 12's mutant puts task storage back on the
// kzalloc path it had before 6.4.
SmapOrErr task_storage_map_alloc(Env& env, Kernel& k, const MapAttr& attr) {
  const Traced traced(env, k, fn("task_storage_map_alloc"));
  const bool flag = k.v7_0() ? k.knobs().cmpxchg_double : !k.bug(Bug::kAllocInAtomicRt);
  return bpf_local_storage_map_alloc(env, k, attr, k.idx_cache(OwnerKind::kTask), flag);
}

// cgroup_storage_map_alloc() (kernel/bpf/bpf_cgrp_storage.c, v6.18 and v7.0): as task storage.
SmapOrErr cgroup_storage_map_alloc(Env& env, Kernel& k, const MapAttr& attr) {
  const Traced traced(env, k, fn("cgroup_storage_map_alloc"));
  const bool flag = k.v7_0() ? k.knobs().cmpxchg_double : !k.bug(Bug::kAllocInAtomicRt);
  return bpf_local_storage_map_alloc(env, k, attr, k.idx_cache(OwnerKind::kCgroup), flag);
}

Smap& setup_map(Env& env, Kernel& k, const MapAttr& attr) {
  SmapOrErr r = find_and_alloc_map(env, k, attr);
  if (r.err == 0 && (r.err = map_check_btf(env, k, *r.map, attr.fields)) != 0) bpf_map_free(env, k, *r.map);
  if (r.err) env.fail("model-error", "the set-up map " + attr.name + " could not be made: errno " + std::to_string(r.err));
  map_fd_install(env, *r.map);
  return *r.map;
}

}  // namespace lsmc::model::kernel
