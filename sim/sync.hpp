// The state behind the Env's own RCU and condition variables (model/env.hpp): who reads under
// which flavour, and who sleeps on which condition variable. Per execution; the Execution resets
// it when a run starts and turns it into scheduling points (sim/execution_sync.cpp).
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <utility>
#include <vector>

#include "model/env.hpp"

namespace lsmc::sim {

// RCU readers per actor and flavour: how deep each is inside read-side critical sections, and how
// many outermost sections each has left so far.
class RcuReaders {
public:
  // A grace period: the readers inside a critical section when it started, with the number of
  // sections each had left by then.
  struct GracePeriod {
    model::RcuFlavour flavour;
    std::vector<std::pair<model::ActorId, uint64_t>> readers;
  };

  void clear() { actors_.clear(); }
  uint32_t depth(model::ActorId a, model::RcuFlavour f) const {
    return a < actors_.size() ? actors_[a].depth[index(f)] : 0;
  }
  bool inside_any(model::ActorId a) const {
    return a < actors_.size() && (actors_[a].depth[0] > 0 || actors_[a].depth[1] > 0);
  }
  void enter(model::ActorId a, model::RcuFlavour f);
  void leave(model::ActorId a, model::RcuFlavour f);  // depth(a, f) > 0
  GracePeriod start(model::RcuFlavour f) const;
  // Every reader the grace period waits for has left the section it was in at its start.
  bool ended(const GracePeriod& gp) const;

private:
  static_assert(model::kRcuFlavours == 2, "inside_any() reads both flavours");
  struct Reader {
    std::array<uint32_t, model::kRcuFlavours> depth{};
    std::array<uint64_t, model::kRcuFlavours> exits{};
  };
  static std::size_t index(model::RcuFlavour f) { return static_cast<std::size_t>(f); }
  std::vector<Reader> actors_;
};

// Condition variables: the sleepers of each, in the order they went to sleep, by ticket.
class Condvars {
public:
  void clear() {
    sleepers_.clear();
    next_ticket_ = 0;
  }
  uint64_t sleep(model::ObjectId cv);
  bool asleep(model::ObjectId cv, uint64_t ticket) const;
  std::size_t sleepers(model::ObjectId cv) const;
  void wake(model::ObjectId cv, std::size_t which);  // the which-th sleeper, in sleeping order
  void wake_all(model::ObjectId cv) { sleepers_.erase(cv); }

private:
  std::map<model::ObjectId, std::vector<uint64_t>> sleepers_;
  uint64_t next_ticket_ = 0;
};

}  // namespace lsmc::sim
