#include "model/linux/inode_storage_7_0.hpp"

#include "model/linux/local_storage_7_0.hpp"
#include "model/linux/rcu_fields.hpp"

namespace lsmc::model::kernel::v7_0 {

namespace {
Ref<Owner> as_owner(Ref<Inode> inode) { return Ref<Owner>{inode.p, inode.id}; }
}  // namespace

// bpf_inode_storage_free() (kernel/bpf/bpf_inode_storage.c, v7.0): destroy (nothing is charged to
// an inode, so its return is ignored), then RCU_INIT_POINTER(bsb->storage, NULL).
void bpf_inode_storage_free(Env& env, Kernel& k, Ref<Inode> inode) {
  ++env.context().migrate_disabled;  // rcu_read_lock_dont_migrate()
  k.rcu.read_lock(env, RcuFlavour::kRcu);
  const Ref<Storage> storage = owner_storage_load(env, as_owner(inode), "bpf_inode_storage_free: bsb->storage");
  if (storage) {
    (void)v7_0::bpf_local_storage_destroy(env, k, storage);
    owner_storage_store(env, as_owner(inode), {}, Order::kOnce, "bpf_inode_storage_free: RCU_INIT_POINTER(bsb->storage, NULL)");
  }
  k.rcu.read_unlock(env, RcuFlavour::kRcu);
  --env.context().migrate_disabled;  // rcu_read_unlock_migrate()
}

// inode_storage_delete() (v7.0): bpf_selem_unlink()'s error (-EDEADLK, -ETIMEDOUT) is returned.
int inode_storage_delete(Env& env, Kernel& k, Ref<Inode> inode, Smap& smap) {
  const Ref<Selem> sdata = inode_storage_lookup(env, k, inode, smap, false);
  if (!sdata) return kENOENT;
  return v7_0::bpf_selem_unlink(env, k, sdata);
}

}  // namespace lsmc::model::kernel::v7_0
