#include "model/linux/special_fields.hpp"

#include "model/linux/task_storage.hpp"

namespace lsmc::model::kernel {

// bpf_task_acquire() (kernel/bpf/helpers.c, v6.18)
Ref<Task> bpf_task_acquire(Env& env, Kernel& k, Ref<Task> p) {
  const Traced traced(env, k, fn("bpf_task_acquire"), p);
  env.rmw(p.id, field::kTaskRcuUsers, "bpf_task_acquire: refcount_inc_not_zero(&p->rcu_users)");
  if (p->rcu_users == 0) return {};
  ++p->rcu_users;
  return p;
}

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
  if (!smap.has_kptr) return;
  env.rmw(selem.id, field::kSelemKptr, label);
  const Ref<Task> old = selem->kptr;
  selem->kptr = {};
  if (old) put_task_struct_rcu_user(env, k, old);
}

}  // namespace lsmc::model::kernel
