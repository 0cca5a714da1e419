#include "sim/memory_sync.hpp"

namespace lsmc::sim {

namespace {

// The locations of the actors' release stores: objects no model object can be (ids are small).
constexpr uint64_t kWaitObjectBase = uint64_t{1} << 46;

template <class T>
T& slot(std::vector<T>& v, std::size_t i) {
  if (v.size() <= i) v.resize(i + 1);
  return v[i];
}

}  // namespace

void WaitOrder::reset() {
  released_at_.clear();
  last_release_.clear();
  acquired_.clear();
}

uint32_t WaitOrder::release(wmm::Builder& b, uint32_t actor) {
  std::size_t& at = slot(released_at_, actor);
  uint32_t& last = slot(last_release_, actor);
  if (b.events_of(actor) == at) return last;
  // A store at the end of a location nobody has read has no edge out of it: it cannot make the
  // graph inconsistent, so it is added without a check.
  last = b.store_unchecked(actor, b.location(kWaitObjectBase + actor, 0), wmm::tag::kRelease);
  at = b.events_of(actor);
  return last;
}

bool WaitOrder::waited(wmm::Builder& b, uint32_t actor) {
  bool added = false;
  const auto threads = static_cast<uint32_t>(b.threads());
  for (uint32_t other = 0; other < threads; ++other) {
    if (other == actor) continue;
    const uint32_t store = release(b, other);
    uint32_t& seen = slot(slot(acquired_, actor), other);
    if (store == 0 || seen >= store) continue;
    seen = store;
    b.read_store(actor, b.location(kWaitObjectBase + other, 0), wmm::tag::kAcquire, store);
    added = true;
  }
  // One check for all of them: the acquire loads are the waiter's newest events.
  return !added || b.consistent_so_far();
}

}  // namespace lsmc::sim
