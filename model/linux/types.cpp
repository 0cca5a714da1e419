#include "model/linux/types.hpp"

namespace lsmc::model::kernel {

namespace {
constexpr std::string_view kSelemFields[] = {"sdata.smap", "local_storage", "map_node", "snode",
                                             "sdata.data", "sdata.data.spin_lock", "state",
                                             "sdata.data.kptr", "sdata.data.uptr", "sdata.data.percpu_kptr"};
constexpr std::string_view kStorageFields[] = {
    "list",      "owner",     "smap",      "cache[0]",  "cache[1]",  "cache[2]",
    "cache[3]",  "cache[4]",  "cache[5]",  "cache[6]",  "cache[7]",  "cache[8]",
    "cache[9]",  "cache[10]", "cache[11]", "cache[12]", "cache[13]", "cache[14]", "cache[15]", "owner_refcnt"};
constexpr std::string_view kTaskFields[] = {"bpf_storage", "usage", "state", "rcu_users", "real_parent"};
constexpr std::string_view kCgroupFields[] = {"bpf_cgrp_storage", "self.refcnt", "state"};
constexpr std::string_view kSockFields[] = {"sk_bpf_storage", "sk_refcnt", "state", "sk_omem_alloc"};
constexpr std::string_view kInodeFields[] = {"i_security->storage", "i_count", "state"};
constexpr std::string_view kUserPageFields[] = {"data", "pins"};
constexpr std::string_view kPercpuObjFields[] = {"this_cpu_ptr(p)->data"};
constexpr std::string_view kSmapFields[] = {"buckets", "cache_idx", "refcnt", "usercnt"};
constexpr std::string_view kBusyFields[] = {"count"};
constexpr std::string_view kPidFields[] = {"tasks[PIDTYPE_PID]"};
constexpr std::string_view kIdrFields[] = {"cgrp"};  // also kn->priv
// fdt->fd[map_fd], and the f_ref of the file it holds (the model keeps both on the slot).
constexpr std::string_view kFdSlotFields[] = {"fd[map_fd]", "file->f_ref"};
}  // namespace

const TypeInfo kSelemType{"bpf_local_storage_elem", kSelemFields};
const TypeInfo kStorageType{"bpf_local_storage", kStorageFields};
const TypeInfo kTaskType{"task_struct", kTaskFields};
const TypeInfo kCgroupType{"cgroup", kCgroupFields};
const TypeInfo kSockType{"sock", kSockFields};
const TypeInfo kInodeType{"inode", kInodeFields};
const TypeInfo kUserPageType{"user page", kUserPageFields};
const TypeInfo kPercpuObjType{"bpf_percpu_obj", kPercpuObjFields};
const TypeInfo kSmapType{"bpf_local_storage_map", kSmapFields};
const TypeInfo kBusyType{"bpf_storage_busy(percpu)", kBusyFields};
const TypeInfo kPidType{"pid", kPidFields};
const TypeInfo kCgroupIdrType{"cgroup_idr_slot", kIdrFields};
const TypeInfo kFdSlotType{"fdtable slot", kFdSlotFields};

}  // namespace lsmc::model::kernel
