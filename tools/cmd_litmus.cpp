// `lsmc litmus FILE...`: every execution of C litmus tests under a memory model, printed as herd7
// prints them, and checked against the "Result:" line of each file's header.
#include "tools/cmd_litmus.hpp"

#include <CLI/CLI.hpp>

#include "traces/safe_text.hpp"
#include "wmm/litmus/enumerate.hpp"

namespace lsmc::cli {

namespace {

constexpr int kOk = 0, kDisagrees = 1, kUsage = 2;

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

}  // namespace

int cmd_litmus(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  LitmusOptions o;
  CLI::App app{"Every execution of C litmus tests (the format of the kernel's tools/memory-model/litmus-tests) "
               "under a memory model, printed as herd7 prints them: the final states, then "
               "'Observation NAME Never|Sometimes|Always P N' (P states satisfy the condition, N do not). "
               "Under lkmm a file whose header has a 'Result:' line is checked against it.",
               "lsmc litmus"};
  app.add_option("files", o.files, "litmus files")->required();
  app.add_option("--memory-model", o.model,
                 "lkmm (the Linux-kernel memory model, default), tso (x86-TSO, the kernel's primitives as "
                 "they compile on x86) or sc (sequential consistency); docs/memory-model.md says what each covers")
      ->check(CLI::IsMember({"sc", "tso", "lkmm"}));
  app.add_flag("--check", o.check,
               "print one line per file (ok, FAIL, or none when it has no Result: line) instead of the states");
  app.footer("Exit codes: 0 every file agrees with its Result: line (or has none); 1 some file disagrees; "
             "2 usage or input error (FILE:LINE: what).");
  std::vector<const char*> argv;
  argv.push_back("lsmc litmus");
  for (std::size_t i = 1; i < args.size(); ++i) argv.push_back(args[i].c_str());
  try {
    app.parse(static_cast<int>(argv.size()), argv.data());
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) {
      out << app.help();
      return kOk;
    }
    err << "lsmc litmus: " << e.what() << "\nRun 'lsmc litmus --help' for usage.\n";
    return kUsage;
  }
  const wmm::Model model = *wmm::parse_model(o.model);
  if (o.check && model != wmm::Model::kLkmm) {
    err << "lsmc litmus: --check compares with the Result: lines, which are LKMM's verdicts: use --memory-model lkmm\n";
    return kUsage;
  }
  bool all_agree = true;
  for (std::size_t i = 0; i < o.files.size(); ++i) {
    if (i > 0 && !o.check) out << "\n";
    try {
      all_agree = run_one(o.files[i], model, o.check, out, err) && all_agree;
    } catch (const wmm::litmus::LitmusError& e) {
      err << "lsmc: " << traces::echo(e.what(), 1000) << "\n";
      return kUsage;
    }
  }
  return all_agree ? kOk : kDisagrees;
}

}  // namespace lsmc::cli
