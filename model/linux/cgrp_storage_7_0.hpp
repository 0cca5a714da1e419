// kernel/bpf/bpf_cgrp_storage.c as of v7.0 (the linux-7.0 profile): no busy counter; the 6.18
// functions of cgrp_storage.hpp dispatch here.
#pragma once

#include "model/linux/cgrp_storage.hpp"

namespace lsmc::model::kernel::v7_0 {

void bpf_cgrp_storage_free(Env& env, Kernel& k, Ref<Cgroup> cgroup);
LookupResult bpf_cgrp_storage_lookup_elem(Env& env, Kernel& k, Smap& smap, const Fd& fd);
int bpf_cgrp_storage_update_elem(Env& env, Kernel& k, Smap& smap, const Fd& fd, const Value& value,
                                 uint64_t flags);
int cgroup_storage_delete(Env& env, Kernel& k, Ref<Cgroup> cgroup, Smap& smap);
int bpf_cgrp_storage_delete_elem(Env& env, Kernel& k, Smap& smap, const Fd& fd);
Ref<Selem> bpf_cgrp_storage_get(Env& env, Kernel& k, Smap& smap, Ref<Cgroup> cgroup, const Value* value,
                                uint64_t flags, Gfp gfp);
int bpf_cgrp_storage_delete(Env& env, Kernel& k, Smap& smap, Ref<Cgroup> cgroup);

}  // namespace lsmc::model::kernel::v7_0
