#include "sim/memory.hpp"

#include <vector>

#include "sim/memory_sync.hpp"
#include "wmm/builder.hpp"

namespace lsmc::sim {

namespace {

using model::Order;

// Every load reads the newest store; nothing is kept.
class ScMemory final : public Memory {
public:
  bool weak() const override { return false; }
  void begin() override {}
  Result load(const Access&, const Choose&) override { return {}; }
  Result store(const Access&) override { return {}; }
  Result rmw(const Access&, const std::function<bool(uint32_t)>& writes) override {
    writes(model::kLatest);
    return {};
  }
  bool fence(model::ActorId, model::Fence, model::ObjectId) override { return true; }
  void lock(model::ActorId, model::ObjectId) override {}
  void unlock(model::ActorId, model::ObjectId) override {}
  void lock_failed(model::ActorId, model::ObjectId) override {}
  bool rcu(model::ActorId, model::ObjectId, bool) override { return true; }
  bool wait_ended(model::ActorId) override { return true; }
  bool data_race() const override { return false; }
};

// Two fields of an RCU flavour's state object that no model object has: the requests for a
// grace period (call_rcu, synchronize_rcu) and the grace periods' starts.
constexpr uint16_t kRcuQueueField = 0xffff, kRcuGpField = 0xfffe;

bool acquires(Order o) { return o == Order::kAcquire || o == Order::kAcqRel; }
bool releases(Order o) { return o == Order::kRelease || o == Order::kAcqRel; }
bool full(Order o) { return o == Order::kFull || o == Order::kSeqCst; }

uint32_t fence_tags(model::Fence f) {
  switch (f) {
    case model::Fence::kMb: return wmm::tag::kMb;
    case model::Fence::kRmb: return wmm::tag::kRmb;
    case model::Fence::kWmb: return wmm::tag::kWmb;
    case model::Fence::kBeforeAtomic: return wmm::tag::kBeforeAtomic;
    case model::Fence::kAfterAtomic: return wmm::tag::kAfterAtomic;
    case model::Fence::kAfterSpinlock: return wmm::tag::kAfterSpinlock;
    case model::Fence::kAfterUnlockLock: return wmm::tag::kAfterUnlockLock;
    case model::Fence::kSyncRcu: return wmm::tag::kSyncRcu;
    case model::Fence::kCallRcu:
    case model::Fence::kGracePeriodStart: return 0;
  }
  return 0;
}

// The execution graph of the run so far, checked against tso or lkmm at every choice.
class GraphMemory final : public Memory {
public:
  explicit GraphMemory(wmm::Model model) : builder_(model) {}

  bool weak() const override { return true; }
  void begin() override {
    builder_.reset();
    step_of_.clear();
    waits_.reset();
  }

  Result load(const Access& a, const Choose& choose) override {
    if (full(a.order)) builder_.fence(a.actor, wmm::tag::kMb);
    const uint32_t tags = a.order == Order::kPlain ? 0 : acquires(a.order) || full(a.order) ? wmm::tag::kAcquire : wmm::tag::kOnce;
    const wmm::Builder::Read r = builder_.load(a.actor, loc(a), tags, choose);
    if (r.index == wmm::Builder::kInfeasible) return {0, -1, true};
    return {r.index, step(r.source), false};
  }

  Result store(const Access& a) override {
    const uint32_t tags = a.order == Order::kPlain                      ? 0
                          : releases(a.order) || full(a.order) ? wmm::tag::kRelease
                                                                        : wmm::tag::kOnce;
    wmm::EventId e = 0;
    const uint32_t index = builder_.store(a.actor, loc(a), tags, pointees(a), &e);
    record(e, a.step);
    if (index == wmm::Builder::kInfeasible) return {0, -1, true};
    if (full(a.order)) builder_.fence(a.actor, wmm::tag::kMb);
    return {index, -1, false};
  }

