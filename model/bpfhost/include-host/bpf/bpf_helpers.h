/* lsmc's bpf_helpers.h for the host build of BPF C (docs/mls.md, "One source, two targets"):
 * the same names as libbpf's header, but every helper and kfunc is a call into lsmc's kernel
 * model (model/bpfhost/helpers.cpp), and map definitions are plain globals that lsmc matches
 * with what libbpf reads from the BPF target's object. Only the helpers declared here exist in
 * the host build: a call to any other is a compile error naming it (lsmc check-bpf reports it
 * as unsupported). Compiled with clang -fsanitize=thread, so that every load and store of the
 * code is a call lsmc makes a scheduling point. */
#ifndef LSMC_BPF_HELPERS_H
#define LSMC_BPF_HELPERS_H

#ifdef __bpf__
#error "lsmc's host bpf_helpers.h is for the host target; the BPF target uses libbpf's"
#endif

#define LSMC_HOST_BUILD 1

#define SEC(name) __attribute__((used))
#define __uint(name, val) int(*name)[val]
#define __type(name, val) __typeof__(val) *name
#define __array(name, val) __typeof__(val) *name[]
#define __ulong(name, val) enum { ___bpf_concat(__unique_value, __COUNTER__) = val } name
#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif
#ifndef __noinline
#define __noinline __attribute__((noinline))
#endif
#ifndef __weak
#define __weak __attribute__((weak))
#endif
#define __hidden __attribute__((visibility("hidden")))
#define __ksym
#define __kconfig
#define __kptr
#define __kptr_untrusted
#define __percpu_kptr
#define __uptr
#define __arg_ctx
#define __arg_nonnull
#define __arg_trusted
#define __arg_arena
#define ___bpf_concat(a, b) a##b
#define ___bpf_apply(fn, n) ___bpf_concat(fn, n)

#ifndef barrier
#define barrier() asm volatile("" ::: "memory")
#endif
#ifndef barrier_var
#define barrier_var(var) asm volatile("" : "+r"(var))
#endif
#ifndef __bpf_unreachable
#define __bpf_unreachable() __builtin_trap()
#endif

#ifndef offsetof
#define offsetof(type, member) __builtin_offsetof(type, member)
#endif
#ifndef container_of
#define container_of(ptr, type, member) ((type *)((char *)(ptr)-offsetof(type, member)))
#endif

struct task_struct;
struct cgroup;
struct bpf_spin_lock;

/* Helpers (include/uapi/linux/bpf.h). Their lsmc_ names keep them apart from libbpf's user-space
 * functions of the same name in the process that runs the host build. */
void *lsmc_bpf_map_lookup_elem(void *map, const void *key);
long lsmc_bpf_map_update_elem(void *map, const void *key, const void *value, __u64 flags);
long lsmc_bpf_map_delete_elem(void *map, const void *key);
void *lsmc_bpf_task_storage_get(void *map, struct task_struct *task, void *value, __u64 flags);
long lsmc_bpf_task_storage_delete(void *map, struct task_struct *task);
void *lsmc_bpf_cgrp_storage_get(void *map, struct cgroup *cgroup, void *value, __u64 flags);
long lsmc_bpf_cgrp_storage_delete(void *map, struct cgroup *cgroup);
struct task_struct *lsmc_bpf_get_current_task_btf(void);
__u64 lsmc_bpf_get_current_pid_tgid(void);
__u32 lsmc_bpf_get_smp_processor_id(void);
__u64 lsmc_bpf_ktime_get_ns(void);
long lsmc_bpf_loop(__u32 nr_loops, void *callback_fn, void *callback_ctx, __u64 flags);
long lsmc_bpf_spin_lock(struct bpf_spin_lock *lock);
long lsmc_bpf_spin_unlock(struct bpf_spin_lock *lock);
void *lsmc_bpf_ringbuf_reserve(void *ringbuf, __u64 size, __u64 flags);
void lsmc_bpf_ringbuf_submit(void *data, __u64 flags);
void lsmc_bpf_ringbuf_discard(void *data, __u64 flags);
long lsmc_bpf_ringbuf_output(void *ringbuf, void *data, __u64 size, __u64 flags);
long lsmc_bpf_probe_read_kernel(void *dst, __u32 size, const void *unsafe_ptr);
long lsmc_bpf_trace_printk(const char *fmt, __u32 fmt_size, ...);

#define bpf_map_lookup_elem lsmc_bpf_map_lookup_elem
#define bpf_map_update_elem lsmc_bpf_map_update_elem
#define bpf_map_delete_elem lsmc_bpf_map_delete_elem
#define bpf_task_storage_get lsmc_bpf_task_storage_get
#define bpf_task_storage_delete lsmc_bpf_task_storage_delete
#define bpf_cgrp_storage_get lsmc_bpf_cgrp_storage_get
#define bpf_cgrp_storage_delete lsmc_bpf_cgrp_storage_delete
#define bpf_get_current_task_btf lsmc_bpf_get_current_task_btf
#define bpf_get_current_pid_tgid lsmc_bpf_get_current_pid_tgid
#define bpf_get_smp_processor_id lsmc_bpf_get_smp_processor_id
#define bpf_ktime_get_ns lsmc_bpf_ktime_get_ns
#define bpf_loop(nr, fn, ctx, flags) lsmc_bpf_loop((nr), (void *)(fn), (ctx), (flags))
#define bpf_spin_lock(lock) lsmc_bpf_spin_lock(lock) /* function-like: struct bpf_spin_lock keeps its name */
#define bpf_spin_unlock(lock) lsmc_bpf_spin_unlock(lock)
#define bpf_ringbuf_reserve lsmc_bpf_ringbuf_reserve
#define bpf_ringbuf_submit lsmc_bpf_ringbuf_submit
#define bpf_ringbuf_discard lsmc_bpf_ringbuf_discard
#define bpf_ringbuf_output lsmc_bpf_ringbuf_output
#define bpf_probe_read_kernel lsmc_bpf_probe_read_kernel
#define bpf_trace_printk lsmc_bpf_trace_printk
#define bpf_printk(fmt, ...) lsmc_bpf_trace_printk(fmt, sizeof(fmt), ##__VA_ARGS__)

/* Kfuncs keep their names (libbpf has none of them): user code declares them __ksym as usual.
 * bpf_throw() (bpf_experimental.h's bpf_assert) and scx_bpf_error_bstr() (sched_ext's
 * scx_bpf_error) end the execution with a finding. */
void bpf_throw(__u64 cookie);

/* Open-coded loops: plain loops on the host. */
#ifndef bpf_for
#define bpf_for(i, start, end) for ((i) = (start); (i) < (end); (i)++)
#endif
#ifndef bpf_repeat
#define bpf_repeat(n) for (int ___lsmc_i = 0; ___lsmc_i < (n); ___lsmc_i++)
#endif
#ifndef can_loop
#define can_loop 1
#endif
#ifndef cond_break
#define cond_break \
  do {             \
  } while (0)
#endif

#endif
