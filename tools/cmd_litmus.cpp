// `lsmc litmus FILE...`: every execution of C litmus tests under a memory model, printed as herd7
// prints them, and checked against the "Result:" line of each file's header.
#include "tools/cmd_litmus.hpp"

#include <memory>

#include "traces/safe_text.hpp"
#include "wmm/litmus/enumerate.hpp"

namespace lsmc::cli {

namespace {

struct LitmusOptions {
  std::vector<std::string> files;
  std::string model = "lkmm";
  bool check = false;
};

// One file: its report (or, with --check, one line). Returns whether it agrees with its Result:.
bool run_one(const std::string& path, wmm::Model model, bool check_only, std::ostream& out, std::ostream& err) {
  const wmm::litmus::Test t = wmm::litmus::read_file(path);
  const wmm::litmus::Result r = wmm::litmus::enumerate(t, model);
  const std::string got = r.observation();
  const bool judged = model == wmm::Model::kLkmm && !t.result.empty();
  const bool agrees = !judged || t.result == got;
  if (check_only) {
    out << (t.result.empty() ? "none " : agrees ? "ok   " : "FAIL ") << t.name << ": " << got << " " << r.positive()
        << " " << r.negative() << " (Result: " << (t.result.empty() ? "none" : t.result) << ")\n";
    return agrees;
  }
  out << wmm::litmus::report(t, r);
  if (!agrees) {
    err << "lsmc: " << path << ": the file's Result: line says " << t.result << ", LKMM gives " << got << "\n";
  }
  return agrees;
}

int litmus(Context& c, const LitmusOptions& o) {
  const wmm::Model model = *wmm::parse_model(o.model);
  if (o.check && model != wmm::Model::kLkmm) {
    throw UsageError("litmus --check compares with the Result: lines, which are LKMM's verdicts: use --memory-model lkmm");
  }
  bool all_agree = true;
  for (std::size_t i = 0; i < o.files.size(); ++i) {
    if (i > 0 && !o.check) c.out << "\n";
    try {
      all_agree = run_one(o.files[i], model, o.check, c.out, c.err) && all_agree;
    } catch (const wmm::litmus::LitmusError& e) {
      c.err << "lsmc: " << traces::echo(e.what(), 1000) << "\n";
      return kExitUsage;
    }
  }
  return all_agree ? kExitOk : kExitViolation;
}

}  // namespace

Command add_litmus_command(CLI::App& app) {
  auto o = std::make_shared<LitmusOptions>();
  auto* cmd = app.add_subcommand(
      "litmus",
      "Every execution of C litmus tests (the format of the kernel's tools/memory-model/litmus-tests) "
      "under a memory model, printed as herd7 prints them: the final states, then "
      "'Observation NAME Never|Sometimes|Always P N' (P states satisfy the condition, N do not). "
      "Under lkmm a file whose header has a 'Result:' line is checked against it.");
  cmd->add_option("files", o->files, "litmus files")->required();
  cmd->add_option("--memory-model", o->model,
                  "lkmm (the Linux-kernel memory model, default), tso (x86-TSO, the kernel's primitives as "
                  "they compile on x86) or sc (sequential consistency); docs/memory-model.md says what each covers")
      ->check(CLI::IsMember({"sc", "tso", "lkmm"}));
  cmd->add_flag("--check", o->check,
                "print one line per file (ok, FAIL, or none when it has no Result: line) instead of the states");
  cmd->footer("Exit codes: 0 every file agrees with its Result: line (or has none); 1 some file disagrees; "
              "2 usage or input error (FILE:LINE: what).");
  return {cmd, [o](Context& c) { return litmus(c, *o); }};
}

}  // namespace lsmc::cli
