#include "wmm/builder.hpp"

#include <algorithm>

namespace lsmc::wmm {

void Builder::reset() {
  g_ = Graph{};
  g_.loads_control_later_stores = true;
  object_of_.clear();
  stores_.clear();
  store_index_.clear();
  pointee_.clear();
  pointers_.clear();
  locations_.clear();
  rcu_depth_.clear();
}

bool Builder::consistent() {
  std::vector<uint32_t> closed;  // the threads given a temporary rcu_read_unlock()
  for (uint32_t t = 0; t < rcu_depth_.size(); ++t) {
    for (uint32_t d = 0; d < rcu_depth_[t]; ++d) {
      closed.push_back(t);
      Event ev;
      ev.thread = t;
      ev.tags = tag::kRcuUnlock;
      g_.threads[t].push_back(static_cast<EventId>(g_.events.size()));
      g_.events.push_back(std::move(ev));
      g_.rf.push_back(-1);
    }
  }
  const bool ok = check(model_, g_).consistent;
  for (auto it = closed.rbegin(); it != closed.rend(); ++it) {
    g_.threads[*it].pop_back();
    g_.events.pop_back();
    g_.rf.pop_back();
  }
  return ok;
}

Loc Builder::location(uint64_t object, uint16_t field) {
  const uint64_t key = object << 16 | field;
  const auto it = std::lower_bound(locations_.begin(), locations_.end(), std::make_pair(key, Loc{0}));
  if (it != locations_.end() && it->first == key) return it->second;
  const auto loc = static_cast<Loc>(g_.co.size());
  locations_.insert(it, {key, loc});
  g_.co.emplace_back();
  g_.location_names.push_back(std::to_string(object) + "." + std::to_string(field));
  object_of_.push_back(object);
  stores_.emplace_back();
  // The initial store: the memory as it was before the first access (zeroed, or what the
  // allocator handed out).
  const EventId init = add(kInitThread, Kind::kWrite, loc, tag::kInit);
  g_.co[loc].push_back(init);
  store_index_[init] = 0;
  stores_[loc].push_back(init);
  return loc;
}

EventId Builder::add(uint32_t thread, Kind kind, Loc loc, uint32_t tags) {
  const auto e = static_cast<EventId>(g_.events.size());
  Event ev;
  ev.thread = thread;
  ev.kind = kind;
  ev.loc = loc;
  ev.tags = tags;
  if (thread != kInitThread) {
    if (g_.threads.size() <= thread) g_.threads.resize(thread + 1);
    if (pointers_.size() <= thread) pointers_.resize(thread + 1);
    g_.threads[thread].push_back(e);
    // An access to an object this thread reached through a loaded pointer depends on that load.
    if (loc != kNoLoc) {
      for (const auto& [object, load] : pointers_[thread]) {
        if (object == object_of_[loc]) ev.addr.push_back(load);
      }
    }
  }
  g_.events.push_back(std::move(ev));
  g_.rf.push_back(-1);
  store_index_.push_back(0);
  pointee_.emplace_back();
  return e;
}

Builder::Read Builder::load(uint32_t thread, Loc loc, uint32_t tags, const Choose& choose) {
  const EventId r = add(thread, Kind::kRead, loc, tags);
  std::vector<EventId> options;
  const auto& order = g_.co[loc];
  for (auto it = order.rbegin(); it != order.rend(); ++it) {
    g_.rf[r] = static_cast<int32_t>(*it);
    if (consistent()) options.push_back(*it);
  }
  if (options.empty()) return {kInfeasible, 0, r};
  const EventId source = options[options.size() > 1 ? choose(options.size()) : 0];
  g_.rf[r] = static_cast<int32_t>(source);
  auto& ptrs = pointers_[thread];
  for (const uint64_t object : pointee_[source]) {
    ptrs.erase(std::remove_if(ptrs.begin(), ptrs.end(), [&](const auto& p) { return p.first == object; }), ptrs.end());
    ptrs.emplace_back(object, r);
  }
  return {store_index_[source], source, r};
}

uint32_t Builder::store(uint32_t thread, Loc loc, uint32_t tags, std::vector<uint64_t> pointees, EventId* event) {
  const EventId w = add(thread, Kind::kWrite, loc, tags);
  pointee_[w] = std::move(pointees);
  store_index_[w] = static_cast<uint32_t>(stores_[loc].size());
  stores_[loc].push_back(w);
  g_.co[loc].push_back(w);
  if (event != nullptr) *event = w;
  return consistent() ? store_index_[w] : kInfeasible;
}

Builder::Read Builder::rmw(uint32_t thread, Loc loc, uint32_t rtags, uint32_t wtags, bool full, std::vector<uint64_t> pointees,
                           const std::function<bool(uint32_t)>& writes, EventId* write_event) {
  const EventId source = coherence_latest(loc);
  const bool ok = writes(store_index_[source]);
  if (ok && full) fence(thread, tag::kMb);
  const EventId r = add(thread, Kind::kRead, loc, ok ? rtags | tag::kRmw : (tag::kRmw | tag::kOnce));
  g_.rf[r] = static_cast<int32_t>(source);
  Read read{store_index_[source], source, r};
  if (ok) {
    const EventId w = add(thread, Kind::kWrite, loc, wtags | tag::kRmw);
    g_.events[r].rmw_write = static_cast<int32_t>(w);
    pointee_[w] = std::move(pointees);
    store_index_[w] = static_cast<uint32_t>(stores_[loc].size());
    stores_[loc].push_back(w);
    g_.co[loc].push_back(w);
    if (write_event != nullptr) *write_event = w;
    if (full) fence(thread, tag::kMb);
  }
  if (!consistent()) read.index = kInfeasible;
  return read;
}

// A fence orders events after it, which do not exist yet, except that the end of a read-side
// section and a grace period relate events already in the graph (the rcu axiom).
bool Builder::fence(uint32_t thread, uint32_t tags) {
  add(thread, Kind::kFence, kNoLoc, tags);
  if (rcu_depth_.size() <= thread) rcu_depth_.resize(thread + 1, 0);
  if ((tags & tag::kRcuLock) != 0) ++rcu_depth_[thread];
  if ((tags & tag::kRcuUnlock) != 0 && rcu_depth_[thread] > 0) --rcu_depth_[thread];
  return (tags & (tag::kRcuUnlock | tag::kSyncRcu)) == 0 || consistent();
}

void Builder::lock(uint32_t thread, Loc loc) {
  const EventId r = add(thread, Kind::kRead, loc, tag::kLKR);
  g_.rf[r] = static_cast<int32_t>(coherence_latest(loc));
  const EventId w = add(thread, Kind::kWrite, loc, tag::kLKW);
  g_.events[r].rmw_write = static_cast<int32_t>(w);
  store_index_[w] = static_cast<uint32_t>(stores_[loc].size());
  stores_[loc].push_back(w);
  g_.co[loc].push_back(w);
}

void Builder::unlock(uint32_t thread, Loc loc) {
  const EventId w = add(thread, Kind::kWrite, loc, tag::kUL);
  store_index_[w] = static_cast<uint32_t>(stores_[loc].size());
  stores_[loc].push_back(w);
  g_.co[loc].push_back(w);
}

uint32_t Builder::read_latest(uint32_t thread, Loc loc, uint32_t tags) {
  const EventId r = add(thread, Kind::kRead, loc, tags);
  const EventId source = coherence_latest(loc);
  g_.rf[r] = static_cast<int32_t>(source);
  return consistent() ? store_index_[source] : kInfeasible;
}

uint32_t Builder::store_unchecked(uint32_t thread, Loc loc, uint32_t tags) {
  const EventId w = add(thread, Kind::kWrite, loc, tags);
  store_index_[w] = static_cast<uint32_t>(stores_[loc].size());
  stores_[loc].push_back(w);
  g_.co[loc].push_back(w);
  return store_index_[w];
}

void Builder::read_store(uint32_t thread, Loc loc, uint32_t tags, uint32_t index) {
  const EventId r = add(thread, Kind::kRead, loc, tags);
  g_.rf[r] = static_cast<int32_t>(stores_[loc].at(index));
}

void Builder::lock_failed(uint32_t thread, Loc loc) {
  const EventId r = add(thread, Kind::kRead, loc, tag::kLF);
  g_.rf[r] = static_cast<int32_t>(coherence_latest(loc));
}

}  // namespace lsmc::wmm
