// The modelled kernel functions, one row each: the table attach points come from.
//
// A tracing program (fentry/fexit) can attach to a kernel function only if the function is in the
// kernel's BTF as a FUNC (bpf_check_attach_target() looks it up by name) and is not on the
// verifier's btf_id_deny list. A static function the compiler inlined, or only emitted as a
// `.constprop`/`.isra` clone, has no BTF FUNC and cannot be attached to. Which of ours are
// attachable was read off this machine's Linux 6.18.44 (/sys/kernel/btf/vmlinux and
// /proc/kallsyms) by tools/record-attach-points.sh into data/attach-points-linux-6.18.txt;
// tests/test_functions.cpp checks this table against that file, so it cannot drift.
//
// Model code names its function with fn("name"): a name missing from the table does not compile.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string_view>

namespace lsmc::model::kernel {

enum class Trace : uint8_t {
  kTraceable,   // a BTF FUNC: fentry and fexit programs attach here
  kInlined,     // no symbol, no BTF FUNC: inlined (static inline in a header, or by the compiler)
  kClone,       // only a .constprop/.isra clone exists: no BTF FUNC under the name
  kNoBtf,       // a symbol but no BTF FUNC under the name (another function shares the name)
  kNotrace,     // notrace: the verifier accepts the target but the trampoline cannot attach (-EBUSY)
  kTracepoint,  // a tracepoint: tp_btf programs attach here (btf_trace_<name> in BTF)
  kLsmHook,     // an LSM hook: BPF LSM programs attach to bpf_lsm_<name>
};
std::string_view to_string(Trace t);

struct KernelFunction {
  std::string_view name;
  std::string_view source;  // the kernel file (v6.18) that defines it
  Trace trace;
  // The function may free its task argument before it returns (drops the last reference, or hands
  // it to an RCU callback that may run before the fexit trampoline does): an
  // fexit program still gets the pointer (an untrusted PTR_TO_BTF_ID), but any use of it is a
  // use-after-free of the program's own making.
  bool frees_arg = false;
  // __noreturn: the verifier's noreturn_deny set (kernel/bpf/verifier.c, v6.18) rejects fexit
  // here ("Attaching fexit/fmod_ret to __noreturn function ... is rejected").
  bool noreturn = false;
};

// The order is the Fn numbering; append new rows anywhere, names are unique.
inline constexpr std::array kKernelFunctions = {
    // kernel/bpf/bpf_local_storage.c and include/linux/bpf_local_storage.h
    KernelFunction{"owner_storage", "kernel/bpf/bpf_local_storage.c", Trace::kInlined},
    KernelFunction{"select_bucket", "kernel/bpf/bpf_local_storage.c", Trace::kInlined},
    KernelFunction{"copy_map_value", "include/linux/bpf.h", Trace::kInlined},
    KernelFunction{"copy_map_value_locked", "kernel/bpf/helpers.c", Trace::kTraceable},
    KernelFunction{"check_storage_bpf_ma", "kernel/bpf/bpf_local_storage.c", Trace::kInlined},
    KernelFunction{"bpf_selem_alloc", "kernel/bpf/bpf_local_storage.c", Trace::kTraceable},
    KernelFunction{"bpf_selem_free_rcu", "kernel/bpf/bpf_local_storage.c", Trace::kInlined},
    KernelFunction{"bpf_selem_free_trace_rcu", "kernel/bpf/bpf_local_storage.c", Trace::kTraceable},
    KernelFunction{"bpf_selem_free", "kernel/bpf/bpf_local_storage.c", Trace::kTraceable},
    KernelFunction{"bpf_selem_free_list", "kernel/bpf/bpf_local_storage.c", Trace::kInlined},
    KernelFunction{"bpf_local_storage_free_rcu", "kernel/bpf/bpf_local_storage.c", Trace::kTraceable},
    KernelFunction{"bpf_local_storage_free", "kernel/bpf/bpf_local_storage.c", Trace::kTraceable},
    KernelFunction{"bpf_selem_unlink_storage_nolock", "kernel/bpf/bpf_local_storage.c", Trace::kClone},
    KernelFunction{"bpf_selem_unlink_storage", "kernel/bpf/bpf_local_storage.c", Trace::kTraceable},
    KernelFunction{"bpf_selem_link_storage_nolock", "kernel/bpf/bpf_local_storage.c", Trace::kTraceable},
    KernelFunction{"bpf_selem_unlink_map", "kernel/bpf/bpf_local_storage.c", Trace::kTraceable},
    KernelFunction{"bpf_selem_link_map", "kernel/bpf/bpf_local_storage.c", Trace::kTraceable},
    KernelFunction{"bpf_selem_unlink", "kernel/bpf/bpf_local_storage.c", Trace::kTraceable},
    KernelFunction{"__bpf_local_storage_insert_cache", "kernel/bpf/bpf_local_storage.c", Trace::kTraceable},
    KernelFunction{"bpf_local_storage_lookup", "include/linux/bpf_local_storage.h", Trace::kInlined},
    KernelFunction{"check_flags", "kernel/bpf/bpf_local_storage.c", Trace::kInlined},
    KernelFunction{"bpf_local_storage_alloc", "kernel/bpf/bpf_local_storage.c", Trace::kTraceable},
    KernelFunction{"bpf_local_storage_update", "kernel/bpf/bpf_local_storage.c", Trace::kTraceable},
    KernelFunction{"bpf_local_storage_cache_idx_get", "kernel/bpf/bpf_local_storage.c", Trace::kInlined},
    KernelFunction{"bpf_local_storage_cache_idx_free", "kernel/bpf/bpf_local_storage.c", Trace::kInlined},
    KernelFunction{"bpf_local_storage_map_alloc", "kernel/bpf/bpf_local_storage.c", Trace::kTraceable},
    KernelFunction{"bpf_local_storage_destroy", "kernel/bpf/bpf_local_storage.c", Trace::kTraceable},
    KernelFunction{"bpf_local_storage_map_free", "kernel/bpf/bpf_local_storage.c", Trace::kTraceable},
    // kernel/bpf/memalloc.c
    KernelFunction{"bpf_mem_cache_alloc_flags", "kernel/bpf/memalloc.c", Trace::kNotrace},
    KernelFunction{"bpf_mem_cache_free", "kernel/bpf/memalloc.c", Trace::kNotrace},
    KernelFunction{"bpf_mem_cache_raw_free", "kernel/bpf/memalloc.c", Trace::kTraceable},
    KernelFunction{"bpf_mem_alloc_destroy", "kernel/bpf/memalloc.c", Trace::kTraceable},
    // kernel/bpf/bpf_task_storage.c
    KernelFunction{"bpf_task_storage_lock", "kernel/bpf/bpf_task_storage.c", Trace::kInlined},
    KernelFunction{"bpf_task_storage_unlock", "kernel/bpf/bpf_task_storage.c", Trace::kInlined},
    KernelFunction{"bpf_task_storage_trylock", "kernel/bpf/bpf_task_storage.c", Trace::kInlined},
    KernelFunction{"task_storage_lookup", "kernel/bpf/bpf_task_storage.c", Trace::kInlined},
    KernelFunction{"bpf_task_storage_free", "kernel/bpf/bpf_task_storage.c", Trace::kTraceable},
    KernelFunction{"bpf_pid_task_storage_lookup_elem", "kernel/bpf/bpf_task_storage.c", Trace::kTraceable},
    KernelFunction{"bpf_pid_task_storage_update_elem", "kernel/bpf/bpf_task_storage.c", Trace::kTraceable},
    KernelFunction{"bpf_pid_task_storage_delete_elem", "kernel/bpf/bpf_task_storage.c", Trace::kTraceable},
    KernelFunction{"task_storage_delete", "kernel/bpf/bpf_task_storage.c", Trace::kInlined},
    KernelFunction{"__bpf_task_storage_get", "kernel/bpf/bpf_task_storage.c", Trace::kInlined},
    KernelFunction{"bpf_task_storage_get_recur", "kernel/bpf/bpf_task_storage.c", Trace::kTraceable},
    KernelFunction{"bpf_task_storage_get", "kernel/bpf/bpf_task_storage.c", Trace::kTraceable},
    KernelFunction{"bpf_task_storage_delete_recur", "kernel/bpf/bpf_task_storage.c", Trace::kTraceable},
    KernelFunction{"bpf_task_storage_delete", "kernel/bpf/bpf_task_storage.c", Trace::kTraceable},
    KernelFunction{"task_storage_map_free", "kernel/bpf/bpf_task_storage.c", Trace::kTraceable},
    // kernel/bpf/syscall.c
    KernelFunction{"map_lookup_elem", "kernel/bpf/syscall.c", Trace::kTraceable},
    KernelFunction{"map_update_elem", "kernel/bpf/syscall.c", Trace::kTraceable},
    KernelFunction{"map_delete_elem", "kernel/bpf/syscall.c", Trace::kTraceable},
    KernelFunction{"bpf_map_free_deferred", "kernel/bpf/syscall.c", Trace::kTraceable},
    // kernel/fork.c, kernel/exit.c, kernel/pid.c, fs/exec.c, security/security.c
    KernelFunction{"copy_process", "kernel/fork.c", Trace::kTraceable},
    KernelFunction{"free_task", "kernel/fork.c", Trace::kTraceable, true},
    KernelFunction{"__put_task_struct", "kernel/fork.c", Trace::kTraceable, true},
    KernelFunction{"put_task_struct", "include/linux/sched/task.h", Trace::kTraceable, true},
    KernelFunction{"get_task_struct", "include/linux/sched/task.h", Trace::kInlined},
    KernelFunction{"exit_creds", "kernel/cred.c", Trace::kTraceable},
    KernelFunction{"do_exit", "kernel/exit.c", Trace::kTraceable, false, true},
    KernelFunction{"release_task", "kernel/exit.c", Trace::kTraceable, true},
    KernelFunction{"delayed_put_task_struct", "kernel/exit.c", Trace::kTraceable, true},
    KernelFunction{"put_task_struct_rcu_user", "kernel/exit.c", Trace::kTraceable, true},
    KernelFunction{"bpf_task_from_pid", "kernel/bpf/helpers.c", Trace::kTraceable},
    KernelFunction{"bpf_task_release", "kernel/bpf/helpers.c", Trace::kTraceable, true},
    KernelFunction{"bpf_task_acquire", "kernel/bpf/helpers.c", Trace::kTraceable},
    KernelFunction{"de_thread", "fs/exec.c", Trace::kInlined},
    KernelFunction{"pidfd_get_pid", "kernel/pid.c", Trace::kTraceable},
    KernelFunction{"security_task_alloc", "security/security.c", Trace::kTraceable},
    // kernel/bpf/bpf_cgrp_storage.c, kernel/cgroup/cgroup.c
    KernelFunction{"bpf_cgrp_storage_lock", "kernel/bpf/bpf_cgrp_storage.c", Trace::kInlined},
    KernelFunction{"bpf_cgrp_storage_unlock", "kernel/bpf/bpf_cgrp_storage.c", Trace::kInlined},
    KernelFunction{"bpf_cgrp_storage_trylock", "kernel/bpf/bpf_cgrp_storage.c", Trace::kInlined},
    KernelFunction{"bpf_cgrp_storage_free", "kernel/bpf/bpf_cgrp_storage.c", Trace::kTraceable},
    KernelFunction{"cgroup_storage_lookup", "kernel/bpf/bpf_cgrp_storage.c", Trace::kNoBtf},
    KernelFunction{"bpf_cgrp_storage_lookup_elem", "kernel/bpf/bpf_cgrp_storage.c", Trace::kTraceable},
    KernelFunction{"bpf_cgrp_storage_update_elem", "kernel/bpf/bpf_cgrp_storage.c", Trace::kTraceable},
    KernelFunction{"cgroup_storage_delete", "kernel/bpf/bpf_cgrp_storage.c", Trace::kInlined},
    KernelFunction{"bpf_cgrp_storage_delete_elem", "kernel/bpf/bpf_cgrp_storage.c", Trace::kTraceable},
    KernelFunction{"bpf_cgrp_storage_get", "kernel/bpf/bpf_cgrp_storage.c", Trace::kTraceable},
    KernelFunction{"bpf_cgrp_storage_delete", "kernel/bpf/bpf_cgrp_storage.c", Trace::kTraceable},
    KernelFunction{"cgroup_v1v2_get_from_fd", "kernel/cgroup/cgroup.c", Trace::kTraceable},
    KernelFunction{"cgroup_mkdir", "kernel/cgroup/cgroup.c", Trace::kTraceable},
    KernelFunction{"cgroup_rmdir", "kernel/cgroup/cgroup.c", Trace::kTraceable},
    KernelFunction{"css_free_rwork_fn", "kernel/cgroup/cgroup.c", Trace::kTraceable},
    // Tracepoints (include/trace/events/sched.h) and LSM hooks (include/linux/lsm_hook_defs.h)
    KernelFunction{"sched_process_fork", "include/trace/events/sched.h", Trace::kTracepoint},
    KernelFunction{"sched_process_exit", "include/trace/events/sched.h", Trace::kTracepoint},
    KernelFunction{"sched_process_free", "include/trace/events/sched.h", Trace::kTracepoint},
    KernelFunction{"task_alloc", "include/linux/lsm_hook_defs.h", Trace::kLsmHook},
    // Special fields (kernel/bpf/helpers.c, kernel/bpf/syscall.c, kernel/bpf/memalloc.c)
    KernelFunction{"bpf_kptr_xchg", "kernel/bpf/helpers.c", Trace::kTraceable},
    KernelFunction{"bpf_obj_free_fields", "kernel/bpf/syscall.c", Trace::kTraceable},
    KernelFunction{"bpf_percpu_obj_new_impl", "kernel/bpf/helpers.c", Trace::kTraceable},
    KernelFunction{"bpf_percpu_obj_drop_impl", "kernel/bpf/helpers.c", Trace::kTraceable},
    KernelFunction{"__bpf_obj_drop_impl", "kernel/bpf/helpers.c", Trace::kTraceable},
    KernelFunction{"bpf_mem_free_rcu", "kernel/bpf/memalloc.c", Trace::kNotrace},
    KernelFunction{"bpf_rcu_read_lock", "kernel/bpf/helpers.c", Trace::kTraceable},
    KernelFunction{"bpf_rcu_read_unlock", "kernel/bpf/helpers.c", Trace::kTraceable},
    KernelFunction{"forget_original_parent", "kernel/exit.c", Trace::kInlined},
    // Map creation (kernel/bpf/syscall.c and each map type's map_alloc)
    KernelFunction{"map_create", "kernel/bpf/syscall.c", Trace::kTraceable},
    KernelFunction{"map_check_btf", "kernel/bpf/syscall.c", Trace::kInlined},
    KernelFunction{"bpf_map_alloc_id", "kernel/bpf/syscall.c", Trace::kInlined},
    KernelFunction{"bpf_map_new_fd", "kernel/bpf/syscall.c", Trace::kTraceable},
    KernelFunction{"bpf_map_free", "kernel/bpf/syscall.c", Trace::kInlined},
    KernelFunction{"bpf_map_put_with_uref", "kernel/bpf/syscall.c", Trace::kTraceable},
    KernelFunction{"bpf_mem_alloc_init", "kernel/bpf/memalloc.c", Trace::kTraceable},
    KernelFunction{"task_storage_map_alloc", "kernel/bpf/bpf_task_storage.c", Trace::kTraceable},
    KernelFunction{"cgroup_storage_map_alloc", "kernel/bpf/bpf_cgrp_storage.c", Trace::kNoBtf},
    KernelFunction{"bpf_sk_storage_map_alloc", "net/core/bpf_sk_storage.c", Trace::kTraceable},
    KernelFunction{"inode_storage_map_alloc", "kernel/bpf/bpf_inode_storage.c", Trace::kTraceable},
};

// A modelled function: its row in kKernelFunctions.
enum class Fn : uint16_t {};

// The row of `name`; in a constant expression, a name missing from the table does not compile.
consteval Fn fn(std::string_view name) {
  for (std::size_t i = 0; i < kKernelFunctions.size(); ++i) {
    if (kKernelFunctions[i].name == name) return static_cast<Fn>(i);
  }
  throw std::logic_error("not a modelled kernel function: add it to kKernelFunctions");
}

inline const KernelFunction& info(Fn f) { return kKernelFunctions[static_cast<std::size_t>(f)]; }
std::optional<Fn> find_kernel_function(std::string_view name);

}  // namespace lsmc::model::kernel
