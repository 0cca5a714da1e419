// The proposal (profile `mappable`, ../shared/seed and design §4): task local storage whose
// entries live in pages that a kfunc allocates and that are mapped contiguously into user space,
// with a header page that publishes which slots exist (per-slot generations), and a user-space
// library that turns a pidfd into a handle (slot, generation) once and then reads without
// syscalls. None of this exists in a kernel: function names are the ones the proposal's patches
// would plausibly use (bpf_mls_*), and every choice the proposal leaves open is a knob.
//
// Reuses the 6.18 model's engine pieces: RCU (programs are RCU Tasks Trace readers, as for
// today's storage), tasks, cgroups and pids (kernel::Kernel), task and cgroup storage (for the
// arena and uptr layouts), the Env. Each slot and page is a modelled object, so the lifetime
// checker sees user and BPF accesses to freed pages and slots. The designs compared with the
// proposal (today's pid-indexed array, arena + task storage, uptr) are layouts of the same model.
#pragma once

#include <bitset>
#include <deque>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "model/env.hpp"
#include "model/linux/kernel.hpp"
#include "model/linux/map_create.hpp"
#include "model/linux/types.hpp"

namespace lsmc::model::mappable {

namespace mk = kernel;

// The proposal's design mistakes (../shared/bugs.md, "Proposal design mistakes").
enum class Bug : uint8_t {
  kPublishBeforeInit,        // the slot's generation is published before its contents are written
  kSlotReuseNoGeneration,    // a freed slot is reused without bumping its generation
  kZapWhileMapped,           // an empty page is unmapped while a user read may be inside it
  kReuseBeforeGracePeriod,   // a freed slot is reusable before BPF readers are done with it
  kHandleSurvivesExit,       // the user handle table keeps pid -> handle after exit, unchecked
  kNoPageReturn,             // empty pages are never returned
  kMapFreeWhileMapped,       // the region is freed when the map's fd is closed, though a VMA maps it
  kPageAllocInAtomic,        // a non-sleepable program's F_CREATE allocates a page (GFP_KERNEL)
  kTrustUserHeader,          // as first proposed: the header words {generation, pins} the kernel reads to
                             // decide a slot's reuse are in the page user space maps writable
  kSpecialFieldsMapped,      // a mappable value may hold a kptr, a bpf_spin_lock or a bpf_timer, mapped
  kOneSlotField,             // one task->mls_slot for every mappable map: the last map to set it wins
  kCount
};

// What happens to an empty page (design question 1 and 2).
enum class PageReturn : uint8_t {
  kNever,           // pages stay resident: simple, unbounded under churn
  kZeroPage,        // after a grace period the page is replaced by the shared zero page in the
                    // user mapping: a racing user read sees generation 0 and reports ESTALE
  kUnmap,           // as bpf_arena_free_pages() does (kernel/bpf/arena.c, v6.18): when the page
                    // empties, at once and with no grace period, it is zapped from every user VMA
                    // and freed; a later user fault on that offset (arena_vm_fault) allocates a
                    // fresh zeroed page, maps it for user space and BPF alike, and takes the
                    // offset out of the allocator's range (it stays until the map is freed)
  kSegvOnFault,     // the same with BPF_F_SEGV_ON_FAULT: a user fault on a freed page is SIGSEGV
};

// How user space learns that an entry exists and is initialised (design question 3). The header
// page also carries a bitmap of present pages in every mode.
enum class Publication : uint8_t {
  kGeneration,    // per-slot generation in the header, stored (release) after the entry is
                  // written; handles are (slot, generation), checked before and after a load
  kSeqcount,      // one map-wide sequence count around every header change
                  // (write_seqcount_begin/end); handles are (slot, sequence at open), so any
                  // change anywhere makes every handle stale
  kNotification,  // changes are posted to a ring buffer; the library keeps its own view of which
                  // slot holds which generation and checks handles against that view only
};

// Where entries live (the variants compared on the same scenarios).
enum class Layout : uint8_t {
  kRegion,    // the proposal: pages allocated on demand, entries with generations, handles
  kPidArray,  // today's workaround: a BPF_F_MMAPABLE array indexed by pid, all pages resident,
              // no generations; exit_task clears the entry; user space reads array[pid]
  kArena,     // what sched_ext's sdt allocator does (sched-ext/scx lib/sdt_task.bpf.c): entries in
              // arena pages, task storage (the 6.18 model) holds {idx, gen} per task; a free zeroes
              // the entry, bumps its generation and returns the index at once; pages stay
  kUptr,      // task-local-data style (v6.13 uptr, selftests' task_local_data.h): each thread's
              // entry is its own process's memory, registered by the thread with one
              // bpf_map_update_elem(pidfd) that pins the page; programs cannot create it, and a
              // user lookup returns the uptr zeroed, so no other process can read it
  kArenaUrcu, // sdt as sched-ext/scx has it in 2026 (lib/sdt_task.bpf.c, lib/urcu.bpf.c): as kArena,
              // but exit_task's scx_task_free_rcu() clears mval->data and queues the index on
              // scx_urcu; a user daemon woken by a ring-buffer doorbell waits a grace period
              // (membarrier(MEMBARRIER_CMD_GLOBAL), i.e. synchronize_rcu) and runs a BPF program
              // that frees the drained side; the task storage element stays until the task is freed
  kUptrDaemon, // uptr as a central daemon can use it: the daemon gives each task an entry in its own
              // memory (several to a pinned page) by bpf_map_update_elem(pidfd, {uptr}) and reads
              // them with plain loads; programs cannot create entries; the daemon reuses an entry
              // when the task's pidfd reports the exit (it cannot see the element's free)
};

// How user space writes into an entry through a handle (user hints, as scx_layered writes them).
enum class UserWrite : uint8_t {
  kChecked,  // check the generation, store, check again: a store that races a free and a reuse
             // lands in the next owner's entry, and the second check comes too late
  kPinned,   // pin the slot first: a count in the process's own pin page, then the generation
             // (read-only header) checked again; the kernel defers the slot's reuse while a mapped
             // pin page counts it. With Bug::kTrustUserHeader (the design as first proposed) the pin
             // is one cmpxchg on the header word {gen, pins}, in a page user space maps writable
};

// What a hostile mapper stores into (HostileMapper: any value anywhere its mappings reach).
enum class HostileTarget : uint8_t {
  kGeneration,  // the slot's published generation (the header; sdt: the entry's data->tid.genn)
  kPins,        // the slot's pin count (the header word, or the process's own pin page)
  kEntry,       // the entry's bytes
};

// Which free entry a creation takes (design question 1: a policy against fragmentation).
enum class Placement : uint8_t {
  kFullestPage,  // the free entry on the page with the most live entries: pages empty out together
  kLowestSlot,   // first fit: the lowest free entry
};

struct Knobs {
  uint32_t pages = 3;           // the region reserved (and mmap'ed) at map creation
  uint32_t slots_per_page = 2;  // entries per page
  PageReturn page_return = PageReturn::kZeroPage;
  Layout layout = Layout::kRegion;
  Publication publication = Publication::kGeneration;
  mk::OwnerKind owner = mk::OwnerKind::kTask;  // task, cgroup, socket or inode storage made mappable
  Placement placement = Placement::kFullestPage;
  UserWrite user_write = UserWrite::kPinned;
  uint32_t spare_pages = 0;  // empty pages kept (not returned) to absorb the next creations
};

// One entry. The owner tag is the model's oracle (which task the entry belongs to); a real
// implementation keeps no such field.
struct Slot {
  ObjectId obj = kNoObject;  // fields: gen, data; lives as long as the map (pages come and go)
  uint32_t gen = 0;          // bumped when the entry is taken and when it is freed
  bool initialised = false;
  int64_t data = 0;
  const mk::Owner* owner = nullptr;
};

// What the user mapping shows at a page's address.
enum class UserPte : uint8_t {
  kNone,  // nothing: a user load faults (SIGSEGV/SIGBUS)
  kPage,  // the page itself (whether or not the kernel still owns it)
  kZero,  // the shared zero page: loads read 0
};

struct Page {
  ObjectId obj = kNoObject;  // the kernel page: alloc'ed by the kfunc, freed when returned
  bool present = false;      // the kernel page exists
  UserPte user = UserPte::kNone;
  uint32_t live = 0;
  bool refaulted = false;  // arena_vm_fault populated it: the allocator no longer owns the offset
  uint32_t epoch = 0;      // bumped at each allocation: a slot's pending reuse is for one epoch
};

// A handle as user space holds it.
struct Handle {
  uint32_t slot = 0;
  uint32_t gen = 0;
  bool valid() const { return gen != 0; }
};

struct Map {
  Knobs knobs;
  std::bitset<static_cast<std::size_t>(Bug::kCount)> bugs;
  ObjectId lock = kNoObject;         // the map's spinlock (allocation, free, publication)
  ObjectId header = kNoObject;       // the header page: fields gen (per slot, one field)
  std::vector<uint32_t> header_gen;  // the published generation of each slot (0: none)
  std::vector<bool> header_present;  // the published presence of each page
  std::vector<uint32_t> pins;        // Bug::kTrustUserHeader: the header words' pin counts
  struct PinPage {                   // one per process that pins (UserWrite::kPinned), writable by it
    ObjectId obj = kNoObject;        // alone; it goes with the process's mapping (vm_close)
    std::vector<uint32_t> pins;      // per slot: this process's writers inside the entry
    bool mapped = false;
  };
  std::deque<PinPage> pin_pages;      // a deque: a pin page stays where it is while others are added
  std::vector<uint32_t> deferred;    // freed slots whose reuse waits for their pins to go
  std::vector<Page> pages;
  std::vector<Slot> slots;           // pages * slots_per_page
  std::vector<uint32_t> free_slots;  // ready for reuse (a grace period has passed)
  std::map<const mk::Owner*, uint32_t> owner_slot;  // task->mls_slot
  ObjectId task_slot_obj = kNoObject;             // the association, as one modelled object
  uint32_t mls_id = 0;       // which task->mls_slot[] entry is this map's (given at map creation)
  Map* field_owner = nullptr;  // Bug::kOneSlotField: the map whose task->mls_slot this one shares
  // The task->mls_slot field this map reads and writes: its own, or (the mutant) a shared one.
  std::map<const mk::Owner*, uint32_t>& task_slot() { return field_owner ? field_owner->owner_slot : owner_slot; }
  ObjectId task_slot_id() const { return field_owner ? field_owner->task_slot_obj : task_slot_obj; }
  // A special field of the value (map_check_btf accepted it only with Bug::kSpecialFieldsMapped).
  struct Special {
    mk::ValueFields fields;
    ObjectId obj = kNoObject;  // the field's word in the mapped entry of the one owner it is used for
    int64_t word = 0;          // what the word holds: a kernel pointer (kptr, timer) or the lock word
    int64_t kernel_stored = 0; // oracle: the pointer the kernel put there
  } special;
  mk::Smap* smap = nullptr;  // kArena: scx_task_map; kUptr: the uptr map (6.18 task storage)
  mk::Kernel* kernel = nullptr;  // the kernel whose task storage kArena and kUptr use
  uint32_t seq = 2;              // kSeqcount: hdr->seq (even: stable; never 0, so a handle is valid)
  struct Note {
    uint32_t slot = 0;
    uint32_t gen = 0;  // 0: freed
  };
  std::vector<Note> ring;         // kNotification: the changes posted so far
  ObjectId ring_obj = kNoObject;  // the ring buffer, as one modelled object
  struct Urcu {                   // kArenaUrcu: struct scx_urcu and its doorbell (lib/urcu.bpf.c)
    ObjectId obj = kNoObject;     // fields: active, head, doorbell
    uint32_t active = 0;          // the side frees go to
    std::vector<uint32_t> head[2];  // the indices queued on each side
    uint32_t doorbell = 0;        // doorbell records not yet consumed by the daemon
    uint64_t reclaimed = 0;
  } urcu;
  uint64_t resident_max = 0;
  uint64_t page_allocs = 0;  // pages allocated by the kfunc
  uint64_t page_returns = 0;  // pages returned (each a zap: a TLB shootdown on the CPUs mapping it)
  uint64_t refaults = 0;      // arena semantics: freed offsets a user fault populated again
  ObjectId map_obj = kNoObject;  // struct bpf_map: its refcnt
  uint32_t refcnt = 0;           // the fd, each VMA (through the map's file), each program
  bool free_queued = false;      // the last reference is gone: bpf_map_free_deferred is queued
  bool freed = false;
  bool bug(Bug b) const { return bugs[static_cast<std::size_t>(b)]; }
  uint32_t resident() const;
  uint32_t live() const;
};

// The owner's number: a task's pid, a cgroup's id (kn->id). The pid-indexed array indexes by it,
// and the IDR layer keys handles by it.
int64_t owner_number(const mk::Owner& owner);

// MLS_MAX_MAPS (proposal): the entries of task->mls_slot[], so the mappable maps that may exist at
// once (8: 32 bytes in every task_struct).
inline constexpr uint32_t kMlsMaxMaps = 8;
// bpf_mls_map_alloc() (proposal): reserves the region, allocates and maps the header page.
// kArena and kUptr also create their task storage map in `k` (the 6.18 model). `previous` is the
// mappable map created before this one, if any: this map takes the next task->mls_slot[] entry
// (with Bug::kOneSlotField it shares the previous map's field). 0, or -ENOSPC when every entry is
// taken (ida_alloc_max() fails): the map is refused, nothing is allocated, map_create() fails.
int bpf_mls_map_alloc(Env& env, mk::Kernel& k, Map& map, Map* previous = nullptr);
// bpf_mls_map_check_btf() (proposal): the value's special fields. A mapped page is user-writable,
// so the region refuses every field the kernel trusts (kptr, percpu kptr, bpf_spin_lock, bpf_timer,
// bpf_wq, bpf_task_work, uptr) with EOPNOTSUPP, as bpf_map_mmap() refuses any map with a
// btf_record (kernel/bpf/syscall.c, v6.18); so do the pid-indexed array (the same bpf_map_mmap())
// and the arena (whose memory has no BTF record). uptr keeps its fields in the task storage
// element, which is not mapped: accepted. Returns 0 or the errno.
int bpf_mls_map_check_btf(Env& env, Map& map, const mk::ValueFields& fields);
// What the kernel does with the accepted special field of `owner`'s entry: bpf_kptr_xchg() of a
// referenced task, bpf_spin_lock()/unlock(), bpf_timer_init(); and at the entry's free,
// bpf_obj_free_fields() (put_task_struct of the kptr, bpf_timer_cancel_and_free).
void bpf_mls_special_use(Env& env, Map& map);
void bpf_mls_special_free(Env& env, Map& map);
// A user store of `value` into the special field's word through the mapping (false: the field is
// not in user-reachable memory).
bool user_special_store(Env& env, Map& map, int64_t value);
// The map's references (kernel/bpf/syscall.c, v6.18): bpf_map_inc() for a program that uses the
// map; bpf_map_mmap(), whose VMA holds the map's file and so keeps the map; bpf_map_put() on
// close, munmap or program free. The last put queues the free to a kworker.
void bpf_mls_map_inc(Env& env, Map& map, std::string_view label);
void bpf_mls_map_mmap(Env& env, Map& map);
void bpf_mls_map_munmap(Env& env, Map& map);
void bpf_mls_map_put(Env& env, Map& map, std::string_view label);
// bpf_map_free_deferred() (kernel/bpf/syscall.c, v6.18), in the kworker the last put queued: the
// proposal's map_free frees every page of the region, the header and the entries.
void bpf_mls_map_free_deferred(Env& env, mk::Kernel& k, Map& map);

// Registers `owner`'s entry before a scenario starts, as its variant does it: prep_enable for the
// kernel-allocated layouts, the thread's own bpf_map_update_elem(pidfd, uptr) for kUptr.
int bpf_mls_seed(Env& env, mk::Kernel& k, Map& map, mk::Owner& owner);
// bpf_mls_page_alloc() (proposal kfunc): allocates the first absent page and publishes it.
// Sleeps (GFP_KERNEL): only sleepable programs and syscalls may call it. Returns false if the
// region is full.
bool bpf_mls_page_alloc(Env& env, Map& map);
// bpf_mls_get() (proposal helper): the task's entry, created with F_CREATE. Returns the slot
// index or -1. A non-sleepable caller cannot allocate a page: creation fails when no free slot
// is left (design question 1).
int bpf_mls_get(Env& env, mk::Kernel& k, Map& map, const mk::ProgCtx& ctx, mk::Owner& owner, bool create);
// A BPF write through the pointer bpf_mls_get returned (the program still runs in its RCU
// read-side section). `expected` is the task the program looked up.
void bpf_mls_write(Env& env, Map& map, int slot, const mk::Owner& expected, int64_t value);
// The user-space side of scx_urcu (kArenaUrcu): while an index is queued, membarrier(
// MEMBARRIER_CMD_GLOBAL) (synchronize_rcu), then the BPF program scx_urcu_task_reclaim; repeated
// until both sides are empty. scx_urcu_daemon() does that each time the doorbell rings; it is a
// daemon actor's body (it sleeps at its idle point while the doorbell is quiet).
void scx_urcu_drain(Env& env, mk::Kernel& k, Map& map);
void scx_urcu_daemon(Env& env, mk::Kernel& k, Map& map);
// Whether the layout is sched_ext's sdt, before or after scx_urcu.
inline bool is_sdt(const Map& map) { return map.knobs.layout == Layout::kArena || map.knobs.layout == Layout::kArenaUrcu; }

// bpf_mls_delete() (proposal helper) and the exit hook bpf_mls_task_free(): unlink, bump the
// generation, reuse the slot after a Tasks Trace grace period, return an empty page.
void bpf_mls_delete(Env& env, mk::Kernel& k, Map& map, mk::Owner& owner);
void bpf_mls_task_free(Env& env, mk::Kernel& k, Map& map, mk::Owner& owner);

// The user-space library (libbpf in the proposal).
struct UserLib {
  std::map<int64_t, Handle> handles;  // the IDR layer: pid (or cgroup id) -> handle
  uint64_t syscalls = 0;
  uint64_t loads = 0;
  uint64_t scans = 0;
  uint64_t retries = 0;                 // kSeqcount: scans voided because the sequence moved
  std::map<uint32_t, uint32_t> view;    // kNotification: slot -> generation, as consumed
  std::size_t ring_pos = 0;             // kNotification: notes consumed
  int pin_page = -1;                    // the process's pin page in Map::pin_pages, once mapped
};
// bpf_mls_handle_open() (proposal syscall): pidfd -> handle, or an invalid handle. kArena: a
// bpf(BPF_MAP_LOOKUP_ELEM) of scx_task_map by pidfd gives {idx, gen}; kUptr: the same lookup
// returns the uptr zeroed, and the memory is in another process (user-unreachable).
Handle bpf_mls_handle_open(Env& env, Map& map, mk::Owner& owner, UserLib& lib);
struct UserRead {
  enum class Status : uint8_t { kOk, kStale, kAbsent } status = Status::kStale;
  int64_t data = 0;
  const mk::Owner* owner = nullptr;  // oracle: whose entry the bytes read belong to
  bool initialised = false;         // oracle: were they written before being read
};
// libbpf_mls_read() (proposal): generation, data, generation again; ESTALE if they differ or do
// not match the handle; a page that is not mapped faults (a violation), the zero page reads 0.
UserRead libbpf_mls_read(Env& env, Map& map, UserLib& lib, const Handle& h);
// libbpf_mls_scan(): every published entry, read through the header without syscalls. With
// kUptr there is nothing to scan: every entry is in its owner's process (user-unreachable).
std::vector<std::pair<uint32_t, UserRead>> libbpf_mls_scan(Env& env, Map& map, UserLib& lib);
// libbpf_mls_write() (proposal): one store of `value` into the entry through handle `h`, as the
// user_write knob says (pinned: a failed pin stores nothing). Status kOk, or kStale (ESTALE).
UserRead libbpf_mls_write(Env& env, Map& map, UserLib& lib, const Handle& h, const mk::Owner& expected, int64_t value);
// libbpf_mls_update() (proposal): a user store into `owner`'s entry through the IDR's handle, as
// the user_write knob says; on ESTALE the handle is opened again once. `value` is what is stored.
UserRead libbpf_mls_update(Env& env, Map& map, UserLib& lib, mk::Owner& owner, int64_t key, int64_t value);
// libbpf_mls_lookup(): the IDR: a cached handle for `pid`, else one syscall; on ESTALE the entry
// is dropped and the handle opened again once.
UserRead libbpf_mls_lookup(Env& env, Map& map, UserLib& lib, mk::Owner& owner, int64_t key);

// A hostile mapper (a process holding the map writable, model/mappable/pins.cpp): stores `value`
// into `what` of slot `s` through whatever its mappings show. Returns false when the store faults
// (SIGSEGV: the process is gone). With a uptr layout nothing of another process is mapped.
bool hostile_store(Env& env, Map& map, UserLib& lib, HostileTarget what, uint32_t s, uint32_t value);
// Whether user space can write the header words (Bug::kTrustUserHeader: the design as first proposed).
bool header_writable(const Map& map);
// bpf_mls_pin_mmap() (proposal): the process's pin page, mapped with the region; returns it. The
// library maps it at its first pin; a scenario may map it up front, as mmap of the region would.
Map::PinPage& bpf_mls_pin_mmap(Env& env, Map& map, UserLib& lib);
// bpf_mls_pin_vm_close() (proposal): the process's mapping goes (munmap or exit); its pin page
// with it, so its pins defer nothing any more, and the slots they deferred are reclaimed.
void bpf_mls_pin_vm_close(Env& env, Map& map, UserLib& lib);
// The allocator's pass, as the next creation runs it: deferred slots whose pins are gone become
// free, and empty pages are trimmed (an end check runs it to see what stays stuck).
void bpf_mls_reclaim(Env& env, Map& map);

}  // namespace lsmc::model::mappable
