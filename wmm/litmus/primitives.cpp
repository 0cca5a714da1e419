#include "wmm/litmus/primitives.hpp"

#include <map>
#include <optional>

namespace lsmc::wmm::litmus {

namespace {

enum class Ord : uint8_t { kOnce, kAcquire, kRelease, kFull };

const std::map<std::string, uint32_t>& fence_table() {
  static const std::map<std::string, uint32_t> table = {
      {"smp_mb", tag::kMb},
      {"smp_rmb", tag::kRmb},
      {"smp_wmb", tag::kWmb},
      {"smp_mb__before_atomic", tag::kBeforeAtomic},
      {"smp_mb__after_atomic", tag::kAfterAtomic},
      {"smp_mb__after_spinlock", tag::kAfterSpinlock},
      {"smp_mb__after_unlock_lock", tag::kAfterUnlockLock},
      {"smp_mb__after_srcu_read_unlock", tag::kAfterSrcuReadUnlock},
      {"barrier", tag::kBarrier},
      {"rcu_read_lock", tag::kRcuLock},
      {"rcu_read_unlock", tag::kRcuUnlock},
      {"synchronize_rcu", tag::kSyncRcu},
      {"synchronize_rcu_expedited", tag::kSyncRcu},
  };
  return table;
}

bool strip(std::string& name, const std::string& suffix) {
  if (name.size() <= suffix.size() || name.compare(name.size() - suffix.size(), suffix.size(), suffix) != 0) return false;
  name.resize(name.size() - suffix.size());
  return true;
}

// "atomic_fetch_add_acquire" -> ("atomic_fetch_add", kAcquire); no suffix: kFull.
Ord split_order(std::string& name) {
  if (strip(name, "_relaxed")) return Ord::kOnce;
  if (strip(name, "_acquire")) return Ord::kAcquire;
  if (strip(name, "_release")) return Ord::kRelease;
  return Ord::kFull;
}

// The arithmetic of an atomic_t operation from its name: add, sub, inc, dec, and, or, xor, andnot.
std::optional<char> op_of(const std::string& word) {
  static const std::map<std::string, char> ops = {{"add", '+'}, {"sub", '-'}, {"inc", '+'}, {"dec", '-'},
                                                  {"and", '&'}, {"or", '|'},  {"xor", '^'}, {"andnot", 'n'}};
  const auto it = ops.find(word);
  if (it == ops.end()) return std::nullopt;
  return it->second;
}

Value apply(char op, Value a, Value b) {
  switch (op) {
    case '+': return a + b;
    case '-': return a - b;
    case '&': return a & b;
    case '|': return a | b;
    case '^': return a ^ b;
    case 'n': return a & ~b;
    default: return b;  // 'x': exchange
  }
}

class Call {
public:
  Call(Machine& m, const Expr& e) : m_(m), e_(e) {}

  void arity(std::size_t n) const {
    if (e_.args.size() != n) {
      m_.fail(e_.line, e_.name + "() takes " + std::to_string(n) + " argument" + (n == 1 ? "" : "s") + ", got " +
                           std::to_string(e_.args.size()));
    }
  }
  // The location a pointer argument points to.
  Loc pointer(std::size_t i, uint64_t* addr) {
    const Val p = m_.eval(e_.args[i]);
    *addr = p.deps;
    return m_.location(p, e_.line);
  }
  Loc target(std::size_t i, uint64_t* addr) { return m_.lvalue(e_.args[i], addr); }
  Val arg(std::size_t i) { return m_.eval(e_.args[i]); }
  Val fence(uint32_t t, Loc loc = kNoLoc) { return m_.emit(Kind::kFence, loc, 0, t, 0, 0), Val{}; }
  Val load(Loc loc, uint32_t t, uint64_t addr) { return m_.emit(Kind::kRead, loc, m_.pick(loc), t, addr, 0); }
  Val store(Loc loc, const Val& v, uint32_t t, uint64_t addr) { return m_.emit(Kind::kWrite, loc, v.v, t, addr, v.deps), v; }

