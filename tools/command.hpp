// What every lsmc subcommand shares: the exit codes, the usage error, the context a command runs
// in, and the small helpers that print commands and verdicts. Each subcommand is one file
// (tools/cmd_*.cpp) with one `add_*_command` function: it declares the subcommand and its options
// on the CLI11 app and returns what runs when the subcommand is chosen.
#pragma once

#include <CLI/CLI.hpp>
#include <atomic>
#include <functional>
#include <nlohmann/json.hpp>
#include <ostream>
#include <stdexcept>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "sim/runner.hpp"
#include "tools/cli.hpp"
#include "sim/scenario.hpp"
#include "traces/trace.hpp"

namespace lsmc::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitViolation = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitLimit = 3;
inline constexpr int kExitDiverged = 4;
// An interrupted command exits 128 + the signal, the shell's convention: 130 (SIGINT), 143
// (SIGTERM); Interrupt::exit_code().

// Bad input: one line on stderr, exit 2.
struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Where a command prints, what it may ask (a terminal? interrupted?), what it knows.
struct Context {
  std::ostream& out;
  std::ostream& err;
  bool interactive;          // stderr is a terminal: progress lines
  Interrupt* interrupt;      // set by the process's signal handler (may be null)
  const sim::Catalog& catalog;
  std::vector<std::string> args;  // the command line as given, without "lsmc"
  std::string program = "lsmc";    // how printed commands name this program, quoted for a shell
  // The runners' stop flag (null when there is no handler).
  const std::atomic<bool>* stop_flag() const { return interrupt != nullptr ? &interrupt->requested : nullptr; }
  bool interrupted() const { return interrupt != nullptr && interrupt->requested.load(); }
};

// A declared subcommand and what runs when it is the one chosen. `stops_cleanly`: it reads
// Context::interrupt and stops at a safe point; while any other command runs, a signal ends the
// process at once.
struct Command {
  CLI::App* sub = nullptr;
  std::function<int(Context&)> run;
  bool stops_cleanly = false;
};

// The command as it was given, with each of `options` (name, value) in place of any earlier
// occurrence of that option, every word quoted for a POSIX shell: what resumes an interrupted
// command. It is also the given command with the options appended (an option given twice takes
// the last value).
std::string resume_command(const Context& c, const std::vector<std::pair<std::string, std::string>>& options);

// "name=value" pairs from repeated --set / --param options.
std::pair<std::string, std::string> split_assignment(const std::string& text, const char* flag);
// `s` quoted for a POSIX shell where it needs it (traces/safe_text.hpp).
std::string shell_quote(const std::string& s);
// The command that replays the trace at `path` with this program, quoted for a POSIX shell.
std::string replay_command(const Context& c, const std::string& path);
int exit_code_for(sim::Outcome outcome);
nlohmann::json verdict_json(const sim::Verdict& v);
traces::Trace read_trace_or_usage(const std::string& path);
// Where a command writes the files it names itself (a finding's trace without --trace-out): the
// folder --out gives, "lsmc-out" by default, created when the first file is written.
inline constexpr const char* kDefaultOutDir = "lsmc-out";
void add_out_option(CLI::App* cmd, std::string& dir);
// `name` inside `dir`, with "-2", "-3", ... before its extension if a file of that name exists
// already: a finding is never written over an earlier one. Creates `dir` (call it only when the
// file is about to be written).
std::string fresh_output_path(const std::string& dir, const std::string& name);
// Writes `trace` to `path`; returns what went wrong, or empty. A command that found something
// reports it whether or not its trace could be written, then exits 2 (report_output_errors).
std::string write_trace_or_error(const std::string& path, const traces::Trace& trace);
// Prints each non-empty error on stderr; returns kExitUsage if there was one, else `code`.
int report_output_errors(Context& c, int code, const std::vector<std::string>& errors);
// The one number parser of the command line (every command, every numeric option): a decimal
// integer in [min, max] (sim::parse_u64: no sign, no other base, no digit separators, and
// 2^64 is an error, not 2^64-1). CLI11 checks it on the text before converting.
CLI::Validator number_in(uint64_t min, uint64_t max = UINT64_MAX);

// The options of a differential command (lsmc kernel diff, lsmc mls diff): RapidCheck's seed, how
// many sequences (`sequences` holds the default when they are added) and how long at most, --json.
struct DiffFlags {
  uint64_t seed = 1;
  int sequences = 100, length = 24;
  bool json = false;
};
void add_diff_flags(CLI::App* cmd, DiffFlags& flags);
// A command that needs root and BPF where it cannot run: "skipped: WHY" on stderr and exit 2; nullopt
// when `why` is empty.
std::optional<int> skipped(Context& c, const std::string& why);

// The subcommands (tools/cmd_<name>.cpp).
Command add_list_command(CLI::App& app);
Command add_explore_command(CLI::App& app);
Command add_replay_command(CLI::App& app);
Command add_minimize_command(CLI::App& app);
Command add_render_command(CLI::App& app);
Command add_report_command(CLI::App& app);
Command add_generate_command(CLI::App& app);
Command add_merge_command(CLI::App& app);
Command add_check_bpf_command(CLI::App& app);
std::vector<Command> add_kernel_commands(CLI::App& app);  // kernel probe | diff | stress | race
std::vector<Command> add_mls_commands(CLI::App& app);     // mls stress | diff

}  // namespace lsmc::cli
