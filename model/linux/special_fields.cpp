#include "model/linux/special_fields.hpp"

#include <string>

#include "model/linux/task_storage.hpp"

namespace lsmc::model::kernel {

// bpf_kptr_xchg() (kernel/bpf/helpers.c, v6.18): xchg(kptr, ptr).
Ref<Task> bpf_kptr_xchg(Env& env, Kernel& k, Ref<Selem> selem, Ref<Task> p) {
  const Traced traced(env, k, fn("bpf_kptr_xchg"));
  env.rmw(selem.id, field::kSelemKptr, "bpf_kptr_xchg: xchg(&v->task, p)");
  const Ref<Task> old = selem->kptr;
  selem->kptr = p;
  return old;
}

// bpf_kptr_xchg() (kernel/bpf/helpers.c, v6.18) on a __percpu_kptr field.
Ref<PercpuObj> bpf_kptr_xchg(Env& env, Kernel& k, Ref<Selem> selem, Ref<PercpuObj> p) {
  const Traced traced(env, k, fn("bpf_kptr_xchg"));
  env.rmw(selem.id, field::kSelemPercpuKptr, "bpf_kptr_xchg: xchg(&v->pc, p)");
  const Ref<PercpuObj> old = selem->percpu_kptr;
  selem->percpu_kptr = p;
  return old;
}

// bpf_obj_free_fields() (kernel/bpf/syscall.c, v6.18 and v7.0), field by field in the record's
// order: a uptr is unpinned; a BPF_KPTR_REF is xchg'ed out and its destructor run (the kptr's task
// is put with its rcu_users reference, bpf_task_release_dtor()); a BPF_KPTR_PERCPU is xchg'ed out
// and dropped with __bpf_obj_drop_impl(percpu = true).
void bpf_obj_free_fields(Env& env, Kernel& k, const Smap& smap, Ref<Selem> selem, std::string_view label) {
  const Traced traced(env, k, fn("bpf_obj_free_fields"));
  env.read(smap.id, field::kSmapBuckets, label);  // smap->map.record
  if (smap.has_uptr && selem->uptr != nullptr) {
    env.write(selem.id, field::kSelemUptr, label);
    UserPage* page = selem->uptr;
    selem->uptr = nullptr;
    unpin_user_page(env, *page);
  }
  if (smap.has_kptr) {
    env.rmw(selem.id, field::kSelemKptr, label);
    const Ref<Task> old = selem->kptr;
    selem->kptr = {};
    if (old) put_task_struct_rcu_user(env, k, old);
  }
  if (smap.has_percpu_kptr) {
    env.rmw(selem.id, field::kSelemPercpuKptr, label);
    const Ref<PercpuObj> old = selem->percpu_kptr;
    selem->percpu_kptr = {};
    if (old) __bpf_obj_drop_impl(env, k, old);
  }
}

// bpf_percpu_obj_new_impl() (kernel/bpf/helpers.c, v6.18 and v7.0)
Ref<PercpuObj> bpf_percpu_obj_new_impl(Env& env, Kernel& k) {
  const Traced traced(env, k, fn("bpf_percpu_obj_new_impl"));
  if (env.fault("bpf_mem_alloc(&bpf_global_percpu_ma): refill from the percpu allocator fails?")) {
    env.probe("alloc failed");
    return {};
  }
  PercpuObj& obj = k.new_percpu_obj();
  obj.id = env.alloc(kPercpuObjType, "bpf_percpu_obj_new_impl: bpf_mem_alloc(&bpf_global_percpu_ma)");
  return Ref<PercpuObj>::of(&obj);
}

// bpf_percpu_obj_drop_impl() (kernel/bpf/helpers.c, v6.18 and v7.0)
void bpf_percpu_obj_drop_impl(Env& env, Kernel& k, Ref<PercpuObj> p) {
  const Traced traced(env, k, fn("bpf_percpu_obj_drop_impl"));
  bpf_mem_free_rcu(env, k, p, "bpf_percpu_obj_drop_impl: bpf_mem_free_rcu(&bpf_global_percpu_ma)");
}

// __bpf_obj_drop_impl() (kernel/bpf/helpers.c, v6.18 and v7.0): no refcount and no fields in a
// percpu object's record; bpf_mem_free_rcu() since "bpf: Use bpf_mem_free_rcu when
// bpf_obj_dropping non-refcounted nodes" (6.6).
void __bpf_obj_drop_impl(Env& env, Kernel& k, Ref<PercpuObj> p) {
  const Traced traced(env, k, fn("__bpf_obj_drop_impl"));
  bpf_mem_free_rcu(env, k, p, "__bpf_obj_drop_impl: bpf_mem_free_rcu(&bpf_global_percpu_ma)");
}

// bpf_mem_free_rcu() (kernel/bpf/memalloc.c, v6.18): unit_free_rcu() then, from the irq_work,
// call_rcu_hurry(); __free_by_rcu() hands the object back for reuse (in the registry: it dies).
void bpf_mem_free_rcu(Env& env, Kernel& k, Ref<PercpuObj> p, std::string_view label) {
  // The llist node sits in the hidden header: the object's users see no write.
  k.rcu.call(env, RcuFlavour::kRcu, [p](Env& e) { e.free(p.id, "__free_by_rcu: back on free_llist"); }, label);
}

Ref<PercpuObj> percpu_kptr_load(Env& env, Ref<Selem> selem, std::string_view label) {
  if (env.context().rcu_read_depth[static_cast<std::size_t>(RcuFlavour::kRcu)] == 0) {
    env.fail("model-error", std::string(label) + ": a percpu kptr loaded outside an RCU read section "
                                                 "(the verifier rejects it: MEM_RCU needs bpf_rcu_read_lock())");
  }
  env.read(selem.id, field::kSelemPercpuKptr, label);
  return selem->percpu_kptr;
}

void percpu_obj_store(Env& env, Ref<PercpuObj> p, std::string_view label) {
  env.write(p.id, 0, label);
  ++p->n;
}

// bpf_obj_swap_uptrs() (kernel/bpf/syscall.c): with the pin bpf_obj_pin_uptrs() took in the
// syscall (pin_user_pages_fast), modelled here where the element takes it.
void bpf_obj_swap_uptrs(Env& env, const Smap& smap, Ref<Selem> selem, const Value& value) {
  if (!smap.has_uptr || value.uptr == nullptr) return;
  env.rmw(value.uptr->id, 1, "bpf_obj_pin_uptrs: pin_user_pages_fast");
  ++value.uptr->pins;
  env.write(selem.id, field::kSelemUptr, "bpf_obj_swap_uptrs");
  selem->uptr = value.uptr;
}

// unpin_user_page() (mm/gup.c)
void unpin_user_page(Env& env, UserPage& page) {
  env.rmw(page.id, 1, "unpin_user_page");
  if (--page.pins == 0 && !page.mapped) env.free(page.id, "unpin_user_page: the last pin of an unmapped page");
}

// munmap() (mm/mmap.c), reduced to one page.
void user_munmap(Env& env, UserPage& page) {
  env.write(page.id, 1, "munmap");
  page.mapped = false;
  if (page.pins == 0) env.free(page.id, "munmap: the page goes");
}

UserPage* uptr_load(Env& env, Ref<Selem> selem, std::string_view label) {
  env.read(selem.id, field::kSelemUptr, label);
  return selem->uptr;
}

void uptr_store(Env& env, UserPage& page, std::string_view label) { env.write(page.id, 0, label); }

}  // namespace lsmc::model::kernel
