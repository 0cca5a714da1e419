#include "traces/render.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <stdexcept>

namespace lsmc::traces {

namespace {

using model::Op;

bool writes(Op op) { return op == Op::kWrite || op == Op::kRmw || op == Op::kFree; }

bool contains(std::string_view haystack, std::string_view needle) {
  return haystack.find(needle) != std::string_view::npos;
}

std::string op_name(Op op) { return std::string(model::to_string(op)); }

// Whether a store to the location of event `read` happened between events `from` and `read`: the
// load read an older value than the newest (a weak memory model's reordering).
bool newer_store(const std::vector<sim::RecordedEvent>& ev, std::size_t from, std::size_t read) {
  for (std::size_t k = from == static_cast<std::size_t>(-1) ? 0 : from + 1; k < read; ++k) {
    if (ev[k].object == ev[read].object && ev[k].field == ev[read].field && writes(ev[k].op) && ev[k].op != Op::kFree) return true;
  }
  return false;
}

// " [acquire] <- step 12" for an access under a weak memory model; empty otherwise.
std::string memory_note(const std::vector<sim::RecordedEvent>& ev, std::size_t i) {
  const sim::RecordedEvent& e = ev[i];
  std::string out;
  if (!e.order.empty()) out += " [" + e.order + "]";
  if (e.rf == 0) out += newer_store(ev, static_cast<std::size_t>(-1), i) ? " <- init (stale)" : " <- init";
  if (e.rf > 0) out += " <- step " + std::to_string(e.rf);
  return out;
}

std::string actor_title(const Trace& t, sim::ActorId a) {
  if (a >= t.record.actors.size()) return "actor " + std::to_string(a);
  const sim::RecordedActor& r = t.record.actors[a];
  return r.name + " (cpu" + std::to_string(r.cpu) + ", " + std::string(model::to_string(r.kind)) + ")";
}

}  // namespace

Story story_of(const Trace& trace, const RenderOptions& options) {
  const auto& ev = trace.record.events;
  const sim::Verdict& v = trace.record.verdict;
  Story s;
  const std::size_t n = ev.size();
  if (n == 0) return s;
  // The violating event: the last one of the actor the verdict names, else the last event.
  s.violation = n - 1;
  if (v.actor != sim::kNoActor) {
    for (std::size_t i = n; i-- > 0;) {
      if (ev[i].actor == v.actor && ev[i].step <= v.step) {
        s.violation = i;
        break;
      }
    }
  }
  const sim::RecordedEvent& bad = ev[s.violation];
  // A deadlock: the verdict names the lock its actor waits for ("t1 (cpu1) waits in ... for
  // mutex 'a'#1 held by t0"); the cause is that lock's acquisition by its holder.
  if (v.property == "deadlock" && v.actor < trace.record.actors.size()) {
    const std::string& name = trace.record.actors[v.actor].name;
    std::size_t at = v.message.find(name + " (cpu");  // "t1 (cpu1) waits in ... for mutex 'a'#1"
    if (at == std::string::npos) at = v.message.find(name);  // "update takes ... '...'#20 ... (AA)"
    const std::size_t hash = at == std::string::npos ? at : v.message.find("'#", at);
    if (hash != std::string::npos) {
      const model::ObjectId lock = static_cast<model::ObjectId>(std::strtoul(v.message.c_str() + hash + 2, nullptr, 10));
      // Usually another actor holds it; in an AA deadlock (bug 4) the waiter itself does.
      for (std::size_t i = n; i-- > 0 && s.cause == SIZE_MAX;) {
        if (ev[i].object == lock && ev[i].op == Op::kLock && ev[i].actor != v.actor) s.cause = i;
      }
      for (std::size_t i = n; i-- > 0 && s.cause == SIZE_MAX;) {
        if (ev[i].object == lock && ev[i].op == Op::kLock && i != s.violation) s.cause = i;
      }
    }
  }
  // Otherwise its cause: the free of the same object, else the last conflicting access by another actor
  // (a write, or the acquisition of the same lock), else any access to the object.
  if (bad.object != 0 && s.cause == SIZE_MAX) {
    std::size_t conflict = SIZE_MAX, any = SIZE_MAX;
    for (std::size_t i = s.violation; i-- > 0;) {
      if (ev[i].object != bad.object || ev[i].actor == bad.actor) continue;
      if (ev[i].op == Op::kFree) {
        s.cause = i;
        break;
      }
      const bool conflicts = (bad.op == Op::kLock && ev[i].op == Op::kLock) ||
                             (ev[i].field == bad.field && (writes(ev[i].op) || writes(bad.op)));
      if (conflicts && conflict == SIZE_MAX) conflict = i;
      if (any == SIZE_MAX) any = i;
    }
    if (s.cause == SIZE_MAX) s.cause = conflict != SIZE_MAX ? conflict : any;
  }
  // Cross-lane edges.
  for (std::size_t i = 0; i < n; ++i) {
    const sim::RecordedEvent& a = ev[i];
    if (a.op == Op::kUnlock) {
      for (std::size_t j = i + 1; j < n; ++j) {
        if (ev[j].object == a.object && ev[j].op == Op::kLock) {
          if (ev[j].actor != a.actor) s.edges.push_back({i, j, "unlock -> lock"});
          break;
        }
      }
    } else if (a.op == Op::kRcuUnlock) {
      // The grace period that waited for this reader ends with the next write of its gp_seq.
      for (std::size_t j = i + 1; j < n; ++j) {
        if (ev[j].object == a.object && ev[j].op == Op::kWrite &&
            (contains(ev[j].label, "cleanup") || contains(ev[j].label, "gp end"))) {
          s.edges.push_back({i, j, "grace period"});
          break;
        }
      }
    } else if ((a.op == Op::kRead || a.op == Op::kRmw) && a.rf > 0) {
      // Under a weak memory model the trace names the store a load read (rf=STEP).
      for (std::size_t j = i; j-- > 0;) {
        if (ev[j].step != static_cast<uint64_t>(a.rf) || ev[j].object != a.object || ev[j].field != a.field) continue;
        const bool stale = newer_store(ev, j, i);
        if (ev[j].actor != a.actor || stale) s.edges.push_back({j, i, stale ? "reads-from (stale)" : "reads-from"});
        break;
      }
    } else if (a.op == Op::kRead && a.object != 0 && a.rf < 0) {
      for (std::size_t j = i; j-- > 0;) {
        if (ev[j].object == a.object && ev[j].field == a.field && (ev[j].op == Op::kWrite || ev[j].op == Op::kRmw)) {
          if (ev[j].actor != a.actor) s.edges.push_back({j, i, "reads-from"});
          break;
        }
      }
    }
  }
  if (s.cause != SIZE_MAX) {
    // A load that read an older value than the cause's store (a weak model's reordering).
    const bool missed = bad.rf >= 0 && writes(ev[s.cause].op) && bad.rf < static_cast<int64_t>(ev[s.cause].step);
    const char* kind = ev[s.cause].op == Op::kFree      ? "free -> use"
                       : v.property == "deadlock"       ? "holds the lock it waits for"
                       : missed                         ? "not seen: the load read an older store"
                                                        : "conflict";
    s.edges.push_back({s.cause, s.violation, kind});
  }
  // What to show.
  std::vector<bool> keep(n, options.all || n <= 40);
  if (!options.all && n > 40) {
    std::set<model::ObjectId> objects;
    if (bad.object != 0) objects.insert(bad.object);
    if (s.cause != SIZE_MAX && ev[s.cause].object != 0) objects.insert(ev[s.cause].object);
    std::vector<bool> related(n, false);
    for (std::size_t i = 0; i < n; ++i) related[i] = objects.count(ev[i].object) > 0;
    related[s.violation] = true;
    if (s.cause != SIZE_MAX) related[s.cause] = true;
    for (const Edge& e : s.edges) {
      if (related[e.to] && e.kind != "reads-from") related[e.from] = true;
    }
    // Per lane, the related events and `context` events either side.
    std::map<sim::ActorId, std::vector<std::size_t>> lanes;
    for (std::size_t i = 0; i < n; ++i) lanes[ev[i].actor].push_back(i);
    for (const auto& [actor, idx] : lanes) {
      for (std::size_t k = 0; k < idx.size(); ++k) {
        if (!related[idx[k]]) continue;
        const std::size_t lo = k >= options.context ? k - options.context : 0;
        const std::size_t hi = std::min(idx.size() - 1, k + options.context);
        for (std::size_t m = lo; m <= hi; ++m) keep[idx[m]] = true;
      }
    }
  }
  std::map<sim::ActorId, std::size_t> skipped;
  for (std::size_t i = 0; i < n; ++i) {
    if (!keep[i]) {
      ++skipped[ev[i].actor];
      continue;
    }
    s.shown.push_back(i);
    s.hidden_before.push_back(skipped[ev[i].actor]);
    skipped[ev[i].actor] = 0;
  }
  std::erase_if(s.edges, [&](const Edge& e) { return !keep[e.from] || !keep[e.to]; });
  return s;
}

namespace {

std::string dot_escape(std::string_view in) {
  std::string out;
  for (char c : in) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

std::string html_escape(std::string_view in) {
  std::string out;
  for (char c : in) {
    switch (c) {
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '&': out += "&amp;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string headline(const Trace& t) {
  const sim::Verdict& v = t.record.verdict;
  std::string h = "scenario " + t.scenario;
  if (!t.config.mutant.empty()) h += " (mutant " + t.config.mutant + ")";
  if (v.kind == sim::VerdictKind::kViolation) return h + ": VIOLATION of " + v.property;
  return h + ": " + std::string(sim::to_string(v.kind));
}

}  // namespace

std::string render_dot(const Trace& trace, const RenderOptions& options) {
  const Story s = story_of(trace, options);
  const auto& ev = trace.record.events;
  std::ostringstream o;
  o << "digraph trace {\n"
    << "  rankdir=TB; newrank=true; nodesep=0.3; ranksep=0.25;\n"
    << "  node [shape=box, style=\"rounded,filled\", fillcolor=white, fontname=\"monospace\", fontsize=10];\n"
    << "  edge [fontname=\"monospace\", fontsize=9];\n"
    << "  labelloc=t; fontname=\"monospace\"; label=\"" << dot_escape(headline(trace) + "\n" + trace.record.verdict.message)
    << "\";\n";
  std::map<sim::ActorId, std::vector<std::size_t>> lanes;  // positions in s.shown
  for (std::size_t k = 0; k < s.shown.size(); ++k) lanes[ev[s.shown[k]].actor].push_back(k);
  for (const auto& [actor, ks] : lanes) {
    o << "  subgraph cluster_a" << actor << " {\n    label=\"" << dot_escape(actor_title(trace, actor))
      << "\"; style=rounded; color=gray60;\n";
    for (std::size_t k : ks) {
      const std::size_t i = s.shown[k];
      const sim::RecordedEvent& e = ev[i];
      o << "    e" << i << " [label=\"step " << e.step << "\\n" << dot_escape(op_name(e.op));
      if (e.object_text != "-") o << " " << dot_escape(e.object_text);
      o << dot_escape(memory_note(ev, i));
      o << "\\n" << dot_escape(e.label) << "\"";
      if (i == s.violation) o << ", fillcolor=\"#ffc9c9\", color=red, penwidth=2.5, id=\"violation\"";
      if (i == s.cause) o << ", fillcolor=\"#ffe4b5\", color=darkorange, penwidth=2, id=\"cause\"";
      o << "];\n";
    }
    o << "  }\n";
    for (std::size_t m = 1; m < ks.size(); ++m) {
      const std::size_t hidden = s.hidden_before[ks[m]];
      o << "  e" << s.shown[ks[m - 1]] << " -> e" << s.shown[ks[m]] << " [color=gray70, arrowsize=0.5";
      if (hidden > 0) o << ", style=dashed, label=\"" << hidden << " more\"";
      o << "];\n";
    }
  }
  // Time flows down: one rank per shown event.
  for (std::size_t k = 1; k < s.shown.size(); ++k) {
    o << "  e" << s.shown[k - 1] << " -> e" << s.shown[k] << " [style=invis];\n";
  }
  for (const Edge& e : s.edges) {
    o << "  e" << e.from << " -> e" << e.to << " [constraint=false, label=\"" << dot_escape(e.kind) << "\"";
    if (e.from == s.cause && e.to == s.violation) {
      o << ", color=red, fontcolor=red, penwidth=2.5";
    } else if (e.kind == "unlock -> lock") {
      o << ", color=blue, fontcolor=blue";
    } else if (e.kind == "grace period") {
      o << ", color=darkgreen, fontcolor=darkgreen";
    } else if (e.kind == "reads-from (stale)") {
      o << ", color=purple, fontcolor=purple, style=dashed, penwidth=2";
    } else {
      o << ", color=gray50, fontcolor=gray40, style=dashed";
    }
    o << "];\n";
  }
  o << "}\n";
  return o.str();
}

std::string render_text(const Trace& trace, const RenderOptions& options) {
  const Story s = story_of(trace, options);
  const auto& ev = trace.record.events;
  constexpr std::size_t kWidth = 46;
  std::vector<sim::ActorId> actors;
  for (std::size_t i : s.shown) {
    if (std::find(actors.begin(), actors.end(), ev[i].actor) == actors.end()) actors.push_back(ev[i].actor);
  }
  std::sort(actors.begin(), actors.end());
  auto column = [&](sim::ActorId a) {
    return static_cast<std::size_t>(std::find(actors.begin(), actors.end(), a) - actors.begin());
  };
  auto cell = [&](std::string text) {
    if (text.size() > kWidth - 1) text = text.substr(0, kWidth - 4) + "...";
    return text + std::string(kWidth - text.size(), ' ');
  };
  std::ostringstream o;
  o << headline(trace) << "\n  " << trace.record.verdict.message << "\n\n";
  o << " step  ";
  for (sim::ActorId a : actors) o << cell(actor_title(trace, a));
  o << "\n";
  auto row = [&](const std::string& step, std::size_t col, const std::string& text) {
    std::string line = step;
    line.resize(7, ' ');
    for (std::size_t c = 0; c < actors.size(); ++c) line += c == col ? cell(text) : cell("|");
    while (!line.empty() && line.back() == ' ') line.pop_back();
    o << line << "\n";
  };
  for (std::size_t k = 0; k < s.shown.size(); ++k) {
    const std::size_t i = s.shown[k];
    const std::size_t col = column(ev[i].actor);
    if (s.hidden_before[k] > 0) row("", col, "... " + std::to_string(s.hidden_before[k]) + " more");
    const std::string mark = i == s.violation ? "!! " : i == s.cause ? ">> " : "";
    // Two lines per event: the access, then the kernel function (the label) that made it.
    std::string access = op_name(ev[i].op);
    if (ev[i].object_text != "-") access += " " + ev[i].object_text;
    access += memory_note(ev, i);
    row(std::to_string(ev[i].step), col, mark + access);
    row("", col, "   " + ev[i].label);
  }
  if (!s.edges.empty()) o << "\nhappens-before across actors:\n";
  for (const Edge& e : s.edges) {
    o << "  step " << ev[e.from].step << " (" << trace.record.actors[ev[e.from].actor].name << ") -> step "
      << ev[e.to].step << " (" << trace.record.actors[ev[e.to].actor].name << "): " << e.kind << "\n";
  }
  if (s.violation != SIZE_MAX) {
    o << "\n!! the violating access";
    if (s.cause != SIZE_MAX) {
      const sim::RecordedEvent& bad = ev[s.violation];
      const bool missed = bad.rf >= 0 && writes(ev[s.cause].op) && bad.rf < static_cast<int64_t>(ev[s.cause].step);
      o << "; >> " << (ev[s.cause].op == Op::kFree          ? "the free it uses after"
                       : trace.record.verdict.property == "deadlock" ? "the acquisition of the lock it waits for"
                       : missed ? "the store it did not see (it read an older one: [order] <- the step it read)"
                                                                     : "what it conflicts with");
    }
    o << "\n";
  }
  if (!options.all && s.shown.size() < ev.size()) {
    o << "(" << s.shown.size() << " of " << ev.size() << " events related to the violation; --all shows every one)\n";
  }
  return o.str();
}

std::string run_graphviz(const std::string& dot_source, const std::string& format) {
  char in_path[] = "/tmp/lsmc-dot-XXXXXX";
  const int fd = mkstemp(in_path);
  if (fd < 0) throw std::runtime_error("cannot create a temporary file for dot");
  close(fd);
  {
    std::ofstream f(in_path);
    f << dot_source;
  }
  const std::string out_path = std::string(in_path) + "." + format;
  const std::string cmd = "dot -T" + format + " '" + in_path + "' -o '" + out_path + "' 2>/dev/null";
  const int rc = std::system(cmd.c_str());
  std::remove(in_path);
  std::ifstream f(out_path, std::ios::binary);
  std::string out((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  std::remove(out_path.c_str());
  if (rc != 0 || out.empty()) {
    throw std::runtime_error("Graphviz's dot failed or is not installed (apt-get install graphviz); "
                             "--format dot and text need no dot");
  }
  return out;
}

std::string render_html(const Trace& trace, const std::string& replay_command, const RenderOptions& options) {
  std::string svg = run_graphviz(render_dot(trace, options), "svg");
  if (const std::size_t start = svg.find("<svg"); start != std::string::npos) svg = svg.substr(start);
  const sim::Verdict& v = trace.record.verdict;
  std::ostringstream o;
  o << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>lsmc: "
    << html_escape(headline(trace)) << "</title>\n<style>\n"
    << "body { font-family: sans-serif; margin: 2em; color: #222; }\n"
    << "#verdict { border-left: 6px solid #d00; background: #fff0f0; padding: 0.6em 1em; }\n"
    << "#verdict.pass { border-color: #080; background: #f0fff0; }\n"
    << "pre { background: #f6f6f6; padding: 0.8em; overflow-x: auto; font-size: 12px; }\n"
    << "table { border-collapse: collapse; } td { padding: 2px 12px 2px 0; vertical-align: top; }\n"
    << "#drawing svg { max-width: 100%; height: auto; }\n</style></head><body>\n";
  o << "<h1>" << html_escape(headline(trace)) << "</h1>\n";
  o << "<div id=\"verdict\" class=\"" << (v.kind == sim::VerdictKind::kViolation ? "violation" : "pass") << "\"><b>"
    << html_escape(v.property.empty() ? std::string(sim::to_string(v.kind)) : v.property) << "</b> at step " << v.step
    << ": " << html_escape(v.message) << "</div>\n";
  o << "<h2>Scenario</h2>\n<table>\n<tr><td>scenario</td><td>" << html_escape(trace.scenario) << "</td></tr>\n"
    << "<tr><td>mutant</td><td>" << html_escape(trace.config.mutant.empty() ? "none" : trace.config.mutant) << "</td></tr>\n"
    << "<tr><td>parameters</td><td>";
  for (const auto& [k, val] : trace.params) o << html_escape(k) << "=" << val << " ";
  o << "</td></tr>\n<tr><td>strategy, seed, execution</td><td>" << html_escape(trace.config.strategy) << ", "
    << trace.config.seed << ", " << trace.record.index << "</td></tr>\n<tr><td>actors</td><td>";
  for (std::size_t a = 0; a < trace.record.actors.size(); ++a) o << html_escape(actor_title(trace, static_cast<sim::ActorId>(a))) << "<br>";
  o << "</td></tr>\n<tr><td>size</td><td>" << trace.record.steps << " steps, " << trace.record.events.size()
    << " events, " << trace.record.decisions.size() << " decisions</td></tr>\n</table>\n";
  o << "<h2>Replay</h2>\n<pre id=\"replay\">" << html_escape(replay_command) << "</pre>\n";
  o << "<h2>Drawing</h2>\n<p>One lane per actor, time downwards. Red: the violating access and what it "
       "conflicts with; blue: lock release to acquisition; green: a reader's exit that a grace period "
       "waited for; dashed: reads-from.</p>\n<div id=\"drawing\">\n" << svg << "</div>\n";
  o << "<h2>Timeline</h2>\n<pre id=\"timeline\">" << html_escape(render_text(trace, options)) << "</pre>\n";
  o << "</body></html>\n";
  return o.str();
}

}  // namespace lsmc::traces
