// lsmc minimize: shrink a failing trace.
#include "properties/lifetime.hpp"
#include "tools/command.hpp"
#include "traces/minimize.hpp"
#include "traces/safe_text.hpp"

namespace lsmc::cli {

namespace {

// Minimises a failing trace and writes the result (default: NAME.min.trace).
// The command that minimises `path` again, writing elsewhere (when `out_path` could not be written).
// (or, `out` given, the command that minimises it again into `out`: resuming an interrupted one).
std::string minimize_command(const Context& c, const std::string& path, bool scenario, uint64_t search, bool json,
                             const std::string& out = "") {
  std::string cmd = c.program + " minimize " + traces::shell_path(path);
  if (!scenario) cmd += " --schedule-only";
  if (search != 2000) cmd += " --search-executions " + std::to_string(search);
  if (json) cmd += " --json";
  const std::string stem = path.size() > 6 && path.ends_with(".trace") ? path.substr(0, path.size() - 6) : path;
  return cmd + " -o " + traces::shell_path(out.empty() ? stem + "-again.min.trace" : out);
}

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
  o.interrupted = c.stop_flag();
  traces::MinimizeResult r;
  try {
    r = traces::minimize(trace, c.catalog, properties::default_observers, o);
  } catch (const traces::TraceError& e) {
    throw UsageError(path + ": " + e.what());
  }
  const std::string error = write_trace_or_error(out_path, r.minimized);
  const sim::Verdict& v = r.minimized.record.verdict;
  // A signal: the trace written is as small as it got, and minimising it again goes on from there.
  const int code = r.interrupted ? c.interrupt->exit_code() : kExitViolation;
  const std::string resume = !r.interrupted ? ""
                             : error.empty() ? minimize_command(c, out_path, scenario, search, json, out_path)
                                             : minimize_command(c, path, scenario, search, json);
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
    j["execution"] = trace.record.index;
    if (error.empty()) {
      j["minimized"] = out_path;
      j["replay_command"] = replay_command(c, out_path);
    } else {
      j["minimized_error"] = error;
      j["reproduce_command"] = minimize_command(c, path, scenario, search, true);
    }
    j["before"] = size(r.before);
    j["after"] = size(r.after);
    j["runs"] = r.runs;
    j["verdict"] = verdict_json(v);
    j["outcome"] = r.interrupted ? "interrupted" : "violation";
    if (r.interrupted) {
      j["signal"] = c.interrupt->name();
      j["resume_command"] = resume;
    }
    j["exit_code"] = error.empty() ? code : kExitUsage;
    c.out << j.dump(2) << "\n";
    return report_output_errors(c, code, {error});
  }
  c.out << "lsmc " << traces::lsmc_version() << " minimize: " << traces::printable(path) << ", execution " << trace.record.index << " ("
        << r.runs << " executions)\n"
        << traces::describe(r.before, r.after) << "result: VIOLATION of " << v.property << "\n  " << v.message << "\n";
  if (error.empty()) {
    c.out << "  trace: " << traces::printable(out_path) << "\n  replay: " << replay_command(c, out_path) << "\n";
  } else {
    c.out << "  trace: NOT WRITTEN (" << error << ")\n  reproduce: " << minimize_command(c, path, scenario, search, false)
          << "\n";
  }
  if (r.interrupted) {
    c.out << "interrupted (" << c.interrupt->name() << "): the trace is as small as it got\n  resume: " << resume << "\n";
  }
  return report_output_errors(c, code, {error});
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
      ->check(number_in(1, 100000000));
  min->add_flag("--json", o->json, "print one JSON object instead of text");
  return {min, [o](Context& c) { return minimize(c, o->path, o->out, !o->schedule_only, o->search, o->json); }, true};
}

}  // namespace lsmc::cli
