// Special fields of map values (kernel/bpf/syscall.c, kernel/bpf/helpers.c, v6.18 and v7.0): a
// referenced task kptr and a percpu kptr, moved in and out by bpf_kptr_xchg() and dropped by
// bpf_obj_free_fields() when the element goes, and a uptr's pinned user page. Where each version
// calls bpf_obj_free_fields() is in the local storage files; what it does to the fields is here.
// bpf_timer, bpf_wq and bpf_task_work are refused in local storage values at map creation
// (map_check_btf(), model/linux/map_create.cpp), so no local storage value ever holds one.
#pragma once

#include <string_view>

#include "model/env.hpp"
#include "model/linux/kernel.hpp"

namespace lsmc::model::kernel {

// bpf_kptr_xchg() (kernel/bpf/helpers.c): the value's kptr becomes `p`; the old one (whose
// reference the program now owns) is returned.
Ref<Task> bpf_kptr_xchg(Env& env, Kernel& k, Ref<Selem> selem, Ref<Task> p);
// The same helper on a __percpu_kptr field.
Ref<PercpuObj> bpf_kptr_xchg(Env& env, Kernel& k, Ref<Selem> selem, Ref<PercpuObj> p);

// bpf_percpu_obj_new_impl() (kernel/bpf/helpers.c): bpf_mem_alloc(&bpf_global_percpu_ma, size), or
// NULL when the cache is empty and its refill fails.
Ref<PercpuObj> bpf_percpu_obj_new_impl(Env& env, Kernel& k);
// bpf_percpu_obj_drop_impl(): bpf_mem_free_rcu(&bpf_global_percpu_ma, p).
void bpf_percpu_obj_drop_impl(Env& env, Kernel& k, Ref<PercpuObj> p);
// __bpf_obj_drop_impl(p, rec, percpu = true): what bpf_obj_free_fields() does with a percpu kptr
// it took out (the object's own record has no fields here).
void __bpf_obj_drop_impl(Env& env, Kernel& k, Ref<PercpuObj> p);
// bpf_mem_free_rcu() (kernel/bpf/memalloc.c): the object goes on the CPU's free_by_rcu list and is
// reusable after a regular RCU grace period (call_rcu_hurry() in check_free_by_rcu()), so an RCU
// reader that loaded it before the drop may still use it.
void bpf_mem_free_rcu(Env& env, Kernel& k, Ref<PercpuObj> p, std::string_view label);
// A program's load of the value's percpu kptr: MEM_RCU | MEM_PERCPU, which the verifier allows only
// inside an RCU read section (a non-sleepable program, or bpf_rcu_read_lock() in a sleepable one),
// and its store through bpf_this_cpu_ptr().
Ref<PercpuObj> percpu_kptr_load(Env& env, Ref<Selem> selem, std::string_view label);
void percpu_obj_store(Env& env, Ref<PercpuObj> p, std::string_view label);
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
