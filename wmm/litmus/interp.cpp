#include "wmm/litmus/interp.hpp"

#include <algorithm>
#include <optional>
#include <set>

#include "wmm/litmus/primitives.hpp"

namespace lsmc::wmm::litmus {

std::string Layout::show(Value v) const {
  if (is_address(v) && static_cast<std::size_t>(v - kAddressBase) < names.size()) return names[v - kAddressBase];
  return std::to_string(v);
}

namespace {

void add_name(Layout& l, const std::string& name) {
  if (l.index.count(name) != 0) return;
  l.index[name] = static_cast<Loc>(l.names.size());
  l.names.push_back(name);
  l.init.push_back(0);
}

void add_cond_names(Layout& l, const Cond& c) {
  if (c.k == Cond::K::kAtom) {
    if (c.proc < 0) add_name(l, c.name);
    if (!c.address_of.empty()) add_name(l, c.address_of);
  }
  for (const Cond& k : c.kids) add_cond_names(l, k);
}

}  // namespace

Layout make_layout(const Test& t) {
  Layout l;
  for (const InitItem& item : t.init) {
    if (item.proc < 0) add_name(l, item.name);
    if (!item.address_of.empty()) add_name(l, item.address_of);
  }
  for (const Proc& p : t.procs) {
    for (const Param& param : p.params) add_name(l, param.name);
  }
  add_cond_names(l, t.cond);
  if (t.filter) add_cond_names(l, *t.filter);
  for (const Observed& o : t.locations) {
    if (o.proc < 0) add_name(l, o.name);
  }
  for (const InitItem& item : t.init) {
    const Value v = item.address_of.empty() ? item.value : kAddressBase + l.index.at(item.address_of);
    if (item.proc >= 0) {
      l.registers[{item.proc, item.name}] = v;
    } else {
      l.init[l.index.at(item.name)] = v;
    }
  }
  return l;
}

// The choices of one run: at the k-th branching point, option `chosen[k]` of `arity[k]`.
struct Choices {
  std::vector<uint32_t> chosen;
  std::vector<uint32_t> arity;
  std::size_t next = 0;

  uint32_t take(uint32_t n) {
    if (next == chosen.size()) {
      chosen.push_back(0);
      arity.push_back(n);
    }
    return chosen[next++];
  }
  // Moves to the next script; false when every script was run.
  bool advance() {
    while (!chosen.empty() && chosen.back() + 1 >= arity.back()) {
      chosen.pop_back();
      arity.pop_back();
    }
    if (chosen.empty()) return false;
    ++chosen.back();
    next = 0;
    return true;
  }
};

struct NotAnAddress {};  // a path dereferences a value that is no address: it is dropped

class ThreadRun final : public Machine {
public:
  ThreadRun(const Test& t, const Layout& layout, int proc, const Domains& domains, Choices& choices)
      : test_(t), layout_(layout), proc_(t.procs[static_cast<std::size_t>(proc)]), domains_(domains), choices_(choices) {
    for (const Param& p : proc_.params) params_.insert(p.name);
    for (const auto& [key, v] : layout.registers) {
      if (key.first == proc) locals_[key.second] = {v, 0};
    }
  }

  Path run() {
    for (const Stmt& s : proc_.body) exec(s);
    Path p;
    p.events = std::move(events_);
    for (const auto& [name, v] : locals_) p.registers[name] = v.v;
    return p;
  }

  // Machine
  Val eval(const Expr& e) override;
  Loc location(const Val& address, int line) override {
    if (!is_address(address.v) || static_cast<std::size_t>(address.v - kAddressBase) >= layout_.names.size()) {
      throw NotAnAddress{};
    }
    (void)line;
    return static_cast<Loc>(address.v - kAddressBase);
  }
  Loc lvalue(const Expr& e, uint64_t* addr_deps) override {
    if (e.k != Expr::K::kDeref) fail(e.line, "expected '*pointer' here");
    const Val a = eval(e.args[0]);
    *addr_deps = a.deps;
    return location(a, e.line);
  }
  Value pick(Loc loc) override {
    const auto& d = domains_[loc];
    return d[choices_.take(static_cast<uint32_t>(d.size()))];
  }
  bool choose2() override { return choices_.take(2) == 1; }
  Val emit(Kind kind, Loc loc, Value v, uint32_t tags, uint64_t addr, uint64_t data) override {
    if (events_.size() >= 64) fail(proc_.line, "a process with more than 64 memory events is not supported");
    Event ev;
    ev.thread = static_cast<uint32_t>(proc_.index);
    ev.kind = kind;
    ev.tags = tags;
    ev.loc = loc;
    ev.value = v;
    ev.addr = bits(addr);
    ev.data = bits(data);
    ev.ctrl = bits(ctrl_);
    events_.push_back(std::move(ev));
    const uint64_t self = uint64_t{1} << (events_.size() - 1);
    return {v, kind == Kind::kRead ? self : 0};
  }
  void pair_rmw(std::size_t read, std::size_t write) override { events_[read].rmw_write = static_cast<int32_t>(write); }
  std::size_t event_count() const override { return events_.size(); }
  [[noreturn]] void fail(int line, const std::string& what) const override {
    throw LitmusError(test_.file + ":" + std::to_string(line) + ": " + what);
  }

private:
  static std::vector<EventId> bits(uint64_t mask) {
    std::vector<EventId> out;
    for (EventId i = 0; mask != 0; ++i, mask >>= 1) {
      if (mask & 1u) out.push_back(i);
    }
    return out;
  }

