// The lsmc command line: parses arguments into a Config and a request, calls the library, prints.
// Everything it can do, a test can do by calling run_cli() in-process.
#include "tools/cli.hpp"

#include "model/linux/kernel.hpp"

#include <CLI/CLI.hpp>
#include <cctype>
#include <cstring>
#include <fstream>
#include <iomanip>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>

#include "properties/diff/diff.hpp"
#include "properties/generated.hpp"
#include "properties/lifetime.hpp"
#include "sim/runner.hpp"
#include "tools/design_report.hpp"
#include "traces/minimize.hpp"
#include "traces/render.hpp"
#include "traces/replay.hpp"
#include "traces/trace.hpp"
#include "tools/catalog.hpp"
#include "tools/cmd_litmus.hpp"
#if LSMC_HAVE_BPF
#include "model/real/real_kernel.hpp"
#endif

namespace lsmc::cli {

namespace {

constexpr int kExitOk = 0;
constexpr int kExitViolation = 1;
constexpr int kExitUsage = 2;
constexpr int kExitLimit = 3;
constexpr int kExitDiverged = 4;
constexpr int kExitInterrupted = 130;  // 128 + SIGINT, the shell's convention

constexpr const char* kExitCodesHelp =
    "Exit codes: 0 nothing found; 1 property violated (replay: the recorded violation "
    "reproduced); 2 usage or input error; 3 a per-execution limit was reached; 4 replay diverged "
    "from the code, or the model is not deterministic; 130 interrupted (Ctrl-C) with nothing found, "
    "after printing how to resume.";

struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// "name=value" pairs from repeated --set / --param options.
std::pair<std::string, std::string> split_assignment(const std::string& text, const char* flag) {
  const auto eq = text.find('=');
  if (eq == std::string::npos || eq == 0) {
    throw UsageError(std::string(flag) + " takes NAME=VALUE, got '" + text + "'");
  }
  return {text.substr(0, eq), text.substr(eq + 1)};
}

std::string shell_quote(const std::string& s) {
  bool plain = !s.empty();
  for (char c : s) {
    plain = plain && (std::isalnum(static_cast<unsigned char>(c)) || std::strchr("-_./=:,+", c));
  }
  if (plain) return s;
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

int exit_code_for(sim::Outcome outcome) {
  switch (outcome) {
    case sim::Outcome::kNothingFound: return kExitOk;
    case sim::Outcome::kViolation: return kExitViolation;
    case sim::Outcome::kLimit: return kExitLimit;
    case sim::Outcome::kNondeterminism: return kExitDiverged;
  }
  return kExitUsage;
}

struct ExploreOptions {
  std::string scenario;
  std::string mutant;
  std::string profile;  // empty: the first profile the scenario (and mutant) applies to
  std::string strategy = "portfolio";
  uint64_t seed = 1;
  uint64_t executions = 10000;
  uint64_t seconds = 0;
  uint64_t first = 0;
  std::string trace_out;
  bool json = false;
  bool all = false;
  uint64_t jobs = 1;
  std::string shard;
  std::vector<std::string> sets;
  std::vector<std::string> params;
  bool minimize = false;
  std::string known = "stop";  // "count": known upstream findings are counted, not reported
};

class Cli {
public:
  Cli(std::ostream& out, std::ostream& err, bool interactive, const std::atomic<bool>* interrupted)
      : out_(out), err_(err), interactive_(interactive), interrupted_(interrupted), catalog_(builtin_catalog()) {}

  int list(bool mutants, bool functions, bool attach_points, bool known) {
    if (known) {
      // Findings upstream documents and leaves unfixed: name, profile, what identifies it, source.
      for (const sim::KnownFinding& k : catalog_.known()) {
        out_ << k.name << "  [" << k.profile << "] " << k.property << ": " << k.message << " (" << k.source << ")\n";
      }
      return kExitOk;
    }
    if (functions) {
      // The modelled kernel functions: name, what a tracing program can do there, source file.
      for (const auto& f : model::kernel::kKernelFunctions) {
        out_ << std::left << std::setw(34) << f.name << " " << std::setw(11) << model::kernel::to_string(f.trace)
             << " " << f.source << "\n";
      }
      return kExitOk;
    }
    if (attach_points) {
      // The generated scenario's --param attach=N numbers these from 1.
      const auto& points = model::kernel::attach_points();
      for (std::size_t i = 0; i < points.size(); ++i) {
        out_ << (i + 1) << " " << model::kernel::to_string(points[i].kind) << " "
             << model::kernel::info(points[i].function).name << "\n";
      }
      return kExitOk;
    }
    if (mutants) {
      std::size_t width = 0;
      for (const auto& m : catalog_.mutants()) width = std::max(width, m.name.size());
      for (const auto& m : catalog_.mutants()) {
        std::string scen;
        for (const auto& s : m.scenarios) scen += (scen.empty() ? "" : ",") + s;
        std::string profs;
        for (const auto& p : m.profiles) profs += (profs.empty() ? "" : ",") + p;
        out_ << std::left << std::setw(static_cast<int>(width)) << m.name << "  " << m.description
             << " [scenarios: " << scen << "]" << (profs.empty() ? "" : " [profiles: " + profs + "]") << "\n";
      }
      return kExitOk;
    }
    std::size_t width = 0;
    for (const auto& s : catalog_.scenarios()) width = std::max(width, s->name().size());
    for (const auto& s : catalog_.scenarios()) {
      out_ << std::left << std::setw(static_cast<int>(width)) << s->name() << "  " << s->description();
      std::string ps;
      for (const auto& p : s->params()) {
        ps += (ps.empty() ? "" : " ") + std::string(p.name) + "=" + std::to_string(p.default_value);
      }
      if (!ps.empty()) out_ << " [params: " << ps << "]";
      std::string profs;
      for (std::string_view p : s->profiles()) profs += (profs.empty() ? "" : ",") + std::string(p);
      if (!profs.empty()) out_ << " [profiles: " << profs << "]";
      out_ << "\n";
    }
    return kExitOk;
  }

  int explore(const ExploreOptions& o) {
    if (o.all) return explore_all(o);
    if (o.scenario.empty() && o.mutant.empty()) {
      throw UsageError("explore needs --scenario NAME, --mutant NAME or --all (see 'lsmc list')");
    }
    if (!o.mutant.empty() && catalog_.find_mutant(o.mutant) == nullptr) {
      throw UsageError("unknown mutant '" + o.mutant + "' (see 'lsmc list --mutants')");
    }
    std::vector<std::string> scenarios;
    if (!o.scenario.empty()) {
      scenarios.push_back(o.scenario);
    } else {
      scenarios = catalog_.find_mutant(o.mutant)->scenarios;
    }
    int code = kExitOk;
    for (const auto& name : scenarios) {
      code = explore_one(o, name);
      if (code != kExitOk) break;
    }
    return code;
  }

  int replay(const std::string& path, bool json) {
    traces::Trace trace;
    try {
      trace = traces::read_trace_file(path);
    } catch (const traces::TraceError& e) {
      throw UsageError(e.what());
    }
    traces::ReplayResult result;
    try {
      result = traces::replay(trace, catalog_, properties::default_observers);
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
      out_ << j.dump(2) << "\n";
      return code;
    }
    out_ << "replay " << path << ": scenario " << trace.scenario << ", execution "
         << trace.record.index << ", " << trace.record.decisions.size() << " decisions, "
         << trace.record.events.size() << " events\n";
    if (result.status == traces::ReplayStatus::kDiverged) {
      out_ << "DIVERGED: the code no longer follows this trace\n  " << result.message << "\n";
    } else if (v.kind == sim::VerdictKind::kPass) {
      out_ << "reproduced: the execution passes, as recorded\n";
    } else {
      out_ << "reproduced: " << sim::to_string(v.kind) << " of " << v.property << "\n  " << v.message
           << "\n";
    }
    return code;
  }

  // `lsmc kernel ...`: why it cannot run here, or empty.
  static std::string kernel_unavailable() {
#if LSMC_HAVE_BPF
    return real::unavailable_reason();
#else
    return "lsmc was built without the real-kernel backend (it needs clang-19, bpftool, libbpf and "
           "/sys/kernel/btf/vmlinux at build time)";
#endif
  }

  int kernel_probe() {
#if LSMC_HAVE_BPF
    bool ok = true;
    for (const auto& line : real::probe_kernel()) {
      out_ << line.feature << ": " << (line.ok ? "yes" : "no") << " (" << line.detail << ")\n";
      if (!line.ok && (line.feature == "bpf-object" || line.feature == "root")) ok = false;
    }
    if (!ok) return kernel_skipped().value_or(kExitUsage);
    return kExitOk;
#else
    return kernel_skipped().value_or(kExitUsage);
#endif
  }

  // One line and exit 2 where the kernel commands cannot run; nullopt where they can.
  std::optional<int> kernel_skipped() {
    const std::string why = kernel_unavailable();
    if (why.empty()) return std::nullopt;
    err_ << "skipped: " << why << "\n";
    return kExitUsage;
  }

  int kernel_diff(uint64_t seed, int sequences, int length, bool json, std::string profile) {
    if (auto skipped = kernel_skipped()) return *skipped;
#if LSMC_HAVE_BPF
    // The model follows the running kernel's version unless --profile says otherwise.
    std::string release;
    {
      std::ifstream v("/proc/sys/kernel/osrelease");
      std::getline(v, release);
    }
    if (profile.empty()) {
      const auto p = model::kernel::profile_for_release(release);
      if (!p) {
        throw UsageError("lsmc has no profile for the running kernel " + release +
                         " (profiles: linux-6.18, linux-7.0); choose one with --profile");
      }
      profile = std::string(model::kernel::to_string(*p));
    } else if (!model::kernel::profile_from_name(profile)) {
      throw UsageError("unknown profile '" + profile + "' (known: linux-6.18, linux-7.0)");
    }
    properties::diff::ModelBackend model_backend(profile);
    real::RealBackend kernel;
    properties::diff::DiffOptions o;
    o.seed = seed;
    o.sequences = sequences;
    o.length_max = length;
    const properties::diff::DiffReport r = properties::diff::run_diff(model_backend, kernel, o);
    const std::string again = "lsmc kernel diff --seed " + std::to_string(seed) + " --sequences " +
                              std::to_string(sequences) + " --length " + std::to_string(length) +
                              " --profile " + profile;
    if (json) {
      nlohmann::json j;
      j["seed"] = seed;
      j["profile"] = profile;
      j["kernel"] = release;
      j["sequences"] = r.sequences;
      j["operations"] = r.operations;
      j["agree"] = !r.mismatch.has_value();
      if (r.mismatch) j["shrunk"] = properties::diff::describe(*r.mismatch);
      j["reproduce_command"] = again;
      out_ << j.dump(2) << "\n";
      return r.mismatch ? kExitViolation : kExitOk;
    }
    if (!r.mismatch) {
      out_ << "kernel diff (model profile " << profile << ", kernel " << release << "): " << r.sequences
           << " sequences, " << r.operations << " operations (seed " << seed
           << "): the model and the kernel agree on every outcome\n";
      return kExitOk;
    }
    out_ << "kernel diff (model profile " << profile << ", kernel " << release << "): MISMATCH (seed " << seed << ", " << r.sequences
         << " sequences run, shrinking included). Shrunk sequence:\n"
         << properties::diff::describe(*r.mismatch) << "  reproduce: " << again << "\n";
    return kExitViolation;
#else
    (void)seed, (void)sequences, (void)length, (void)json, (void)profile;
    return kExitUsage;
#endif
  }

  int kernel_stress(uint64_t seed, int threads, int epochs, int ops, bool json) {
    if (auto skipped = kernel_skipped()) return *skipped;
#if LSMC_HAVE_BPF
    real::StressOptions o;
    o.seed = seed;
    o.threads = threads;
    o.epochs = epochs;
    o.ops_per_thread = ops;
    const real::StressReport r = real::stress(o);
    if (json) {
      nlohmann::json j;
      j["operations"] = r.operations;
      j["threads"] = r.threads_run;
      j["outcomes"] = r.outcomes;
      j["violations"] = r.violations;
      out_ << j.dump(2) << "\n";
      return r.violations.empty() ? kExitOk : kExitViolation;
    }
    out_ << "kernel stress: " << r.threads_run << " threads in " << epochs << " epochs, " << r.operations
         << " operations (seed " << seed << ")\n";
    for (const auto& [what, count] : r.outcomes) out_ << "  " << what << ": " << count << "\n";
    if (r.violations.empty()) {
      out_ << "result: every errno in the documented set, every value consistent\n";
      return kExitOk;
    }
    for (const auto& v : r.violations) out_ << "  VIOLATION: " << v << "\n";
    return kExitViolation;
#else
    (void)seed, (void)threads, (void)epochs, (void)ops, (void)json;
    return kExitUsage;
#endif
  }

  traces::Trace read_trace_or_usage(const std::string& path) {
    try {
      return traces::read_trace_file(path);
    } catch (const traces::TraceError& e) {
      throw UsageError(e.what());
    }
  }

  // Draws a trace: Graphviz (dot, svg, png) or a text timeline.
  int render(const std::string& path, const std::string& format, const std::string& out_path, bool all) {
    const traces::Trace trace = read_trace_or_usage(path);
    traces::RenderOptions o;
    o.all = all;
    std::string output;
    if (format == "text") {
      output = traces::render_text(trace, o);
    } else if (format == "dot") {
      output = traces::render_dot(trace, o);
    } else if (format == "svg" || format == "png") {
      if (format == "png" && out_path.empty()) throw UsageError("--format png needs -o FILE");
      try {
        output = traces::run_graphviz(traces::render_dot(trace, o), format);
      } catch (const std::runtime_error& e) {
        throw UsageError(e.what());
      }
    } else {
      throw UsageError("unknown format '" + format + "' (dot, svg, png, text)");
    }
    if (out_path.empty()) {
      out_ << output;
    } else {
      std::ofstream f(out_path, std::ios::binary);
      if (!(f << output)) throw UsageError("cannot write " + out_path);
      out_ << "wrote " << out_path << "\n";
    }
    return kExitOk;
  }

  // One self-contained HTML page for a trace.
  int report(const std::string& path, const std::string& out_path, bool all) {
    const traces::Trace trace = read_trace_or_usage(path);
    traces::RenderOptions o;
    o.all = all;
    std::string html;
    try {
      html = traces::render_html(trace, path, o);
    } catch (const std::runtime_error& e) {
      throw UsageError(e.what());
    }
    std::ofstream f(out_path, std::ios::binary);
    if (!(f << html)) throw UsageError("cannot write " + out_path);
    out_ << "wrote " << out_path << "\n";
    return kExitOk;
  }

  // Minimises a failing trace and writes the result (default: NAME.min.trace).
  int minimize(const std::string& path, std::string out_path, bool scenario, uint64_t search, bool json) {
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
      r = traces::minimize(trace, catalog_, properties::default_observers, o);
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
      out_ << j.dump(2) << "\n";
      return kExitViolation;
    }
    out_ << "lsmc " << traces::lsmc_version() << " minimize: " << path << " (" << r.runs << " executions)\n"
         << traces::describe(r.before, r.after) << "result: VIOLATION of " << v.property << "\n  " << v.message
         << "\n  trace: " << out_path << "\n  replay: lsmc replay " << shell_quote(out_path) << "\n";
    return kExitViolation;
  }

  // Generated scenarios: RapidCheck draws scenarios, the explorer runs each, and a finding is
  // shrunk to the smallest scenario that still fails; its trace is written for replay.
  int generate(const properties::GenerateOptions& o, const std::string& trace_out, bool json) {
    if (!o.mutant.empty() && catalog_.find_mutant(o.mutant) == nullptr) {
      throw UsageError("unknown mutant '" + o.mutant + "' (see 'lsmc list --mutants')");
    }
    properties::GenerateResult r;
    try {
      r = properties::generate(catalog_, o);
    } catch (const std::invalid_argument& e) {
      throw UsageError(e.what());  // a profile the scenario or mutant does not declare
    }
    std::string trace_path;
    if (r.report && r.report->failure) {
      trace_path = trace_out.empty() ? "lsmc-generated" + (o.mutant.empty() ? "" : "-" + o.mutant) +
                                           (o.profile == sim::kProfiles[0] ? "" : "-" + o.profile) + ".trace"
                                     : trace_out;
      sim::Params params;
      const sim::Scenario& scenario = *catalog_.find("generated");
      if (auto err = sim::resolve_params(scenario, *r.minimal, params)) throw std::logic_error(*err);
      sim::Config config;
      config.mutant = o.mutant;
      config.profile = o.profile;
      config.executions_max = o.executions;
      config.faults_max = o.faults_max;
      traces::write_trace_file(trace_path, traces::make_trace(scenario, params, config, *r.report->failure));
    }
    if (json) {
      nlohmann::json j;
      j["mutant"] = o.mutant;
      j["seed"] = o.seed;
      j["cases"] = r.cases;
      j["outcome"] = r.minimal ? "violation" : "nothing-found";
      j["known_cases"] = r.known_cases;
      if (r.minimal) {
        j["scenario_params"] = *r.minimal;
        j["scenario_size"] = properties::scenario_size(*r.minimal);
        j["property"] = r.report->failure->verdict.property;
        j["message"] = r.report->failure->verdict.message;
        j["explore_command"] = r.command;
        j["trace"] = trace_path;
        j["replay_command"] = "lsmc replay " + shell_quote(trace_path);
      }
      out_ << j.dump(2) << "\n";
      return r.minimal ? kExitViolation : kExitOk;
    }
    out_ << "lsmc " << traces::lsmc_version() << " generate: " << (o.mutant.empty() ? "unmutated model" : "mutant " + o.mutant) << " (" << o.profile << ")"
         << ", seed " << o.seed << ", up to " << o.cases << " scenarios of " << o.executions << " executions\n";
    for (const auto& [name, cases] : r.known_cases) {
      out_ << "  known upstream (counted, not a finding; --known stop reports it): " << name << " in " << cases
           << " scenarios, first: " << r.known_first_command << "\n";
    }
    if (!r.minimal) {
      out_ << "result: nothing found in " << r.cases << " generated scenarios\n";
      return kExitOk;
    }
    const sim::Verdict& v = r.report->failure->verdict;
    out_ << "  " << r.cases << " scenarios run (shrinking included)\n";
    out_ << "result: VIOLATION of " << v.property << "\n  " << v.message << "\n";
    out_ << "  minimal scenario (" << properties::scenario_size(*r.minimal) << " operations):";
    for (const auto& [name, value] : *r.minimal) out_ << " " << name << "=" << value;
    out_ << "\n  trace: " << trace_path << "\n  replay: lsmc replay " << shell_quote(trace_path)
         << "\n  explore: " << r.command << "\n";
    return kExitViolation;
  }

  // Combines the --json results of the shards of one campaign: the campaign's finding is the
  // failing execution with the lowest index, as one machine would have reported it.
  int merge(const std::vector<std::string>& paths, bool json) {
    std::vector<nlohmann::json> parts;
    for (const auto& p : paths) {
      std::ifstream in(p);
      if (!in) throw UsageError(p + ": cannot open");
      try {
        parts.push_back(nlohmann::json::parse(in));
      } catch (const std::exception& e) {
        throw UsageError(p + ": not an 'lsmc explore --json' result (" + e.what() + ")");
      }
      for (const char* key : {"scenario", "mutant", "seed", "strategy", "shard_index", "shard_count", "executions", "outcome", "execution_first", "executions_max"}) {
        if (!parts.back().contains(key)) throw UsageError(p + ": not an 'lsmc explore --json' result (no '" + key + "')");
      }
    }
    const auto& a = parts.front();
    std::vector<bool> seen(a["shard_count"].get<uint64_t>(), false);
    uint64_t executions = 0;
    const nlohmann::json* finding = nullptr;
    for (std::size_t i = 0; i < parts.size(); ++i) {
      const auto& p = parts[i];
      for (const char* key : {"scenario", "mutant", "seed", "strategy", "shard_count", "execution_first", "executions_max"}) {
        if (p[key] != a[key]) throw UsageError(paths[i] + ": " + key + " differs from " + paths[0] + ": not the same campaign");
      }
      const uint64_t idx = p["shard_index"].get<uint64_t>();
      if (seen[idx]) throw UsageError(paths[i] + ": shard " + std::to_string(idx) + " given twice");
      seen[idx] = true;
      executions += p["executions"].get<uint64_t>();
      if (p.contains("execution") && (finding == nullptr || p["execution"].get<uint64_t>() < (*finding)["execution"].get<uint64_t>())) {
        finding = &p;
      }
    }
    std::string missing;
    for (std::size_t i = 0; i < seen.size(); ++i) {
      if (!seen[i]) missing += (missing.empty() ? "" : ",") + std::to_string(i);
    }
    const int code = finding == nullptr ? kExitOk : (*finding)["exit_code"].get<int>();
    if (json) {
      nlohmann::json j = finding ? *finding : a;
      j["executions"] = executions;
      j["shards_merged"] = parts.size();
      j["shards_missing"] = missing;
      if (!finding) j["outcome"] = "nothing-found";
      j["exit_code"] = code;
      out_ << j.dump(2) << "\n";
      return code;
    }
    out_ << "merged " << parts.size() << " of " << seen.size() << " shards: scenario " << a["scenario"].get<std::string>()
         << ", seed " << a["seed"] << ", " << executions << " executions\n";
    if (!missing.empty()) out_ << "  incomplete: shards " << missing << " are missing\n";
    if (finding == nullptr) {
      out_ << "result: nothing found\n";
      return code;
    }
    const auto& f = *finding;
    out_ << "result: " << f["outcome"].get<std::string>() << " in execution " << f["execution"] << " (shard "
         << f["shard_index"] << "): " << f["verdict"]["property"].get<std::string>() << ": "
         << f["verdict"]["message"].get<std::string>() << "\n";
    out_ << "  replay: " << f["replay_command"].get<std::string>() << "\n";
    out_ << "  reproduce: " << f["reproduce_command"].get<std::string>() << "\n";
    return code;
  }

  int kernel_race(long rounds, bool json) {
    if (auto skipped = kernel_skipped()) return *skipped;
#if LSMC_HAVE_BPF
    const real::RaceReport r = real::race_delete_vs_replace(rounds);
    if (json) {
      nlohmann::json j;
      j["rounds"] = r.rounds;
      j["both_succeeded"] = r.both_succeeded;
      j["survived_delete"] = r.survived_delete;
      out_ << j.dump(2) << "\n";
    } else {
      out_ << "kernel race delete-vs-replace: " << r.rounds << " rounds; delete and update(BPF_EXIST) both returned 0 in "
           << r.both_succeeded << "; the update's value survived a delete that returned 0 in " << r.survived_delete
           << (r.survived_delete ? " (not linearizable: the model's delete-vs-replace finding)" : "") << "\n";
    }
    return r.survived_delete ? kExitViolation : kExitOk;
#else
    (void)rounds, (void)json;
    return kExitUsage;
#endif
  }

private:
  static nlohmann::json verdict_json(const sim::Verdict& v) {
    nlohmann::json j;
    j["kind"] = std::string(sim::to_string(v.kind));
    j["property"] = v.property;
    j["message"] = v.message;
    j["step"] = v.step;
    return j;
  }

  static nlohmann::json known_hits_json(const sim::RunReport& report) {
    nlohmann::json j = nlohmann::json::object();
    for (const auto& [name, hit] : report.known_hits) j[name] = {{"count", hit.count}, {"first_execution", hit.first_index}};
    return j;
  }

  // Executions that ended in a finding upstream documents (--known count): counted, with where
  // each was first met and what upstream says of it.
  void print_known_hits(const sim::RunRequest& req, const sim::RunReport& report) {
    for (const auto& [name, hit] : report.known_hits) {
      for (const sim::KnownFinding& k : req.known) {
        if (k.name != name) continue;
        out_ << "  known upstream (counted, not a finding; --known stop reports it): " << name << ": " << hit.count
             << " executions, first " << hit.first_index << "; " << k.message << " (" << k.source << ")\n";
      }
    }
  }

  sim::RunRequest make_request(const ExploreOptions& o, const std::string& scenario_name) {
    sim::RunRequest req;
    req.scenario = catalog_.find(scenario_name);
    if (req.scenario == nullptr) {
      throw UsageError("unknown scenario '" + scenario_name + "' (see 'lsmc list')");
    }
    sim::Config& c = req.config;
    c.strategy = o.strategy;
    c.mutant = o.mutant;
    const sim::MutantInfo* mutant = o.mutant.empty() ? nullptr : catalog_.find_mutant(o.mutant);
    if (o.profile.empty()) {
      const std::vector<std::string> applicable = sim::run_profiles(*req.scenario, mutant);
      if (applicable.empty()) {
        throw UsageError("mutant '" + o.mutant + "' and scenario '" + scenario_name + "' share no kernel profile");
      }
      c.profile = applicable.front();
    } else {
      c.profile = o.profile;
    }
    c.seed = o.seed;
    c.executions_max = o.executions;
    c.seconds_max = o.seconds;
    c.execution_first = o.first;
    c.jobs = o.jobs;
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
    req.interrupted = interrupted_;
    if (o.known == "count") req.known = catalog_.known_in(c.profile);
    return req;
  }

  std::string reproduce_command(const sim::RunRequest& req, uint64_t index, const std::string& trace) {
    std::ostringstream cmd;
    cmd << "lsmc explore --scenario " << shell_quote(std::string(req.scenario->name()));
    if (!req.config.mutant.empty()) cmd << " --mutant " << shell_quote(req.config.mutant);
    if (req.config.profile != sim::kProfiles[0]) cmd << " --profile " << req.config.profile;
    cmd << " --strategy " << shell_quote(req.config.strategy) << " --seed " << req.config.seed;
    const bool learns = req.config.strategy == "dfs" || req.config.strategy == "icb" ||
                        req.config.strategy == "dpor" || req.config.strategy == "pct";
    if (learns) {
      // Tree searches, and PCT's step estimate, learn from every execution before this one.
      cmd << " --first-execution " << req.config.execution_first << " --executions "
          << (index - req.config.execution_first + 1);
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
    cmd << " --trace-out " << shell_quote(trace);
    return cmd.str();
  }

  int explore_one(const ExploreOptions& o, const std::string& scenario_name) {
    sim::RunRequest req = make_request(o, scenario_name);
    if (!o.json) {
      out_ << "lsmc " << traces::lsmc_version() << " explore: scenario " << req.scenario->name();
      for (const auto& [name, value] : req.params.values()) out_ << " " << name << "=" << value;
      out_ << "\n  mutant " << (req.config.mutant.empty() ? "none" : req.config.mutant)
           << ", profile " << req.config.profile << ", strategy " << req.config.strategy << ", seed " << req.config.seed
           << ", executions " << req.config.execution_first << ".."
           << req.config.execution_first + req.config.executions_max - 1
           << (req.config.seconds_max ? ", seconds_max " + std::to_string(req.config.seconds_max) : "")
           << ", steps_max " << req.config.steps_max << "\n";
    }
    const bool show_progress = interactive_ && !o.json;
    if (show_progress) {
      const std::size_t probes = req.scenario->probes().size();
      req.progress = [this, probes](const sim::RunProgress& p) {
        err_ << "\r\033[K  ... " << p.executions << " executions, "
             << static_cast<uint64_t>(p.seconds > 0 ? p.executions / p.seconds : 0) << " exec/s, "
             << std::fixed << std::setprecision(1) << p.seconds << " s, no finding yet";
        if (probes > 0) err_ << ", probes " << p.probes_hit << "/" << probes;
        if (p.explored_fraction > 0 && p.explored_fraction < 1) {
          err_ << ", about " << static_cast<uint64_t>(p.executions * (1 - p.explored_fraction) / p.explored_fraction)
               << " executions left";
        }
        err_ << std::flush;
      };
    }
    const sim::RunReport report = sim::run(req);
    if (show_progress) err_ << "\r\033[K" << std::flush;

    std::string trace_path;
    if (report.failure) {
      trace_path = o.trace_out.empty()
                       ? "lsmc-" + std::string(req.scenario->name()) +
                             (req.config.mutant.empty() ? "" : "-" + req.config.mutant) +
                             (req.config.profile == sim::kProfiles[0] ? "" : "-" + req.config.profile) + "-seed" +
                             std::to_string(req.config.seed) + "-exec" +
                             std::to_string(report.failure->index) + ".trace"
                       : o.trace_out;
      traces::write_trace_file(trace_path,
                               traces::make_trace(*req.scenario, req.params, req.config, *report.failure));
    }
    // --minimize: the found violation, shrunk; written next to the trace as NAME.min.trace.
    std::optional<traces::MinimizeResult> minimized;
    std::string min_path;
    if (o.minimize && report.failure && report.outcome == sim::Outcome::kViolation) {
      min_path = (trace_path.ends_with(".trace") ? trace_path.substr(0, trace_path.size() - 6) : trace_path) + ".min.trace";
      minimized = traces::minimize(traces::read_trace_file(trace_path), catalog_, properties::default_observers);
      traces::write_trace_file(min_path, minimized->minimized);
    }
    const int code = exit_code_for(report.outcome);
    const double rate = report.seconds > 0 ? report.executions / report.seconds : 0;
    if (o.json) {
      nlohmann::json j;
      j["scenario"] = std::string(req.scenario->name());
      j["profile"] = req.config.profile;
      j["mutant"] = req.config.mutant;
      j["strategy"] = req.config.strategy;
      j["seed"] = req.config.seed;
      j["execution_first"] = req.config.execution_first;
      j["executions_max"] = req.config.executions_max;
      j["shard_index"] = req.config.shard_index;
      j["shard_count"] = req.config.shard_count;
      j["jobs"] = req.config.jobs;
      j["outcome"] = std::string(sim::to_string(report.outcome));
      j["stop_reason"] = report.stop_reason;
      if (report.stop_reason == "interrupted") j["resume_index"] = report.resume_index;
      j["executions"] = report.executions;
      j["seconds"] = report.seconds;
      j["executions_per_second"] = rate;
      j["steps"] = report.metrics.steps;
      j["context_switches"] = report.metrics.context_switches;
      j["probes_never_hit"] = report.probes_never_hit;
      j["probe_hits"] = report.probe_hits;
      j["known_hits"] = known_hits_json(report);
      j["exit_code"] = code;
      if (report.failure) {
        j["verdict"] = verdict_json(report.failure->verdict);
        j["execution"] = report.failure->index;
        j["trace"] = trace_path;
        j["replay_command"] = "lsmc replay " + shell_quote(trace_path);
        j["reproduce_command"] = reproduce_command(req, report.failure->index, trace_path);
      }
      if (minimized) {
        j["minimized_trace"] = min_path;
        j["minimized_replay_command"] = "lsmc replay " + shell_quote(min_path);
        j["minimized_context_switches"] = minimized->after.switches;
        j["minimized_steps"] = minimized->after.steps;
      }
      if (!report.nondeterminism.empty()) j["nondeterminism"] = report.nondeterminism;
      out_ << j.dump(2) << "\n";
      return code;
    }
    out_ << "  " << report.executions << " executions in " << std::fixed << std::setprecision(2)
         << report.seconds << " s (" << static_cast<uint64_t>(rate) << " exec/s, "
         << report.metrics.steps << " steps, " << report.metrics.context_switches
         << " context switches)\n";
    if (req.config.strategy == "pct" && report.metrics.actors_max_seen > 0) {
      // Burckhardt et al.: one run finds a bug of depth d with probability >= 1/(n k^(d-1)).
      const double n = static_cast<double>(report.metrics.actors_max_seen);
      const double k = static_cast<double>(std::max<uint64_t>(report.metrics.steps_max_seen, 1));
      const double bound = 1.0 / (n * std::pow(k, static_cast<double>(req.config.pct_depth) - 1));
      out_ << "  pct: guaranteed hit rate for a depth-" << req.config.pct_depth << " bug >= 1/(n k^(d-1)) = "
           << std::scientific << std::setprecision(2) << bound << std::fixed << " (n=" << report.metrics.actors_max_seen
           << " actors, k=" << report.metrics.steps_max_seen << " steps); measured: ";
      if (report.failure) {
        out_ << "first hit at execution " << (report.failure->index - req.config.execution_first + 1)
             << " (rate about 1/" << (report.failure->index - req.config.execution_first + 1) << ")\n";
      } else {
        out_ << "no hit in " << report.executions << " executions\n";
      }
    }
    if (report.stop_reason != "space exhausted" && report.stop_reason != "failure") {
      if (auto f = report.explored_fraction; f > 0 && f < 1) {
        const double left = static_cast<double>(report.executions) * (1 - f) / f;
        out_ << "  space left: about " << std::setprecision(0) << left << " more executions (" << std::setprecision(1)
             << 100 * f << "% explored, assuming evenly sized subtrees)\n" << std::setprecision(2);
      }
    }
    if (!report.probe_hits.empty()) {
      out_ << "  probes:";
      for (const auto& [name, count] : report.probe_hits) out_ << " [" << name << "] " << count;
      out_ << "\n";
    }
    for (const auto& p : report.probes_never_hit) out_ << "  probe never hit: " << p << "\n";
    print_known_hits(req, report);
    if (!report.failure && report.stop_reason == "interrupted") {
      out_ << "result: interrupted after " << report.executions << " executions, nothing found so far\n";
      out_ << "  resume: the same command with --first-execution " << report.resume_index << " --executions "
           << (req.config.execution_first + req.config.executions_max - report.resume_index) << "\n";
      return kExitInterrupted;
    }
    if (!report.failure) {
      if (report.stop_reason == "space exhausted") {
        out_ << "result: nothing found: all " << report.executions << " executions explored"
             << (req.config.strategy == "dfs" || req.config.strategy == "icb"
                     ? " up to preemption bound " + std::to_string(req.config.preemption_bound)
                 : req.config.strategy == "dpor" ? " (DPOR: every class of equivalent schedules, no bound; " +
                       std::to_string(report.metrics.pruned) + " ended early by sleep sets)"
                 : "")
             << "\n";
      } else {
        out_ << "result: nothing found (" << report.stop_reason << ")\n";
      }
      return code;
    }
    const sim::Verdict& v = report.failure->verdict;
    if (report.outcome == sim::Outcome::kNondeterminism) {
      out_ << "result: NOT DETERMINISTIC: " << report.nondeterminism << "\n";
    } else if (report.outcome == sim::Outcome::kLimit) {
      out_ << "result: limit reached in execution " << report.failure->index << ": " << v.message << "\n";
    } else {
      out_ << "result: VIOLATION of " << v.property << " in execution " << report.failure->index
           << " at step " << v.step << "\n  " << v.message << "\n";
    }
    out_ << "  trace: " << trace_path << " (" << report.failure->decisions.size() << " decisions, "
         << report.failure->events.size() << " events)\n";
    out_ << "  replay: lsmc replay " << shell_quote(trace_path) << "\n";
    out_ << "  reproduce: " << reproduce_command(req, report.failure->index, trace_path) << "\n";
    if (minimized) {
      out_ << "minimized (" << minimized->runs << " executions):\n"
           << traces::describe(minimized->before, minimized->after) << "  trace: " << min_path
           << "\n  replay: lsmc replay " << shell_quote(min_path) << "\n";
    }
    return code;
  }

  // The default campaign: every scenario unmutated, and every mutant on its scenarios. Each must
  // behave as declared: passing scenarios pass, failing examples fail, mutants are found.
  int explore_all(const ExploreOptions& o) {
    if (!o.scenario.empty() || !o.mutant.empty() || !o.trace_out.empty()) {
      throw UsageError("--all runs every scenario and mutant; it takes no --scenario, --mutant or --trace-out");
    }
    struct Row {
      std::string scenario, mutant, profile, expected, got;
      uint64_t executions;
      double seconds;
    };
    std::vector<Row> rows;
    bool all_ok = true;
    auto run_row = [&](const std::string& scenario, const std::string& mutant, const std::string& profile,
                       bool expect_fail) {
      ExploreOptions one = o;
      one.all = false;
      one.scenario = scenario;
      one.mutant = mutant;
      one.profile = profile;
      sim::RunRequest req = make_request(one, scenario);
      const sim::RunReport r = sim::run(req);
      const bool found = r.outcome == sim::Outcome::kViolation;
      const bool ok = found == expect_fail && r.outcome != sim::Outcome::kNondeterminism &&
                      r.outcome != sim::Outcome::kLimit;
      all_ok = all_ok && ok;
      rows.push_back({scenario, mutant.empty() ? "-" : mutant, profile, expect_fail ? "finding" : "clean",
                      std::string(ok ? "ok: " : "UNEXPECTED: ") +
                          (found ? r.failure->verdict.property : std::string(sim::to_string(r.outcome))),
                      r.executions, r.seconds});
    };
    // Each scenario on each profile it declares; each mutant on each profile its scenario and
    // it both declare.
    for (const auto& s : catalog_.scenarios()) {
      for (const auto& p : sim::run_profiles(*s, nullptr)) run_row(std::string(s->name()), "", p, s->expected_to_fail());
    }
    for (const auto& m : catalog_.mutants()) {
      for (const auto& s : m.scenarios) {
        const sim::Scenario* sc = catalog_.find(s);
        if (sc == nullptr) throw std::logic_error("mutant " + m.name + " names unknown scenario " + s);
        for (const auto& p : sim::run_profiles(*sc, &m)) run_row(s, m.name, p, true);
      }
    }
    if (o.json) {
      nlohmann::json j = nlohmann::json::array();
      for (const auto& r : rows) {
        j.push_back({{"scenario", r.scenario}, {"mutant", r.mutant}, {"profile", r.profile}, {"expected", r.expected},
                     {"result", r.got}, {"executions", r.executions}, {"seconds", r.seconds}});
      }
      out_ << j.dump(2) << "\n";
    } else {
      std::size_t ws = 8, wm = 6;
      for (const auto& r : rows) ws = std::max(ws, r.scenario.size()), wm = std::max(wm, r.mutant.size());
      const int cs = static_cast<int>(ws + 2), cm = static_cast<int>(wm + 2);
      out_ << std::left << std::setw(cs) << "scenario" << std::setw(cm) << "mutant" << std::setw(12) << "profile"
           << std::setw(10) << "expected" << std::setw(12) << "executions" << "result\n";
      for (const auto& r : rows) {
        out_ << std::left << std::setw(cs) << r.scenario << std::setw(cm) << r.mutant << std::setw(12) << r.profile
             << std::setw(10) << r.expected << std::setw(12) << r.executions << r.got << "\n";
      }
      out_ << (all_ok ? "all scenarios and mutants behaved as expected\n"
                      : "SOME SCENARIOS DID NOT BEHAVE AS EXPECTED\n");
    }
    return all_ok ? kExitOk : kExitViolation;
  }

  std::ostream& out_;
  std::ostream& err_;
  bool interactive_;
  const std::atomic<bool>* interrupted_;
  sim::Catalog catalog_;
};

}  // namespace

int run_cli(const std::vector<std::string>& args, std::ostream& out, std::ostream& err,
            bool interactive, const std::atomic<bool>* interrupted) {
  if (!args.empty() && args[0] == "litmus") return cmd_litmus(args, out, err);
  const CLI::Validator non_negative(
      [](std::string& v) { return !v.empty() && v[0] == '-' ? std::string("must not be negative") : std::string(); },
      "", "non-negative");
  CLI::App app{"lsmc: a deterministic simulator and model checker for BPF local storage and for "
               "user-mappable local storage.",
               "lsmc"};
  app.require_subcommand(1);
  app.footer(kExitCodesHelp);
  app.add_subcommand("litmus", "Every execution of C litmus tests under sc, tso or lkmm, as herd7 prints them ('lsmc litmus --help').");

  bool list_mutants = false;
  auto* list = app.add_subcommand("list", "List scenarios (or mutants): one per line, name first.");
  list->add_flag("--mutants", list_mutants, "list the mutants (bugs that can be put back) instead");
  bool list_functions = false, list_attach = false, list_known = false;
  list->add_flag("--known", list_known,
                 "list the findings upstream documents and leaves unfixed, per kernel profile (what "
                 "'--known count' counts instead of reporting)");
  list->add_flag("--functions", list_functions,
                 "list the modelled kernel functions: name, traceability on Linux 6.18 (traceable, inlined, "
                 "notrace, ...), source file");
  list->add_flag("--attach-points", list_attach,
                 "list where programs can attach (fentry/fexit of each traceable function, tp_btf, LSM hooks), "
                 "numbered as the generated scenario's 'attach' parameter");

  ExploreOptions eo;
  auto* explore = app.add_subcommand(
      "explore",
      "Run many executions of a scenario under a strategy until the budget is used up or a "
      "property fails. A failure writes a trace file and prints the command that replays it.");
  explore->add_option("--scenario", eo.scenario, "scenario to explore (see 'lsmc list')");
  explore->add_option("--mutant", eo.mutant,
                      "put this bug back into the model; without --scenario, explore every "
                      "scenario the mutant declares (see 'lsmc list --mutants')");
  explore->add_option("--profile", eo.profile,
                      "the kernel version the model follows: linux-6.18 (this machine's kernel, "
                      "as shipped) or linux-7.0 (rqspinlock, no busy counters, "
                      "bpf_selem_unlink_nofail); default: the first the scenario declares "
                      "(see 'lsmc list')");
  explore->add_option("--strategy", eo.strategy,
                      "portfolio (the default: of every 8 executions, 4 uniform random walks and 4 PCT runs "
                      "of depths 1, 2, 3, 2 with horizons of 64..1024 steps; each execution depends only "
                      "on its index, so --jobs and --shard apply), random (uniform random walk), pct (PCT, "
                      "depth --set pct_depth=N, default 3), dfs (every schedule within --set "
                      "preemption_bound=N, default 2), icb (dfs at bound 0, 1, ... up to it) or dpor (DPOR with sleep sets: every class of "
                      "equivalent schedules once, no bound). dfs, icb and dpor say when they have explored "
                      "everything: use them to prove a small scenario clean");
  explore->add_option("--seed", eo.seed, "seed of the run; execution i uses a seed derived from it (default 1)")->check(non_negative);
  explore->add_option("--executions", eo.executions, "executions budget (default 10000)")->check(non_negative);
  explore->add_option("--seconds", eo.seconds, "time budget in seconds (default: none)")->check(non_negative);
  explore->add_option("--first-execution", eo.first, "index of the first execution (to re-run one)")->check(non_negative);
  explore->add_option("--trace-out", eo.trace_out, "where to write the trace of a failure");
  explore->add_flag("--json", eo.json, "print one JSON object instead of text");
  explore->add_flag("--minimize", eo.minimize,
                    "minimise a violation found (as 'lsmc minimize' does) and write it as NAME.min.trace");
  explore->add_flag("--all", eo.all,
                    "the default campaign: every scenario, and every mutant on its scenarios; "
                    "exit 0 when each behaves as declared");
  explore->add_option("--jobs", eo.jobs,
                      "worker threads (portfolio and random); the finding for a seed range does not depend on it")
      ->check(CLI::Range(1, 256));
  explore->add_option("--shard", eo.shard,
                      "I/N: run only the execution indices i with i % N == I, for spreading one campaign over "
                      "machines; combine the --json outputs with 'lsmc merge' (docs/campaigns.md)");
  explore->add_option("--set", eo.sets, "set a Config field, NAME=VALUE (steps_max, actors_max, ...)");
  explore->add_option("--param", eo.params, "set a scenario parameter, NAME=VALUE");
  explore->add_option("--known", eo.known,
                      "stop (default): a finding upstream documents and leaves unfixed in the profile (see "
                      "'lsmc list --known') is reported like any other; count: executions ending in one are "
                      "counted and the search goes on")
      ->check(CLI::IsMember({"stop", "count"}));

  std::string replay_path;
  bool replay_json = false;
  auto* replay = app.add_subcommand(
      "replay", "Re-run a trace's decisions and compare every event; stops at the first difference.");
  replay->add_option("trace", replay_path, "trace file written by explore")->required();
  replay->add_flag("--json", replay_json, "print one JSON object instead of text");

  if (!args.empty() && !args[0].empty() && args[0][0] != '-' && args[0] != "list" &&
      args[0] != "explore" && args[0] != "replay" && args[0] != "kernel" && args[0] != "merge" &&
      args[0] != "generate" && args[0] != "minimize" && args[0] != "litmus" && args[0] != "render" && args[0] != "report") {
    err << "lsmc: unknown command '" << args[0]
        << "' (commands: list, explore, replay, minimize, render, report, generate, merge, kernel, litmus)\n"
        << "Run 'lsmc --help' for usage.\n";
    return kExitUsage;
  }
  auto* kernel = app.add_subcommand("kernel", "Check the model against the running kernel (libbpf backend); needs root and BPF.");
  kernel->require_subcommand(1);
  auto* kprobe = kernel->add_subcommand("probe", "What the running kernel supports, one line each.");
  uint64_t diff_seed = 1;
  int diff_sequences = 100;
  int diff_length = 24;
  bool diff_json = false;
  std::string diff_profile;
  auto* kdiff = kernel->add_subcommand(
      "diff", "Run RapidCheck-generated operation sequences (program get/delete on the current thread; "
              "syscall lookup/update/delete by pidfd and cgroup fd with every flag; bad keys; owner exit and "
              "reap; cgroup rmdir; map close and re-create) on the model and on the kernel, and compare every "
              "outcome. A mismatch prints the shrunk sequence with both outcomes.");
  kdiff->add_option("--seed", diff_seed, "RapidCheck seed (default 1)");
  kdiff->add_option("--sequences", diff_sequences, "sequences to run (default 100)")->check(CLI::Range(1, 1000000));
  kdiff->add_option("--length", diff_length, "operations per generated sequence at most (default 24)")->check(CLI::Range(1, 1000));
  kdiff->add_flag("--json", diff_json, "print one JSON object instead of text");
  kdiff->add_option("--profile", diff_profile,
                    "the model's kernel profile (default: the running kernel's version, linux-6.18 here)");

  uint64_t stress_seed = 1;
  int stress_threads = 8, stress_epochs = 20, stress_ops = 400;
  bool stress_json = false;
  auto* kstress = kernel->add_subcommand(
      "stress", "Concurrent real threads doing program get/delete on themselves and syscall "
                "lookup/update/delete on each other by thread pidfd, exiting at random points while the "
                "maps lose their last reference. Checks that every errno is documented and every value "
                "read belongs to its thread.");
  kstress->add_option("--seed", stress_seed, "seed (default 1)");
  kstress->add_option("--threads", stress_threads, "threads per epoch (default 8)")->check(CLI::Range(1, 256));
  kstress->add_option("--epochs", stress_epochs, "epochs, each with fresh maps (default 20)")->check(CLI::Range(1, 100000));
  kstress->add_option("--ops", stress_ops, "operations per thread at most (default 400)")->check(CLI::Range(1, 1000000));
  kstress->add_flag("--json", stress_json, "print one JSON object instead of text");

  std::vector<std::string> merge_paths;
  bool merge_json = false;
  auto* merge = app.add_subcommand("merge", "Combine the --json results of the shards of one campaign (explore --shard I/N): "
                                            "the finding is the lowest-index failing execution.");
  merge->add_option("results", merge_paths, "files written by 'lsmc explore --shard I/N --json'")->required();
  merge->add_flag("--json", merge_json, "print one JSON object instead of text");

  std::string min_path, min_out;
  bool min_json = false, min_schedule_only = false;
  uint64_t min_search = 2000;
  auto* min = app.add_subcommand(
      "minimize", "Shrink a failing trace: smaller scenario parameters first (each explored with the default "
                  "strategy), then delta debugging over the decisions (a dropped decision stays on the current "
                  "actor, or draws 0), while the same property fails on an object of the same type. Prints the "
                  "size before and after and writes a replayable trace (exit 1: the minimised violation).");
  min->add_option("trace", min_path, "trace file written by explore")->required();
  min->add_option("-o,--out", min_out, "where to write the result (default: TRACE with .min.trace)");
  min->add_flag("--schedule-only", min_schedule_only, "keep the scenario's parameters; shrink the schedule only");
  min->add_option("--search-executions", min_search, "explorer budget per smaller scenario (default 2000)")
      ->check(CLI::Range(1, 100000000));
  min->add_flag("--json", min_json, "print one JSON object instead of text");

  std::string render_path, render_format = "text", render_out;
  bool render_all = false;
  auto* render = app.add_subcommand(
      "render", "Draw a trace: one lane per actor (with CPU and context), events labelled by the kernel "
                "function they model, happens-before edges (lock release to acquisition, a reader's exit "
                "to the end of the grace period that waited for it, reads-from, and the violating pair in "
                "red). Long traces show the events related to the violation; --all shows every one.");
  render->add_option("trace", render_path, "trace file")->required();
  render->add_option("--format", render_format, "text (a timeline, one column per actor; default), dot, svg or png "
                                                "(svg and png through Graphviz's dot)");
  render->add_option("-o,--out", render_out, "output file (default: standard output; png needs one)");
  render->add_flag("--all", render_all, "every event, not only those related to the violation");

  std::string report_path, report_out;
  bool report_all = false, report_design = false;
  uint64_t report_executions = 20000;
  auto* report = app.add_subcommand(
      "report", "One self-contained HTML page for a trace: the verdict, the scenario, the replay command, the "
                "drawing (SVG) and the timeline. With --design instead: regenerate the design exploration of "
                "the user-mappable storage proposal (Markdown, with its traces and plot next to it).");
  report->add_option("trace", report_path, "trace file (not with --design)");
  report->add_option("-o,--out", report_out, "the file to write (HTML; with --design, Markdown)")->required();
  report->add_flag("--all", report_all, "every event, not only those related to the violation");
  report->add_flag("--design", report_design, "write the design exploration (docs/design-exploration.md)");
  report->add_option("--executions", report_executions, "--design: executions per scenario and mutant (default 20000)")
      ->check(CLI::Range(1, 100000000));

  properties::GenerateOptions gen_options;
  std::string gen_trace_out;
  bool gen_json = false;
  auto* gen = app.add_subcommand(
      "generate", "Generated scenarios (RapidCheck): draw scenarios of the 'generated' kernel scenario "
                  "(actors' operation programs, CPUs, an initial element, teardown), explore each with the "
                  "default strategy, and shrink the first finding to the smallest scenario that still fails. "
                  "Without --mutant the unmutated model must pass (exit 0); a finding exits 1 with its trace, "
                  "replay and explore commands.");
  gen->add_option("--mutant", gen_options.mutant, "put this bug back (see 'lsmc list --mutants')");
  gen->add_option("--profile", gen_options.profile, "the kernel version the model follows: linux-6.18 (default) or linux-7.0");
  gen->add_option("--seed", gen_options.seed, "RapidCheck seed (default 1)")->check(non_negative);
  gen->add_option("--cases", gen_options.cases, "generated scenarios at most, before shrinking (default 2000: every listed mutant is found within it)")
      ->check(CLI::Range(1, 1000000));
  gen->add_option("--executions", gen_options.executions, "executions per scenario (default 300)")
      ->check(CLI::Range(1, 100000000));
  gen->add_option("--faults-max", gen_options.faults_max,
                  "faults injected per execution at most: every allocation and copy_process bailout is a "
                  "fault point (default 1)")
      ->check(CLI::Range(0, 64));
  std::string gen_known = "count";
  gen->add_option("--known", gen_known,
                  "count (default): an execution ending in a finding upstream documents and leaves unfixed "
                  "(see 'lsmc list --known') is counted and the search goes on; stop: it is a finding")
      ->check(CLI::IsMember({"stop", "count"}));
  gen->add_option("--trace-out", gen_trace_out, "where to write the trace of the minimal finding");
  gen->add_flag("--json", gen_json, "print one JSON object instead of text");

  long race_rounds = 20000;
  bool race_json = false;
  auto* krace = kernel->add_subcommand(
      "race", "Reproduce the model's delete-vs-replace finding on the kernel: per round, one thread deletes an "
              "element while another updates it with BPF_EXIST; exit 1 if a delete that returned 0 left the "
              "update's value behind (not linearizable).");
  krace->add_option("--rounds", race_rounds, "rounds (default 20000)")->check(CLI::Range(1L, 100000000L));
  krace->add_flag("--json", race_json, "print one JSON object instead of text");

  std::vector<const char*> argv;
  argv.push_back("lsmc");
  for (const auto& a : args) argv.push_back(a.c_str());
  try {
    app.parse(static_cast<int>(argv.size()), argv.data());
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) {  // --help, on the program or on a subcommand
      const CLI::App* sub = nullptr;
      for (const CLI::App* s : app.get_subcommands()) sub = s;
      out << (sub ? sub->help() : app.help());
      return kExitOk;
    }
    err << "lsmc: " << e.what() << "\nRun 'lsmc --help' for usage.\n";
    return kExitUsage;
  }
  try {
    Cli cli(out, err, interactive, interrupted);
    if (*list) return cli.list(list_mutants, list_functions, list_attach, list_known);
    if (*explore) return cli.explore(eo);
    if (*replay) return cli.replay(replay_path, replay_json);
    if (*merge) return cli.merge(merge_paths, merge_json);
    gen_options.count_known = gen_known == "count";
    if (*gen) return cli.generate(gen_options, gen_trace_out, gen_json);
    if (*min) return cli.minimize(min_path, min_out, !min_schedule_only, min_search, min_json);
    if (*render) return cli.render(render_path, render_format, render_out, render_all);
    if (*report && report_design) {
      if (!report_path.empty()) throw UsageError("report --design takes no trace");
      DesignReportOptions d;
      d.out = report_out;
      d.executions = report_executions;
      out << write_design_report(builtin_catalog(), d) << "\n";
      return kExitOk;
    }
    if (*report && report_path.empty()) throw UsageError("report needs a trace (or --design)");
    if (*report) return cli.report(report_path, report_out, report_all);
    if (*kprobe) return cli.kernel_probe();
    if (*kdiff) return cli.kernel_diff(diff_seed, diff_sequences, diff_length, diff_json, diff_profile);
    if (*kstress) return cli.kernel_stress(stress_seed, stress_threads, stress_epochs, stress_ops, stress_json);
    if (*krace) return cli.kernel_race(race_rounds, race_json);
  } catch (const UsageError& e) {
    err << "lsmc: " << e.what() << "\n";
    return kExitUsage;
  } catch (const std::invalid_argument& e) {
    err << "lsmc: " << e.what() << "\n";
    return kExitUsage;
  } catch (const std::exception& e) {
    err << "lsmc: internal error: " << e.what() << "\n";
    return kExitUsage;
  }
  return kExitUsage;
}

}  // namespace lsmc::cli
