// kernel/bpf/bpf_local_storage.c and include/linux/bpf_local_storage.h (v6.18), one model
// function per kernel function, same names. What is abstracted away is listed in docs/model.md.
#pragma once

#include <cstdint>
#include <vector>

#include "model/linux/kernel.hpp"
#include "model/linux/map_create.hpp"

namespace lsmc::model::kernel {

// errno values as the syscalls return them (negated in kernel code).
inline constexpr int kENOENT = 2, kEBADF = 9, kEAGAIN = 11, kENOMEM = 12, kEBUSY = 16,
                     kEEXIST = 17, kEINVAL = 22, kENOTSOCK = 88;

// uapi/linux/bpf.h
inline constexpr uint64_t kBpfAny = 0, kBpfNoexist = 1, kBpfExist = 2, kBpfFLock = 4;
inline constexpr uint64_t kGetFCreate = 1;  // BPF_LOCAL_STORAGE_GET_F_CREATE

enum class Gfp : uint8_t { kAtomic, kKernel };

// A pointer or an errno, like the kernel's ERR_PTR returns.
struct SdataOrErr {
  Ref<Selem> sdata;
  int err = 0;  // positive errno, 0 on success
};

using SelemList = std::vector<Ref<Selem>>;  // the free lists (hlist through selem->free_node)

Ref<Storage> owner_storage_load(Env& env, Ref<Owner> owner, std::string_view label);
// Whether the map's elements and storages come from bpf_mem_alloc (smap->bpf_ma; the 6.19
// kmalloc_nolock mutant counts as not bpf_ma).
bool smap_bpf_ma(const Smap& smap);

uint32_t select_bucket(Env& env, const Smap& smap, Ref<Selem> selem);
// mem_charge() / mem_uncharge() (v6.18 and v7.0): the map's map_local_storage_(un)charge, which
// only sk storage has (bpf_sk_storage_charge against the socket's optmem).
int mem_charge(Env& env, Kernel& k, Ref<Owner> owner, uint32_t size);
void mem_uncharge(Env& env, Kernel& k, Ref<Owner> owner, uint32_t size);
Ref<Selem> bpf_selem_alloc(Env& env, Kernel& k, Smap& smap, Ref<Owner> owner, const Value* value,
                           Gfp gfp);
void bpf_selem_free(Env& env, Kernel& k, Ref<Selem> selem, Smap& smap, bool reuse_now);
void bpf_selem_free_list(Env& env, Kernel& k, SelemList& list, bool reuse_now);
// lsmc's invariant at a storage's free (both profiles): no live owner points at it and its list
// is empty, unless it was never published.
void check_storage_free(Env& env, Kernel& k, Ref<Storage> storage, bool published);
// `published`: the storage was reachable from its owner (false only for the cmpxchg loser).
void bpf_local_storage_free(Env& env, Kernel& k, Ref<Storage> storage, Smap* smap, bool bpf_ma,
                            bool reuse_now, bool published = true);
bool bpf_selem_unlink_storage_nolock(Env& env, Kernel& k, Ref<Storage> storage, Ref<Selem> selem,
                                     SelemList& free_list);
void bpf_selem_unlink_storage(Env& env, Kernel& k, Ref<Selem> selem, bool reuse_now);
void bpf_selem_link_storage_nolock(Env& env, Kernel& k, Ref<Storage> storage, Ref<Selem> selem);
void bpf_selem_unlink_map(Env& env, Kernel& k, Ref<Selem> selem);
void bpf_selem_link_map(Env& env, Kernel& k, Smap& smap, Ref<Selem> selem);
void bpf_selem_unlink(Env& env, Kernel& k, Ref<Selem> selem, bool reuse_now);
void __bpf_local_storage_insert_cache(Env& env, Kernel& k, Ref<Storage> storage, const Smap& smap,
                                      Ref<Selem> selem);
Ref<Selem> bpf_local_storage_lookup(Env& env, Kernel& k, Ref<Storage> storage, const Smap& smap,
                                    bool cacheit_lockit);
int check_flags(bool old_exists, uint64_t map_flags);
int bpf_local_storage_alloc(Env& env, Kernel& k, Ref<Owner> owner, Smap& smap, Ref<Selem> first,
                            Gfp gfp);
SdataOrErr bpf_local_storage_update(Env& env, Kernel& k, Ref<Owner> owner, Smap& smap,
                                    const Value& value, uint64_t map_flags, Gfp gfp);
uint16_t bpf_local_storage_cache_idx_get(Env& env, IdxCache& cache);
void bpf_local_storage_cache_idx_free(Env& env, IdxCache& cache, uint16_t idx);
// bpf_local_storage_map_alloc(attr, cache, bpf_ma): the map, or ENOMEM with everything undone.
// The map's special fields are map_check_btf()'s to set, after it (map_create()).
SmapOrErr bpf_local_storage_map_alloc(Env& env, Kernel& k, const MapAttr& attr, IdxCache& cache, bool bpf_ma);
// A map of `type` a scenario starts with (setup_map(): made where nothing fails).
Smap& bpf_local_storage_map_alloc(Env& env, Kernel& k, OwnerKind type, std::string name,
                                  bool has_spin_lock);
void bpf_local_storage_destroy(Env& env, Kernel& k, Ref<Storage> storage);
void bpf_local_storage_map_free(Env& env, Kernel& k, Smap& smap, Kernel::Busy* busy);

// include/linux/bpf.h value copies: they skip special fields such as the spin lock.
void copy_map_value(Env& env, Kernel& k, const Smap& smap, Ref<Selem> dst, const Value& src);
void copy_map_value_locked(Env& env, const Smap& smap, Ref<Selem> dst, const Value& src);

}  // namespace lsmc::model::kernel
