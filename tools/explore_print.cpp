// lsmc explore's report of one scenario (tools/explore_result.hpp): text or JSON, with the
// commands that replay, reproduce and resume it.
#include <cmath>
#include <iomanip>
#include <map>
#include <optional>
#include <sstream>

#include "properties/lifetime.hpp"
#include "sim/resplit.hpp"
#include "tools/explore.hpp"
#include "tools/explore_result.hpp"
#include "traces/minimize.hpp"
#include "traces/safe_text.hpp"

namespace lsmc::cli {

bool no_execution_limit(const sim::Config& config) {
  return config.execution_first + config.executions_max == UINT64_MAX;
}

bool stopped_by_signal(const Explored& x) { return !x.report.failure && x.report.stop_reason == "interrupted"; }

int interrupted_exit_code(const Context& c) { return c.interrupt != nullptr ? c.interrupt->exit_code() : 130; }

const char* interrupted_signal_name(const Context& c) { return c.interrupt != nullptr ? c.interrupt->name() : "SIGINT"; }

namespace {

nlohmann::json known_hits_json(const sim::RunReport& report) {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& [name, hit] : report.known_hits) j[name] = {{"count", hit.count}, {"first_execution", hit.first_index}};
  return j;
}

// Executions that ended in a finding upstream documents (--known count): counted, with where
// each was first met and what upstream says of it.
void print_known_hits(Context& c, const sim::RunRequest& req, const sim::RunReport& report) {
  for (const auto& [name, hit] : report.known_hits) {
    for (const sim::KnownFinding& k : req.known) {
      if (k.name != name) continue;
      c.out << "  known upstream (counted, not a finding; --known stop reports it): " << name << ": " << hit.count
           << " executions, first " << hit.first_index << "; " << k.message << " (" << k.source << ")\n";
    }
  }
}

std::string reproduce_command(const Context& c, const sim::RunRequest& req, const sim::RunReport& report, const std::string& trace) {
  const uint64_t index = report.failure->index;
  std::ostringstream cmd;
  cmd << c.program << " explore --scenario " << shell_quote(std::string(req.scenario->name()));
  if (!req.config.mutant.empty()) cmd << " --mutant " << shell_quote(req.config.mutant);
  if (req.config.profile != sim::kProfiles[0]) cmd << " --profile " << shell_quote(req.config.profile);
  if (req.config.memory_model != "sc") cmd << " --memory-model " << shell_quote(req.config.memory_model);
  cmd << " --strategy " << shell_quote(req.config.strategy) << " --seed " << req.config.seed;
  const bool learns = req.config.strategy == "dfs" || req.config.strategy == "icb" ||
                      req.config.strategy == "dpor" || req.config.strategy == "pct";
  if (learns) {
    // Tree searches, and PCT's step estimate, learn from every execution before this one.
    cmd << " --first-execution " << req.config.execution_first << " --executions "
        << (index - req.config.execution_first + 1);
    // A split search: the part that found it, alone (with --jobs, one job's part of this shard).
    if (report.split.divided()) cmd << " --shard " << report.split.shard_text();
    if (report.split.depth() > 0) cmd << " --split-depth " << report.split.depth_text();
  } else {
    cmd << " --first-execution " << index << " --executions 1";
  }
  for (const auto& [name, value] : req.params.values()) cmd << " --param " << name << "=" << value;
  const sim::Config defaults;
  if (req.config.steps_max != defaults.steps_max) cmd << " --set steps_max=" << req.config.steps_max;
  if (req.config.actors_max != defaults.actors_max) cmd << " --set actors_max=" << req.config.actors_max;
  if (req.config.objects_max != defaults.objects_max) cmd << " --set objects_max=" << req.config.objects_max;
  if (req.config.pct_depth != defaults.pct_depth) cmd << " --set pct_depth=" << req.config.pct_depth;
  if (req.config.faults_max != defaults.faults_max) cmd << " --set faults_max=" << req.config.faults_max;
  if (req.config.preemption_bound != defaults.preemption_bound) {
    cmd << " --set preemption_bound=" << req.config.preemption_bound;
  }
  if (!req.known.empty()) cmd << " --known count";
  if (!trace.empty()) cmd << " --trace-out " << traces::shell_path(trace);
  return cmd.str();
}

// Which budget ended a run that found nothing and did not exhaust its space.
std::string limit_that_ended(const sim::Config& config, const sim::RunReport& report) {
  if (report.stop_reason == "seconds_max") {
    return "the time limit ended the run (--seconds " + std::to_string(config.seconds_max) + ")";
  }
  if (report.stop_reason == "executions_max") {
    return "the execution limit ended the run (--executions " + std::to_string(config.executions_max) +
           (config.seconds_max ? ", before --seconds " + std::to_string(config.seconds_max) : std::string()) +
           "; --seconds alone runs until the time is up)";
  }
  return report.stop_reason;
}

// The search a signal stopped before it found anything: where it resumes. Index-seeded strategies
// resume at the first index not run; the tree searches from the checkpoint they wrote (--resume),
// or, when it could not be written, the command starts them again (`restarts`).
struct Resume {
  std::string command;
  bool restarts = false;
};
Resume resume_of(Context& c, const Explored& x, const ExploreOptions& o) {
  const sim::Config& cfg = x.req.config;
  std::vector<std::pair<std::string, std::string>> options;
  if (o.scenario.empty()) options.emplace_back("--scenario", std::string(x.req.scenario->name()));
  const bool tree = sim::resumes_from_checkpoint(cfg.strategy);
  const bool restarts = tree && (x.checkpoint_path.empty() || !x.checkpoint_error.empty());
  // --checkpoint: the command itself goes on from its file.
  if (tree && !restarts && o.checkpoint.empty()) options.emplace_back("--resume", x.checkpoint_path);
  if (!tree) {
    options.emplace_back("--first-execution", std::to_string(x.report.resume_index));
    // --seconds alone: the resumed run has no execution budget either.
    if (!no_execution_limit(cfg)) {
      options.emplace_back("--executions", std::to_string(cfg.execution_first + cfg.executions_max - x.report.resume_index));
    }
  }
  return {resume_command(c, options), restarts};
}

// The commands that explore the mutant's scenarios a signal kept from running.
std::vector<std::string> not_run_commands(Context& c, const Explored& x) {
  std::vector<std::string> out;
  for (const std::string& s : x.not_run) out.push_back(resume_command(c, {{"--scenario", s}}));
  return out;
}

}  // namespace

