// lsmc check-bpf FILE.bpf.c --entry NAME[:CONTEXT] ...: BPF C lsmc did not write, checked on its
// engine (docs/mls.md, "Checking BPF C lsmc did not write"). The file is built for the BPF
// target and for the host; each entry is a program run by an actor (or once before them, :init);
// the exploration is explore's, on the scenario check-bpf:FILE#ENTRIES, so its findings are
// traces that replay, minimize and render as any other.
#include <filesystem>

#include "tools/explore.hpp"
#ifdef LSMC_HAVE_BPF_HOST
#include "properties/check_bpf.hpp"
#endif

namespace lsmc::cli {

namespace {

struct CheckOptions {
  std::string file;
  std::vector<std::string> entries;
  ExploreOptions explore;
};

int check_bpf(Context& c, CheckOptions& o) {
#ifndef LSMC_HAVE_BPF_HOST
  (void)c;
  (void)o;
  throw UsageError("check-bpf needs lsmc built with clang-19 and libbpf (the host build of BPF C)");
#else
  std::error_code ec;
  if (!std::filesystem::is_regular_file(o.file, ec)) throw UsageError(o.file + ": no such file");
  properties::BpfCheck check;
  check.file = std::filesystem::absolute(o.file).lexically_normal().string();
  for (const std::string& text : o.entries) {
    std::string error;
    auto entry = properties::parse_bpf_entry(text, error);
    if (!entry) throw UsageError(error);
    check.entries.push_back(*entry);
  }
  std::string error;
  if (!properties::make_bpf_check(check, error)) throw UsageError(error);
  const std::string name = properties::bpf_check_name(check);
  if (c.catalog.find(name) == nullptr) throw UsageError(c.catalog.make_error(name));
  return explore_one(c, o.explore, name);
#endif
}

}  // namespace

Command add_check_bpf_command(CLI::App& app) {
  auto o = std::make_shared<CheckOptions>();
  auto* cmd = app.add_subcommand(
      "check-bpf",
      "Check BPF C lsmc did not write: build FILE for the BPF target and for lsmc's engine (every load, "
      "store and atomic a scheduling point, helpers and kfuncs on lsmc's kernel model), run its programs "
      "as actors, and explore with the lifetime, race, context and deadlock checkers (docs/mls.md). A "
      "helper, kfunc, map type, kernel type or field lsmc does not model is named, exit 2.");
  cmd->add_option("file", o->file, "the BPF C file (FILE.bpf.c)")->required();
  cmd->add_option("--entry", o->entries,
                  "NAME[:CONTEXT]: program NAME runs as one actor, in CONTEXT: task (default), softirq, hardirq or "
                  "nmi; init runs it once before the actors start (set-up: an arena's pages). Repeat for more "
                  "actors; actors take the CPUs in turn")
      ->required();
  ExploreOptions& e = o->explore;
  cmd->add_option("--strategy", e.strategy,
                  "as for explore: portfolio (default), random, pct, dfs (with --set preemption_bound=N), icb or dpor");
  cmd->add_option("--seed", e.seed, "seed of the run (default 1)")->check(number_in(0));
  cmd->add_option("--executions", e.executions, "executions budget (default 10000)")->check(number_in(0));
  cmd->add_option("--seconds", e.seconds, "time budget in seconds (default: none)")->check(number_in(0));
  cmd->add_option("--first-execution", e.first, "index of the first execution (to re-run one)")->check(number_in(0));
  cmd->add_option("--trace-out", e.trace_out, "where to write the trace of a finding");
  add_out_option(cmd, e.out_dir);
  cmd->add_option("--param", e.params, "runs=N: each actor runs its program N times (default 1)");
  cmd->add_option("--set", e.sets, "set a Config field, NAME=VALUE (steps_max, preemption_bound, ...)");
  cmd->add_flag("--json", e.json, "print one JSON object instead of text");
  cmd->add_flag("--minimize", e.minimize, "minimise a violation found and write it as NAME.min.trace");
#ifdef LSMC_HAVE_BPF_HOST
  std::string error;
  const std::string headers = properties::bpfhost_dir(error);
  cmd->footer("Headers (vmlinux.h, the host build's bpf/ headers): " + (headers.empty() ? error : headers) +
              ". $LSMC_BPFHOST_DIR overrides them.");
#endif
  return {cmd, [o](Context& c) { return check_bpf(c, *o); }};
}

}  // namespace lsmc::cli
