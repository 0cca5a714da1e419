// lsmc explore: many executions of a scenario under a strategy until the budget is used up or a
// property fails; a failure writes a trace and prints the commands that replay and reproduce it.
#include <cmath>
#include <iomanip>
#include <map>
#include <optional>
#include <sstream>

#include "properties/lifetime.hpp"
#include "tools/explore.hpp"
#include "traces/minimize.hpp"
#include "traces/safe_text.hpp"

namespace lsmc::cli {

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
    if (report.split.count > 1) cmd << " --shard " << report.split.index << "/" << report.split.count;
    if (report.split.depth > 0) cmd << " --split-depth " << report.split.depth;
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

// One explored scenario: the request, what the run found, and the files written for it. A file
// that could not be written leaves its error, and the finding is reported all the same.
struct Explored {
  sim::RunRequest req;
  sim::RunReport report;
  std::string trace_path;
  std::string trace_error;
  std::optional<traces::MinimizeResult> minimized;
  std::string min_path;
  std::string min_error;
  std::vector<std::string> not_run;  // --mutant's scenarios after this one, when a signal stopped it
  // The reproduce command's --trace-out: the trace's path, or none (the default name) when it
  // could not be written there.
  std::string reproduce_trace() const { return trace_error.empty() ? trace_path : std::string(); }
};

// The file name of a finding's trace when --trace-out gives none.
// A scenario name as part of a file name: a check-bpf scenario's name holds a path.
std::string trace_stem(std::string_view name) {
  if (name.starts_with("check-bpf:")) {
    const auto slash = name.rfind('/', name.find('#'));
    name = name.substr(slash == std::string_view::npos ? 10 : slash + 1);
    name = name.substr(0, name.find('.'));
    return "check-bpf-" + std::string(name);
  }
  return std::string(name);
}

std::string default_trace_name(const sim::RunRequest& req, uint64_t index) {
  return "lsmc-" + trace_stem(req.scenario->name()) + (req.config.mutant.empty() ? "" : "-" + req.config.mutant) +
         (req.config.profile == sim::kProfiles[0] ? "" : "-" + req.config.profile) + "-seed" +
         std::to_string(req.config.seed) + "-exec" + std::to_string(index) + ".trace";
}

// --seconds without --executions: time alone ends the run.
bool no_execution_limit(const sim::Config& config) {
  return config.execution_first + config.executions_max == UINT64_MAX;
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

void print_header(Context& c, const sim::RunRequest& req) {
  c.out << "lsmc " << traces::lsmc_version() << " explore: scenario " << req.scenario->name();
  for (const auto& [name, value] : req.params.values()) c.out << " " << name << "=" << value;
  c.out << "\n  mutant " << (req.config.mutant.empty() ? "none" : req.config.mutant) << ", profile "
        << req.config.profile << ", memory model " << req.config.memory_model << ", strategy "
        << req.config.strategy << ", seed " << req.config.seed
        << ", executions " << req.config.execution_first << ".."
        << (no_execution_limit(req.config) ? std::string()
                                           : std::to_string(req.config.execution_first + req.config.executions_max - 1))
        << (req.config.seconds_max ? ", seconds_max " + std::to_string(req.config.seconds_max) : "")
        << ", steps_max " << req.config.steps_max << "\n";
}

// Runs the request (with a progress line on a terminal) and writes the trace of a finding, and
// with --minimize its minimised trace.
Explored run_and_record(Context& c, const ExploreOptions& o, sim::RunRequest req) {
  if (!o.json) print_header(c, req);
  const bool show_progress = c.interactive && !o.json;
  if (show_progress) {
    const std::size_t probes = req.scenario->probes().size();
    req.progress = [&c, probes](const sim::RunProgress& p) {
      c.err << "\r\033[K  ... " << p.executions << " executions, "
           << static_cast<uint64_t>(p.seconds > 0 ? p.executions / p.seconds : 0) << " exec/s, "
           << std::fixed << std::setprecision(1) << p.seconds << " s, no finding yet";
      if (probes > 0) c.err << ", probes " << p.probes_hit << "/" << probes;
      if (p.explored_fraction > 0 && p.explored_fraction < 1) {
        c.err << ", about " << static_cast<uint64_t>(p.executions * (1 - p.explored_fraction) / p.explored_fraction)
             << " executions left";
      }
      c.err << std::flush;
    };
  }
  Explored x{std::move(req), {}, {}, {}, {}, {}, {}, {}};
  x.report = sim::run(x.req);
  if (show_progress) c.err << "\r\033[K" << std::flush;
  if (!x.report.failure) return x;
  const sim::ExecutionRecord& failure = *x.report.failure;
  x.trace_path = o.trace_out.empty() ? fresh_output_path(o.out_dir, default_trace_name(x.req, failure.index)) : o.trace_out;
  const traces::Trace trace = traces::make_trace(*x.req.scenario, x.req.params, x.req.config, failure);
  x.trace_error = write_trace_or_error(x.trace_path, trace);
  // --minimize: the found violation, shrunk; written next to the trace as NAME.min.trace.
  if (o.minimize && x.report.outcome == sim::Outcome::kViolation) {
    const std::string& t = x.trace_path;
    x.min_path = (t.ends_with(".trace") ? t.substr(0, t.size() - 6) : t) + ".min.trace";
    traces::MinimizeOptions mo;
    mo.interrupted = c.stop_flag();
    x.minimized = traces::minimize(trace, c.catalog, properties::default_observers, mo);
    x.min_error = write_trace_or_error(x.min_path, x.minimized->minimized);
  }
  return x;
}

// The search a signal stopped before it found anything: where it resumes. Index-seeded strategies
// resume at the first index not run; the tree searches keep their place in memory only, so the
// command starts them again (`restarts`).
struct Resume {
  std::string command;
  bool restarts = false;
};
Resume resume_of(Context& c, const Explored& x, const ExploreOptions& o) {
  const sim::Config& cfg = x.req.config;
  std::vector<std::pair<std::string, std::string>> options;
  if (o.scenario.empty()) options.emplace_back("--scenario", std::string(x.req.scenario->name()));
  const bool tree = cfg.strategy == "dfs" || cfg.strategy == "icb" || cfg.strategy == "dpor";
  if (!tree) {
    options.emplace_back("--first-execution", std::to_string(x.report.resume_index));
    // --seconds alone: the resumed run has no execution budget either.
    if (!no_execution_limit(cfg)) {
      options.emplace_back("--executions", std::to_string(cfg.execution_first + cfg.executions_max - x.report.resume_index));
    }
  }
  return {resume_command(c, options), tree};
}

// The commands that explore the mutant's scenarios a signal kept from running.
std::vector<std::string> not_run_commands(Context& c, const Explored& x) {
  std::vector<std::string> out;
  for (const std::string& s : x.not_run) out.push_back(resume_command(c, {{"--scenario", s}}));
  return out;
}

bool stopped_by_signal(const Explored& x) { return !x.report.failure && x.report.stop_reason == "interrupted"; }

// explore --json: one object.
int print_json(Context& c, const ExploreOptions& o, const Explored& x) {
  const sim::RunRequest& req = x.req;
  const sim::RunReport& report = x.report;
  const std::string& trace_path = x.trace_path;
  const auto& minimized = x.minimized;
  const std::string& min_path = x.min_path;
  const bool stopped = stopped_by_signal(x) || (minimized && minimized->interrupted);
  const int code = stopped ? c.interrupt->exit_code() : exit_code_for(report.outcome);
  const int exit_code = x.trace_error.empty() && x.min_error.empty() ? code : kExitUsage;
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
  if (report.split.depth > 0) j["split_depth"] = report.split.depth;
  j["outcome"] = stopped_by_signal(x) ? std::string("interrupted") : std::string(sim::to_string(report.outcome));
  j["stop_reason"] = report.stop_reason;
  if (stopped) j["signal"] = c.interrupt->name();
  if (stopped_by_signal(x)) {
    const Resume r = resume_of(c, x, o);
    j["resume_index"] = report.resume_index;
    j["resume_command"] = r.command;
    j["resume_restarts_the_search"] = r.restarts;
    j["scenarios_not_run"] = x.not_run;
    j["not_run_commands"] = not_run_commands(c, x);
  }
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
  return report_output_errors(c, code, {x.trace_error, x.min_error});
}

// explore's text report: counts, PCT's guarantee, probes, then the verdict and its commands.
int print_text(Context& c, const ExploreOptions& o, const Explored& x) {
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
  if (report.split.depth > 0) {
    c.out << "  split at the first " << report.split.depth << " decisions (every ordering of them tried): ";
    if (report.split.count > 1) c.out << "shard " << report.split.index << " of " << report.split.count << ", ";
    if (req.config.jobs > 1) c.out << req.config.jobs << " jobs, a part each, ";
    if (report.split.count > 1 || req.config.jobs > 1) {
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
    c.out << "result: interrupted (" << c.interrupt->name() << ") after " << report.executions
          << " executions, nothing found so far\n";
    if (r.restarts) {
      c.out << "  resume: not possible: " << req.config.strategy
            << " keeps its place in the search in memory only; this starts it again: " << r.command << "\n";
    } else {
      c.out << "  resume: " << r.command << "\n";
    }
    const std::vector<std::string> rest = not_run_commands(c, x);
    for (std::size_t i = 0; i < rest.size(); ++i) c.out << "  not run: " << x.not_run[i] << ": " << rest[i] << "\n";
    return c.interrupt->exit_code();
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
    return code;
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
      c.out << "minimising interrupted (" << c.interrupt->name() << "): the trace is as small as it got";
      if (x.min_error.empty()) {
        c.out << "; resume: " << c.program << " minimize " << traces::shell_path(min_path) << " -o " << traces::shell_path(min_path);
      }
      c.out << "\n";
      return report_output_errors(c, c.interrupt->exit_code(), {x.trace_error, x.min_error});
    }
  }
  return report_output_errors(c, code, {x.trace_error, x.min_error});
}

}  // namespace

int explore_one(Context& c, const ExploreOptions& o, const std::string& scenario_name,
                std::vector<std::string> after) {
  Explored x = run_and_record(c, o, make_request(c, o, scenario_name));
  if (stopped_by_signal(x)) x.not_run = std::move(after);
  return o.json ? print_json(c, o, x) : print_text(c, o, x);
}

namespace {

int explore(Context& c, const ExploreOptions& o) {
  if (o.all) return explore_all(c, o);
  if (o.scenario.empty() && o.mutant.empty()) {
    throw UsageError("explore needs --scenario NAME, --mutant NAME or --all (see 'lsmc list')");
  }
  if (!o.mutant.empty() && c.catalog.find_mutant(o.mutant) == nullptr) {
    throw UsageError("unknown mutant '" + o.mutant + "' (see 'lsmc list --mutants')");
  }
  std::vector<std::string> scenarios;
  if (!o.scenario.empty()) {
    scenarios.push_back(o.scenario);
  } else {
    scenarios = c.catalog.find_mutant(o.mutant)->scenarios;
  }
  int code = kExitOk;
  for (std::size_t i = 0; i < scenarios.size(); ++i) {
    code = explore_one(c, o, scenarios[i], {scenarios.begin() + static_cast<std::ptrdiff_t>(i) + 1, scenarios.end()});
    if (code != kExitOk) break;
  }
  return code;
}

}  // namespace

sim::RunRequest make_request(Context& ctx, const ExploreOptions& o, const std::string& scenario_name) {
  sim::RunRequest req;
  req.scenario = ctx.catalog.find(scenario_name);
  if (req.scenario == nullptr) {
    throw UsageError("unknown scenario '" + scenario_name + "' (see 'lsmc list')");
  }
  sim::Config& c = req.config;
  c.strategy = o.strategy;
  c.mutant = o.mutant;
  const sim::MutantInfo* mutant = o.mutant.empty() ? nullptr : ctx.catalog.find_mutant(o.mutant);
  if (o.profile.empty()) {
    const std::vector<std::string> applicable = sim::run_profiles(*req.scenario, mutant);
    if (applicable.empty()) {
      throw UsageError("mutant '" + o.mutant + "' and scenario '" + scenario_name + "' share no kernel profile");
    }
    c.profile = applicable.front();
  } else {
    c.profile = o.profile;
  }
  c.memory_model = !o.memory_model.empty() ? o.memory_model : mutant != nullptr ? mutant->memory_model : "sc";
  c.seed = o.seed;
  c.executions_max = o.executions;
  c.seconds_max = o.seconds;
  c.execution_first = o.first;
  c.jobs = o.jobs;
  if (o.split_depth > 0 && !sim::splits_by_prefix(c.strategy)) {
    throw UsageError("--split-depth applies to dfs and dpor, not " + c.strategy);
  }
  req.split_depth = static_cast<uint32_t>(o.split_depth);
  if (!o.shard.empty()) {
    const auto slash = o.shard.find('/');
    const auto i = slash == std::string::npos ? std::nullopt : sim::parse_u64(o.shard.substr(0, slash));
    const auto n = slash == std::string::npos ? std::nullopt : sim::parse_u64(o.shard.substr(slash + 1));
    if (!i || !n || *n == 0 || *i >= *n) throw UsageError("--shard takes I/N with 0 <= I < N, got '" + o.shard + "'");
    c.shard_index = *i;
    c.shard_count = *n;
  }
  for (const auto& s : o.sets) {
    auto [name, value] = split_assignment(s, "--set");
    if (auto err = sim::set_config_field(c, name, value)) throw UsageError(*err);
  }
  if (auto err = sim::validate(c)) throw UsageError(*err);
  if (auto err = sim::check_profile(*req.scenario, mutant, c.profile)) throw UsageError(*err);
  if (!sim::make_strategy(c.strategy, c.seed)) {
    std::string known;
    for (const auto& s : sim::strategy_catalog()) known += (known.empty() ? "" : ", ") + std::string(s.name);
    throw UsageError("unknown strategy '" + c.strategy + "' (known: " + known + ")");
  }
  std::map<std::string, int64_t> given;
  for (const auto& p : o.params) {
    auto [name, value] = split_assignment(p, "--param");
    auto v = sim::parse_i64(value);
    if (!v) throw UsageError("--param " + name + ": '" + value + "' is not an integer");
    given[name] = *v;
  }
  if (auto err = sim::resolve_params(*req.scenario, given, req.params)) throw UsageError(*err);
  req.observers = properties::default_observers;
  req.interrupted = ctx.stop_flag();
  if (o.known == "count") req.known = ctx.catalog.known_in(c.profile);
  return req;
}

Command add_explore_command(CLI::App& app) {
  auto o = std::make_shared<ExploreOptions>();
  auto* explore = app.add_subcommand(
      "explore",
      "Run many executions of a scenario under a strategy until the budget is used up or a "
      "property fails. A failure writes a trace file and prints the command that replays it.");
  explore->add_option("--scenario", o->scenario, "scenario to explore (see 'lsmc list')");
  explore->add_option("--mutant", o->mutant,
                      "put this bug back into the model; without --scenario, explore every "
                      "scenario the mutant declares (see 'lsmc list --mutants')");
  explore->add_option("--profile", o->profile,
                      "the kernel version the model follows: linux-6.18 (this machine's kernel, "
                      "as shipped) or linux-7.0 (rqspinlock, no busy counters, "
                      "bpf_selem_unlink_nofail); default: the first the scenario declares "
                      "(see 'lsmc list'). With --all: run only the campaign's entries of this profile");
  explore->add_option("--memory-model", o->memory_model,
                      "sc (every load reads the newest store; the default, except for a mutant that declares the "
                      "model it shows under), tso (x86-TSO) or lkmm (the Linux-kernel memory model): under tso and "
                      "lkmm a load of shared memory may read an older store the model allows, and which one is a "
                      "recorded decision (docs/memory-model.md)")
      ->check(CLI::IsMember({"sc", "tso", "lkmm"}));
  explore->add_option("--strategy", o->strategy,
                      "portfolio (the default: of every 8 executions, 4 uniform random walks and 4 PCT runs "
                      "of depths 1, 2, 3, 2 with horizons of 64..1024 steps; each execution depends only "
                      "on its index, so --jobs and --shard apply), random (uniform random walk), pct (PCT, "
                      "depth --set pct_depth=N, default 3), dfs (every schedule within --set "
                      "preemption_bound=N, default 2), icb (dfs at bound 0, 1, ... up to it) or dpor (DPOR with sleep sets: every class of "
                      "equivalent schedules once, no bound). dfs, icb and dpor say when they have explored "
                      "everything: use them to prove a small scenario clean");
  explore->add_option("--seed", o->seed, "seed of the run; execution i uses a seed derived from it (default 1)")->check(number_in(0));
  CLI::Option* executions =
      explore->add_option("--executions", o->executions, "executions budget (default 10000, or none with --seconds)")
          ->check(number_in(0));
  explore->add_option("--seconds", o->seconds,
                      "time budget in seconds (default: none); alone, without --executions, only time ends the run")
      ->check(number_in(0));
  explore->add_option("--first-execution", o->first, "index of the first execution (to re-run one)")->check(number_in(0));
  explore->add_option("--trace-out", o->trace_out, "where to write the trace of a failure");
  add_out_option(explore, o->out_dir);
  explore->add_flag("--json", o->json, "print one JSON object instead of text");
  explore->add_flag("--minimize", o->minimize,
                    "minimise a violation found (as 'lsmc minimize' does) and write it as NAME.min.trace");
  auto* all = explore->add_flag("--all", o->all,
                                "the default campaign: every scenario, and every mutant on its scenarios, each on "
                                "every profile it declares (--profile: on that one only); exit 0 when each "
                                "behaves as declared");
  explore->add_option("--all-from", o->all_from,
                      "with --all: start at entry N of the campaign (its table numbers them; an interrupted "
                      "campaign prints the command that resumes with it)")
      ->check(number_in(1))
      ->needs(all);
  explore->add_option("--jobs", o->jobs,
                      "worker threads. portfolio and random deal execution indices (the finding for a seed range "
                      "does not depend on it); dfs and dpor deal the subtrees below the first --split-depth "
                      "decisions, and the run is exhausted when every worker's part is")
      ->check(number_in(1, 256));
  explore->add_option("--shard", o->shard,
                      "I/N: run only part I of N, for spreading one campaign over machines: portfolio and random "
                      "run the execution indices i with i % N == I; dfs and dpor explore the subtrees below the "
                      "first --split-depth decisions that hash to I. Combine the --json outputs with 'lsmc "
                      "merge', which says exhausted only if every shard was (docs/campaigns.md)");
  explore->add_option("--split-depth", o->split_depth,
                      "dfs, dpor with --jobs or --shard: the decisions whose subtrees are dealt out (default 6 + "
                      "2 log2 of shards x jobs); dpor tries every ordering of them. Alone, it runs the split search "
                      "whole: the executions all its shards run together")
      ->check(number_in(1, 64));
  explore->add_option("--set", o->sets, "set a Config field, NAME=VALUE (steps_max, actors_max, ...)");
  explore->add_option("--param", o->params, "set a scenario parameter, NAME=VALUE");
  explore->add_option("--known", o->known,
                      "stop (default): a finding upstream documents and leaves unfixed in the profile (see "
                      "'lsmc list --known') is reported like any other; count: executions ending in one are "
                      "counted and the search goes on")
      ->check(CLI::IsMember({"stop", "count"}));
  return {explore, [o, executions](Context& c) {
            ExploreOptions run = *o;
            // --seconds alone means time: no execution budget beside it.
            if (run.seconds > 0 && executions->count() == 0 && run.first < UINT64_MAX) run.executions = UINT64_MAX - run.first;
            return lsmc::cli::explore(c, run);
          },
          true};
}

}  // namespace lsmc::cli
