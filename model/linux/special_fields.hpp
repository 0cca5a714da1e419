// Special fields of map values (kernel/bpf/syscall.c, kernel/bpf/helpers.c, v6.18 and v7.0): a
// referenced task kptr, moved in and out by bpf_kptr_xchg() and dropped by bpf_obj_free_fields()
// when the element goes. Where each version calls bpf_obj_free_fields() is in the local storage
// files; what it does to the fields is here.
#pragma once

#include <string_view>

#include "model/env.hpp"
#include "model/linux/kernel.hpp"

namespace lsmc::model::kernel {

// bpf_task_acquire() (kernel/bpf/helpers.c): a new rcu_users reference of a trusted task, or
// NULL once the last one went.
Ref<Task> bpf_task_acquire(Env& env, Kernel& k, Ref<Task> p);
// bpf_kptr_xchg() (kernel/bpf/helpers.c): the value's kptr becomes `p`; the old one (whose
// reference the program now owns) is returned.
Ref<Task> bpf_kptr_xchg(Env& env, Kernel& k, Ref<Selem> selem, Ref<Task> p);
// bpf_obj_free_fields(smap->map.record, SDATA(selem)->data) (kernel/bpf/syscall.c): each
// referenced kptr is taken out and its destructor run (bpf_task_release_dtor:
// put_task_struct_rcu_user).
void bpf_obj_free_fields(Env& env, Kernel& k, const Smap& smap, Ref<Selem> selem, std::string_view label);

}  // namespace lsmc::model::kernel