  // An RMW: [F[mb]] R* [W* [F[mb]]]. `op` combines the old value with `operand` ('x' exchanges);
  // `expected` makes it conditional (cmpxchg: write only if old == expected; add_unless: write
  // only if old != unless). Returns the old value, or the new one with `return_new`.
  Val rmw(Loc loc, uint64_t addr, Ord ord, bool noreturn, char op, const Val& operand, bool return_new,
          std::optional<Value> expected = std::nullopt, std::optional<Value> unless = std::nullopt) {
    const Value old = m_.pick(loc);
    const bool ok = (!expected || old == *expected) && (!unless || old != *unless);
    if (ok && ord == Ord::kFull) fence(tag::kMb);
    const uint32_t rtags = tag::kRmw | (noreturn ? tag::kNoreturn : ok && ord == Ord::kAcquire ? tag::kAcquire : tag::kOnce);
    const std::size_t ri = m_.event_count();
    const Val r = m_.emit(Kind::kRead, loc, old, rtags, addr, 0);
    if (!ok) return r;
    const Val nv{apply(op, old, operand.v), operand.deps};
    const std::size_t wi = m_.event_count();
    m_.emit(Kind::kWrite, loc, nv.v, tag::kRmw | (ord == Ord::kRelease ? tag::kRelease : tag::kOnce), addr, nv.deps);
    m_.pair_rmw(ri, wi);
    if (ord == Ord::kFull) fence(tag::kMb);
    return return_new ? Val{nv.v, r.deps | nv.deps} : r;
  }

  Val run();

private:
  Val plain_access();
  Val exchange(std::string name);
  Val atomic(std::string name);
  Val lock();

