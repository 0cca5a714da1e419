#include "properties/linearizability.hpp"

#include <map>
#include <set>

namespace lsmc::properties {

namespace {

constexpr int kENOENT = 2, kEAGAIN = 11, kEEXIST = 17;
constexpr uint64_t kNoexist = 1, kExist = 2;

using State = std::optional<int64_t>;

// Does `op`'s recorded result fit the spec from `s`? If so, the state after it.
std::optional<State> step(const HistoryOp& op, const State& s) {
  using K = HistoryOp::Kind;
  switch (op.kind) {
    case K::kLookup:
      if (s) return (op.err == 0 && op.value == *s) ? std::optional<State>(s) : std::nullopt;
      return op.err == kENOENT ? std::optional<State>(s) : std::nullopt;
    case K::kUpdate:
      if (op.err == kEAGAIN) return s;  // a lost race: no effect
      if (op.flags == kNoexist && s) return op.err == kEEXIST ? std::optional<State>(s) : std::nullopt;
      if (op.flags == kExist && !s) return op.err == kENOENT ? std::optional<State>(s) : std::nullopt;
      return op.err == 0 ? std::optional<State>(State(op.arg)) : std::nullopt;
    case K::kDelete:
      if (s) return op.err == 0 ? std::optional<State>(State()) : std::nullopt;
      return op.err == kENOENT ? std::optional<State>(s) : std::nullopt;
    case K::kGet:
      if (s) return (op.found && op.value == *s) ? std::optional<State>(s) : std::nullopt;
      return !op.found ? std::optional<State>(s) : std::nullopt;
    case K::kGetCreate:
      if (s) return (op.found && op.value == *s) ? std::optional<State>(s) : std::nullopt;
      if (!op.found) return s;  // creation may fail (EAGAIN, busy, ENOMEM): no effect
      return op.value == 0 ? std::optional<State>(State(0)) : std::nullopt;
  }
  return std::nullopt;
}

// Wing & Gong's search with memoisation of (set of linearized operations, state).
bool search(const std::vector<HistoryOp>& ops, uint64_t done, const State& s,
            std::set<std::pair<uint64_t, State>>& seen) {
  const uint64_t all = ops.size() == 64 ? ~0ULL : (1ULL << ops.size()) - 1;
  if (done == all) return true;
  if (!seen.insert({done, s}).second) return false;
  uint64_t earliest_ret = UINT64_MAX;
  for (std::size_t i = 0; i < ops.size(); ++i) {
    if (!(done >> i & 1)) earliest_ret = std::min(earliest_ret, ops[i].ret);
  }
  for (std::size_t i = 0; i < ops.size(); ++i) {
    if (done >> i & 1) continue;
    if (ops[i].call > earliest_ret) continue;  // something returned before it was called
    if (const auto next = step(ops[i], s)) {
      if (search(ops, done | (1ULL << i), *next, seen)) return true;
    }
  }
  return false;
}

}  // namespace

std::string to_string(const HistoryOp& op) {
  static const char* const kNames[] = {"lookup", "update", "delete", "get", "get(F_CREATE)"};
  std::string s = op.who + ": " + kNames[static_cast<int>(op.kind)];
  if (op.kind == HistoryOp::Kind::kUpdate) s += "(flags=" + std::to_string(op.flags) + ", " + std::to_string(op.arg) + ")";
  if (op.kind == HistoryOp::Kind::kGet || op.kind == HistoryOp::Kind::kGetCreate) {
    s += op.found ? " -> " + std::to_string(op.value) : " -> NULL";
  } else {
    s += op.err ? " -> errno " + std::to_string(op.err) : (op.kind == HistoryOp::Kind::kLookup ? " -> " + std::to_string(op.value) : " -> 0");
  }
  return s + " [" + std::to_string(op.call) + ", " + std::to_string(op.ret) + "]";
}

LinearizabilityResult check_linearizable(const std::vector<HistoryOp>& history) {
  std::map<int, std::vector<HistoryOp>> parts;
  for (const HistoryOp& op : history) parts[op.partition].push_back(op);
  for (const auto& [partition, ops] : parts) {
    if (ops.size() > 64) return {false, "partition " + std::to_string(partition) + " has more than 64 operations"};
    std::set<std::pair<uint64_t, State>> seen;
    if (!search(ops, 0, State(), seen)) {
      std::string why = "no order of partition " + std::to_string(partition) +
                        " respects real time and the sequential spec:";
      for (const HistoryOp& op : ops) why += " {" + to_string(op) + "}";
      return {false, why};
    }
  }
  return {};
}

}  // namespace lsmc::properties
