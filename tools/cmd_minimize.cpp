// lsmc minimize: shrink a failing trace.
#include "properties/lifetime.hpp"
#include "tools/command.hpp"
#include "traces/minimize.hpp"

namespace lsmc::cli {

namespace {

// Minimises a failing trace and writes the result (default: NAME.min.trace).
int minimize(Context& c, const std::string& path, std::string out_path, bool scenario, uint64_t search, bool json) {
  traces::Trace trace;
  try {
    trace = traces::read_trace_file(path);
  } catch (const traces::TraceError& e) {
    throw UsageError(e.what());
  }
  if (out_path.empty()) {
    const std::string stem = path.size() > 6 && path.ends_with(".trace") ? path.substr(0, path.size() - 6) : path;
    out_path = stem + ".min.trace";
  }
  traces::MinimizeOptions o;
  o.scenario = scenario;
  o.search_executions = search;
  traces::MinimizeResult r;
  try {
    r = traces::minimize(trace, c.catalog, properties::default_observers, o);
  } catch (const traces::TraceError& e) {
    throw UsageError(path + ": " + e.what());
  }
  traces::write_trace_file(out_path, r.minimized);
  const sim::Verdict& v = r.minimized.record.verdict;
  if (json) {
    nlohmann::json j;
    auto size = [](const traces::TraceSize& t) {
      nlohmann::json s;
      s["params"] = t.params;
      s["actors"] = t.actors;
      s["decisions"] = t.decisions;
      s["choices"] = t.choices;
      s["context_switches"] = t.switches;
      s["steps"] = t.steps;
      s["events"] = t.events;
      return s;
    };
    j["trace"] = path;
    j["minimized"] = out_path;
    j["before"] = size(r.before);
    j["after"] = size(r.after);
    j["runs"] = r.runs;
    j["verdict"] = verdict_json(v);
    j["replay_command"] = "lsmc replay " + shell_quote(out_path);
    c.out << j.dump(2) << "\n";
    return kExitViolation;
  }
  c.out << "lsmc " << traces::lsmc_version() << " minimize: " << path << " (" << r.runs << " executions)\n"
       << traces::describe(r.before, r.after) << "result: VIOLATION of " << v.property << "\n  " << v.message
       << "\n  trace: " << out_path << "\n  replay: lsmc replay " << shell_quote(out_path) << "\n";
  return kExitViolation;
}

}  // namespace

Command add_minimize_command(CLI::App& app) {
  struct Options {
    std::string path, out;
    bool json = false, schedule_only = false;
    uint64_t search = 2000;
  };
  auto o = std::make_shared<Options>();
  auto* min = app.add_subcommand(
      "minimize", "Shrink a failing trace: smaller scenario parameters first (each explored with the default "
                  "strategy), then delta debugging over the decisions (a dropped decision stays on the current "
                  "actor, or draws 0), while the same property fails on an object of the same type. Prints the "
                  "size before and after and writes a replayable trace (exit 1: the minimised violation).");
  min->add_option("trace", o->path, "trace file written by explore")->required();
  min->add_option("-o,--out", o->out, "where to write the result (default: TRACE with .min.trace)");
  min->add_flag("--schedule-only", o->schedule_only, "keep the scenario's parameters; shrink the schedule only");
  min->add_option("--search-executions", o->search, "explorer budget per smaller scenario (default 2000)")
      ->check(CLI::Range(1, 100000000));
  min->add_flag("--json", o->json, "print one JSON object instead of text");
  return {min, [o](Context& c) { return minimize(c, o->path, o->out, !o->schedule_only, o->search, o->json); }};
}

}  // namespace lsmc::cli
