/* lsmc's vmlinux.h for BPF C checked by lsmc (the host build, docs/mls.md): the kernel types and
 * constants that BPF C built on lsmc's kernel model may use, with the layouts lsmc gives them.
 * Used for both targets of such a build: the BPF target (so that libbpf can read the maps and
 * programs of the object) and the host target (where the code runs on the model). A type or
 * field missing here is a construct lsmc does not model: the compiler's error names it. */
#ifndef LSMC_VMLINUX_H
#define LSMC_VMLINUX_H

#ifndef __bpf__
#define __attribute_preserve_access_index
#else
#define __attribute_preserve_access_index __attribute__((preserve_access_index))
#endif

typedef signed char __s8;
typedef unsigned char __u8;
typedef short __s16;
typedef unsigned short __u16;
typedef int __s32;
typedef unsigned int __u32;
typedef long long __s64;
typedef unsigned long long __u64;
typedef __u16 __be16;
typedef __u32 __be32;
typedef __u64 __be64;
typedef __u16 __le16;
typedef __u32 __le32;
typedef __u64 __le64;
typedef __u16 __sum16;
typedef __u32 __wsum;
typedef __s8 s8;
typedef __u8 u8;
typedef __s16 s16;
typedef __u16 u16;
typedef __s32 s32;
typedef __u32 u32;
typedef __s64 s64;
typedef __u64 u64;
#ifndef __cplusplus
typedef _Bool bool;
enum { false = 0, true = 1 };
#endif
typedef int pid_t;
#ifndef NULL
#define NULL ((void *)0)
#endif
#define NUMA_NO_NODE (-1)

enum bpf_map_type {
  BPF_MAP_TYPE_UNSPEC = 0,
  BPF_MAP_TYPE_HASH = 1,
  BPF_MAP_TYPE_ARRAY = 2,
  BPF_MAP_TYPE_PERCPU_ARRAY = 6,
  BPF_MAP_TYPE_ARRAY_OF_MAPS = 12,
  BPF_MAP_TYPE_RINGBUF = 27,
  BPF_MAP_TYPE_TASK_STORAGE = 29,
  BPF_MAP_TYPE_CGRP_STORAGE = 32,
  BPF_MAP_TYPE_ARENA = 33,
};

enum {
  BPF_F_NO_PREALLOC = 1,
  BPF_F_RDONLY_PROG = 128,
  BPF_F_MMAPABLE = 1024,
  BPF_F_SEGV_ON_FAULT = 8192,
  BPF_F_NO_USER_CONV = 16384,
};

enum {
  BPF_ANY = 0,
  BPF_NOEXIST = 1,
  BPF_EXIST = 2,
  BPF_F_LOCK = 4,
};

enum { BPF_LOCAL_STORAGE_GET_F_CREATE = 1 };

struct bpf_spin_lock {
  __u32 val;
};

struct kernfs_node {
  __u64 id;
} __attribute_preserve_access_index;

struct cgroup;
struct css_set {
  struct cgroup *dfl_cgrp;
} __attribute_preserve_access_index;

/* The model's owners as BPF C sees them. lsmc_owner is the model object behind it (host build). */
struct cgroup {
  struct kernfs_node *kn;
  int level;
  void *lsmc_owner;
} __attribute_preserve_access_index;

struct task_struct {
  pid_t pid;
  pid_t tgid;
  unsigned int flags;
  struct css_set *cgroups;
  struct task_struct *real_parent;
  struct task_struct *group_leader;
  char comm[16];
  void *lsmc_owner;
} __attribute_preserve_access_index;

struct bpf_raw_tracepoint_args {
  __u64 args[0];
};

#endif