  Machine& m_;
  const Expr& e_;
};

Val Call::plain_access() {
  const std::string& f = e_.name;
  uint64_t addr = 0;
  if (f == "READ_ONCE" || f == "rcu_dereference" || f == "smp_load_acquire") {
    arity(1);
    const Loc loc = f == "smp_load_acquire" ? pointer(0, &addr) : target(0, &addr);
    return load(loc, f == "smp_load_acquire" ? tag::kAcquire : tag::kOnce, addr);
  }
  if (f == "WRITE_ONCE" || f == "rcu_assign_pointer" || f == "smp_store_mb") {
    arity(2);
    const Loc loc = target(0, &addr);
    const Val v = store(loc, arg(1), f == "rcu_assign_pointer" ? tag::kRelease : tag::kOnce, addr);
    if (f == "smp_store_mb") fence(tag::kMb);
    return v;
  }
  if (f == "smp_store_release") {
    arity(2);
    const Loc loc = pointer(0, &addr);
    return store(loc, arg(1), tag::kRelease, addr);
  }
  m_.fail(e_.line, "unsupported primitive '" + f + "'");
  return {};
}

// xchg and cmpxchg, on plain pointers or atomic_t.
Val Call::exchange(std::string name) {
  const Ord ord = split_order(name);
  uint64_t addr = 0;
  if (name == "xchg" || name == "atomic_xchg") {
    arity(2);
    const Loc loc = pointer(0, &addr);
    return rmw(loc, addr, ord, false, 'x', arg(1), false);
  }
  if (name != "cmpxchg" && name != "atomic_cmpxchg") m_.fail(e_.line, "unsupported primitive '" + e_.name + "'");
  arity(3);
  const Loc loc = pointer(0, &addr);
  const Val expected = arg(1);
  return rmw(loc, addr, ord, false, 'x', arg(2), false, expected.v);
}

// atomic_t operations: atomic_read/set, OP, OP_return, fetch_OP, OP_and_test, add_negative,
// add_unless, inc_not_zero. "atomic_long_" is the same.
Val Call::atomic(std::string name) {
  if (name.rfind("atomic_long_", 0) == 0) name = "atomic_" + name.substr(12);
  uint64_t addr = 0;
  if (name == "atomic_read" || name == "atomic_read_acquire") {
    arity(1);
    const Loc loc = pointer(0, &addr);
    return load(loc, name == "atomic_read" ? tag::kOnce : tag::kAcquire, addr);
  }
  if (name == "atomic_set" || name == "atomic_set_release") {
    arity(2);
    const Loc loc = pointer(0, &addr);
    return store(loc, arg(1), name == "atomic_set" ? tag::kOnce : tag::kRelease, addr);
  }
  if (name == "atomic_xchg" || name.rfind("atomic_xchg_", 0) == 0 || name == "atomic_cmpxchg" ||
      name.rfind("atomic_cmpxchg_", 0) == 0) {
    return exchange(name);
  }
  if (name == "atomic_add_unless" || name == "atomic_inc_not_zero") {
    const bool inc = name == "atomic_inc_not_zero";
    arity(inc ? 1 : 3);
    const Loc loc = pointer(0, &addr);
    const Val a = inc ? Val{1, 0} : arg(1);
    const Value unless = inc ? 0 : arg(2).v;
    const Val r = rmw(loc, addr, Ord::kFull, false, '+', a, false, std::nullopt, unless);
    return {r.v != unless, r.deps};
  }
  std::string base = name.substr(7);  // after "atomic_"
  Ord ord = split_order(base);
  bool fetch = false, ret = false, test = false, negative = false;
  if (base.rfind("fetch_", 0) == 0) {
    fetch = true;
    base = base.substr(6);
  } else if (strip(base, "_return")) {
    ret = true;
  } else if (strip(base, "_and_test")) {
    test = true;
  } else if (strip(base, "_negative")) {
    negative = true;
  }
  const auto op = op_of(base);
  const bool one = base == "inc" || base == "dec";
  const bool noreturn = !fetch && !ret && !test && !negative;
  if (!op || (test && ord != Ord::kFull) || (noreturn && ord != Ord::kFull)) {
    m_.fail(e_.line, "unsupported primitive '" + e_.name + "'");
  }
  arity(one ? 1 : 2);
  const Loc loc = pointer(one ? 0 : 1, &addr);
  const Val operand = one ? Val{1, 0} : arg(0);
  if (noreturn) return rmw(loc, addr, Ord::kOnce, true, *op, operand, false), Val{};
  const Val r = rmw(loc, addr, ord, false, *op, operand, !fetch);
  if (test) return {r.v == 0, r.deps};
  if (negative) return {r.v < 0, r.deps};
  return r;
}

// Spinlocks: a location holding 0 (unlocked) or 1 (locked), as lock.cat orders it.
Val Call::lock() {
  const std::string& f = e_.name;
  arity(1);
  uint64_t addr = 0;
  const Loc loc = pointer(0, &addr);
  if (f == "spin_unlock" || f == "raw_spin_unlock") return store(loc, {0, 0}, tag::kUL, addr), Val{};
  const bool trylock = f == "spin_trylock" || f == "raw_spin_trylock";
  if (f == "spin_is_locked") {
    const bool locked = m_.choose2();
    return m_.emit(Kind::kRead, loc, locked, locked ? tag::kRL : tag::kRU, addr, 0);
  }
  if (trylock && !m_.choose2()) {
    const Val r = m_.emit(Kind::kRead, loc, 1, tag::kLF, addr, 0);
    return {0, r.deps};
  }
  const std::size_t ri = m_.event_count();
  const Val r = m_.emit(Kind::kRead, loc, 0, tag::kLKR, addr, 0);
  const std::size_t wi = m_.event_count();
  m_.emit(Kind::kWrite, loc, 1, tag::kLKW, addr, 0);
  m_.pair_rmw(ri, wi);
  return {1, r.deps};
}

Val Call::run() {
  const std::string& f = e_.name;
  const auto fence_it = fence_table().find(f);
  if (fence_it != fence_table().end()) return arity(0), fence(fence_it->second);
  if (f.rfind("spin_", 0) == 0 || f.rfind("raw_spin_", 0) == 0) return lock();
  if (f.rfind("atomic_", 0) == 0) return atomic(f);
  if (f.rfind("xchg", 0) == 0 || f.rfind("cmpxchg", 0) == 0) return exchange(f);
  uint64_t addr = 0;
  if (f == "srcu_read_lock" || f == "srcu_down_read") {
    arity(1);
    const Loc loc = pointer(0, &addr);
    return load(loc, tag::kSrcuLock, addr);
  }
  if (f == "srcu_read_unlock" || f == "srcu_up_read") {
    arity(2);
    const Loc loc = pointer(0, &addr);
    return store(loc, arg(1), tag::kSrcuUnlock, addr), Val{};
  }
  if (f == "synchronize_srcu" || f == "synchronize_srcu_expedited") {
    arity(1);
    const Loc loc = pointer(0, &addr);
    return fence(tag::kSyncSrcu, loc);
  }
  return plain_access();
}

}  // namespace

Val call_primitive(Machine& m, const Expr& call) { return Call(m, call).run(); }

}  // namespace lsmc::wmm::litmus
