// An execution graph: the events of one candidate execution and the relations that fix it
// (program order, reads-from, coherence order, read-modify-write pairs, dependencies).
//
// Events follow the kernel's herd representation (tools/memory-model/Documentation/
// herd-representation.txt): READ_ONCE is R[once], smp_store_release W[release], a fully ordered
// value-returning RMW is F[mb] R*[once] W*[once] F[mb], spin_lock is LKR then LKW, and so on.
// Locks are locations whose value is 0 (unlocked) or 1 (locked); an SRCU domain is a location
// that srcu_read_lock reads and srcu_read_unlock writes.
//
// The litmus checker (wmm/litmus/) and the engine's weak mode (sim/) both build graphs; the memory
// models (wmm/model.hpp) say whether one is consistent.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace lsmc::wmm {

using Loc = uint32_t;
using Value = int64_t;
using EventId = uint32_t;
inline constexpr Loc kNoLoc = UINT32_MAX;
inline constexpr uint32_t kInitThread = UINT32_MAX;

enum class Kind : uint8_t { kRead, kWrite, kFence };

// Annotations, as bit flags: the cat files' sets.
namespace tag {
inline constexpr uint32_t kOnce = 1u << 0;
inline constexpr uint32_t kAcquire = 1u << 1;
inline constexpr uint32_t kRelease = 1u << 2;
inline constexpr uint32_t kNoreturn = 1u << 3;   // R* of an RMW that returns nothing
inline constexpr uint32_t kRmw = 1u << 4;        // part of an RMW instruction (failed ones too)
inline constexpr uint32_t kLKR = 1u << 5;        // spin_lock's read
inline constexpr uint32_t kLKW = 1u << 6;        // spin_lock's write
inline constexpr uint32_t kUL = 1u << 7;         // spin_unlock
inline constexpr uint32_t kLF = 1u << 8;         // failed spin_trylock
inline constexpr uint32_t kRL = 1u << 9;         // spin_is_locked() returning true
inline constexpr uint32_t kRU = 1u << 10;        // spin_is_locked() returning false
inline constexpr uint32_t kSrcuLock = 1u << 11;    // srcu_read_lock: a read of the domain
inline constexpr uint32_t kSrcuUnlock = 1u << 12;  // srcu_read_unlock: a write of the domain
inline constexpr uint32_t kSyncSrcu = 1u << 13;    // synchronize_srcu: a fence with a location
inline constexpr uint32_t kMb = 1u << 14;
inline constexpr uint32_t kRmb = 1u << 15;
inline constexpr uint32_t kWmb = 1u << 16;
inline constexpr uint32_t kBeforeAtomic = 1u << 17;
inline constexpr uint32_t kAfterAtomic = 1u << 18;
inline constexpr uint32_t kAfterSpinlock = 1u << 19;
inline constexpr uint32_t kAfterUnlockLock = 1u << 20;
inline constexpr uint32_t kAfterSrcuReadUnlock = 1u << 21;
inline constexpr uint32_t kRcuLock = 1u << 22;
inline constexpr uint32_t kRcuUnlock = 1u << 23;
inline constexpr uint32_t kSyncRcu = 1u << 24;
inline constexpr uint32_t kBarrier = 1u << 25;  // barrier(): a compiler barrier
inline constexpr uint32_t kInit = 1u << 26;     // the initial write of a location
}  // namespace tag

struct Event {
  uint32_t thread = 0;  // kInitThread for initial writes
  Kind kind = Kind::kFence;
  uint32_t tags = 0;
  Loc loc = kNoLoc;  // fences have none, except synchronize_srcu (its domain)
  Value value = 0;   // reads: the value read; writes: the value written
  int32_t rmw_write = -1;  // on the R* of a successful RMW (or an LKR): its W* (or LKW)
  // Earlier reads of the same thread that this event depends on (the cat's addr, data, ctrl
  // before carry-dep composes them through plain memory).
  std::vector<EventId> addr, data, ctrl;

  bool is(uint32_t t) const { return (tags & t) != 0; }
  bool is_access() const { return kind != Kind::kFence; }
};

struct Graph {
  std::vector<Event> events;
  std::vector<std::vector<EventId>> threads;  // each thread's events in program order
  std::vector<int32_t> rf;                   // per event: the write a read reads from, else -1
  std::vector<std::vector<EventId>> co;      // per location: its writes in coherence order
  std::vector<std::string> location_names;   // for messages
  // The engine's graphs: model code is C++ whose branches the engine does not see, so every load
  // is taken to decide whether its thread's later stores happen (a control dependency).
  bool loads_control_later_stores = false;

  Loc locations() const { return static_cast<Loc>(co.size()); }
  // The write whose value a location holds at the end.
  EventId final_write(Loc loc) const { return co[loc].back(); }
};

std::string describe(const Graph& g, EventId e);

}  // namespace lsmc::wmm