// explore --json: one object.
int print_explore_json(Context& c, const ExploreOptions& o, const Explored& x) {
  const sim::RunRequest& req = x.req;
  const sim::RunReport& report = x.report;
  const std::string& trace_path = x.trace_path;
  const auto& minimized = x.minimized;
  const std::string& min_path = x.min_path;
  const bool stopped = stopped_by_signal(x) || (minimized && minimized->interrupted);
  const int code = stopped ? interrupted_exit_code(c) : exit_code_for(report.outcome);
  const int exit_code = x.trace_error.empty() && x.min_error.empty() && x.checkpoint_error.empty() ? code : kExitUsage;
  const double rate = report.seconds > 0 ? report.executions / report.seconds : 0;
  nlohmann::json j;
  j["scenario"] = std::string(req.scenario->name());
  j["profile"] = req.config.profile;
  j["mutant"] = req.config.mutant.empty() ? nlohmann::json(nullptr) : nlohmann::json(req.config.mutant);  // null: the unmutated model
  j["strategy"] = req.config.strategy;
  j["seed"] = req.config.seed;
  j["execution_first"] = req.config.execution_first;
  j["executions_max"] = req.config.executions_max;
  j["shard_index"] = req.config.shard_index;
  j["shard_count"] = req.config.shard_count;
  j["jobs"] = req.config.jobs;
  if (report.split.depth() > 0) j["split_depth"] = report.split.levels[0].depth;
  if (sim::splits_by_prefix(req.config.strategy) && req.config.jobs > 1) {
    j["parts"] = report.parts;
    j["parts_resplit"] = report.parts_resplit;
    j["executions_resplit"] = report.executions_resplit;
    j["parts_run"] = nlohmann::json::array();
    for (const sim::RunReport::PartRun& p : report.parts_run) {
      j["parts_run"].push_back({{"part", p.split.shard_text()}, {"executions", p.executions}, {"foreign", p.foreign},
                                {"seconds", p.seconds}, {"cut", p.cut}});
    }
  }
  if (report.split.levels.size() > 1) {
    // A part of a part: every level, from the shard's (lsmc merge's coverage).
    j["split"] = nlohmann::json::array();
    for (const sim::SplitLevel& l : report.split.levels) {
      j["split"].push_back({{"index", l.index}, {"count", l.count}, {"depth", l.depth}});
    }
  }
  j["outcome"] = stopped_by_signal(x) ? std::string("interrupted") : std::string(sim::to_string(report.outcome));
  j["stop_reason"] = report.stop_reason;
  if (stopped) j["signal"] = interrupted_signal_name(c);
  if (stopped_by_signal(x)) {
    const Resume r = resume_of(c, x, o);
    j["resume_index"] = report.resume_index;
    j["resume_command"] = r.command;
    j["resume_restarts_the_search"] = r.restarts;
    j["scenarios_not_run"] = x.not_run;
    j["not_run_commands"] = not_run_commands(c, x);
  }
  if (!x.checkpoint_path.empty() && x.checkpoint_error.empty()) j["checkpoint"] = x.checkpoint_path;
  if (!x.checkpoint_error.empty()) j["checkpoint_error"] = x.checkpoint_error;
  j["executions"] = report.executions;
  j["seconds"] = report.seconds;
  j["executions_per_second"] = rate;
  j["steps"] = report.metrics.steps;
  j["context_switches"] = report.metrics.context_switches;
  j["probes_never_hit"] = report.probes_never_hit;
  j["probe_hits"] = report.probe_hits;
  j["known_hits"] = known_hits_json(report);
  j["exit_code"] = exit_code;
  if (report.failure) {
    j["verdict"] = verdict_json(report.failure->verdict);
    j["execution"] = report.failure->index;
    if (x.trace_error.empty()) {
      j["trace"] = trace_path;
      j["replay_command"] = replay_command(c, trace_path);
    } else {
      j["trace_error"] = x.trace_error;
    }
    j["reproduce_command"] = reproduce_command(c, req, report, x.reproduce_trace());
  }
  if (minimized) {
    if (x.min_error.empty()) {
      j["minimized_trace"] = min_path;
      j["minimized_replay_command"] = replay_command(c, min_path);
    } else {
      j["minimized_trace_error"] = x.min_error;
    }
    j["minimized_context_switches"] = minimized->after.switches;
    j["minimized_steps"] = minimized->after.steps;
    if (minimized->interrupted && x.min_error.empty()) {
      j["minimize_resume_command"] = c.program + " minimize " + traces::shell_path(min_path) + " -o " + traces::shell_path(min_path);
    }
  }
  if (!report.nondeterminism.empty()) j["nondeterminism"] = report.nondeterminism;
  c.out << j.dump(2) << "\n";
  return report_output_errors(c, code, {x.trace_error, x.min_error, x.checkpoint_error});
}

