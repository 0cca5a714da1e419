// kernel/bpf/bpf_inode_storage.c as of v7.0 (the linux-7.0 profile): the functions that differ
// from 6.18, same names; the 6.18 functions dispatch here when Kernel::v7_0(). Source read:
// ameryhung/bpf 7090b7e6e512.
#pragma once

#include "model/linux/inode_storage.hpp"

namespace lsmc::model::kernel::v7_0 {

void bpf_inode_storage_free(Env& env, Kernel& k, Ref<Inode> inode);
int inode_storage_delete(Env& env, Kernel& k, Ref<Inode> inode, Smap& smap);

}  // namespace lsmc::model::kernel::v7_0
