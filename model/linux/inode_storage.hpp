// kernel/bpf/bpf_inode_storage.c and the inode's end from fs/inode.c (v6.18), one model function
// per kernel function: inode storage on the shared local-storage core. Its pointer lives in the
// inode's BPF LSM blob; BPF LSM programs (sleepable or not) reach it. 6.18 only, like sk storage.
#pragma once

#include "model/linux/task_storage.hpp"

namespace lsmc::model::kernel {

SmapOrErr inode_storage_map_alloc(Env& env, Kernel& k, const MapAttr& attr);
// An inode storage map a scenario starts with (setup_map()).
Smap& inode_storage_map_alloc(Env& env, Kernel& k, std::string name);
Ref<Selem> inode_storage_lookup(Env& env, Kernel& k, Ref<Inode> inode, const Smap& smap, bool cacheit);
void bpf_inode_storage_free(Env& env, Kernel& k, Ref<Inode> inode);
// The syscall side, keyed by an fd of a file: file_inode(), which the open file keeps alive.
Fd fd_of(Inode& inode);
LookupResult bpf_fd_inode_storage_lookup_elem(Env& env, Kernel& k, Smap& smap, const Fd& fd);
int bpf_fd_inode_storage_update_elem(Env& env, Kernel& k, Smap& smap, const Fd& fd, const Value& value, uint64_t flags);
int bpf_fd_inode_storage_delete_elem(Env& env, Kernel& k, Smap& smap, const Fd& fd);
// The helpers: creation only while atomic_read(&inode->i_count) is not zero.
Ref<Selem> bpf_inode_storage_get(Env& env, Kernel& k, Smap& smap, Ref<Inode> inode, const Value* value,
                                 uint64_t flags, Gfp gfp);
int bpf_inode_storage_delete(Env& env, Kernel& k, Smap& smap, Ref<Inode> inode);

// The inode's life, reduced: new_inode (one reference), ihold, iput (the last one evicts:
// security_inode_free() frees the storage, the inode goes after a grace period).
Inode& new_inode(Env& env, Kernel& k, std::string name);
void ihold(Env& env, Kernel& k, Ref<Inode> inode);
void iput(Env& env, Kernel& k, Ref<Inode> inode);
void security_inode_free(Env& env, Kernel& k, Ref<Inode> inode);

}  // namespace lsmc::model::kernel
