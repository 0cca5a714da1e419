// One execution of a host build of BPF C on lsmc's kernel model (docs/mls.md, "One source, two
// targets"). The code was compiled with clang -fsanitize=thread: each of its loads, stores and
// atomics calls a __tsan_* hook (hooks.cpp), and the Host turns every one that touches shared
// memory into a scheduling point on the execution's Env: the globals of the BPF C, the values of
// its array maps, the local-storage values the model hands out, arena pages. Memory that is
// none of these (stacks, the caller's buffers) is the accessing actor's own: no scheduling point.
// Helpers and kfuncs (helpers.cpp) run on the model: task and cgroup storage are the 6.18 model's,
// programs run as Kernel::run_prog runs them (RCU, migrate_disable), the grace period is the
// model's RCU.
//
// The hooks have no context argument (that is the instrumentation's ABI), so the Host of the
// running execution is reached through one thread-local pointer, set while the Host exists.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "model/bpfhost/module.hpp"
#include "model/linux/kernel.hpp"
#include "model/linux/task_storage.hpp"

struct task_struct;
struct cgroup;

namespace lsmc::model::bpfhost {

namespace mk = kernel;

// What an instrumented access does. Marked accesses are atomics and volatile ones (READ_ONCE,
// WRITE_ONCE); plain ones are the rest.
enum class Kind : uint8_t { kPlainRead, kPlainWrite, kMarkedRead, kMarkedWrite, kRmw };

class Host {
public:
  Host(Env& env, mk::Kernel& k, std::shared_ptr<const Module> module);
  ~Host();
  Host(const Host&) = delete;
  Host& operator=(const Host&) = delete;

  // The Host of the execution running on this thread, or null.
  static Host* current();

  Env& env() { return env_; }
  mk::Kernel& kernel() { return k_; }
  const Module& module() const { return *module_; }

  // The owners as BPF C sees them (struct task_struct, struct cgroup of lsmc's vmlinux.h).
  ::task_struct* task(mk::Task& t);
  ::cgroup* cgroup(mk::Cgroup& c);
  // task->cgroups->dfl_cgrp: the cgroup-v2 cgroup the task is in.
  void set_task_cgroup(mk::Task& t, mk::Cgroup& c);
  mk::Task* task_of(const ::task_struct* t) const;
  mk::Cgroup* cgroup_of(const ::cgroup* c) const;
  // File descriptors of user space: a pidfd, a cgroup directory. fd() resolves them.
  int pidfd(mk::Task& t);
  int cgroup_fd(mk::Cgroup& c);
  std::optional<mk::Fd> fd(int fd) const;

  // Runs program `name` as the kernel runs a program of its section's type, on the running
  // actor, with `current` as bpf_get_current_task_btf(). Returns the program's return value.
  long run(std::string_view name, void* ctx, mk::Task* current = nullptr);
  // bpf_get_current_task_btf() in the running actor: its program's task, else the actor's own.
  void set_actor_task(ActorId actor, mk::Task* t);
  ::task_struct* current_task();
  // The running actor's innermost program, or null in user code.
  const mk::ProgCtx* prog() const;

  // A map of the module with its state in this execution.
  struct Map {
    const MapDef* def = nullptr;
    std::vector<uint64_t> data;  // array maps: the values, elem_size apart
    std::size_t elem_size = 0;
    mk::Smap* smap = nullptr;    // task and cgroup storage
    uint32_t region = 0;         // array maps and arenas: their region
    uint8_t* arena = nullptr;    // an arena's reserved range (max_entries pages)
    std::vector<bool> present;   // an arena's allocated pages
  };
  Map* map_at(const void* def);
  Map* map_named(std::string_view name);
  void* array_elem(Map& m, uint32_t key);

  // The hooks: an access of `size` bytes at `addr` from the instruction at `pc`.
  void access(uintptr_t addr, std::size_t size, Kind kind, uintptr_t pc);
  // A store of user code that is not the host build's (a scenario's stray store): a scheduling
  // point with `label` (a string literal), then the store.
  void poke(uintptr_t addr, uint64_t value, std::string_view label);
  // A local-storage value the model handed to BPF C: its bytes are `selem`'s value.
  void expose(mk::Selem& selem);
  // A model lock for a bpf_spin_lock at `addr`.
  ObjectId lock_at(uintptr_t addr);

  // bpf_ktime_get_ns(): a logical clock (no clock is read inside an execution).
  uint64_t logical_ns() { return ns_ += 1000; }
  // A ring buffer record (bpf_ringbuf_reserve), and its submit or discard.
  void* ring_reserve(Map& m, uint64_t size);
  void ring_commit(void* record, bool submit);
  // The records submitted to `m` so far.
  std::vector<const std::vector<uint8_t>*> ring_records(const Map& m) const;

  // bpf_arena_alloc_pages() and bpf_arena_free_pages() (kernel/bpf/arena.c, v6.18): see arena.cpp.
  void* arena_alloc_pages(Map& m, uintptr_t addr, uint32_t count);
  void arena_free_pages(Map& m, uintptr_t addr, uint32_t count);

private:
  struct Region {
    uintptr_t begin = 0, end = 0;
    std::string name;
    std::vector<ObjectId> pages;  // one object per 4 KiB from `begin`; empty: a local-storage value
    mk::Selem* selem = nullptr;
  };
  struct Pending {
    bool set = false;
    uintptr_t begin = 0, end = 0;
    Kind kind = Kind::kPlainRead;
    uint16_t cpu = 0;
    std::string_view label;
    std::string what;
  };
  struct Frame {
    const mk::ProgCtx* ctx = nullptr;
    mk::Task* task = nullptr;
  };
  struct TaskMirror;
  struct CgroupMirror;

  uint32_t add_region(uintptr_t begin, std::size_t size, std::string name, bool objects);
  void arena_init(Map& m);
  void arena_release();
  void arena_fault(const Region& r, uintptr_t off, std::string_view label);
  const Region* find(uintptr_t addr) const;
  void check_race(ActorId self, const Pending& mine);

  Env& env_;
  mk::Kernel& k_;
  std::shared_ptr<const Module> module_;
  Host* previous_ = nullptr;
  std::vector<Map> maps_;
  std::vector<Region> regions_;     // by index; order_ sorts them by address
  std::vector<uint32_t> order_;
  std::vector<mk::Selem*> exposed_;
  std::vector<Pending> pending_;              // by actor
  std::unordered_map<ActorId, std::vector<Frame>> frames_;  // by actor (kNoActor: set-up)
  std::vector<mk::Task*> actor_task_;         // by actor
  std::vector<std::unique_ptr<TaskMirror>> tasks_;
  std::vector<std::unique_ptr<CgroupMirror>> cgroups_;
  std::vector<mk::Fd> fds_;                   // fd - kFirstFd
  std::unordered_map<uintptr_t, ObjectId> locks_;
  uint64_t ns_ = 0;
  struct Record {
    const Map* map = nullptr;
    std::vector<uint8_t> bytes;
    bool open = true, submitted = false;
  };
  std::vector<std::unique_ptr<Record>> records_;
};

}  // namespace lsmc::model::bpfhost
