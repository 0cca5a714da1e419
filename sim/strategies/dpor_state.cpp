// DPOR's place between two executions as text and back (sim/strategies/dpor_dependence.hpp,
// save_state and restore_state), for a search that resumes where an interrupted run stopped.
#include <algorithm>
#include <functional>

#include "sim/strategies/dpor_dependence.hpp"
#include "sim/strategies/state_text.hpp"

namespace lsmc::sim::dpor {

namespace {

using model::Op;

// The state: "dpor", the footprints (a count, then per set a count and OBJECT FIELD OP per read),
// the frames (a count, then per frame a draw "1 BOUND VALUE" or a choice "0 COUNTS CHOSEN",
// the enabled actors with their transitions, the sleep set's transitions, the backtrack and done
// sets, each a count and its items). A transition: ACTOR CPU OP STARTED OBJECT FIELD READS, then
// its moved objects (Transition::moved, kMovedObjectsMax of them, 0 for none).
void save_transition(StateWriter& w, const Transition& t) {
  w << t.actor << t.cpu << static_cast<uint64_t>(t.op) << (t.started ? 1 : 0) << t.object << t.field << t.reads;
  for (model::ObjectId o : t.moved) w << o;
}

bool restore_transition(StateReader& r, Transition& t, const Footprints& footprints) {
  uint64_t started = 0;
  if (!r.number_as(t.actor, kPrune - 1) || !r.number_as(t.cpu, UINT16_MAX) ||
      !r.number_as(t.op, static_cast<uint64_t>(Op::kSleep)) || !r.number(started, 1) ||
      !r.number_as(t.object, UINT32_MAX) || !r.number_as(t.field, UINT16_MAX) ||
      !r.number_as(t.reads, footprints.sets().size())) {
    return false;
  }
  for (model::ObjectId& o : t.moved) {
    if (!r.number_as(o, UINT32_MAX)) return false;
  }
  t.started = started == 1;
  return true;
}

// Every actor the frame names is one it had enabled, in ascending order, so no lookup
// (Frame::next_of) leaves its arrays.
bool restore_frame(StateReader& r, Frame& f, const Footprints& footprints) {
  uint64_t draw = 0;
  if (!r.number(draw, 1)) return false;
  f.draw = draw == 1;
  if (f.draw) {
    if (!r.number(f.bound) || !r.number(f.value)) return false;
    return f.bound >= 2 && f.value < f.bound ? true : r.fail("a draw's value is not below its bound");
  }
  uint64_t counts = 0;
  std::size_t n = 0;
  if (!r.number(counts, 1) || !r.number_as(f.chosen, kPrune - 1) || !r.count(n, 8)) return false;
  f.counts = counts == 1;
  f.enabled.resize(n);
  for (ActorId& a : f.enabled) {
    if (!r.number_as(a, kPrune - 1)) return false;
  }
  auto in_enabled = [&f](ActorId a) { return std::binary_search(f.enabled.begin(), f.enabled.end(), a); };
  if (n == 0 || std::adjacent_find(f.enabled.begin(), f.enabled.end(), std::greater_equal<>()) != f.enabled.end()) {
    return r.fail("a choice point's enabled actors are not ascending");
  }
  f.next.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    if (!restore_transition(r, f.next[i], footprints)) return false;
    if (f.next[i].actor != f.enabled[i]) return r.fail("a pending transition is not its actor's");
  }
  if (!r.count(n, 7)) return false;
  f.sleep.resize(n);
  for (Transition& t : f.sleep) {
    if (!restore_transition(r, t, footprints)) return false;
  }
  for (std::vector<ActorId>* set : {&f.backtrack, &f.done}) {
    if (!r.count(n)) return false;
    set->resize(n);
    for (ActorId& a : *set) {
      if (!r.number_as(a, kPrune - 1)) return false;
      if (!in_enabled(a)) return r.fail("a backtrack or done actor was not enabled there");
    }
  }
  return in_enabled(f.chosen) ? true : r.fail("a chosen actor was not enabled there");
}

}  // namespace

std::string save_state(const Footprints& footprints, const std::vector<Frame>& stack) {
  StateWriter w("dpor");
  w << footprints.sets().size();
  for (const auto& set : footprints.sets()) {
    w << set.size();
    for (const model::Access& a : set) w << a.object << a.field << static_cast<uint64_t>(a.op);
  }
  w << stack.size();
  for (const Frame& f : stack) {
    if (f.draw) {
      w << 1 << f.bound << f.value;
      continue;
    }
    w << 0 << (f.counts ? 1 : 0) << f.chosen << f.enabled.size();
    for (ActorId a : f.enabled) w << a;
    for (const Transition& t : f.next) save_transition(w, t);
    w << f.sleep.size();
    for (const Transition& t : f.sleep) save_transition(w, t);
    w << f.backtrack.size();
    for (ActorId a : f.backtrack) w << a;
    w << f.done.size();
    for (ActorId a : f.done) w << a;
  }
  return w.text();
}

std::string restore_state(std::string_view state, Footprints& footprints_out, std::vector<Frame>& stack_out) {
  StateReader r(state);
  std::size_t sets = 0;
  if (!r.expect_name("dpor") || !r.count(sets)) return r.error();
  if (sets > UINT16_MAX) return "too many read sets";
  std::vector<std::vector<model::Access>> fp(sets);
  for (auto& set : fp) {
    std::size_t n = 0;
    if (!r.count(n, 3)) return r.error();
    set.resize(n);
    for (model::Access& a : set) {
      if (!r.number_as(a.object, UINT32_MAX) || !r.number_as(a.field, UINT16_MAX) ||
          !r.number_as(a.op, static_cast<uint64_t>(Op::kSleep))) {
        return r.error();
      }
    }
  }
  Footprints footprints;
  footprints.assign(std::move(fp));
  std::size_t frames = 0;
  if (!r.count(frames, 3)) return r.error();
  std::vector<Frame> stack(frames);
  for (Frame& f : stack) {
    if (!restore_frame(r, f, footprints)) return r.error();
  }
  if (!r.finish()) return r.error();
  footprints_out = std::move(footprints);
  stack_out = std::move(stack);
  return {};
}

}  // namespace lsmc::sim::dpor
