#include "model/linux/special_fields.hpp"

#include "model/linux/task_storage.hpp"

namespace lsmc::model::kernel {

// bpf_kptr_xchg() (kernel/bpf/helpers.c, v6.18): xchg(kptr, ptr).
Ref<Task> bpf_kptr_xchg(Env& env, Kernel& k, Ref<Selem> selem, Ref<Task> p) {
  (void)k;
  env.rmw(selem.id, field::kSelemKptr, "bpf_kptr_xchg: xchg(&v->task, p)");
  const Ref<Task> old = selem->kptr;
  selem->kptr = p;
  return old;
}

// bpf_obj_free_fields() (kernel/bpf/syscall.c, v6.18 and v7.0): for a BPF_KPTR_REF field,
// xchg(field_ptr, NULL) and the type's destructor; the kptr's task is put with its rcu_users
// reference (bpf_task_release_dtor()).
void bpf_obj_free_fields(Env& env, Kernel& k, const Smap& smap, Ref<Selem> selem, std::string_view label) {
  env.read(smap.id, field::kSmapBuckets, label);  // smap->map.record
  if (smap.has_uptr && selem->uptr != nullptr) {
    env.write(selem.id, field::kSelemUptr, label);
    UserPage* page = selem->uptr;
    selem->uptr = nullptr;
    unpin_user_page(env, *page);
  }
  if (!smap.has_kptr) return;
  env.rmw(selem.id, field::kSelemKptr, label);
  const Ref<Task> old = selem->kptr;
  selem->kptr = {};
  if (old) put_task_struct_rcu_user(env, k, old);
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
