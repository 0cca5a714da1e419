// The owners' storage the arena and uptr layouts keep their link in: task, cgroup, socket or inode
// storage of the 6.18 model, and how a link to an entry is encoded in its value.
#include "model/linux/cgrp_storage.hpp"
#include "model/linux/inode_storage.hpp"
#include "model/linux/sk_storage.hpp"
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

// The owner as the kernel's helpers take it. Task, cgroup, socket and inode storage are the same
// code with another owner type (bpf_task_storage.c, bpf_cgrp_storage.c, net/core/bpf_sk_storage.c,
// bpf_inode_storage.c; v6.18); the proposal's map flag applies to each.
mk::Task& as_task(mk::Owner& o) { return static_cast<mk::Task&>(o); }
mk::Cgroup& as_cgroup(mk::Owner& o) { return static_cast<mk::Cgroup&>(o); }
mk::Sock& as_sock(mk::Owner& o) { return static_cast<mk::Sock&>(o); }
mk::Inode& as_inode(mk::Owner& o) { return static_cast<mk::Inode&>(o); }

// The owner's number: a task's pid, a cgroup's id (kn->id). A socket's cookie (sock_gen_cookie())
// and an inode's number stand as the object's id in the model (unique in an execution, handed
// out in order). The pid-indexed array indexes by it.
int64_t number_of(const mk::Owner& o) {
  switch (o.kind) {
    case mk::OwnerKind::kTask: return static_cast<const mk::Task&>(o).pid->nr;
    case mk::OwnerKind::kCgroup: return static_cast<int64_t>(static_cast<const mk::Cgroup&>(o).kn_id);
    case mk::OwnerKind::kSock:
    case mk::OwnerKind::kInode: return static_cast<int64_t>(o.id);
  }
  return 0;
}

// The key user space has for the owner: a pidfd, a cgroup directory fd, a socket fd, or an fd of
// an open file of the inode (what bpf_fd_sk_storage_* and bpf_fd_inode_storage_* take).
mk::Fd owner_fd(mk::Owner& o) {
  switch (o.kind) {
    case mk::OwnerKind::kTask: return mk::pidfd_open(as_task(o));
    case mk::OwnerKind::kCgroup: return mk::Fd{mk::Fd::Kind::kCgroup, nullptr, &as_cgroup(o)};
    case mk::OwnerKind::kSock: return mk::sockfd_of(as_sock(o));
    case mk::OwnerKind::kInode: return mk::fd_of(as_inode(o));
  }
  return {};
}

// bpf_{task,cgrp,sk,inode}_storage_get() as the program's type is given it (the 6.18 model).
mk::Ref<mk::Selem> storage_get(Env& env, mk::Kernel& k, const mk::ProgCtx& ctx, Map& map, mk::Owner& o, uint64_t flags) {
  const mk::Gfp gfp = ctx.sleepable ? mk::Gfp::kKernel : mk::Gfp::kAtomic;
  switch (o.kind) {
    case mk::OwnerKind::kTask:
      return mk::prog_task_storage_get(env, k, ctx, *map.smap, mk::Ref<mk::Task>::of(&as_task(o)), flags);
    case mk::OwnerKind::kCgroup:
      return mk::bpf_cgrp_storage_get(env, k, *map.smap, mk::Ref<mk::Cgroup>::of(&as_cgroup(o)), nullptr, flags, gfp);
    case mk::OwnerKind::kSock:
      return mk::bpf_sk_storage_get(env, k, *map.smap, mk::Ref<mk::Sock>::of(&as_sock(o)), nullptr, flags, gfp);
    case mk::OwnerKind::kInode:
      return mk::bpf_inode_storage_get(env, k, *map.smap, mk::Ref<mk::Inode>::of(&as_inode(o)), nullptr, flags, gfp);
  }
  return {};
}

// bpf_{task,cgrp,sk,inode}_storage_delete() as the program's type is given it (the 6.18 model).
void storage_delete(Env& env, mk::Kernel& k, const mk::ProgCtx& ctx, Map& map, mk::Owner& o) {
  switch (o.kind) {
    case mk::OwnerKind::kTask: mk::prog_task_storage_delete(env, k, ctx, *map.smap, mk::Ref<mk::Task>::of(&as_task(o))); return;
    case mk::OwnerKind::kCgroup: mk::bpf_cgrp_storage_delete(env, k, *map.smap, mk::Ref<mk::Cgroup>::of(&as_cgroup(o))); return;
    case mk::OwnerKind::kSock: mk::bpf_sk_storage_delete(env, k, *map.smap, mk::Ref<mk::Sock>::of(&as_sock(o))); return;
    case mk::OwnerKind::kInode: mk::bpf_inode_storage_delete(env, k, *map.smap, mk::Ref<mk::Inode>::of(&as_inode(o))); return;
  }
}

// The owner's number as mappable.hpp publishes it.
int64_t owner_number(const mk::Owner& owner) { return number_of(owner); }

}  // namespace lsmc::model::mappable
