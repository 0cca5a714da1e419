#include "wmm/litmus/enumerate.hpp"

#include <algorithm>
#include <set>
#include <sstream>
#include <tuple>

namespace lsmc::wmm::litmus {

namespace {

constexpr uint64_t kCandidatesMax = 20'000'000;
constexpr std::size_t kDomainMax = 64;

// The values each location can hold: the initial one and every value any path writes, iterated
// until nothing changes. A value needs at most one round per write on the way from the initial
// state, so the rounds are bounded by the writes of one execution.
Domains compute_domains(const Test& t, const Layout& layout) {
  Domains d(layout.names.size());
  for (Loc l = 0; l < d.size(); ++l) d[l] = {layout.init[l]};
  for (int round = 0;; ++round) {
    std::vector<std::set<Value>> next(d.size());
    for (Loc l = 0; l < d.size(); ++l) next[l].insert(d[l].begin(), d[l].end());
    std::size_t writes_max = 0;
    for (int p = 0; p < static_cast<int>(t.procs.size()); ++p) {
      std::size_t most = 0;
      for (const Path& path : all_paths(t, layout, p, d)) {
        std::size_t writes = 0;
        for (const Event& ev : path.events) {
          if (ev.kind != Kind::kWrite) continue;
          next[ev.loc].insert(ev.value);
          ++writes;
        }
        most = std::max(most, writes);
      }
      writes_max += most;
    }
    bool changed = false;
    for (Loc l = 0; l < d.size(); ++l) {
      if (next[l].size() > kDomainMax) {
        throw LitmusError(t.file + ": more than " + std::to_string(kDomainMax) + " values reach " + layout.names[l]);
      }
      changed = changed || next[l].size() != d[l].size();
      d[l].assign(next[l].begin(), next[l].end());
    }
    if (!changed || static_cast<std::size_t>(round) > writes_max) return d;
  }
}

void add_columns(const Cond& c, std::vector<Observed>& out) {
  if (c.k == Cond::K::kAtom) out.push_back({c.proc, c.name});
  for (const Cond& k : c.kids) add_columns(k, out);
}

// Registers by process and name, then shared variables by name, each once.
std::vector<Observed> make_columns(const Test& t) {
  std::vector<Observed> all;
  add_columns(t.cond, all);
  for (const Observed& o : t.locations) all.push_back(o);
  std::sort(all.begin(), all.end(), [](const Observed& a, const Observed& b) {
    const bool ra = a.proc >= 0, rb = b.proc >= 0;
    if (ra != rb) return ra;
    return std::tie(a.proc, a.name) < std::tie(b.proc, b.name);
  });
  all.erase(std::unique(all.begin(), all.end(),
                        [](const Observed& a, const Observed& b) { return a.proc == b.proc && a.name == b.name; }),
            all.end());
  return all;
}

class Enumerator {
public:
  Enumerator(const Test& t, Model model, Result& r) : t_(t), model_(model), r_(r) {}

  void run() {
    const Domains domains = compute_domains(t_, r_.layout);
    for (int p = 0; p < static_cast<int>(t_.procs.size()); ++p) paths_.push_back(all_paths(t_, r_.layout, p, domains));
    check_names();
    std::vector<std::size_t> pick(paths_.size(), 0);
    for (const auto& p : paths_) {
      if (p.empty()) return;  // a process with no path (every one dereferences a non-pointer)
    }
    for (;;) {
      combination(pick);
      std::size_t i = 0;
      while (i < pick.size() && ++pick[i] == paths_[i].size()) pick[i++] = 0;
      if (i == pick.size()) return;
    }
  }

private:
  void check_names() const {
    std::vector<Observed> named = r_.columns;
    if (t_.filter) add_columns(*t_.filter, named);
    for (const Observed& o : named) {
      if (o.proc < 0) continue;
      if (o.proc >= static_cast<int>(paths_.size())) {
        throw LitmusError(t_.file + ": the condition names " + std::to_string(o.proc) + ":" + o.name + ", but there is no P" + std::to_string(o.proc));
      }
      const bool known = std::any_of(paths_[o.proc].begin(), paths_[o.proc].end(),
                                     [&](const Path& p) { return p.registers.count(o.name) != 0; });
      if (!known && !paths_[o.proc].empty()) {
        throw LitmusError(t_.file + ": the condition names " + std::to_string(o.proc) + ":" + o.name + ", which P" +
                          std::to_string(o.proc) + " does not have");
      }
    }
  }

