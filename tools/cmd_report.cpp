// lsmc report: one HTML page for a trace, or (--design) the proposal's design exploration.
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "tools/command.hpp"
#include "report/design_report.hpp"
#include "traces/render.hpp"
#include "traces/safe_text.hpp"

namespace lsmc::cli {

namespace {

// One self-contained HTML page for a trace.
int report(Context& c, const std::string& path, const std::string& out_path, bool all, bool json) {
  const traces::Trace trace = read_trace_or_usage(path);
  traces::RenderOptions o;
  o.all = all;
  std::string html;
  try {
    html = traces::render_html(trace, replay_command(c, path), o);
  } catch (const std::runtime_error& e) {
    throw UsageError(e.what());
  }
  std::ofstream f(out_path, std::ios::binary);
  if (!(f << html)) throw UsageError("cannot write " + out_path);
  if (json) {
    nlohmann::json j;
    j["wrote"] = out_path;
    j["trace"] = path;
    j["scenario"] = trace.scenario;
    j["verdict"] = verdict_json(trace.record.verdict);
    j["replay_command"] = replay_command(c, path);
    c.out << j.dump(2) << "\n";
  } else {
    c.out << "wrote " << out_path << "\n";
  }
  return kExitOk;
}

// report --design: the output (and the design-traces folder beside it) must be writable before
// minutes of exploration start; a file system error later is an error naming the path.
int design(Context& c, const std::string& out, const std::string& data, uint64_t executions, bool json) {
  lsmc::report::DesignReportOptions d;
  d.out = out;
  d.source_dir = data;
  d.executions = executions;
  if (c.interactive && !json) {
    const auto start = std::chrono::steady_clock::now();  // progress lines only: no execution reads it
    d.progress = [&c, start](const std::string& what) {
      const auto s = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - start);
      c.err << "report --design: " << what << " (" << s.count() << " s so far)\n";
    };
  }
  try {
    lsmc::report::check_design_report_inputs(d);
  } catch (const lsmc::report::MissingReportInput& e) {
    throw UsageError(traces::echo(e.what(), 1000) +
                     " (the task churn recorded on this machine; --data DIR names the folder that holds data/)");
  }
  {
    errno = 0;
    std::ofstream probe(out, std::ios::app);
    if (!probe) {
      throw UsageError("cannot write " + traces::echo(out) + (errno ? std::string(" (") + std::strerror(errno) + ")" : ""));
    }
  }
  try {
    const std::string summary = lsmc::report::write_design_report(c.catalog, d);
    if (json) {
      c.out << nlohmann::json{{"wrote", out}, {"data", data}, {"executions", executions}, {"summary", summary}}.dump(2)
            << "\n";
    } else {
      c.out << summary << "\n";
    }
  } catch (const std::filesystem::filesystem_error& e) {
    throw UsageError(traces::echo(e.what(), 1000));
  } catch (const lsmc::report::ReportContradiction& e) {
    // The model and the report's text disagree: a claim of the report is violated.
    c.err << "lsmc report --design: " << e.what() << "\n";
    return kExitViolation;
  }
  return kExitOk;
}

}  // namespace

Command add_report_command(CLI::App& app) {
  struct Options {
    std::string path, out, data = LSMC_DATA_DIR;
    bool all = false, design = false, json = false;
    uint64_t executions = 20000;
  };
  auto o = std::make_shared<Options>();
  auto* report = app.add_subcommand(
      "report", "One self-contained HTML page for a trace: the verdict, the scenario, the replay command, the "
                "drawing (SVG) and the timeline. With --design instead: regenerate the design exploration of "
                "the user-mappable storage proposal (Markdown, with its traces and plot next to it).");
  report->add_option("trace", o->path, "trace file (not with --design)");
  report->add_option("-o,--out", o->out, "the file to write (HTML; with --design, Markdown)")->required();
  report->add_flag("--all", o->all, "every event, not only those related to the violation");
  report->add_flag("--design", o->design, "write the design exploration (docs/design-exploration.md)");
  auto* data = report->add_option("--data", o->data,
                                  "--design: the folder holding data/forkexit-*.txt, the task churn recorded on this "
                                  "machine (default: the source tree lsmc was built from, " LSMC_DATA_DIR ")");
  report->add_flag("--json", o->json, "print one JSON object (what was written, and the trace's verdict) instead of text");
  auto* executions = report->add_option("--executions", o->executions,
                                         "--design: executions per scenario and mutant (default 20000; at least 10, "
                                         "a tenth of them measures the costs). Below 20000 the report says its "
                                         "evidence is thin and marks each claimed violation the runs did not reach; "
                                         "a run that contradicts the text (a violation where it says holds) is exit 1 "
                                         "and no report")
                         ->check(number_in(10, 100000000));
  return {report, [o, executions, data](Context& c) {
            if (o->design) {
              if (!o->path.empty()) throw UsageError("report --design takes no trace");
              return design(c, o->out, o->data, o->executions, o->json);
            }
            if (executions->count() > 0) throw UsageError("--executions applies to --design only");
            if (data->count() > 0) throw UsageError("--data applies to --design only");
            if (o->path.empty()) throw UsageError("report needs a trace (or --design)");
            return lsmc::cli::report(c, o->path, o->out, o->all, o->json);
          }};
}

}  // namespace lsmc::cli
