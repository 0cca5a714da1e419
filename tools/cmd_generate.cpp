// lsmc generate: RapidCheck-generated scenarios, explored and shrunk.
#include "properties/generated.hpp"
#include "tools/command.hpp"

namespace lsmc::cli {

namespace {

int print_generate_text(Context& c, const properties::GenerateOptions& o, const properties::GenerateResult& r,
                        const std::string& trace_path, const std::string& trace_error, const std::string& resume,
                        int code);

// Generated scenarios: RapidCheck draws scenarios, the explorer runs each, and a finding is
// shrunk to the smallest scenario that still fails; its trace is written for replay.
int generate(Context& c, const properties::GenerateOptions& o, const std::string& trace_out, const std::string& out_dir,
             bool json) {
  if (!o.mutant.empty() && c.catalog.find_mutant(o.mutant) == nullptr) {
    throw UsageError("unknown mutant '" + o.mutant + "' (see 'lsmc list --mutants')");
  }
  properties::GenerateResult r;
  try {
    r = properties::generate(c.catalog, o);
  } catch (const std::invalid_argument& e) {
    throw UsageError(e.what());  // a profile the scenario or mutant does not declare
  }
  std::string trace_path, trace_error;
  if (r.report && r.report->failure) {
    trace_path = trace_out.empty() ? fresh_output_path(out_dir, "lsmc-generated" + (o.mutant.empty() ? "" : "-" + o.mutant) +
                                                                    (o.profile == sim::kProfiles[0] ? "" : "-" + o.profile) +
                                                                    "-seed" + std::to_string(o.seed) + ".trace")
                                   : trace_out;
    sim::Params params;
    const sim::Scenario& scenario = *c.catalog.find("generated");
    if (auto err = sim::resolve_params(scenario, *r.minimal, params)) throw std::logic_error(*err);
    sim::Config config;
    config.mutant = o.mutant;
    config.profile = o.profile;
    config.executions_max = o.executions;
    config.faults_max = o.faults_max;
    trace_error = write_trace_or_error(trace_path, traces::make_trace(scenario, params, config, *r.report->failure));
  }
  // A signal: nothing found resumes at the first case not run; a finding whose shrinking was cut
  // short resumes at the case that failed, shrinking it again.
  const std::string resume =
      !r.interrupted ? ""
                     : resume_command(c, {{"--skip-cases", std::to_string(r.minimal ? r.failing_case : r.resume_case)}});
  const int code = r.interrupted ? c.interrupt->exit_code() : r.minimal ? kExitViolation : kExitOk;
  const int exit_code = trace_error.empty() ? code : kExitUsage;
  if (json) {
    nlohmann::json j;
    j["mutant"] = o.mutant.empty() ? nlohmann::json(nullptr) : nlohmann::json(o.mutant);
    j["seed"] = o.seed;
    j["cases"] = r.cases;
    j["outcome"] = r.minimal ? "violation" : r.interrupted ? "interrupted" : "nothing-found";
    j["known_cases"] = r.known_cases;
    if (r.interrupted) {
      j["signal"] = c.interrupt->name();
      j["resume_command"] = resume;
      if (r.minimal) j["shrinking_interrupted"] = true;
    }
    if (r.minimal) {
      j["scenario_params"] = *r.minimal;
      j["scenario_size"] = properties::scenario_size(*r.minimal);
      j["found_at_case"] = r.failing_case + 1;
      j["property"] = r.report->failure->verdict.property;
      j["message"] = r.report->failure->verdict.message;
      j["explore_command"] = c.program + " " + r.command;
      if (trace_error.empty()) {
        j["trace"] = trace_path;
        j["replay_command"] = replay_command(c, trace_path);
      } else {
        j["trace_error"] = trace_error;
      }
    }
    j["exit_code"] = exit_code;
    c.out << j.dump(2) << "\n";
    return report_output_errors(c, code, {trace_error});
  }
  return print_generate_text(c, o, r, trace_path, trace_error, resume, code);
}

int print_generate_text(Context& c, const properties::GenerateOptions& o, const properties::GenerateResult& r,
                        const std::string& trace_path, const std::string& trace_error, const std::string& resume,
                        int code) {
  c.out << "lsmc " << traces::lsmc_version() << " generate: " << (o.mutant.empty() ? "unmutated model" : "mutant " + o.mutant) << " (" << o.profile << ")"
       << ", seed " << o.seed << ", up to " << o.cases << " scenarios of " << o.executions << " executions\n";
  for (const auto& [name, cases] : r.known_cases) {
    c.out << "  known upstream (counted, not a finding; --known stop reports it): " << name << " in " << cases
         << " scenarios, first: " << c.program << " " << r.known_first_command << "\n";
  }
  if (!r.minimal && r.interrupted) {
    c.out << "result: interrupted (" << c.interrupt->name() << ") after " << r.cases
          << " generated scenarios, nothing found so far\n  resume: " << resume << "\n";
    return code;
  }
  if (!r.minimal) {
    c.out << "result: nothing found in " << r.cases << " generated scenarios\n";
    return kExitOk;
  }
  const sim::Verdict& v = r.report->failure->verdict;
  c.out << "  found at scenario " << r.failing_case + 1 << " of the search; " << r.cases
        << " scenarios run, shrinking included\n";
  c.out << "result: VIOLATION of " << v.property << "\n  " << v.message << "\n";
  c.out << "  minimal scenario (" << properties::scenario_size(*r.minimal) << " operations):";
  for (const auto& [name, value] : *r.minimal) c.out << " " << name << "=" << value;
  if (trace_error.empty()) {
    c.out << "\n  trace: " << trace_path << "\n  replay: " << replay_command(c, trace_path);
  } else {
    c.out << "\n  trace: NOT WRITTEN (" << trace_error << "); the explore command finds it again";
  }
  c.out << "\n  explore: " << c.program << " " << r.command << "\n";
  if (r.interrupted) {
    c.out << "shrinking interrupted (" << c.interrupt->name() << "): the scenario above may not be minimal; "
          << "resume (shrinks the same finding again): " << resume << "\n";
  }
  return report_output_errors(c, code, {trace_error});
}

}  // namespace

Command add_generate_command(CLI::App& app) {
  struct Options {
    properties::GenerateOptions gen;
    std::string trace_out, out_dir = kDefaultOutDir, known = "count";
    bool json = false;
  };
  auto o = std::make_shared<Options>();
  auto* gen = app.add_subcommand(
      "generate", "Generated scenarios (RapidCheck): draw scenarios of the 'generated' kernel scenario "
                  "(actors' operation programs, CPUs, an initial element, teardown), explore each with the "
                  "default strategy, and shrink the first finding to the smallest scenario that still fails. "
                  "Without --mutant the unmutated model must pass (exit 0); a finding exits 1 with its trace, "
                  "replay and explore commands.");
  gen->add_option("--mutant", o->gen.mutant, "put this bug back (see 'lsmc list --mutants')");
  gen->add_option("--profile", o->gen.profile, "the kernel version the model follows: linux-6.18 (default) or linux-7.0");
  gen->add_option("--seed", o->gen.seed, "RapidCheck seed (default 1)")->check(number_in(0));
  gen->add_option("--cases", o->gen.cases, "generated scenarios at most, before shrinking (default 2000: every listed mutant is found within it)")
      ->check(number_in(1, 1000000));
  gen->add_option("--executions", o->gen.executions, "executions per scenario (default 300)")
      ->check(number_in(1, 100000000));
  gen->add_option("--faults-max", o->gen.faults_max,
                  "faults injected per execution at most: every allocation and copy_process bailout is a "
                  "fault point (default 1)")
      ->check(number_in(0, 64));
  gen->add_option("--known", o->known,
                  "count (default): an execution ending in a finding upstream documents and leaves unfixed "
                  "(see 'lsmc list --known') is counted and the search goes on; stop: it is a finding")
      ->check(CLI::IsMember({"stop", "count"}));
  gen->add_option("--skip-cases", o->gen.skip_cases,
                  "the first N scenarios pass without running; the others are drawn as without it (what an "
                  "interrupted generate prints to resume)")
      ->check(number_in(0, 1000000));
  gen->add_option("--trace-out", o->trace_out, "where to write the trace of the minimal finding");
  add_out_option(gen, o->out_dir);
  gen->add_flag("--json", o->json, "print one JSON object instead of text");
  return {gen, [o](Context& c) {
            o->gen.count_known = o->known == "count";
            o->gen.interrupted = c.stop_flag();
            if (o->gen.skip_cases >= o->gen.cases) {
              throw UsageError("--skip-cases " + std::to_string(o->gen.skip_cases) + " leaves none of --cases " +
                               std::to_string(o->gen.cases) + " to run");
            }
            return generate(c, o->gen, o->trace_out, o->out_dir, o->json);
          },
          true};
}

}  // namespace lsmc::cli