  void exec(const Stmt& s) {
    switch (s.k) {
      case Stmt::K::kDecl:
        if (s.expr) {
          locals_[s.name] = eval(*s.expr);
        } else if (locals_.count(s.name) == 0) {
          locals_[s.name] = {0, 0};
        }
        return;
      case Stmt::K::kExpr: eval(*s.expr); return;
      case Stmt::K::kBlock:
        for (const Stmt& b : s.body) exec(b);
        return;
      case Stmt::K::kIf: {
        const Val c = eval(*s.expr);
        ctrl_ |= c.deps;  // herd7: ctrl reaches every event after the branch
        const auto& branch = c.v != 0 ? s.body : s.else_body;
        for (const Stmt& b : branch) exec(b);
        return;
      }
    }
  }

  Val name(const Expr& e) {
    auto it = locals_.find(e.name);
    if (it != locals_.end()) return it->second;
    if (params_.count(e.name) != 0) return {kAddressBase + layout_.index.at(e.name), 0};
    return locals_[e.name] = {0, 0};  // herd7 takes an undeclared name for a local
  }

  Val assign(const Expr& e) {
    const Expr& lhs = e.args[0];
    const Val v = eval(e.args[1]);
    if (lhs.k == Expr::K::kName) {
      if (params_.count(lhs.name) != 0 && locals_.count(lhs.name) == 0) {
        fail(e.line, "assignment to parameter '" + lhs.name + "' (write '*" + lhs.name + " = ...' to store to it)");
      }
      return locals_[lhs.name] = v;
    }
    uint64_t addr = 0;
    const Loc loc = lvalue(lhs, &addr);
    emit(Kind::kWrite, loc, v.v, 0, addr, v.deps);  // a plain store
    return v;
  }

  const Test& test_;
  const Layout& layout_;
  const Proc& proc_;
  const Domains& domains_;
  Choices& choices_;
  std::set<std::string> params_;
  std::map<std::string, Val> locals_;
  std::vector<Event> events_;
  uint64_t ctrl_ = 0;
};

Val arith(const std::string& op, const Val& a, const Val& b, int line, const Machine& m) {
  const uint64_t d = a.deps | b.deps;
  const Value x = a.v, y = b.v;
  if (op == "+") return {x + y, d};
  if (op == "-") return {x - y, d};
  if (op == "*") return {x * y, d};
  if (op == "/" || op == "%") {
    if (y == 0) m.fail(line, "division by zero");
    return {op == "/" ? x / y : x % y, d};
  }
  if (op == "&") return {x & y, d};
  if (op == "|") return {x | y, d};
  if (op == "^") return {x ^ y, d};
  if (op == "<<") return {y < 0 || y > 62 ? 0 : x << y, d};
  if (op == ">>") return {y < 0 || y > 62 ? 0 : x >> y, d};
  if (op == "==") return {x == y, d};
  if (op == "!=") return {x != y, d};
  if (op == "<") return {x < y, d};
  if (op == ">") return {x > y, d};
  if (op == "<=") return {x <= y, d};
  if (op == ">=") return {x >= y, d};
  if (op == "&&") return {x != 0 && y != 0, d};
  if (op == "||") return {x != 0 || y != 0, d};
  m.fail(line, "operator '" + op + "' is not supported");
  return {};
}

Val ThreadRun::eval(const Expr& e) {
  switch (e.k) {
    case Expr::K::kConst: return {e.value, 0};
    case Expr::K::kName: return name(e);
    case Expr::K::kAddrOf: fail(e.line, "'&" + e.name + "': take addresses in the initial state instead");
    case Expr::K::kDeref: {
      uint64_t addr = 0;
      const Loc loc = lvalue(e, &addr);
      return emit(Kind::kRead, loc, pick(loc), 0, addr, 0);  // a plain load
    }
    case Expr::K::kUnary: {
      const Val v = eval(e.args[0]);
      if (e.op == "!") return {v.v == 0, v.deps};
      if (e.op == "~") return {~v.v, v.deps};
      if (e.op == "-") return {-v.v, v.deps};
      return v;
    }
    case Expr::K::kBinary:
      if (e.op == "=") return assign(e);
      return arith(e.op, eval(e.args[0]), eval(e.args[1]), e.line, *this);
    case Expr::K::kTernary: {
      const Val c = eval(e.args[0]);
      Val v = eval(e.args[c.v != 0 ? 1 : 2]);
      v.deps |= c.deps;
      return v;
    }
    case Expr::K::kCall: return call_primitive(*this, e);
  }
  fail(e.line, "unsupported expression");
  return {};
}

std::vector<Path> all_paths(const Test& t, const Layout& layout, int proc, const Domains& domains) {
  std::vector<Path> paths;
  Choices choices;
  do {
    choices.next = 0;
    try {
      paths.push_back(ThreadRun(t, layout, proc, domains, choices).run());
    } catch (const NotAnAddress&) {
    }
    if (paths.size() > 100000) {
      throw LitmusError(t.file + ": P" + std::to_string(proc) + " has more than 100000 paths");
    }
  } while (choices.advance());
  return paths;
}

}  // namespace lsmc::wmm::litmus
