// kernel/bpf/bpf_local_storage.c as of v7.0 (the linux-7.0 profile): the functions that differ
// from 6.18, one model function per kernel function, same names. The 6.18 functions of
// local_storage.hpp dispatch here when Kernel::v7_0(); what both versions share (lookup,
// check_flags, the value copies, the cache index) stays in local_storage.cpp.
//
// Source read: torvalds/linux kernel/bpf/bpf_local_storage.c at 0542972950ef (v7.0 era: rqspinlock,
// use_kmalloc_nolock, bpf_selem_unlink_nofail from 5d800f87d0a5) and ameryhung/bpf's
// bpf_task_storage.c / bpf_cgrp_storage.c at 7090b7e6e512 (no busy counters, no _recur protos).
#pragma once

#include "model/linux/local_storage.hpp"

namespace lsmc::model::kernel::v7_0 {

// raw_res_spin_lock_irqsave() on a local_storage->lock or a b->lock (0 or the rqspinlock's
// errno): whether a contended acquisition may time out is the scenario's choice per lock class
// (Knobs::lock_timeouts); and the unlock.
int lock_storage(Env& env, Kernel& k, ObjectId lock, std::string_view label);
int lock_bucket(Env& env, Kernel& k, ObjectId lock, std::string_view label);
void res_unlock(Env& env, Kernel& k, ObjectId lock, std::string_view label);
uint32_t select_bucket(Env& env, const Smap& smap, Ref<Storage> local_storage);
Ref<Selem> bpf_selem_alloc(Env& env, Kernel& k, Smap& smap, Ref<Owner> owner, const Value* value, Gfp gfp);
void bpf_selem_free(Env& env, Kernel& k, Ref<Selem> selem, bool reuse_now);
void bpf_selem_free_list(Env& env, Kernel& k, SelemList& list, bool reuse_now);
void bpf_local_storage_free(Env& env, Kernel& k, Ref<Storage> storage, bool reuse_now, bool published = true);
bool bpf_selem_unlink_storage_nolock(Env& env, Kernel& k, Ref<Storage> storage, Ref<Selem> selem,
                                     SelemList& free_list);
int bpf_selem_unlink_map(Env& env, Kernel& k, Ref<Selem> selem);
int bpf_selem_link_map(Env& env, Kernel& k, Smap& smap, Ref<Storage> local_storage, Ref<Selem> selem);
int bpf_selem_unlink(Env& env, Kernel& k, Ref<Selem> selem);
void bpf_selem_unlink_nofail(Env& env, Kernel& k, Ref<Selem> selem, Bucket* b);
void __bpf_local_storage_insert_cache(Env& env, Kernel& k, Ref<Storage> storage, const Smap& smap,
                                      Ref<Selem> selem);
int bpf_local_storage_alloc(Env& env, Kernel& k, Ref<Owner> owner, Smap& smap, Ref<Selem> first, Gfp gfp);
SdataOrErr bpf_local_storage_update(Env& env, Kernel& k, Ref<Owner> owner, Smap& smap, const Value& value,
                                    uint64_t map_flags, Gfp gfp);
SmapOrErr bpf_local_storage_map_alloc(Env& env, Kernel& k, const MapAttr& attr, IdxCache& cache,
                                      bool use_kmalloc_nolock);
uint32_t bpf_local_storage_destroy(Env& env, Kernel& k, Ref<Storage> storage);
void bpf_local_storage_map_free(Env& env, Kernel& k, Smap& smap);

}  // namespace lsmc::model::kernel::v7_0
