#include "model/linux/cgrp_storage_7_0.hpp"

#include "model/linux/asserts.hpp"
#include "model/linux/local_storage_7_0.hpp"
#include "model/linux/rcu_fields.hpp"

namespace lsmc::model::kernel::v7_0 {

namespace {
Ref<Owner> as_owner(Ref<Cgroup> c) { return Ref<Owner>{c.p, c.id}; }
}  // namespace

// bpf_cgrp_storage_free() (v7.0): destroy, then clear the cgroup's pointer.
void bpf_cgrp_storage_free(Env& env, Kernel& k, Ref<Cgroup> cgroup) {
  k.rcu.read_lock(env, RcuFlavour::kRcu);
  const Ref<Storage> storage = owner_storage_load(env, as_owner(cgroup), "bpf_cgrp_storage_free: cgroup->bpf_cgrp_storage");
  if (storage) {
    v7_0::bpf_local_storage_destroy(env, k, storage);
    owner_storage_store(env, as_owner(cgroup), {}, Order::kOnce,
                        "bpf_cgrp_storage_free: RCU_INIT_POINTER(cgroup->bpf_cgrp_storage, NULL)");
  }
  k.rcu.read_unlock(env, RcuFlavour::kRcu);
}

// bpf_cgrp_storage_lookup_elem() (v7.0)
LookupResult bpf_cgrp_storage_lookup_elem(Env& env, Kernel& k, Smap& smap, const Fd& fd) {
  Ref<Cgroup> cgroup;
  if (int err = resolve_cgroup_fd(env, fd, cgroup)) return {err, {}};
  const Ref<Selem> sdata = cgroup_storage_lookup(env, k, cgroup, smap, true);
  if (!sdata) return {kENOENT, {}};
  return {0, bpf_map_copy_value(env, sdata)};
}

// bpf_cgrp_storage_update_elem() (v7.0)
int bpf_cgrp_storage_update_elem(Env& env, Kernel& k, Smap& smap, const Fd& fd, const Value& value,
                                 uint64_t flags) {
  Ref<Cgroup> cgroup;
  if (int err = resolve_cgroup_fd(env, fd, cgroup)) return err;
  return v7_0::bpf_local_storage_update(env, k, as_owner(cgroup), smap, value, flags, Gfp::kAtomic).err;
}

// cgroup_storage_delete() (v7.0): bpf_selem_unlink()'s error is returned.
int cgroup_storage_delete(Env& env, Kernel& k, Ref<Cgroup> cgroup, Smap& smap) {
  const Ref<Selem> sdata = cgroup_storage_lookup(env, k, cgroup, smap, false);
  if (!sdata) return kENOENT;
  return v7_0::bpf_selem_unlink(env, k, sdata);
}

// bpf_cgrp_storage_delete_elem() (v7.0)
int bpf_cgrp_storage_delete_elem(Env& env, Kernel& k, Smap& smap, const Fd& fd) {
  Ref<Cgroup> cgroup;
  if (int err = resolve_cgroup_fd(env, fd, cgroup)) return err;
  return v7_0::cgroup_storage_delete(env, k, cgroup, smap);
}

// bpf_cgrp_storage_get() (v7.0): create only while the cgroup is not dying.
Ref<Selem> bpf_cgrp_storage_get(Env& env, Kernel& k, Smap& smap, Ref<Cgroup> cgroup, const Value* value,
                                uint64_t flags, Gfp gfp) {
  warn_on_once(env, !bpf_rcu_lock_held(env), "!bpf_rcu_lock_held()", "bpf_cgrp_storage_get");
  if ((flags & ~kGetFCreate) || !cgroup) return {};
  const Ref<Selem> sdata = cgroup_storage_lookup(env, k, cgroup, smap, true);
  if (sdata) return sdata;
  env.read(cgroup.id, field::kOwnerUsage, "bpf_cgrp_storage_get: percpu_ref_is_dying(&cgroup->self.refcnt)");
  const bool alive = !cgroup->dying || k.bug(Bug::kCreateAfterOwnerFree);
  if (!alive || !(flags & kGetFCreate)) return {};
  const Value zero;
  const SdataOrErr r = v7_0::bpf_local_storage_update(env, k, as_owner(cgroup), smap, value ? *value : zero, kBpfNoexist, gfp);
  return r.err ? Ref<Selem>{} : r.sdata;
}

// bpf_cgrp_storage_delete() (v7.0)
int bpf_cgrp_storage_delete(Env& env, Kernel& k, Smap& smap, Ref<Cgroup> cgroup) {
  warn_on_once(env, !bpf_rcu_lock_held(env), "!bpf_rcu_lock_held()", "bpf_cgrp_storage_delete");
  if (!cgroup) return -kEINVAL;
  return -v7_0::cgroup_storage_delete(env, k, cgroup, smap);
}

}  // namespace lsmc::model::kernel::v7_0
