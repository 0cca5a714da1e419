// lsmc explore: many executions of a scenario under a strategy until the budget is used up or a
// property fails; a failure writes a trace and prints the commands that replay and reproduce it.
#include <cmath>
#include <filesystem>
#include <iomanip>
#include <map>
#include <memory>
#include <optional>
#include <sstream>

#include "properties/lifetime.hpp"
#include "tools/checkpoint.hpp"
#include "tools/explore.hpp"
#include "tools/explore_result.hpp"
#include "tools/split_args.hpp"
#include "traces/minimize.hpp"
#include "traces/safe_text.hpp"

namespace lsmc::cli {

namespace {

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
  // --jobs with dfs or dpor is for long proofs: a line every 30 s in a log too (stderr).
  const bool log_progress = !c.interactive && sim::splits_by_prefix(req.config.strategy) && req.config.jobs > 1;
  if (show_progress || log_progress) {
    const std::size_t probes = req.scenario->probes().size();
    auto logged = std::make_shared<double>(0);
    req.progress = [&c, probes, show_progress, logged](const sim::RunProgress& p) {
      if (!show_progress && p.seconds < *logged + 30) return;
      *logged = p.seconds;
      c.err << (show_progress ? "\r\033[K  ... " : "  ... ") << p.executions << " executions, "
           << static_cast<uint64_t>(p.seconds > 0 ? p.executions / p.seconds : 0) << " exec/s, "
           << std::fixed << std::setprecision(1) << p.seconds << " s, no finding yet";
      if (probes > 0) c.err << ", probes " << p.probes_hit << "/" << probes;
      if (p.parts_done + p.parts_left > 0) c.err << ", parts " << p.parts_done << " done, " << p.parts_left << " left";
      if (p.explored_fraction > 0 && p.explored_fraction < 1) {
        c.err << ", about " << static_cast<uint64_t>(p.executions * (1 - p.explored_fraction) / p.explored_fraction)
             << " executions left";
      }
      c.err << (show_progress ? "" : "\n") << std::flush;
    };
  }
  Explored x{std::move(req), {}, {}, {}, {}, {}, {}, {}, {}, {}};
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

}  // namespace

int explore_one(Context& c, const ExploreOptions& o, const std::string& scenario_name,
                std::vector<std::string> after) {
  sim::RunRequest req = make_request(c, o, scenario_name);
  std::vector<sim::PartCheckpoint> from;  // --resume, or --checkpoint's file: where the search goes on
  std::error_code ec;
  const bool kept = !o.checkpoint.empty() && std::filesystem::exists(o.checkpoint, ec);
  if (!o.resume.empty() || kept) {
    from = read_checkpoint(kept ? o.checkpoint : o.resume, req);
    req.resume = &from;
  }
  Explored x = run_and_record(c, o, std::move(req));
  if (stopped_by_signal(x)) x.not_run = std::move(after);
  if (!o.checkpoint.empty()) {
    // --checkpoint: the file follows the search, whatever ended this run but a finding.
    if (!x.report.checkpoint.empty()) {
      x.checkpoint_path = o.checkpoint;
      x.checkpoint_error = replace_checkpoint(o.checkpoint, x.req, x.report.checkpoint);
    }
  } else if (stopped_by_signal(x) && !x.report.checkpoint.empty()) {
    x.checkpoint_path = fresh_output_path(o.out_dir, checkpoint_name(x.req));
    x.checkpoint_error = write_checkpoint(x.checkpoint_path, x.req, x.report.checkpoint);
  }
  return o.json ? print_explore_json(c, o, x) : print_explore_text(c, o, x);
}

namespace {

int explore(Context& c, const ExploreOptions& o) {
  if (!o.checkpoint.empty() && !o.resume.empty()) {
    throw UsageError("--checkpoint goes on from its own file: give --checkpoint or --resume, not both");
  }
  if (!o.checkpoint.empty() && o.all) {
    throw UsageError("--checkpoint keeps one search; explore --all resumes with --all-from N --resume FILE");
  }
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
  if (!o.resume.empty() && scenarios.size() > 1) {
    throw UsageError("--resume goes on with one scenario's search: give its --scenario");
  }
  if (!o.checkpoint.empty() && scenarios.size() > 1) {
    throw UsageError("--checkpoint keeps one scenario's search: give its --scenario");
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
  if (o.resplit_after > 0 && !(sim::splits_by_prefix(c.strategy) && c.jobs > 1)) {
    throw UsageError("--resplit-after applies to dfs and dpor with --jobs 2 or more");
  }
  req.resplit_after = o.resplit_after;
  if (!o.split_depth.empty() && !sim::splits_by_prefix(c.strategy)) {
    throw UsageError("--split-depth applies to dfs and dpor, not " + c.strategy);
  }
  if (!o.shard.empty()) read_shard(o.shard, req);
  if (!o.split_depth.empty()) read_split_depths(o.split_depth, req);
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
  if (!o.checkpoint.empty() && !sim::resumes_from_checkpoint(c.strategy)) {
    throw UsageError("--checkpoint keeps the place of a dfs, icb or dpor search; " + c.strategy +
                     " resumes with --first-execution (an interrupted run prints the command)");
  }
  if (!o.resume.empty() && !sim::resumes_from_checkpoint(c.strategy)) {
    throw UsageError("--resume goes on with a dfs, icb or dpor search; " + c.strategy +
                     " resumes with --first-execution (an interrupted run prints the command)");
  }
  req.interrupt_after = o.interrupt_after;
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
                      "does not depend on it); dfs and dpor cut the tree (or the --shard's part) into 64 parts "
                      "that the workers take from a queue, and cut a part that has run --resplit-after "
                      "executions into 8 parts one level deeper; the report is the same for any N >= 2 "
                      "(docs/campaigns.md)")
      ->check(number_in(1, 256));
  explore->add_option("--resplit-after", o->resplit_after,
                      "dfs, dpor with --jobs: cut a part into parts once it has run this many executions "
                      "without ending (default 50000); those executions are run again by its parts")
      ->check(number_in(1));
  explore->add_option("--shard", o->shard,
                      "I/N: run only part I of N, for spreading one campaign over machines: portfolio and random "
                      "run the execution indices i with i % N == I; dfs and dpor explore the subtrees below the "
                      "first --split-depth decisions that hash to I. dfs, dpor: I/N:J/M runs part J of M of part "
                      "I/N, cut again at a deeper depth (for a part too large to finish; any number of levels). "
                      "Combine the --json outputs with 'lsmc merge', which says exhausted only if every part was, "
                      "or all of its parts were (docs/campaigns.md)");
  explore->add_option("--split-depth", o->split_depth,
                      "dfs, dpor with --jobs or --shard: the decisions whose subtrees are dealt out (default 6 + "
                      "2 log2 of shards x jobs; a level of I/N:J/M the level above's + 2 log2 M), D in [1, 64], or "
                      "D:D... one a level, each deeper; dpor tries every ordering of them. Alone, it runs the split "
                      "search whole: the executions all its shards run together");
  explore->add_option("--set", o->sets, "set a Config field, NAME=VALUE (steps_max, actors_max, ...)");
  explore->add_option("--param", o->params, "set a scenario parameter, NAME=VALUE");
  explore->add_option("--resume", o->resume,
                      "dfs, icb, dpor: go on from this checkpoint, which an interrupted search writes into the "
                      "output folder (--out) and names in its resume command; the rest of the command must describe "
                      "the same search (scenario, params, mutant, profile, memory model, strategy, --set, --jobs, "
                      "--shard, --split-depth, --known), and the final report is the whole search's");
  explore->add_option("--checkpoint", o->checkpoint,
                      "dfs, icb, dpor: keep the search's place in this file: go on from it when it exists (as "
                      "--resume), and write it there, replacing it, whenever the run ends without a finding (a "
                      "signal, the budget, or the space exhausted, which a rerun then reports at once). For job "
                      "engines that rerun the same command after a preemption or a time limit (docs/campaigns.md)");
  explore->add_option("--interrupt-after", o->interrupt_after,
                      "for tests: stop as if interrupted (SIGINT) once each job has run this many executions")
      ->check(number_in(1));
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
