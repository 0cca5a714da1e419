// A strategy makes the choices of an execution: which enabled actor runs at a scheduling point,
// and the value of each recorded draw. It never touches actors (style.md, from shuttle).
// Random walk and replay exist now; PCT (it needs begin_execution and the step index), bounded
// DFS and DPOR (they need the pending accesses and end_execution to backtrack) fit the same
// interface.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "sim/event.hpp"

namespace lsmc::sim {

// The objects of the reads of immutable fields (Env::immutable) an actor made since its last
// scheduling point, in the order it read them; kNoObject past the last. Those reads are taken to
// run with the actor's next step (sim/execution_immutable.cpp), which DPOR orders against frees
// and reuses of these objects (dpor::dependent).
inline constexpr std::size_t kMovedObjectsMax = 2;
using MovedObjects = std::array<model::ObjectId, kMovedObjectsMax>;

struct Pending {
  model::Access access;
  std::string_view label;
  bool started = false;  // false: the actor has not run yet; `access` is meaningless
  uint16_t cpu = 0;      // the actor's CPU (fixed at spawn)
  // A wait's declared reads (Env::wait_until): valid while this is the actor's pending step;
  // empty for other steps and for waits that declare nothing (they may read anything).
  std::span<const model::Access> reads;
  MovedObjects moved{};  // the objects of the reads of immutable fields that run with this step
};

// Whether a step of actor `by` whose access is `a` may change a field in `reads`: it writes,
// frees, locks or enters/leaves an RCU section on one of them. A read declared with
// model::rcu_reader_exits(rcu, r) is changed only by r's rcu_read_unlock on rcu (or rcu's free).
inline bool touches(const model::Access& a, ActorId by, std::span<const model::Access> reads) {
  using model::Op;
  const bool modifies = a.op == Op::kWrite || a.op == Op::kRmw || a.op == Op::kFree || a.op == Op::kLock ||
                        a.op == Op::kUnlock || a.op == Op::kRcuLock || a.op == Op::kRcuUnlock;
  if (!modifies || a.object == model::kNoObject) return false;
  for (const model::Access& r : reads) {
    if (r.object != a.object) continue;
    if (a.op == Op::kFree) return true;
    if (r.op == Op::kRcuUnlock) {
      if (a.op == Op::kRcuUnlock && by == r.field) return true;
    } else if (r.field == a.field) {
      return true;
    }
  }
  return false;
}

struct ChoicePoint {
  uint64_t step = 0;
  ActorId current = kNoActor;       // the actor at the scheduling point (kNoActor at start/exit)
  std::span<const ActorId> enabled;  // ascending actor ids; at least two
  std::span<const Pending> pending;  // indexed by actor id: what each actor will do next
  // Only for strategies that see every step (empty otherwise), indexed by actor id: for an actor
  // that is neither enabled nor finished, the actor whose lock or CPU keeps it off; for one
  // waiting for a condition that is false, kNoActor, or kHeldWhileWaiting | the actor whose CPU
  // section would keep it off too; kNoActor for the others (enabled, finished).
  std::span<const ActorId> blocked_by;
  // The RCU objects declared with Env::rcu_early_grace_periods (ascending; set-up declares them, so
  // they are the same at every point of an execution).
  std::span<const model::ObjectId> early_gp;
};

// In ChoicePoint::blocked_by: the actor waits for a false condition, and the actor in the low bits
// holds its CPU (actor ids stay below 2^31: Config::actors_max is far lower).
inline constexpr ActorId kHeldWhileWaiting = ActorId{1} << 31;

struct ExecutionSummary {
  uint64_t index = 0;
  uint64_t steps = 0;
  const Verdict* verdict = nullptr;
  // Strategies that see every step: each actor's pending step where the execution stopped with no
  // actor able to run (only daemons asleep at their idle point, or a deadlock); empty otherwise.
  std::span<const Pending> pending;
};

class Strategy {
public:
  virtual ~Strategy() = default;
  virtual std::string_view name() const = 0;
  // Called before execution `index` of the run; a randomised strategy seeds itself from it.
  virtual void begin_execution(uint64_t index) = 0;
  // Returns one of `point.enabled`. Anything else ends the execution as a divergence, except
  // kPrune: the strategy knows every continuation is equivalent to one already explored (DPOR's
  // sleep sets), and the execution ends with VerdictKind::kPruned.
  virtual ActorId pick(const ChoicePoint& point) = 0;
  // True: pick() is also called where only one actor is enabled (`enabled` then has one element,
  // and nothing is recorded as a decision), so the strategy sees every transition. DPOR needs
  // that to compute happens-before; the others do not pay for it.
  virtual bool sees_every_step() const { return false; }
  // Returns a value below `bound` (bound >= 2). UINT64_MAX: no value (replay ran out).
  virtual uint64_t draw(uint64_t bound, std::string_view label) = 0;
  // Called after every execution. False: the strategy has nothing left to explore.
  virtual bool end_execution(const ExecutionSummary& summary) = 0;
  // A message when a strategy could not follow its script (replay); empty otherwise.
  virtual std::string divergence() const { return {}; }
  // Exhaustive strategies: the estimated fraction of the space explored so far, in [0, 1], from
  // the position in the choice tree (each subtree assumed the same size); -1 when not exhaustive
  // or when no estimate holds (DPOR: its tree grows as it goes).
  virtual double explored_fraction() const { return -1; }
  // Whether the execution that just ended (end_execution has been called) belongs to this
  // strategy's part of a split search (Split). False: it ran only as far as the shared prefix, to
  // reach this part's subtrees; the run neither counts nor reports it.
  virtual bool owns_execution() const { return true; }
  // Tree searches (dfs, icb, dpor): their place in the search between two executions, as text
  // (sim/strategies/state_text.hpp), for a run that resumes where an interrupted one stopped.
  // Empty: the strategy keeps no such place (index-seeded strategies resume by index).
  virtual std::string save() const { return {}; }
  // Puts back a place save() gave, before the first execution. Returns what is wrong with `state`
  // (empty: restored). The next execution replays the restored prefix and checks it against what
  // the scenario does: a prefix that does not fit is a divergence there.
  virtual std::string restore(std::string_view /*state*/) { return std::string(name()) + " cannot resume from a saved state"; }
};

// Where a tree search (dfs, dpor) is split for --jobs and --shard: the subtrees below its first
// `depth` decisions (schedule choices and draws) are dealt to `count` owners by a hash of those
// decisions, and a strategy explores the subtrees of owner `index`. Every owner runs the shared
// prefix (an execution stops as pruned where it enters another owner's subtree) and owns an
// execution that ends within the prefix when the hash of its decisions names it. DPOR tries every
// awake enabled actor at the first `depth` decisions, so no race found in one subtree needs a
// choice that another owner would have to make: the owners' executions together are exactly the
// executions of the split search run whole (Split{0, 1, depth}).
struct SplitLevel {
  uint64_t index = 0;
  uint64_t count = 1;
  uint32_t depth = 0;
  bool operator==(const SplitLevel&) const = default;
};

// A part of a part (--shard 33/64:5/8): one level per cut, depths strictly increasing. A part
// owns a subtree (or an execution) when every level's hash test holds at that level's depth, so
// the M parts of a level below part P share out exactly what P owns. The deepest level's depth is
// the prefix DPOR expands fully; the coverage argument for a part run below a deeper prefix than
// its parent's is at sim/strategies/split_owner.hpp. No levels: not split.
struct Split {
  std::vector<SplitLevel> levels;
  Split() = default;
  Split(uint64_t index, uint64_t count, uint32_t depth) : levels{{index, count, depth}} {}
  explicit Split(std::vector<SplitLevel> l) : levels(std::move(l)) {}
  // The deepest level's depth (0: not split).
  uint32_t depth() const { return levels.empty() ? 0 : levels.back().depth; }
  // Whether some level deals the tree to more than one part.
  bool divided() const {
    for (const SplitLevel& l : levels) {
      if (l.count > 1) return true;
    }
    return false;
  }
  // --shard's and --split-depth's text for this part: "33/64:5/8" and "18:24".
  std::string shard_text() const;
  std::string depth_text() const;
  // This part with one more level below: sub-part `index` of `count` at `depth`.
  Split below(uint64_t index, uint64_t count, uint32_t depth) const {
    Split s = *this;
    s.levels.push_back({index, count, depth});
    return s;
  }
  bool operator==(const Split&) const = default;
};

inline constexpr ActorId kPrune = kNoActor - 1;

// Uniform random walk: each choice uniform over the enabled actors, each draw uniform.
std::unique_ptr<Strategy> make_random_strategy(uint64_t seed);
// PCT with depth `depth` (>= 1): sim/strategies/pct.cpp. `horizon` 0: the step count k is the
// longest execution seen so far; otherwise k is fixed, and each execution depends on its index only.
std::unique_ptr<Strategy> make_pct_strategy(uint64_t seed, uint32_t depth, uint64_t horizon = 0);
// The default: random walks and PCT runs of depth 1..3 interleaved by execution index (index-pure).
std::unique_ptr<Strategy> make_portfolio_strategy(uint64_t seed);
// Bounded DFS: every schedule with at most `preemption_bound` preemptions, every draw value;
// end_execution returns false once all are explored.
std::unique_ptr<Strategy> make_dfs_strategy(uint64_t preemption_bound, Split split = {});
// Iterative context bounding: bounded DFS at bound 0, 1, ..., `max_preemption_bound` in turn.
std::unique_ptr<Strategy> make_icb_strategy(uint64_t max_preemption_bound);
// DPOR: source sets with sleep sets (Abdulla et al., POPL 2014) over the access descriptors;
// every Mazurkiewicz trace at least once, every draw value; sim/strategies/dpor.cpp.
std::unique_ptr<Strategy> make_dpor_strategy(Split split = {});
// Follows a recorded decision list exactly.
std::unique_ptr<Strategy> make_replay_strategy(std::vector<Decision> decisions);
// Follows `decisions` where `keep[i]` holds and the choice is possible; elsewhere stays on the
// current actor (else the recorded one, else the lowest) and draws 0. For minimisation.
std::unique_ptr<Strategy> make_guided_strategy(std::vector<Decision> decisions, std::vector<bool> keep);

// Decorators.
struct Metrics {
  uint64_t executions = 0;
  uint64_t choices = 0;           // scheduling choices with two or more enabled actors
  uint64_t context_switches = 0;  // choices that left the current actor
  uint64_t draws = 0;
  uint64_t steps = 0;
  uint64_t steps_max_seen = 0;
  uint64_t pruned = 0;            // executions a strategy ended early as redundant (DPOR)
  uint64_t actors_max_seen = 0;   // the most actors an execution had (PCT's n)
  uint64_t foreign = 0;           // executions of a split search's shared prefix owned by another part
};
std::unique_ptr<Strategy> make_metrics_strategy(std::unique_ptr<Strategy> inner, Metrics& out);
// Hashes what the strategy is shown (steps, enabled sets, pending accesses) per execution index;
// when an index is run again, a different hash is a determinism failure, reported through
// divergence().
std::unique_ptr<Strategy> make_determinism_check(std::unique_ptr<Strategy> inner);

// The strategies a user can name on the command line, with one line of help each.
struct StrategyInfo {
  std::string_view name;
  std::string_view description;
};
std::vector<StrategyInfo> strategy_catalog();
// nullptr when the name is unknown (the caller reports it and exits 2). `pct_depth` is used by
// "pct"; "pct1".."pct3" fix the depth.
std::unique_ptr<Strategy> make_strategy(std::string_view name, uint64_t seed, uint32_t pct_depth = 3,
                                        uint64_t preemption_bound = 2, Split split = {});
// Whether `name` is a tree search that --jobs and --shard split by decision prefix (Split).
bool splits_by_prefix(std::string_view name);
// Whether `name` is a tree search that an interrupted run resumes from its saved place
// (Strategy::save; sim::PartCheckpoint) rather than by execution index.
bool resumes_from_checkpoint(std::string_view name);

}  // namespace lsmc::sim
