// Objects of today's BPF local storage (Linux 6.18) as the model keeps them.
//
// Memory: every kernel object is a C++ object from a pool that may hand the same C++ object out
// again (bpf_mem_alloc reuses freed objects at once). A Ref remembers the registry id of the
// incarnation it was loaded from, and every access goes through that id: a pointer kept across a
// free is reported as a use-after-free even when the memory already holds a new object, exactly
// the stale-pointer-into-reused-object case.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "model/cell.hpp"
#include "model/env.hpp"

namespace lsmc::model::kernel {

// A pointer as kernel code holds it: the object and the incarnation it pointed to when loaded.
template <class T>
struct Ref {
  T* p = nullptr;
  ObjectId id = kNoObject;
  explicit operator bool() const { return p != nullptr; }
  T* operator->() const { return p; }
  bool operator==(const Ref& o) const { return p == o.p && id == o.id; }
  static Ref of(T* obj) { return obj ? Ref{obj, obj->id} : Ref{}; }
};

inline constexpr int kCacheSize = 16;  // BPF_LOCAL_STORAGE_CACHE_SIZE

enum class OwnerKind : uint8_t { kTask, kCgroup, kSock, kInode };

struct Smap;
struct Storage;
struct Selem;
struct Task;
// An object of bpf_percpu_obj_new() (bpf_global_percpu_ma): what a __percpu_kptr field holds. The
// model keeps one instance for all CPUs (bpf_this_cpu_ptr() picks the running CPU's copy).
struct PercpuObj {
  ObjectId id = kNoObject;
  int64_t n = 0;
};
// A page of a user process that a uptr field pins (pin_user_pages_fast); it goes once it is
// unpinned and unmapped.
struct UserPage {
  ObjectId id = kNoObject;
  int pins = 0;
  bool mapped = true;
};

// A map value: data plus, when the map's BTF has one, an embedded bpf_spin_lock word.
struct Value {
  int64_t data = 0;
  uint32_t spin_lock = 0;  // bpf_spin_lock: 0 unlocked, 1 locked
  UserPage* uptr = nullptr;  // a syscall update's __uptr field: the user page it names
  bool operator==(const Value&) const = default;
};

// struct bpf_local_storage_elem, with its sdata embedded.
struct Selem {
  ObjectId id = kNoObject;
  Ref<Smap> smap;                // SDATA(selem)->smap: the search key
  Cell<Ref<Smap>> smap_cell;     // its stores, for lockless loads (model/linux/rcu_fields.hpp)
  Ref<Storage> local_storage;    // selem->local_storage
  bool map_linked = false;       // !hlist_unhashed(&selem->map_node)
  bool storage_linked = false;   // !hlist_unhashed(&selem->snode)
  uint32_t bucket = 0;
  Value value;                   // SDATA(selem)->data
  // A referenced kptr field of the value (struct task_struct __kptr *), when the map's record has
  // one: it holds an rcu_users reference of that task until bpf_obj_free_fields() drops it.
  Ref<Task> kptr;
  // A uptr field (a pinned user page, task storage only), set from a syscall update's value.
  UserPage* uptr = nullptr;
  // A __percpu_kptr field: an object of bpf_percpu_obj_new() the value owns until
  // bpf_obj_free_fields() drops it.
  Ref<PercpuObj> percpu_kptr;
  uint32_t state = 0;            // v7.0: SELEM_MAP_UNLINKED | SELEM_STORAGE_UNLINKED | SELEM_TOFREE
  bool use_kmalloc_nolock = false;  // v7.0: which free path the element takes
  // Model bookkeeping, not kernel state: grace periods completed per flavour when the element
  // was unlinked from its storage (for the rcutorture-style age a reader observes).
  bool retired = false;
  std::array<uint64_t, kRcuFlavours> retired_gp{};
};

// The owner-side pointer slot: task->bpf_storage or cgrp->bpf_cgrp_storage.
struct Owner {
  ObjectId id = kNoObject;
  OwnerKind kind = OwnerKind::kTask;
  Ref<Storage> bpf_storage;
  Cell<Ref<Storage>> bpf_storage_cell;  // its stores, for lockless loads (model/linux/rcu_fields.hpp)
  std::string name;
};

// struct bpf_local_storage (6.4-6.18: still has `smap`, the map that created it).
struct Storage {
  ObjectId id = kNoObject;
  std::array<Ref<Selem>, kCacheSize> cache{};
  std::array<Cell<Ref<Selem>>, kCacheSize> cache_cell{};  // the stores of each slot (rcu_fields.hpp)
  std::vector<Ref<Selem>> list;  // hlist: front is the head
  Cell<std::vector<Ref<Selem>>> list_cell;  // each version of the list (rcu_fields.hpp)
  Ref<Owner> owner;
  ObjectId lock = kNoObject;     // raw_spinlock_t lock (v7.0: rqspinlock_t)
  Ref<Smap> smap;                // 6.4-6.18 only
  int owner_refcnt = 0;          // v7.0: pins the owner while map_free uncharges
  uint32_t mem_charge = 0;       // v7.0: what the storage and its elements have charged the owner
  bool use_kmalloc_nolock = false;  // v7.0
  // Model bookkeeping: v7.0's destroy has begun. It leaves the cache and the owner's pointer as
  // they are ("the owner is going away"), so the cache invariant no longer applies.
  bool destroying = false;
};

struct Bucket {
  ObjectId lock = kNoObject;     // raw_spinlock_t (v7.0: rqspinlock_t)
  std::vector<Ref<Selem>> list;  // map_node hlist
};

// Field indices, in the order of the TypeInfo tables in types.cpp.
namespace field {
inline constexpr uint16_t kSelemSmap = 0, kSelemStorage = 1, kSelemMapNode = 2, kSelemSnode = 3,
                          kSelemData = 4, kSelemSpinLock = 5, kSelemState = 6, kSelemKptr = 7,
                          kSelemUptr = 8, kSelemPercpuKptr = 9;
// v7.0 selem->state bits (bpf_local_storage.c).
inline constexpr uint32_t kSelemMapUnlinked = 1, kSelemStorageUnlinked = 2, kSelemToFree = 4,
                          kSelemUnlinked = kSelemMapUnlinked | kSelemStorageUnlinked;
// The element's list linkage: what a free to bpf_mem_alloc leaves readable (a bit per field).
inline constexpr uint64_t kSelemLinkage = (1u << kSelemSmap) | (1u << kSelemStorage) |
                                          (1u << kSelemMapNode) | (1u << kSelemSnode);
inline constexpr uint16_t kStorageList = 0, kStorageOwner = 1, kStorageSmap = 2,
                          kStorageCache0 = 3;  // cache[i] is kStorageCache0 + i
inline constexpr uint16_t kStorageOwnerRefcnt = kStorageCache0 + kCacheSize;  // v7.0
inline constexpr uint16_t kOwnerStorage = 0, kOwnerUsage = 1, kOwnerState = 2;
inline constexpr uint16_t kTaskRcuUsers = 3, kTaskRealParent = 4;  // task_struct only
inline constexpr uint16_t kSockOmem = 3;      // sock: sk_omem_alloc
inline constexpr uint16_t kSmapBuckets = 0, kSmapCacheIdx = 1, kSmapRefcnt = 2, kSmapUsercnt = 3;
inline constexpr uint16_t kFdSlotFile = 0, kFdFileRef = 1;  // the map fd's slot (model/linux/map_fd.hpp)
inline constexpr uint16_t kBusyCount = 0;
inline constexpr uint16_t kPidTask = 0;
}  // namespace field

extern const TypeInfo kSelemType;
extern const TypeInfo kStorageType;
extern const TypeInfo kTaskType;
extern const TypeInfo kCgroupType;
extern const TypeInfo kSockType;
extern const TypeInfo kInodeType;
extern const TypeInfo kUserPageType;
extern const TypeInfo kPercpuObjType;
extern const TypeInfo kSmapType;
extern const TypeInfo kBusyType;
extern const TypeInfo kPidType;
extern const TypeInfo kCgroupIdrType;
extern const TypeInfo kFdSlotType;

}  // namespace lsmc::model::kernel
