// kernel/bpf/bpf_task_storage.c as of v7.0 (the linux-7.0 profile): no per-CPU busy counter and
// no _recur protos ("Remove task and cgroup local storage percpu counters"); recursion shows up
// as an rqspinlock error instead. The 6.18 functions of task_storage.hpp dispatch here.
#pragma once

#include "model/linux/task_storage.hpp"

namespace lsmc::model::kernel::v7_0 {

void bpf_task_storage_free(Env& env, Kernel& k, Ref<Task> task);
LookupResult bpf_pid_task_storage_lookup_elem(Env& env, Kernel& k, Smap& smap, const Fd& fd);
int bpf_pid_task_storage_update_elem(Env& env, Kernel& k, Smap& smap, const Fd& fd, const Value& value,
                                     uint64_t flags);
int task_storage_delete(Env& env, Kernel& k, Ref<Task> task, Smap& smap);
int bpf_pid_task_storage_delete_elem(Env& env, Kernel& k, Smap& smap, const Fd& fd);
Ref<Selem> bpf_task_storage_get(Env& env, Kernel& k, Smap& smap, Ref<Task> task, const Value* value,
                                uint64_t flags, Gfp gfp);
int bpf_task_storage_delete(Env& env, Kernel& k, Smap& smap, Ref<Task> task);

}  // namespace lsmc::model::kernel::v7_0
