#include "model/linux/inode_storage.hpp"

#include "model/linux/asserts.hpp"
#include "model/linux/inode_storage_7_0.hpp"

namespace lsmc::model::kernel {

namespace {
Ref<Owner> as_owner(Ref<Inode> inode) { return Ref<Owner>{inode.p, inode.id}; }
}  // namespace

// inode_storage_map_alloc() (v6.18): bpf_local_storage_map_alloc() with inode_cache and
// bpf_ma = false.
SmapOrErr inode_storage_map_alloc(Env& env, Kernel& k, const MapAttr& attr) {
  const Traced traced(env, k, fn("inode_storage_map_alloc"));
  return bpf_local_storage_map_alloc(env, k, attr, k.idx_cache(OwnerKind::kInode), false);
}

Smap& inode_storage_map_alloc(Env& env, Kernel& k, std::string name) {
  MapAttr attr;
  attr.type = OwnerKind::kInode;
  attr.name = std::move(name);
  return setup_map(env, k, attr);
}

// inode_storage_lookup() (v6.18): through the inode's BPF LSM blob.
Ref<Selem> inode_storage_lookup(Env& env, Kernel& k, Ref<Inode> inode, const Smap& smap, bool cacheit) {
  const Ref<Storage> storage = owner_storage_load(env, as_owner(inode), "inode_storage_lookup: bpf_inode(inode)->storage");
  if (!storage) return {};
  return bpf_local_storage_lookup(env, k, storage, smap, cacheit);
}

// bpf_inode_storage_free() (v6.18): the inode_free_security hook of the BPF LSM.
void bpf_inode_storage_free(Env& env, Kernel& k, Ref<Inode> inode) {
  if (k.v7_0()) return v7_0::bpf_inode_storage_free(env, k, inode);
  ++env.context().migrate_disabled;
  k.rcu.read_lock(env, RcuFlavour::kRcu);
  const Ref<Storage> storage = owner_storage_load(env, as_owner(inode), "bpf_inode_storage_free: bpf_inode(inode)->storage");
  if (storage) bpf_local_storage_destroy(env, k, storage);
  k.rcu.read_unlock(env, RcuFlavour::kRcu);
  --env.context().migrate_disabled;
}

Fd fd_of(Inode& inode) {
  Fd fd;
  fd.kind = Fd::Kind::kOther;
  fd.inode = &inode;
  return fd;
}

namespace {
// fdget() + file_inode() (v6.18): EBADF without a file.
int resolve_inode_fd(const Fd& fd, Ref<Inode>& inode) {
  if (fd.inode == nullptr) return kEBADF;
  inode = Ref<Inode>::of(fd.inode);
  return 0;
}
}  // namespace

// bpf_fd_inode_storage_lookup_elem() (v6.18)
LookupResult bpf_fd_inode_storage_lookup_elem(Env& env, Kernel& k, Smap& smap, const Fd& fd) {
  Ref<Inode> inode;
  if (int err = resolve_inode_fd(fd, inode)) return {err, {}};
  const Ref<Selem> sdata = inode_storage_lookup(env, k, inode, smap, true);
  if (!sdata) return {kENOENT, {}};
  return {0, bpf_map_copy_value(env, sdata)};
}

// bpf_fd_inode_storage_update_elem() (v6.18): EBADF for an inode without the BPF LSM blob
// (inode_storage_ptr() NULL); every modelled inode has one.
int bpf_fd_inode_storage_update_elem(Env& env, Kernel& k, Smap& smap, const Fd& fd, const Value& value, uint64_t flags) {
  Ref<Inode> inode;
  if (int err = resolve_inode_fd(fd, inode)) return err;
  return bpf_local_storage_update(env, k, as_owner(inode), smap, value, flags, Gfp::kAtomic).err;
}

namespace {
// inode_storage_delete() (v6.18)
int inode_storage_delete(Env& env, Kernel& k, Ref<Inode> inode, Smap& smap) {
  if (k.v7_0()) return v7_0::inode_storage_delete(env, k, inode, smap);
  const Ref<Selem> sdata = inode_storage_lookup(env, k, inode, smap, false);
  if (!sdata) return kENOENT;
  bpf_selem_unlink(env, k, sdata, false);
  return 0;
}
}  // namespace

// bpf_fd_inode_storage_delete_elem() (v6.18)
int bpf_fd_inode_storage_delete_elem(Env& env, Kernel& k, Smap& smap, const Fd& fd) {
  Ref<Inode> inode;
  if (int err = resolve_inode_fd(fd, inode)) return err;
  return inode_storage_delete(env, k, inode, smap);
}

// bpf_inode_storage_get() (v6.18 and v7.0): no gate on the inode's life: "This helper must only
// called from where the inode is guaranteed to have a refcount and cannot be freed." (The
// i_count check "only allocate new storage, when the inode is refcounted" was proposed with
// inode storage for tracing programs; neither the 6.18 nor the 7.0 file has it.)
Ref<Selem> bpf_inode_storage_get(Env& env, Kernel& k, Smap& smap, Ref<Inode> inode, const Value* value,
                                 uint64_t flags, Gfp gfp) {
  warn_on_once(env, !bpf_rcu_lock_held(env), "!bpf_rcu_lock_held()", "bpf_inode_storage_get");
  if ((flags & ~kGetFCreate) || !inode) return {};
  Ref<Selem> sdata = inode_storage_lookup(env, k, inode, smap, true);
  if (sdata || !(flags & kGetFCreate)) return sdata;
  const Value zero;
  const SdataOrErr r = bpf_local_storage_update(env, k, as_owner(inode), smap, value ? *value : zero, kBpfNoexist, gfp);
  return r.err ? Ref<Selem>{} : r.sdata;
}

// bpf_inode_storage_delete() (v6.18)
int bpf_inode_storage_delete(Env& env, Kernel& k, Smap& smap, Ref<Inode> inode) {
  warn_on_once(env, !bpf_rcu_lock_held(env), "!bpf_rcu_lock_held()", "bpf_inode_storage_delete");
  if (!inode) return -kEINVAL;
  return -inode_storage_delete(env, k, inode, smap);
}

// new_inode() (fs/inode.c, v6.18), reduced: one reference, the BPF LSM blob allocated.
Inode& new_inode(Env& env, Kernel& k, std::string name) {
  Inode& inode = k.new_inode(std::move(name));
  inode.id = env.alloc(kInodeType, "new_inode: alloc_inode");
  inode.i_count = 1;
  return inode;
}

// ihold() (fs/inode.c, v6.18)
void ihold(Env& env, Kernel& k, Ref<Inode> inode) {
  (void)k;
  env.rmw(inode.id, field::kOwnerUsage, "ihold: atomic_inc(&inode->i_count)");
  ++inode->i_count;
}

// iput() -> iput_final() -> evict() -> destroy_inode() (fs/inode.c, v6.18), reduced.
void iput(Env& env, Kernel& k, Ref<Inode> inode) {
  env.rmw(inode.id, field::kOwnerUsage, "iput: atomic_dec_and_lock(&inode->i_count)");
  if (--inode->i_count != 0) return;
  env.write(inode.id, field::kOwnerState, "evict");
  inode->state = Inode::State::kEvicting;
  security_inode_free(env, k, inode);
}

// security_inode_free() (security/security.c, v6.18): the inode_free_security hooks run now
// (bpf_inode_storage_free), the blob and the inode go after a grace period (inode_free_by_rcu).
void security_inode_free(Env& env, Kernel& k, Ref<Inode> inode) {
  bpf_inode_storage_free(env, k, inode);
  k.rcu.call(env, RcuFlavour::kRcu, [inode](Env& e) {
    // lsmc's invariant, the owner side of check_storage_free(): no storage is left on it.
    e.read(inode.id, field::kOwnerStorage, "inode_free_by_rcu: (lsmc) bpf_inode(inode)->storage");
    e.check(!inode->bpf_storage, "invariant",
            "inode_free_by_rcu of " + inode->name + " while its BPF LSM blob still points at a storage: nothing will free it");
    e.write(inode.id, field::kOwnerState, "inode_free_by_rcu");
    inode->state = Inode::State::kFreed;
    e.free(inode.id, "inode_free_by_rcu: kmem_cache_free");
  }, "security_inode_free: call_rcu(inode_free_by_rcu)");
}

}  // namespace lsmc::model::kernel
