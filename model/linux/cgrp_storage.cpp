#include "model/linux/cgrp_storage.hpp"

#include "model/linux/asserts.hpp"
#include "model/linux/cgrp_storage_7_0.hpp"

namespace lsmc::model::kernel {

namespace {
Ref<Owner> as_owner(Ref<Cgroup> c) { return Ref<Owner>{c.p, c.id}; }
}  // namespace

// cgroup_v1v2_get_from_fd() (v6.18): EBADF for a non-cgroup fd. A directory fd reaches the
// cgroup through kn->priv, which rmdir clears before the cgroup can be freed, under RCU
// (css_tryget_online_from_dir): a removed cgroup's fd gives ENOENT and never touches it.
int resolve_cgroup_fd(Env& env, const Fd& fd, Ref<Cgroup>& cgroup) {
  if (fd.kind != Fd::Kind::kCgroup || fd.cgroup == nullptr) return kEBADF;
  cgroup = cgroup_from_id(env, *fd.cgroup);
  if (!cgroup) return kENOENT;
  env.read(cgroup.id, field::kOwnerUsage, "cgroup_v1v2_get_from_fd: css_tryget_online");
  return cgroup->dying ? kENOENT : 0;
}

// bpf_cgrp_storage_lock() / _unlock() / _trylock() (v6.18)
void bpf_cgrp_storage_lock(Env& env, Kernel& k) {
  cant_migrate(env, "bpf_cgrp_storage_lock");
  busy_inc(env, k, OwnerKind::kCgroup);
}
void bpf_cgrp_storage_unlock(Env& env, Kernel& k) { busy_dec(env, k, OwnerKind::kCgroup); }
bool bpf_cgrp_storage_trylock(Env& env, Kernel& k) {
  cant_migrate(env, "bpf_cgrp_storage_trylock");
  if (busy_inc_return(env, k, OwnerKind::kCgroup) != 1) {
    busy_dec(env, k, OwnerKind::kCgroup);
    env.probe("busy counter refused");
    return false;
  }
  return true;
}

// bpf_cgrp_storage_free() (v6.18): from css_free_rwork_fn(), after a grace period.
void bpf_cgrp_storage_free(Env& env, Kernel& k, Ref<Cgroup> cgroup) {
  if (k.v7_0()) return v7_0::bpf_cgrp_storage_free(env, k, cgroup);
  ++env.context().migrate_disabled;
  k.rcu.read_lock(env, RcuFlavour::kRcu);
  const Ref<Storage> storage = owner_storage_load(env, as_owner(cgroup), "bpf_cgrp_storage_free: cgroup->bpf_cgrp_storage");
  if (storage) {
    bpf_cgrp_storage_lock(env, k);
    bpf_local_storage_destroy(env, k, storage);
    bpf_cgrp_storage_unlock(env, k);
  }
  k.rcu.read_unlock(env, RcuFlavour::kRcu);
  --env.context().migrate_disabled;
}

// cgroup_storage_lookup() (v6.18)
Ref<Selem> cgroup_storage_lookup(Env& env, Kernel& k, Ref<Cgroup> cgroup, const Smap& smap, bool cacheit) {
  const Ref<Storage> storage = owner_storage_load(env, as_owner(cgroup), "cgroup_storage_lookup: cgroup->bpf_cgrp_storage");
  if (!storage) return {};
  return bpf_local_storage_lookup(env, k, storage, smap, cacheit);
}

// bpf_cgrp_storage_lookup_elem() (v6.18)
LookupResult bpf_cgrp_storage_lookup_elem(Env& env, Kernel& k, Smap& smap, const Fd& fd) {
  if (k.v7_0()) return v7_0::bpf_cgrp_storage_lookup_elem(env, k, smap, fd);
  Ref<Cgroup> cgroup;
  if (int err = resolve_cgroup_fd(env, fd, cgroup)) return {err, {}};
  bpf_cgrp_storage_lock(env, k);
  const Ref<Selem> sdata = cgroup_storage_lookup(env, k, cgroup, smap, true);
  bpf_cgrp_storage_unlock(env, k);
  if (!sdata) return {kENOENT, {}};
  return {0, bpf_map_copy_value(env, sdata)};
}

// bpf_cgrp_storage_update_elem() (v6.18)
int bpf_cgrp_storage_update_elem(Env& env, Kernel& k, Smap& smap, const Fd& fd, const Value& value,
                                 uint64_t flags) {
  if (k.v7_0()) return v7_0::bpf_cgrp_storage_update_elem(env, k, smap, fd, value, flags);
  Ref<Cgroup> cgroup;
  if (int err = resolve_cgroup_fd(env, fd, cgroup)) return err;
  bpf_cgrp_storage_lock(env, k);
  const SdataOrErr r = bpf_local_storage_update(env, k, as_owner(cgroup), smap, value, flags, Gfp::kAtomic);
  bpf_cgrp_storage_unlock(env, k);
  return r.err;
}

// cgroup_storage_delete() (v6.18)
int cgroup_storage_delete(Env& env, Kernel& k, Ref<Cgroup> cgroup, Smap& smap) {
  if (k.v7_0()) return v7_0::cgroup_storage_delete(env, k, cgroup, smap);
  const Ref<Selem> sdata = cgroup_storage_lookup(env, k, cgroup, smap, false);
  if (!sdata) return kENOENT;
  bpf_selem_unlink(env, k, sdata, k.bug(Bug::kWrongFlavourAtFreeSite));
  return 0;
}

// bpf_cgrp_storage_delete_elem() (v6.18)
int bpf_cgrp_storage_delete_elem(Env& env, Kernel& k, Smap& smap, const Fd& fd) {
  if (k.v7_0()) return v7_0::bpf_cgrp_storage_delete_elem(env, k, smap, fd);
  Ref<Cgroup> cgroup;
  if (int err = resolve_cgroup_fd(env, fd, cgroup)) return err;
  bpf_cgrp_storage_lock(env, k);
  const int err = cgroup_storage_delete(env, k, cgroup, smap);
  bpf_cgrp_storage_unlock(env, k);
  return err;
}

// bpf_cgrp_storage_get() (v6.18): one proto for all program types, always the trylock; create
// only while the cgroup is not dying.
Ref<Selem> bpf_cgrp_storage_get(Env& env, Kernel& k, Smap& smap, Ref<Cgroup> cgroup,
                                const Value* value, uint64_t flags, Gfp gfp) {
  if (k.v7_0()) return v7_0::bpf_cgrp_storage_get(env, k, smap, cgroup, value, flags, gfp);
  warn_on_once(env, !bpf_rcu_lock_held(env), "!bpf_rcu_lock_held()", "bpf_cgrp_storage_get");
  if ((flags & ~kGetFCreate) || !cgroup) return {};
  const bool nobusy = bpf_cgrp_storage_trylock(env, k);
  Ref<Selem> sdata = cgroup_storage_lookup(env, k, cgroup, smap, nobusy);
  if (!sdata) {
    env.read(cgroup.id, field::kOwnerUsage, "bpf_cgrp_storage_get: percpu_ref_is_dying(&cgroup->self.refcnt)");
    const bool alive = !cgroup->dying || k.bug(Bug::kCreateAfterOwnerFree);
    if (alive && (flags & kGetFCreate) && nobusy) {
      const Value zero;
      const SdataOrErr r = bpf_local_storage_update(env, k, as_owner(cgroup), smap, value ? *value : zero,
                                                    kBpfNoexist, gfp);
      sdata = r.err ? Ref<Selem>{} : r.sdata;
    }
  }
  if (nobusy) bpf_cgrp_storage_unlock(env, k);
  return sdata;
}

// bpf_cgrp_storage_delete() (v6.18)
int bpf_cgrp_storage_delete(Env& env, Kernel& k, Smap& smap, Ref<Cgroup> cgroup) {
  if (k.v7_0()) return v7_0::bpf_cgrp_storage_delete(env, k, smap, cgroup);
  warn_on_once(env, !bpf_rcu_lock_held(env), "!bpf_rcu_lock_held()", "bpf_cgrp_storage_delete");
  if (!cgroup) return -kEINVAL;
  if (!bpf_cgrp_storage_trylock(env, k)) return -kEBUSY;
  const int ret = cgroup_storage_delete(env, k, cgroup, smap);
  bpf_cgrp_storage_unlock(env, k);
  return -ret;
}

Cgroup& cgroup_mkdir(Env& env, Kernel& k, std::string name) {
  Cgroup& c = k.new_cgroup(std::move(name));
  c.id = env.alloc(kCgroupType, "cgroup_mkdir: cgroup_create");
  c.idr = env.alloc(kCgroupIdrType, "cgroup_idr_alloc");
  c.published = true;
  c.refcnt = 1;  // the base reference, which rmdir's percpu_ref_kill() drops
  return c;
}

Ref<Cgroup> cgroup_from_id(Env& env, Cgroup& cgroup) {
  env.read(cgroup.idr, 0, "cgroup_idr / kn->priv: rcu_dereference");
  return cgroup.published ? Ref<Cgroup>::of(&cgroup) : Ref<Cgroup>{};
}

namespace {
// css_put() (include/linux/cgroup.h, v6.18): the last reference releases the css:
// css_release_work_fn -> queue_rcu_work(css_free_rwork_fn), after a grace period.
void css_put(Env& env, Kernel& k, Ref<Cgroup> cgroup) {
  env.rmw(cgroup.id, field::kOwnerUsage, "css_put: percpu_ref_put(&css->refcnt)");
  if (--cgroup->refcnt != 0) return;
  k.rcu.call(env, RcuFlavour::kRcu, [&k, cgroup](Env& e) {
    bpf_cgrp_storage_free(e, k, cgroup);
    e.free(cgroup.id, "css_free_rwork_fn: kfree(cgrp)");
  }, "css_release: queue_rcu_work(css_free_rwork_fn)");
}
}  // namespace

void cgroup_rmdir(Env& env, Kernel& k, Cgroup& cgroup) {
  env.write(cgroup.id, field::kOwnerUsage, "cgroup_rmdir: percpu_ref_kill(&cgrp->self.refcnt)");
  cgroup.dying = true;
  env.write(cgroup.idr, 0, "cgroup_rmdir: cgroup_idr_remove");
  cgroup.published = false;
  css_put(env, k, Ref<Cgroup>::of(&cgroup));  // percpu_ref_kill() drops the base reference
}

// bpf_cgroup_from_id() (kernel/bpf/helpers.c, v6.18): cgroup_get_from_id() looks the id up and
// takes a reference with cgroup_tryget() (a dying cgroup still gives one while it is counted).
Ref<Cgroup> bpf_cgroup_from_id(Env& env, Kernel& k, Cgroup& cgroup) {
  (void)k;
  const Ref<Cgroup> cg = cgroup_from_id(env, cgroup);
  if (!cg) return {};
  env.rmw(cg.id, field::kOwnerUsage, "bpf_cgroup_from_id: cgroup_tryget");
  if (cg->refcnt == 0) return {};
  ++cg->refcnt;
  return cg;
}

// bpf_cgroup_release() (kernel/bpf/helpers.c, v6.18): cgroup_put().
void bpf_cgroup_release(Env& env, Kernel& k, Ref<Cgroup> cgroup) { css_put(env, k, cgroup); }

}  // namespace lsmc::model::kernel
