#include "traces/trace.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include "traces/replay.hpp"
#include "traces/safe_text.hpp"

#ifndef LSMC_VERSION
#define LSMC_VERSION "0.0.0"
#endif

namespace lsmc::traces {

std::string_view lsmc_version() { return LSMC_VERSION; }

namespace {

constexpr std::string_view kOps[] = {"read",       "write", "rmw",  "lock", "unlock", "rcu-lock",
                                     "rcu-unlock", "alloc", "free", "wait", "syscall", "yield",
                                     "might-sleep"};
constexpr std::string_view kKinds[] = {"task", "softirq", "hardirq", "nmi"};

std::string verdict_kind_text(sim::VerdictKind k) { return std::string(sim::to_string(k)); }

std::string actor_text(model::ActorId a) {
  return a == model::kNoActor ? "-" : std::to_string(a);
}

// A line-by-line reader that knows where it is, for error messages.
class Reader {
public:
  Reader(std::string_view text, std::string_view source)
      : source_(source), cut_(!text.empty() && text.back() != '\n') {
    std::size_t pos = 0;
    while (pos <= text.size()) {
      std::size_t nl = text.find('\n', pos);
      if (nl == std::string_view::npos) nl = text.size();
      std::string_view line = text.substr(pos, nl - pos);
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      lines_.push_back(line);
      pos = nl + 1;
    }
    while (!lines_.empty() && lines_.back().empty()) lines_.pop_back();
  }

  [[noreturn]] void error(const std::string& raw) const {
    const bool last = line_no_ == lines_.size();
    // The message quotes the input: control bytes and non-ASCII are shown escaped, so a binary
    // file gives a readable line, not raw bytes on the terminal (found by the fuzz corpus).
    std::string what;
    for (unsigned char c : raw) {
      if (c >= 0x20 && c < 0x7f) {
        what += static_cast<char>(c);
      } else {
        static constexpr char kHex[] = "0123456789abcdef";
        what += "\\x";
        what += kHex[c >> 4];
        what += kHex[c & 15];
      }
    }
    throw TraceError(std::string(source_) + ":" + std::to_string(line_no_) + ": " + what +
                     (cut_ && last ? " (the file ends inside this line: truncated?)" : ""));
  }

  // The next non-comment line, split into key and rest. Errors at end of input.
  std::pair<std::string_view, std::string_view> next(std::string_view expected) {
    while (index_ < lines_.size()) {
      std::string_view line = lines_[index_++];
      line_no_ = index_;
      if (line.empty() || line.front() == '#') continue;
      // lsmc writes no control character (NUL, ESC, BEL, ..., C1): one in a trace is damage or a
      // crafted file, and would reach the terminal (render, replay) or Graphviz (--dot).
      if (header_seen_ && (printable(line) != line || line.find('\t') != std::string_view::npos)) {
        error("a control character in the trace (shown escaped): '" + std::string(line.substr(0, 200)) +
              "'; lsmc writes none");
      }
      const std::size_t sp = line.find(' ');
      if (sp == std::string_view::npos) return {line, {}};
      return {line.substr(0, sp), line.substr(sp + 1)};
    }
    line_no_ = lines_.size();
    error("truncated: the trace ends where '" + std::string(expected) + "' was expected");
  }

  std::string_view expect(std::string_view key) {
    auto [k, rest] = next(key);
    if (k != key) error("expected '" + std::string(key) + "', found '" + std::string(k) + "'");
    return rest;
  }

  uint64_t number(std::string_view text, std::string_view what) const {
    auto v = sim::parse_u64(std::string(text));
    if (!v) error(std::string(what) + ": '" + std::string(text) + "' is not a non-negative integer");
    return *v;
  }

  // "key=value" → value, checking the key.
  std::string_view field(std::string_view token, std::string_view key) const {
    if (token.size() <= key.size() || token.substr(0, key.size()) != key ||
        token[key.size()] != '=') {
      error("expected '" + std::string(key) + "=...', found '" + std::string(token) + "'");
    }
    return token.substr(key.size() + 1);
  }

  // The first line said 'lsmc-trace': from here on a control byte is damage (before, the file is
  // simply not a trace, and says so).
  void header_seen() { header_seen_ = true; }

