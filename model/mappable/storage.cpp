// The owners' storage the arena and uptr layouts keep their link in: task or cgroup storage of
// the 6.18 model, and how a link to an entry is encoded in its value.
#include "model/linux/cgrp_storage.hpp"
#include "model/linux/task_storage.hpp"
#include "model/mappable/internal.hpp"

namespace lsmc::model::mappable {

// The task storage value of kArena and kUptr: which entry (and for the arena its generation);
// 0 means none (a fresh F_CREATE value, or the uptr a user lookup returns zeroed).
int64_t encode_entry(uint32_t slot, uint32_t gen) { return (static_cast<int64_t>(gen) << 32) | (slot + 1); }
Handle decode_entry(int64_t v) {
  if (v == 0) return {};
  return {static_cast<uint32_t>((v & 0xffffffff) - 1), static_cast<uint32_t>(v >> 32)};
}

// The owner as the kernel's helpers take it. Task and cgroup storage are the same code with
// another owner type (bpf_task_storage.c / bpf_cgrp_storage.c); the proposal's map flag applies
// to both.
mk::Task& as_task(mk::Owner& o) { return static_cast<mk::Task&>(o); }
mk::Cgroup& as_cgroup(mk::Owner& o) { return static_cast<mk::Cgroup&>(o); }

// The owner's number: a task's pid, a cgroup's id (kn->id). The pid-indexed array indexes by it.
int64_t number_of(const mk::Owner& o) {
  if (o.kind == mk::OwnerKind::kTask) return static_cast<const mk::Task&>(o).pid->nr;
  return static_cast<int64_t>(static_cast<const mk::Cgroup&>(o).kn_id);
}

// The key user space has for the owner: a pidfd, or a cgroup directory fd.
mk::Fd owner_fd(mk::Owner& o) {
  if (o.kind == mk::OwnerKind::kTask) return mk::pidfd_open(as_task(o));
  return mk::Fd{mk::Fd::Kind::kCgroup, nullptr, &as_cgroup(o)};
}

// bpf_{task,cgrp}_storage_get() as the program's type is given it (the 6.18 model).
mk::Ref<mk::Selem> storage_get(Env& env, mk::Kernel& k, const mk::ProgCtx& ctx, Map& map, mk::Owner& o, uint64_t flags) {
  if (o.kind == mk::OwnerKind::kTask) return mk::prog_task_storage_get(env, k, ctx, *map.smap, mk::Ref<mk::Task>::of(&as_task(o)), flags);
  return mk::bpf_cgrp_storage_get(env, k, *map.smap, mk::Ref<mk::Cgroup>::of(&as_cgroup(o)), nullptr, flags,
                                  ctx.sleepable ? mk::Gfp::kKernel : mk::Gfp::kAtomic);
}

// bpf_{task,cgrp}_storage_delete() as the program's type is given it (the 6.18 model).
void storage_delete(Env& env, mk::Kernel& k, const mk::ProgCtx& ctx, Map& map, mk::Owner& o) {
  if (o.kind == mk::OwnerKind::kTask) {
    mk::prog_task_storage_delete(env, k, ctx, *map.smap, mk::Ref<mk::Task>::of(&as_task(o)));
  } else {
    mk::bpf_cgrp_storage_delete(env, k, *map.smap, mk::Ref<mk::Cgroup>::of(&as_cgroup(o)));
  }
}

// The owner's number as mappable.hpp publishes it.
int64_t owner_number(const mk::Owner& owner) { return number_of(owner); }

}  // namespace lsmc::model::mappable
