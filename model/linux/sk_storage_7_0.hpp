// net/core/bpf_sk_storage.c as of v7.0 (the linux-7.0 profile): the functions that differ from
// 6.18, same names; the 6.18 functions dispatch here when Kernel::v7_0(). Source read: ameryhung/bpf
// 7090b7e6e512 (the 7.0-era tree the task and cgroup files were read from); the socket's own life
// (net/core/sock.c: sk_clone_lock, __sk_destruct) is as in 6.18.
#pragma once

#include "model/linux/sk_storage.hpp"

namespace lsmc::model::kernel::v7_0 {

void bpf_sk_storage_free(Env& env, Kernel& k, Ref<Sock> sk);
int bpf_sk_storage_del(Env& env, Kernel& k, Ref<Sock> sk, Smap& smap);
int bpf_sk_storage_clone(Env& env, Kernel& k, Sock& sk, Sock& newsk, bool fail_copy);

}  // namespace lsmc::model::kernel::v7_0
