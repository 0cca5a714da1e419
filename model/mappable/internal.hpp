// What the files of the mappable model share and mappable.hpp does not publish: the modelled
// objects' types and fields, and the functions one component calls in another. Included only by
// model/mappable/*.cpp.
#pragma once

#include <string>
#include <string_view>

#include "model/linux/local_storage.hpp"
#include "model/linux/task_storage.hpp"
#include "model/mappable/mappable.hpp"

namespace lsmc::model::mappable {

inline constexpr std::string_view kSlotFields[] = {"gen", "data"};
inline constexpr TypeInfo kSlotType{"mls_slot", kSlotFields};
inline constexpr std::string_view kPageFields[] = {"bytes"};
inline constexpr TypeInfo kPageType{"mls_page", kPageFields};
inline constexpr std::string_view kHeaderFields[] = {"gen", "present", "seq"};
inline constexpr TypeInfo kHeaderType{"mls_header", kHeaderFields};
inline constexpr std::string_view kLinkFields[] = {"mls_slot"};
inline constexpr TypeInfo kLinkType{"task->mls_slot", kLinkFields};
inline constexpr std::string_view kRingFields[] = {"data"};
inline constexpr TypeInfo kRingType{"mls_ringbuf", kRingFields};
inline constexpr std::string_view kPinFields[] = {"pins"};
inline constexpr TypeInfo kPinType{"mls_pin_page", kPinFields};
inline constexpr std::string_view kMapFields[] = {"refcnt"};
inline constexpr TypeInfo kMapType{"bpf_map", kMapFields};

inline constexpr uint16_t kGen = 0, kData = 1, kHeaderGen = 0, kHeaderPresent = 1, kHeaderSeq = 2;

inline uint32_t page_of(const Map& map, uint32_t slot) { return slot / map.knobs.slots_per_page; }

// storage.cpp: the owners and their task or cgroup storage (the 6.18 model).
int64_t encode_entry(uint32_t slot, uint32_t gen);
Handle decode_entry(int64_t v);
mk::Task& as_task(mk::Owner& o);
mk::Cgroup& as_cgroup(mk::Owner& o);
int64_t number_of(const mk::Owner& o);
mk::Fd owner_fd(mk::Owner& o);
mk::Ref<mk::Selem> storage_get(Env& env, mk::Kernel& k, const mk::ProgCtx& ctx, Map& map, mk::Owner& o, uint64_t flags);
void storage_delete(Env& env, mk::Kernel& k, const mk::ProgCtx& ctx, Map& map, mk::Owner& o);

// publication.cpp
void bpf_mls_publish(Env& env, Map& map, uint32_t s, uint32_t gen, std::string_view label);
uint32_t user_gen(Env& env, const Map& map, UserLib& lib, uint32_t s, bool first);
bool notified(const Map& map);
void libbpf_mls_poll(Env& env, Map& map, UserLib& lib);

// pages.cpp
bool returns_pages(const Map& map);
bool frees_pages_at_once(const Map& map);
bool arena_semantics(const Map& map);
bool arena_vm_fault(Env& env, Map& map, uint32_t p, std::string_view who);
void bpf_mls_page_release(Env& env, Map& map, uint32_t p);
void bpf_mls_trim(Env& env, Map& map);
struct PageAllocLabels {
  std::string_view sleep, lock, unlock, alloc, publish;
};
bool alloc_first_absent_page(Env& env, Map& map, const PageAllocLabels& l);

// allocator.cpp
std::size_t pick_free_slot(const Map& map);
void bpf_mls_reclaim_deferred(Env& env, Map& map);

// pins.cpp
bool bpf_mls_slot_pinned(Env& env, const Map& map, uint32_t s);
bool libbpf_mls_pin(Env& env, Map& map, UserLib& lib, const Handle& h);
void libbpf_mls_unpin(Env& env, Map& map, UserLib& lib, uint32_t s);
bool may_allocate_page(Env& env, const Map& map, const mk::ProgCtx& ctx, int attempt);

// sdt.cpp
void scx_task_init(Env& env, mk::Kernel& k, Map& map);
int scx_task_alloc(Env& env, mk::Kernel& k, Map& map, const mk::ProgCtx& ctx, mk::Owner& owner);
int scx_task_data(Env& env, mk::Kernel& k, Map& map, const mk::ProgCtx& ctx, mk::Owner& owner);
void scx_task_free(Env& env, mk::Kernel& k, Map& map, mk::Owner& owner);
void scx_alloc_free_idx(Env& env, Map& map, uint32_t s);

// sdt_urcu.cpp
void scx_urcu_init(Env& env, Map& map);
void scx_task_free_rcu(Env& env, mk::Kernel& k, Map& map, mk::Owner& owner);

// uptr.cpp
void tld_data_map_create(Env& env, mk::Kernel& k, Map& map);
int tld_object_init(Env& env, mk::Kernel& k, Map& map, const mk::ProgCtx& ctx, mk::Owner& owner, bool create);
int tld_init_data(Env& env, mk::Kernel& k, Map& map, mk::Owner& owner);
void uptr_task_free(Env& env, mk::Kernel& k, Map& map, mk::Owner& owner);

// uptr_daemon.cpp
void daemon_uptr_map_create(Env& env, mk::Kernel& k, Map& map);
int daemon_uptr_register(Env& env, mk::Kernel& k, Map& map, mk::Owner& owner);
void daemon_uptr_task_exit(Env& env, mk::Kernel& k, Map& map, mk::Owner& owner);
UserRead daemon_uptr_read(Env& env, Map& map, UserLib& lib, const mk::Owner& owner);

// pid_array.cpp
uint32_t pid_index(const Map& map, const mk::Owner& owner);
void array_map_alloc(Env& env, Map& map);
int pid_array_prep_enable(Env& env, Map& map, mk::Owner& owner);
void pid_array_exit_task(Env& env, Map& map, uint32_t s);
UserRead pid_array_read(Env& env, Map& map, UserLib& lib, uint32_t s);

}  // namespace lsmc::model::mappable