  Result rmw(const Access& a, const std::function<bool(uint32_t)>& writes) override {
    const uint32_t rtags = acquires(a.order) ? wmm::tag::kAcquire : wmm::tag::kOnce;
    const uint32_t wtags = releases(a.order) ? wmm::tag::kRelease : wmm::tag::kOnce;
    wmm::EventId w = 0;
    const wmm::Builder::Read r = builder_.rmw(a.actor, loc(a), rtags, wtags, full(a.order), pointees(a), writes, &w);
    if (w != 0) record(w, a.step);
    if (r.index == wmm::Builder::kInfeasible) return {0, -1, true};
    return {r.index, step(r.source), false};
  }

  // RCU as the kernel runs it, in real time: a request (release RMW on the flavour's queue) is
  // taken in (acquire RMW) when a grace period starts, with a release store that every later
  // rcu_read_lock() reads (acquire): a section the grace period does not wait for sees what was
  // done before the requests it serves ("if any part of a section follows the end of a grace
  // period, the whole section follows its beginning").
  bool fence(model::ActorId actor, model::Fence f, model::ObjectId on) override {
    if (f == model::Fence::kCallRcu) return request(actor, on, wmm::tag::kOnce, wmm::tag::kRelease);
    if (f == model::Fence::kGracePeriodStart) {
      return request(actor, on, wmm::tag::kAcquire, wmm::tag::kOnce) &&
             builder_.store(actor, builder_.location(on, kRcuGpField), wmm::tag::kRelease, {}) != wmm::Builder::kInfeasible;
    }
    return builder_.fence(actor, fence_tags(f));
  }
  void lock(model::ActorId actor, model::ObjectId l) override { builder_.lock(actor, builder_.location(l, 0)); }
  void unlock(model::ActorId actor, model::ObjectId l) override { builder_.unlock(actor, builder_.location(l, 0)); }
  void lock_failed(model::ActorId actor, model::ObjectId l) override {
    builder_.lock_failed(actor, builder_.location(l, 0));
  }
  // rcu_read_lock() reads the grace periods' starts inside the section it opens: a section that
  // misses a start (reads an older one) has an event that precedes that grace period (fr), so the
  // rcu axiom makes the whole section end before the grace period does, and what it stored is
  // seen after the grace period (Documentation/litmus-tests/rcu/RCU+sync+read.litmus). Read before
  // the Rcu-lock event, that fr edge did not count and a callback could miss the section's stores.
  bool rcu(model::ActorId actor, model::ObjectId flavour, bool lock) override {
    if (!lock) return builder_.fence(actor, wmm::tag::kRcuUnlock);
    return builder_.fence(actor, wmm::tag::kRcuLock) &&
           builder_.read_latest(actor, builder_.location(flavour, kRcuGpField), wmm::tag::kAcquire) !=
               wmm::Builder::kInfeasible;
  }
  bool wait_ended(model::ActorId actor) override { return waits_.waited(builder_, actor); }
  bool data_race() const override {
    return builder_.model() == wmm::Model::kLkmm && builder_.check_all().data_race;
  }

private:
  bool request(model::ActorId actor, model::ObjectId on, uint32_t rtags, uint32_t wtags) {
    return builder_.rmw(actor, builder_.location(on, kRcuQueueField), rtags, wtags, false, {},
                        [](uint32_t) { return true; }).index != wmm::Builder::kInfeasible;
  }
  wmm::Loc loc(const Access& a) { return builder_.location(a.object, a.field); }
  static std::vector<uint64_t> pointees(const Access& a) { return {a.pointees.begin(), a.pointees.end()}; }
  int64_t step(wmm::EventId e) const { return e < step_of_.size() ? static_cast<int64_t>(step_of_[e]) : 0; }
  void record(wmm::EventId e, uint64_t step) {
    if (step_of_.size() <= e) step_of_.resize(e + 1, 0);
    step_of_[e] = step;
  }

  wmm::Builder builder_;
  WaitOrder waits_;
  std::vector<uint64_t> step_of_;  // per event: the engine step that made it (0: an initial store)
};

}  // namespace

std::unique_ptr<Memory> make_memory(std::string_view model) {
  if (model == "sc") return std::make_unique<ScMemory>();
  if (model == "tso") return std::make_unique<GraphMemory>(wmm::Model::kTso);
  if (model == "lkmm") return std::make_unique<GraphMemory>(wmm::Model::kLkmm);
  return nullptr;
}

}  // namespace lsmc::sim
