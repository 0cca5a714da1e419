// Special fields of map values (kernel/bpf/syscall.c, kernel/bpf/helpers.c, v6.18 and v7.0): a
// referenced task kptr, moved in and out by bpf_kptr_xchg() and dropped by bpf_obj_free_fields()
// when the element goes. Where each version calls bpf_obj_free_fields() is in the local storage
// files; what it does to the fields is here.
#pragma once

#include <string_view>

#include "model/env.hpp"
#include "model/linux/kernel.hpp"

namespace lsmc::model::kernel {

// bpf_kptr_xchg() (kernel/bpf/helpers.c): the value's kptr becomes `p`; the old one (whose
// reference the program now owns) is returned.
Ref<Task> bpf_kptr_xchg(Env& env, Kernel& k, Ref<Selem> selem, Ref<Task> p);
// bpf_obj_free_fields(smap->map.record, SDATA(selem)->data) (kernel/bpf/syscall.c): each
// referenced kptr is taken out and its destructor run (bpf_task_release_dtor:
// put_task_struct_rcu_user).
void bpf_obj_free_fields(Env& env, Kernel& k, const Smap& smap, Ref<Selem> selem, std::string_view label);

// uptr (≈v6.13): a syscall update pins the value's user page and bpf_obj_swap_uptrs() moves the
// pin into the new element (bpf_selem_alloc); bpf_obj_free_fields() unpins it.
void bpf_obj_swap_uptrs(Env& env, const Smap& smap, Ref<Selem> selem, const Value& value);
// unpin_user_page(): the last pin of an unmapped page frees it.
void unpin_user_page(Env& env, UserPage& page);
// munmap() of a user page: it goes now unless something pins it.
void user_munmap(Env& env, UserPage& page);
// A program's load of the element's uptr (PTR_TO_MEM | PTR_MAYBE_NULL, valid in the verifier's
// eyes to the program's end), and a store through it.
UserPage* uptr_load(Env& env, Ref<Selem> selem, std::string_view label);
void uptr_store(Env& env, UserPage& page, std::string_view label);

}  // namespace lsmc::model::kernel