  // The graph of one combination of paths, without rf and co.
  void build(const std::vector<std::size_t>& pick) {
    g_ = Graph{};
    const Loc locs = static_cast<Loc>(r_.layout.names.size());
    g_.location_names = r_.layout.names;
    g_.co.assign(locs, {});
    for (Loc l = 0; l < locs; ++l) {
      Event init;
      init.thread = kInitThread;
      init.kind = Kind::kWrite;
      init.tags = tag::kInit;
      init.loc = l;
      init.value = r_.layout.init[l];
      g_.events.push_back(init);
    }
    g_.threads.assign(paths_.size(), {});
    for (std::size_t p = 0; p < paths_.size(); ++p) {
      const auto base = static_cast<EventId>(g_.events.size());
      for (Event ev : paths_[p][pick[p]].events) {
        for (auto* deps : {&ev.addr, &ev.data, &ev.ctrl}) {
          for (EventId& d : *deps) d += base;
        }
        if (ev.rmw_write >= 0) ev.rmw_write += static_cast<int32_t>(base);
        g_.threads[p].push_back(static_cast<EventId>(g_.events.size()));
        g_.events.push_back(std::move(ev));
      }
    }
    g_.rf.assign(g_.events.size(), -1);
  }

  bool po_before(EventId a, EventId b) const {
    return g_.events[a].thread == g_.events[b].thread && g_.events[a].thread != kInitThread && a < b;
  }

  // Reads-from candidates: writes of the same location and value that coherence allows.
  bool candidates() {
    reads_.clear();
    sources_.clear();
    for (EventId r = 0; r < g_.events.size(); ++r) {
      const Event& ev = g_.events[r];
      if (ev.kind != Kind::kRead) continue;
      std::vector<EventId> from;
      for (EventId w = 0; w < g_.events.size(); ++w) {
        const Event& wv = g_.events[w];
        if (wv.kind == Kind::kWrite && wv.loc == ev.loc && wv.value == ev.value && !po_before(r, w)) from.push_back(w);
      }
      if (from.empty()) return false;
      reads_.push_back(r);
      sources_.push_back(std::move(from));
    }
    return true;
  }

  // Coherence orders per location: the initial write, then every order of the others that keeps
  // each thread's writes in program order.
  void orders() {
    orders_.assign(g_.co.size(), {});
    for (Loc l = 0; l < g_.co.size(); ++l) {
      std::vector<EventId> writes;
      for (EventId w = 0; w < g_.events.size(); ++w) {
        if (g_.events[w].kind == Kind::kWrite && g_.events[w].loc == l && !g_.events[w].is(tag::kInit)) writes.push_back(w);
      }
      do {
        bool ok = true;
        for (std::size_t i = 0; i < writes.size() && ok; ++i) {
          for (std::size_t j = i + 1; j < writes.size() && ok; ++j) ok = !po_before(writes[j], writes[i]);
        }
        if (!ok) continue;
        std::vector<EventId> order{l};  // the initial write of location l is event l
        order.insert(order.end(), writes.begin(), writes.end());
        orders_[l].push_back(std::move(order));
      } while (std::next_permutation(writes.begin(), writes.end()));
    }
  }

  // Atomicity, checked before the model: an RMW's write comes right after the write it read.
  bool atomic_pairs() const {
    for (EventId r : reads_) {
      const Event& ev = g_.events[r];
      if (ev.rmw_write < 0) continue;
      const auto& order = g_.co[ev.loc];
      const auto src = std::find(order.begin(), order.end(), static_cast<EventId>(g_.rf[r]));
      const auto w = std::find(order.begin(), order.end(), static_cast<EventId>(ev.rmw_write));
      if (w != src + 1) return false;
    }
    return true;
  }

  void combination(const std::vector<std::size_t>& pick) {
    build(pick);
    if (!candidates()) return;
    orders();
    std::vector<std::size_t> rf_pick(reads_.size(), 0), co_pick(orders_.size(), 0);
    for (;;) {
      for (std::size_t i = 0; i < reads_.size(); ++i) g_.rf[reads_[i]] = static_cast<int32_t>(sources_[i][rf_pick[i]]);
      for (Loc l = 0; l < orders_.size(); ++l) g_.co[l] = orders_[l][co_pick[l]];
      if (atomic_pairs()) candidate(pick);
      std::size_t i = 0;
      while (i < rf_pick.size() && ++rf_pick[i] == sources_[i].size()) rf_pick[i++] = 0;
      if (i < rf_pick.size()) continue;
      std::size_t l = 0;
      while (l < co_pick.size() && ++co_pick[l] == orders_[l].size()) co_pick[l++] = 0;
      if (l == co_pick.size()) return;
    }
  }

