// kernel/bpf/bpf_cgrp_storage.c (v6.18), one model function per kernel function, and the
// cgroup lifecycle from kernel/cgroup/cgroup.c that decides when cgroup storage goes away.
#pragma once

#include "model/linux/task_storage.hpp"

namespace lsmc::model::kernel {

// cgroup_v1v2_get_from_fd(): the key of a cgroup storage syscall; 0 or a positive errno.
int resolve_cgroup_fd(Env& env, const Fd& fd, Ref<Cgroup>& cgroup);

void bpf_cgrp_storage_lock(Env& env, Kernel& k);
void bpf_cgrp_storage_unlock(Env& env, Kernel& k);
bool bpf_cgrp_storage_trylock(Env& env, Kernel& k);
void bpf_cgrp_storage_free(Env& env, Kernel& k, Ref<Cgroup> cgroup);
Ref<Selem> cgroup_storage_lookup(Env& env, Kernel& k, Ref<Cgroup> cgroup, const Smap& smap, bool cacheit);
LookupResult bpf_cgrp_storage_lookup_elem(Env& env, Kernel& k, Smap& smap, const Fd& fd);
int bpf_cgrp_storage_update_elem(Env& env, Kernel& k, Smap& smap, const Fd& fd, const Value& value,
                                 uint64_t flags);
int cgroup_storage_delete(Env& env, Kernel& k, Ref<Cgroup> cgroup, Smap& smap);
int bpf_cgrp_storage_delete_elem(Env& env, Kernel& k, Smap& smap, const Fd& fd);
Ref<Selem> bpf_cgrp_storage_get(Env& env, Kernel& k, Smap& smap, Ref<Cgroup> cgroup,
                                const Value* value, uint64_t flags, Gfp gfp);
int bpf_cgrp_storage_delete(Env& env, Kernel& k, Smap& smap, Ref<Cgroup> cgroup);

// kernel/cgroup/cgroup.c (v6.18), reduced: mkdir makes a live cgroup; rmdir kills its
// self.refcnt (percpu_ref_kill: dying from now on) and, once released, css_free_rwork_fn()
// runs after an RCU grace period and frees the storage, then the cgroup.
Cgroup& cgroup_mkdir(Env& env, Kernel& k, std::string name);
void cgroup_rmdir(Env& env, Kernel& k, Cgroup& cgroup);
// How a program finds a cgroup under RCU (cgroup_idr, bpf_cgroup_from_id): empty once rmdir
// unpublished it, which it does before the free is queued.
Ref<Cgroup> cgroup_from_id(Env& env, Cgroup& cgroup);
// The kfuncs a program holds a cgroup with (kernel/bpf/helpers.c, v6.18): bpf_cgroup_from_id()
// (cgroup_get_from_id(): a reference unless the count is already zero, or NULL) and
// bpf_cgroup_release() (cgroup_put()). The last reference queues the free.
Ref<Cgroup> bpf_cgroup_from_id(Env& env, Kernel& k, Cgroup& cgroup);
void bpf_cgroup_release(Env& env, Kernel& k, Ref<Cgroup> cgroup);

}  // namespace lsmc::model::kernel
