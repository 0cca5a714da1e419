// What one execution produces: the decisions that drove it, the events it performed, its verdict.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "model/env.hpp"

namespace lsmc::sim {

using model::ActorId;
using model::kNoActor;
using model::ObjectId;

// One recorded choice. Schedule decisions are recorded only where two or more actors were
// enabled; draws only where the bound was two or more. Replay skips the same places.
struct Decision {
  enum class Kind : uint8_t { kSchedule, kDraw };
  Kind kind = Kind::kSchedule;
  uint64_t step = 0;   // the step at which it was taken
  uint64_t value = 0;  // the actor chosen, or the value drawn
  uint64_t bound = 0;  // draws: the bound; schedules: how many actors were enabled
  bool operator==(const Decision&) const = default;
};

// One performed access. `label` points at a string literal of the model (or, for events read
// from a trace file, at storage owned by the trace).
struct Event {
  uint64_t step = 0;
  ActorId actor = kNoActor;
  model::Op op = model::Op::kYield;
  ObjectId object = model::kNoObject;
  uint16_t field = 0;
  std::string_view label;
  // Accesses to shared memory under a weak model (Config::memory_model tso or lkmm): the order,
  // and for loads the step of the store read (0: the initial value); kNoOrder / -1 otherwise.
  uint8_t order = kNoOrder;
  int64_t rf = -1;
  static constexpr uint8_t kNoOrder = 0xff;
};

enum class VerdictKind : uint8_t {
  kPass,        // every actor finished and every check held
  kViolation,   // a property failed (deadlock included)
  kLimit,       // a per-execution limit was hit (steps_max, actors_max, objects_max)
  kDivergence,  // replay: the code no longer follows the recorded decisions or events
  kPruned,      // the strategy ended it early: equivalent to an execution already explored
};
std::string_view to_string(VerdictKind kind);

struct Verdict {
  VerdictKind kind = VerdictKind::kPass;
  std::string property;  // "deadlock", "assertion", "use-after-free", "steps_max", ...
  std::string message;
  uint64_t step = 0;
  ActorId actor = kNoActor;
  bool operator==(const Verdict&) const = default;
};

}  // namespace lsmc::sim
