// lsmc replay: re-run a trace's decisions and compare every event.
#include "properties/lifetime.hpp"
#include "tools/command.hpp"
#include "traces/replay.hpp"
#include "traces/safe_text.hpp"

namespace lsmc::cli {

namespace {

int replay(Context& c, const std::string& path, bool json) {
  traces::Trace trace;
  try {
    trace = traces::read_trace_file(path);
  } catch (const traces::TraceError& e) {
    throw UsageError(e.what());
  }
  traces::ReplayResult result;
  try {
    result = traces::replay(trace, c.catalog, properties::default_observers);
  } catch (const traces::TraceError& e) {
    throw UsageError(path + ": " + e.what());
  }
  const sim::Verdict& v = result.record.verdict;
  int code = kExitDiverged;
  if (result.status == traces::ReplayStatus::kReproduced) {
    code = v.kind == sim::VerdictKind::kPass        ? kExitOk
           : v.kind == sim::VerdictKind::kViolation ? kExitViolation
                                                    : kExitLimit;
  }
  if (json) {
    nlohmann::json j;
    j["trace"] = path;
    j["scenario"] = trace.scenario;
    j["status"] = result.status == traces::ReplayStatus::kReproduced ? "reproduced" : "diverged";
    j["message"] = result.message;
    j["verdict"] = verdict_json(v);
    j["events"] = result.record.events.size();
    j["exit_code"] = code;
    c.out << j.dump(2) << "\n";
    return code;
  }
  c.out << "replay " << traces::printable(path) << ": scenario " << trace.scenario << ", execution "
       << trace.record.index << ", " << trace.record.decisions.size() << " decisions, "
       << trace.record.events.size() << " events\n";
  if (result.status == traces::ReplayStatus::kDiverged) {
    c.out << "DIVERGED: the code no longer follows this trace\n  " << result.message << "\n";
  } else if (v.kind == sim::VerdictKind::kPass) {
    c.out << "reproduced: the execution passes, as recorded\n";
  } else {
    c.out << "reproduced: " << sim::to_string(v.kind) << " of " << v.property << "\n  " << v.message
         << "\n";
  }
  return code;
}

}  // namespace

Command add_replay_command(CLI::App& app) {
  struct Options {
    std::string path;
    bool json = false;
  };
  auto o = std::make_shared<Options>();
  auto* replay = app.add_subcommand(
      "replay", "Re-run a trace's decisions and compare every event; stops at the first difference.");
  replay->add_option("trace", o->path, "trace file written by explore")->required();
  replay->add_flag("--json", o->json, "print one JSON object instead of text");
  return {replay, [o](Context& c) { return lsmc::cli::replay(c, o->path, o->json); }};
}

}  // namespace lsmc::cli