  void candidate(const std::vector<std::size_t>& pick) {
    if (++r_.candidates > kCandidatesMax) {
      throw LitmusError(t_.file + ": more than " + std::to_string(kCandidatesMax) + " candidate executions");
    }
    const Check c = check(model_, g_);
    if (!c.consistent) return;
    if (t_.filter && !holds(*t_.filter, pick)) return;
    ++r_.executions;
    r_.data_race = r_.data_race || c.data_race;
    Outcome o;
    for (const Observed& col : r_.columns) o.values.push_back(value(col.proc, col.name, pick));
    r_.states[o] = holds(t_.cond, pick);
  }

  Value value(int proc, const std::string& name, const std::vector<std::size_t>& pick) const {
    if (proc >= 0) {
      const auto& regs = paths_[proc][pick[proc]].registers;
      const auto it = regs.find(name);
      return it == regs.end() ? 0 : it->second;
    }
    return g_.events[g_.final_write(r_.layout.index.at(name))].value;
  }

  bool holds(const Cond& c, const std::vector<std::size_t>& pick) const {
    switch (c.k) {
      case Cond::K::kTrue: return true;
      case Cond::K::kFalse: return false;
      case Cond::K::kNot: return !holds(c.kids[0], pick);
      case Cond::K::kAnd: return holds(c.kids[0], pick) && holds(c.kids[1], pick);
      case Cond::K::kOr: return holds(c.kids[0], pick) || holds(c.kids[1], pick);
      case Cond::K::kAtom: break;
    }
    const Value want = c.address_of.empty() ? c.value : kAddressBase + r_.layout.index.at(c.address_of);
    return (value(c.proc, c.name, pick) == want) == c.equal;
  }

  const Test& t_;
  Model model_;
  Result& r_;
  std::vector<std::vector<Path>> paths_;
  Graph g_;
  std::vector<EventId> reads_;
  std::vector<std::vector<EventId>> sources_;
  std::vector<std::vector<std::vector<EventId>>> orders_;
};

}  // namespace

uint64_t Result::positive() const {
  return static_cast<uint64_t>(std::count_if(states.begin(), states.end(), [](const auto& s) { return s.second; }));
}

std::string Result::observation() const {
  if (positive() == 0) return "Never";
  return negative() == 0 ? "Always" : "Sometimes";
}

bool Result::validated() const {
  switch (quantifier) {
    case Quantifier::kExists: return positive() > 0;
    case Quantifier::kNotExists: return positive() == 0;
    case Quantifier::kForall: return negative() == 0;
  }
  return false;
}

Result enumerate(const Test& t, Model model) {
  Result r;
  r.name = t.name;
  r.layout = make_layout(t);
  r.columns = make_columns(t);
  r.quantifier = t.quantifier;
  Enumerator(t, model, r).run();
  return r;
}

std::string report(const Test& t, const Result& r) {
  std::vector<std::string> lines;
  for (const auto& [state, _] : r.states) {
    std::string line;
    for (std::size_t i = 0; i < r.columns.size(); ++i) {
      const Observed& c = r.columns[i];
      line += c.proc >= 0 ? std::to_string(c.proc) + ":" + c.name : "[" + c.name + "]";
      line += "=" + r.layout.show(state.values[i]) + "; ";
    }
    if (!line.empty()) line.pop_back();
    lines.push_back(line);
  }
  std::sort(lines.begin(), lines.end());
  std::ostringstream out;
  out << "Test " << t.name << (t.quantifier == Quantifier::kForall ? " Required" : " Allowed") << "\n";
  out << "States " << lines.size() << "\n";
  for (const auto& l : lines) out << l << "\n";
  out << (r.validated() ? "Ok" : "No") << "\n";
  out << "Witnesses\n";
  out << "Positive: " << r.positive() << " Negative: " << r.negative() << "\n";
  if (r.data_race) out << "Flag data-race\n";
  const std::string cond = to_string(t.cond);
  out << "Condition " << to_string(t.quantifier) << " " << (cond.front() == '(' ? cond : "(" + cond + ")") << "\n";
  out << "Observation " << t.name << " " << r.observation() << " " << r.positive() << " " << r.negative() << "\n";
  return out.str();
}

}  // namespace lsmc::wmm::litmus