// explore's text report: counts, PCT's guarantee, probes, then the verdict and its commands.
int print_explore_text(Context& c, const ExploreOptions& o, const Explored& x) {
  const sim::RunRequest& req = x.req;
  const sim::RunReport& report = x.report;
  const std::string& trace_path = x.trace_path;
  const auto& minimized = x.minimized;
  const std::string& min_path = x.min_path;
  const int code = exit_code_for(report.outcome);
  const double rate = report.seconds > 0 ? report.executions / report.seconds : 0;
  c.out << "  " << report.executions << " executions in " << std::fixed << std::setprecision(2)
       << report.seconds << " s (" << static_cast<uint64_t>(rate) << " exec/s, "
       << report.metrics.steps << " steps, " << report.metrics.context_switches
       << " context switches)\n";
  const bool resplits = sim::splits_by_prefix(req.config.strategy) && req.config.jobs > 1;
  if (resplits) {
    // The parts a failure's part came from are not this report's: say the shard's.
    c.out << "  " << req.config.jobs << " jobs over " << report.parts << " parts of "
          << (req.config.shard_count > 1 || !req.shard_below.empty() ? "this shard" : "the tree") << " ("
          << report.parts_resplit << " cut into " << sim::kPartsBelow << " parts after "
          << (req.resplit_after > 0 ? req.resplit_after : sim::kResplitAfter) << " executions: "
          << report.executions_resplit << " executions run again by their parts, not counted), "
          << report.metrics.foreign << " executions stopped where they entered another part's subtree (not counted)\n";
  } else if (report.split.depth() > 0) {
    const sim::Split& split = report.split;
    c.out << "  split at the first " << split.depth() << " decisions (every ordering of them tried): ";
    if (split.levels.size() > 1) {
      c.out << "part " << split.shard_text() << " (a part of a part, cut at " << split.depth_text() << " decisions), ";
    } else if (split.divided()) {
      c.out << "shard " << split.levels[0].index << " of " << split.levels[0].count << ", ";
    }
    if (split.divided()) {
      c.out << report.metrics.foreign << " executions stopped where they entered another part's subtree (not counted)\n";
    } else {
      c.out << "the whole tree\n";
    }
  }
  if (req.config.strategy == "pct" && report.metrics.actors_max_seen > 0) {
    // Burckhardt et al.: one run finds a bug of depth d with probability >= 1/(n k^(d-1)).
    const double n = static_cast<double>(report.metrics.actors_max_seen);
    const double k = static_cast<double>(std::max<uint64_t>(report.metrics.steps_max_seen, 1));
    const double bound = 1.0 / (n * std::pow(k, static_cast<double>(req.config.pct_depth) - 1));
    c.out << "  pct: guaranteed hit rate for a depth-" << req.config.pct_depth << " bug >= 1/(n k^(d-1)) = "
         << std::scientific << std::setprecision(2) << bound << std::fixed << " (n=" << report.metrics.actors_max_seen
         << " actors, k=" << report.metrics.steps_max_seen << " steps); measured: ";
    if (report.failure) {
      c.out << "first hit at execution " << (report.failure->index - req.config.execution_first + 1)
           << " (rate about 1/" << (report.failure->index - req.config.execution_first + 1) << ")\n";
    } else {
      c.out << "no hit in " << report.executions << " executions\n";
    }
  }
  if (report.stop_reason != "space exhausted" && report.stop_reason != "failure") {
    if (auto f = report.explored_fraction; f > 0 && f < 1) {
      const double left = static_cast<double>(report.executions) * (1 - f) / f;
      c.out << "  space left: about " << std::setprecision(0) << left << " more executions (" << std::setprecision(1)
           << 100 * f << "% explored, assuming evenly sized subtrees)\n" << std::setprecision(2);
    }
  }
  if (!report.probe_hits.empty()) {
    c.out << "  probes:";
    for (const auto& [name, count] : report.probe_hits) c.out << " [" << name << "] " << count;
    c.out << "\n";
  }
  for (const auto& p : report.probes_never_hit) c.out << "  probe never hit: " << p << "\n";
  print_known_hits(c, req, report);
  if (stopped_by_signal(x)) {
    const Resume r = resume_of(c, x, o);
    c.out << "result: interrupted (" << interrupted_signal_name(c) << ") after " << report.executions
          << " executions, nothing found so far\n";
    if (r.restarts) {
      c.out << "  resume: not possible: the checkpoint of the " << req.config.strategy
            << " search was not written; this starts it again: " << r.command << "\n";
    } else {
      if (!x.checkpoint_path.empty()) c.out << "  checkpoint: " << traces::printable(x.checkpoint_path) << "\n";
      c.out << "  resume: " << r.command << "\n";
    }
    const std::vector<std::string> rest = not_run_commands(c, x);
    for (std::size_t i = 0; i < rest.size(); ++i) c.out << "  not run: " << x.not_run[i] << ": " << rest[i] << "\n";
    return report_output_errors(c, interrupted_exit_code(c), {x.checkpoint_error});
  }
  if (!report.failure) {
    if (report.stop_reason == "space exhausted") {
      c.out << "result: nothing found: all " << report.executions << " executions explored"
           << (req.config.strategy == "dfs" || req.config.strategy == "icb"
                   ? " up to preemption bound " + std::to_string(req.config.preemption_bound)
               : req.config.strategy == "dpor" ? " (DPOR: every class of equivalent schedules, no bound; " +
                     std::to_string(report.metrics.pruned) + " ended early by sleep sets)"
               : "")
           << "\n";
    } else {
      c.out << "result: nothing found in " << report.executions << " executions: " << limit_that_ended(req.config, report)
            << "\n";
    }
    if (!x.checkpoint_path.empty() && x.checkpoint_error.empty()) {
      c.out << "  checkpoint: " << traces::printable(x.checkpoint_path)
            << (report.stop_reason == "space exhausted" ? " (the same command reports this at once)"
                                                        : " (the same command with a larger budget goes on from it)")
            << "\n";
    }
    return report_output_errors(c, code, {x.checkpoint_error});
  }
  const sim::Verdict& v = report.failure->verdict;
  if (report.outcome == sim::Outcome::kNondeterminism) {
    c.out << "result: NOT DETERMINISTIC: " << report.nondeterminism << "\n";
  } else if (report.outcome == sim::Outcome::kLimit) {
    c.out << "result: limit reached in execution " << report.failure->index << ": " << v.message << "\n";
  } else {
    c.out << "result: VIOLATION of " << v.property << " in execution " << report.failure->index
         << " at step " << v.step << "\n  " << v.message << "\n";
  }
  if (x.trace_error.empty()) {
    c.out << "  trace: " << traces::printable(trace_path) << " (" << report.failure->decisions.size() << " decisions, "
          << report.failure->events.size() << " events)\n";
    c.out << "  replay: " << replay_command(c, trace_path) << "\n";
  } else {
    c.out << "  trace: NOT WRITTEN (" << x.trace_error << "); the reproduce command writes it\n";
  }
  c.out << "  reproduce: " << reproduce_command(c, req, report, x.reproduce_trace()) << "\n";
  if (minimized) {
    c.out << "minimized (" << minimized->runs << " executions):\n" << traces::describe(minimized->before, minimized->after);
    if (x.min_error.empty()) {
      c.out << "  trace: " << traces::printable(min_path) << "\n  replay: " << replay_command(c, min_path) << "\n";
    } else {
      c.out << "  trace: NOT WRITTEN (" << x.min_error << ")\n";
    }
    if (minimized->interrupted) {
      c.out << "minimising interrupted (" << interrupted_signal_name(c) << "): the trace is as small as it got";
      if (x.min_error.empty()) {
        c.out << "; resume: " << c.program << " minimize " << traces::shell_path(min_path) << " -o " << traces::shell_path(min_path);
      }
      c.out << "\n";
      return report_output_errors(c, interrupted_exit_code(c), {x.trace_error, x.min_error});
    }
  }
  return report_output_errors(c, code, {x.trace_error, x.min_error});
}

}  // namespace lsmc::cli