  bool at_end() {
    while (index_ < lines_.size() && (lines_[index_].empty() || lines_[index_].front() == '#')) {
      ++index_;
    }
    return index_ >= lines_.size();
  }

private:
  std::string_view source_;
  bool cut_;  // the text does not end with a newline
  std::vector<std::string_view> lines_;
  std::size_t index_ = 0;
  std::size_t line_no_ = 0;
  bool header_seen_ = false;
};

std::vector<std::string_view> split(std::string_view s, std::size_t max_parts) {
  std::vector<std::string_view> out;
  while (!s.empty() && out.size() + 1 < max_parts) {
    const std::size_t sp = s.find(' ');
    if (sp == std::string_view::npos) break;
    out.push_back(s.substr(0, sp));
    s.remove_prefix(sp + 1);
  }
  out.push_back(s);
  return out;
}

template <std::size_t N>
std::size_t index_of(const std::string_view (&names)[N], std::string_view name) {
  for (std::size_t i = 0; i < N; ++i) {
    if (names[i] == name) return i;
  }
  return N;
}

void parse_actor(Reader& r, std::string_view rest, uint64_t expected_index, sim::RecordedActor& a) {
  auto parts = split(rest, 4);
  if (parts.size() != 4) r.error("an actor line is 'actor INDEX cpu=N kind=K NAME'");
  if (r.number(parts[0], "actor index") != expected_index) {
    r.error("actor lines must be numbered 0, 1, 2, ... in order");
  }
  const uint64_t cpu = r.number(r.field(parts[1], "cpu"), "cpu");
  if (cpu > UINT16_MAX) r.error("cpu out of range");
  a.cpu = static_cast<uint16_t>(cpu);
  const std::size_t kind = index_of(kKinds, r.field(parts[2], "kind"));
  if (kind == std::size(kKinds)) r.error("unknown context kind '" + std::string(parts[2]) + "'");
  a.kind = static_cast<model::ContextKind>(kind);
  if (parts[3].empty()) r.error("actor without a name");
  a.name = std::string(parts[3]);
}

// `actors`: the execution's actors; a schedule decision chose one of them among at most that many.
void parse_decision(Reader& r, std::string_view rest, uint64_t actors, sim::Decision& d) {
  auto parts = split(rest, 4);
  if (parts.size() != 4) r.error("a decision line is 'decision schedule|draw step=N value=V bound=B'");
  if (parts[0] == "schedule") {
    d.kind = sim::Decision::Kind::kSchedule;
  } else if (parts[0] == "draw") {
    d.kind = sim::Decision::Kind::kDraw;
  } else {
    r.error("unknown decision kind '" + std::string(parts[0]) + "'");
  }
  d.step = r.number(r.field(parts[1], "step"), "step");
  d.value = r.number(r.field(parts[2], "value"), "value");
  d.bound = r.number(r.field(parts[3], "bound"), "bound");
  if (d.bound < 2 || (d.kind == sim::Decision::Kind::kDraw && d.value >= d.bound)) {
    r.error("decision value " + std::to_string(d.value) + " does not fit bound " +
            std::to_string(d.bound));
  }
  if (d.kind == sim::Decision::Kind::kSchedule && (d.value >= actors || d.bound > actors)) {
    r.error("schedule decision value=" + std::to_string(d.value) + " bound=" + std::to_string(d.bound) +
            ": the execution has " + std::to_string(actors) + " actors (the value is an actor, the bound how many could run)");
  }
}

void parse_event(Reader& r, std::string_view rest, std::size_t actors, sim::RecordedEvent& e) {
  auto parts = split(rest, 6);
  if (parts.size() != 6) r.error("an event line is 'event step= actor= op= object= field= at=... label=...'");
  e.step = r.number(r.field(parts[0], "step"), "step");
  const uint64_t actor = r.number(r.field(parts[1], "actor"), "actor");
  if (actor >= actors) r.error("event names actor " + std::to_string(actor) + ", which does not exist");
  e.actor = static_cast<model::ActorId>(actor);
  const std::size_t op = index_of(kOps, r.field(parts[2], "op"));
  if (op == std::size(kOps)) r.error("unknown operation '" + std::string(parts[2]) + "'");
  e.op = static_cast<model::Op>(op);
  const uint64_t object = r.number(r.field(parts[3], "object"), "object");
  if (object > UINT32_MAX) r.error("object id out of range");
  e.object = static_cast<model::ObjectId>(object);
  const uint64_t field = r.number(r.field(parts[4], "field"), "field");
  if (field > UINT16_MAX) r.error("field index out of range");
  e.field = static_cast<uint16_t>(field);
  std::string_view tail = parts[5];
  const std::size_t lab = tail.find(" label=");
  if (lab == std::string_view::npos) r.error("event without 'label='");
  // "at=TEXT", then under a weak memory model " order=NAME" and, for loads, " rf=STEP|init".
  std::string_view at = tail.substr(0, lab);
  const std::size_t order = at.find(" order=");
  if (order != std::string_view::npos) {
    std::string_view memory = at.substr(order + 1);
    at = at.substr(0, order);
    const std::size_t rf = memory.find(" rf=");
    e.order = std::string(r.field(memory.substr(0, rf), "order"));
    if (e.order.empty() || e.order.find(' ') != std::string::npos) r.error("bad 'order=' in an event");
    if (rf != std::string_view::npos) {
      const std::string_view step = r.field(memory.substr(rf + 1), "rf");
      e.rf = step == "init" ? 0 : static_cast<int64_t>(r.number(step, "rf"));
      if (e.rf == 0 && step != "init") r.error("rf=0: the initial value is written rf=init");
    }
  }
  e.object_text = std::string(r.field(at, "at"));
  e.label = std::string(tail.substr(lab + 7));
}

}  // namespace

std::string write_trace(const Trace& t) {
  std::ostringstream o;
  const auto& rec = t.record;
  o << "lsmc-trace " << t.format_version << "\n";
  o << "# replay: lsmc replay THIS_FILE\n";
  o << "lsmc-version " << t.lsmc_version << "\n";
  o << "scenario " << t.scenario << "\n";
  for (const auto& [name, value] : t.params) o << "param " << name << " " << value << "\n";
  for (const auto& f : sim::config_fields(t.config)) {
    // A trace of an SC run has no memory_model line: traces written before weak memory read as sc.
    if (f.name == "memory_model" && f.value == "sc") continue;
    o << "config " << f.name << " " << f.value << "\n";
  }
  o << "execution " << rec.index << "\n";
  o << "actors " << rec.actors.size() << "\n";
  for (std::size_t i = 0; i < rec.actors.size(); ++i) {
    const auto& a = rec.actors[i];
    o << "actor " << i << " cpu=" << a.cpu << " kind=" << model::to_string(a.kind) << " " << a.name
      << "\n";
  }
  o << "decisions " << rec.decisions.size() << "\n";
  for (const auto& d : rec.decisions) {
    o << "decision " << (d.kind == sim::Decision::Kind::kDraw ? "draw" : "schedule")
      << " step=" << d.step << " value=" << d.value << " bound=" << d.bound << "\n";
  }
  o << "events " << rec.events.size() << "\n";
  for (const auto& e : rec.events) {
    o << "event step=" << e.step << " actor=" << e.actor << " op=" << model::to_string(e.op)
      << " object=" << e.object << " field=" << e.field << " at=" << e.object_text;
    if (!e.order.empty()) o << " order=" << e.order;
    if (e.rf >= 0) o << " rf=" << (e.rf == 0 ? std::string("init") : std::to_string(e.rf));
    o << " label=" << e.label << "\n";
  }
  o << "verdict " << verdict_kind_text(rec.verdict.kind) << "\n";
  o << "property " << rec.verdict.property << "\n";
  o << "message " << rec.verdict.message << "\n";
  o << "verdict-step " << rec.verdict.step << "\n";
  o << "verdict-actor " << actor_text(rec.verdict.actor) << "\n";
  o << "steps " << rec.steps << "\n";
  o << "end\n";
  return o.str();
}

Trace parse_trace(std::string_view text, std::string_view source) {
  Reader r(text, source);
  Trace t;
  {
    auto [k, rest] = r.next("lsmc-trace");
    if (k != "lsmc-trace") r.error("not an lsmc trace (the first line must be 'lsmc-trace VERSION')");
    r.header_seen();
    const uint64_t version = r.number(rest, "format version");
    if (version != kTraceFormatVersion) {
      r.error("trace format version " + std::to_string(version) +
              " is not supported: this lsmc reads version " + std::to_string(kTraceFormatVersion));
    }
    t.format_version = static_cast<int>(version);
  }
  t.lsmc_version = std::string(r.expect("lsmc-version"));
  t.scenario = std::string(r.expect("scenario"));
  if (t.scenario.empty()) r.error("empty scenario name");
  auto [key, rest] = r.next("param, config or execution");
  while (key == "param") {
    auto parts = split(rest, 2);
    auto v = parts.size() == 2 ? sim::parse_i64(std::string(parts[1])) : std::nullopt;
    if (!v) r.error("a param line is 'param NAME INTEGER'");
    if (!t.params.emplace(std::string(parts[0]), *v).second) r.error("parameter given twice");
    std::tie(key, rest) = r.next("config or execution");
  }
  while (key == "config") {
    auto parts = split(rest, 2);
    if (parts.size() != 2) r.error("a config line is 'config NAME VALUE'");
    if (auto err = sim::set_config_field(t.config, std::string(parts[0]), std::string(parts[1]))) {
      r.error(*err);
    }
    std::tie(key, rest) = r.next("execution");
  }
  if (key != "execution") r.error("expected 'execution', found '" + std::string(key) + "'");
  t.record.index = r.number(rest, "execution");
  const uint64_t actors = r.number(r.expect("actors"), "actors");
  if (actors > 4096) r.error("too many actors");
  t.record.actors.resize(actors);
  for (uint64_t i = 0; i < actors; ++i) parse_actor(r, r.expect("actor"), i, t.record.actors[i]);
  const uint64_t decisions = r.number(r.expect("decisions"), "decisions");
  for (uint64_t i = 0; i < decisions; ++i) {
    t.record.decisions.emplace_back();
    parse_decision(r, r.expect("decision"), actors, t.record.decisions.back());
    if (i > 0 && t.record.decisions[i].step < t.record.decisions[i - 1].step) {
      r.error("decision at step " + std::to_string(t.record.decisions[i].step) + " after one at step " +
              std::to_string(t.record.decisions[i - 1].step) + ": decisions are in step order");
    }
  }
  const uint64_t events = r.number(r.expect("events"), "events");
  for (uint64_t i = 0; i < events; ++i) {
    t.record.events.emplace_back();
    parse_event(r, r.expect("event"), actors, t.record.events.back());
  }
  const std::string_view kind = r.expect("verdict");
  if (kind == "pass") {
    t.record.verdict.kind = sim::VerdictKind::kPass;
  } else if (kind == "violation") {
    t.record.verdict.kind = sim::VerdictKind::kViolation;
  } else if (kind == "limit") {
    t.record.verdict.kind = sim::VerdictKind::kLimit;
  } else if (kind == "divergence") {
    t.record.verdict.kind = sim::VerdictKind::kDivergence;
  } else {
    r.error("unknown verdict '" + std::string(kind) + "'");
  }
  t.record.verdict.property = std::string(r.expect("property"));
  t.record.verdict.message = std::string(r.expect("message"));
  t.record.verdict.step = r.number(r.expect("verdict-step"), "verdict-step");
  const std::string_view va = r.expect("verdict-actor");
  t.record.verdict.actor =
      va == "-" ? model::kNoActor : static_cast<model::ActorId>(r.number(va, "verdict-actor"));
  t.record.steps = r.number(r.expect("steps"), "steps");
  const uint64_t last_step = std::max(t.record.decisions.empty() ? 0 : t.record.decisions.back().step,
                                      t.record.events.empty() ? 0 : t.record.events.back().step);
  if (last_step > t.record.steps) {
    r.error("steps " + std::to_string(t.record.steps) + ", but a decision or an event is at step " +
            std::to_string(last_step));
  }
  r.expect("end");
  if (!r.at_end()) r.error("text after 'end'");
  return t;
}

Trace read_trace_file(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) throw TraceError(path + ": is a directory, not a trace file");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw TraceError(path + ": cannot open the trace file");
  // Read at most the limit (plus one byte to notice more): an endless stream must not hang us.
  constexpr std::size_t kLimit = 256u << 20;
  std::string text;
  char buf[1 << 16];
  while (in.read(buf, sizeof(buf)) || in.gcount() > 0) {
    text.append(buf, static_cast<std::size_t>(in.gcount()));
    // Not a trace at all (a binary, a stream): say so at once instead of reading on.
    if (text.rfind("lsmc-trace", 0) != 0 && text.size() >= 10) return parse_trace(text.substr(0, 64), path);
    if (text.size() > kLimit) throw TraceError(path + ": larger than 256 MiB; not a trace");
  }
  return parse_trace(text, path);
}

void write_trace_file(const std::string& path, const Trace& trace) {
  errno = 0;
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  const auto why = [] { return errno != 0 ? std::string(" (") + std::strerror(errno) + ")" : std::string(); };
  if (!out) throw std::runtime_error(path + ": cannot write the trace file" + why());
  out << write_trace(trace);
  out.flush();
  if (!out) throw std::runtime_error(path + ": error while writing the trace file" + why());
}

Trace make_trace(const sim::Scenario& scenario, const sim::Params& params, const sim::Config& config,
                 const sim::ExecutionRecord& record) {
  Trace t;
  t.lsmc_version = std::string(lsmc_version());
  t.scenario = std::string(scenario.name());
  for (const auto& [name, value] : params.values()) t.params[name] = value;
  // The trace describes one execution: its config is that of the run that reproduces it alone.
  t.config = config;
  t.config.execution_first = record.index;
  t.config.executions_max = 1;
  t.config.jobs = 1;  // how the campaign was split does not change the execution
  t.config.shard_index = 0;
  t.config.shard_count = 1;
  t.record = record;
  return t;
}

}  // namespace lsmc::traces
