// The helpers every subcommand shares (tools/command.hpp).
#include "tools/command.hpp"

#include <csignal>
#include <filesystem>
#include "traces/safe_text.hpp"

namespace lsmc::cli {

std::pair<std::string, std::string> split_assignment(const std::string& text, const char* flag) {
  const auto eq = text.find('=');
  if (eq == std::string::npos || eq == 0) {
    throw UsageError(std::string(flag) + " takes NAME=VALUE, got '" + text + "'");
  }
  return {text.substr(0, eq), text.substr(eq + 1)};
}

std::string shell_quote(const std::string& s) { return traces::shell_quote(s); }

std::string resume_command(const Context& c, const std::vector<std::pair<std::string, std::string>>& options) {
  std::string cmd = c.program;
  for (std::size_t i = 0; i < c.args.size(); ++i) {
    const std::string& word = c.args[i];
    bool replaced = false;
    for (const auto& [name, value] : options) {
      if (word == name) {
        ++i;  // and its value
        replaced = true;
      } else if (word.starts_with(name + "=")) {
        replaced = true;
      }
    }
    if (!replaced) cmd += " " + traces::shell_quote(word);
  }
  for (const auto& [name, value] : options) cmd += " " + name + " " + traces::shell_quote(value);
  return cmd;
}

int Interrupt::exit_code() const {
  const int s = signal.load();
  return 128 + (s != 0 ? s : SIGINT);
}

const char* Interrupt::name() const { return signal.load() == SIGTERM ? "SIGTERM" : "SIGINT"; }

std::string replay_command(const Context& c, const std::string& path) { return c.program + " replay " + traces::shell_path(path); }

int exit_code_for(sim::Outcome outcome) {
  switch (outcome) {
    case sim::Outcome::kNothingFound: return kExitOk;
    case sim::Outcome::kViolation: return kExitViolation;
    case sim::Outcome::kLimit: return kExitLimit;
    case sim::Outcome::kNondeterminism: return kExitDiverged;
  }
  return kExitUsage;
}

nlohmann::json verdict_json(const sim::Verdict& v) {
  nlohmann::json j;
  j["kind"] = std::string(sim::to_string(v.kind));
  j["property"] = v.property;
  j["message"] = v.message;
  j["step"] = v.step;
  return j;
}

traces::Trace read_trace_or_usage(const std::string& path) {
  try {
    return traces::read_trace_file(path);
  } catch (const traces::TraceError& e) {
    throw UsageError(e.what());
  }
}

void add_out_option(CLI::App* cmd, std::string& dir) {
  cmd->add_option("--out", dir,
                  "the folder for the files this command names itself (a finding's trace when --trace-out gives "
                  "none; default lsmc-out, created when needed); an earlier finding there is never overwritten");
}

std::string fresh_output_path(const std::string& dir, const std::string& name) {
  const std::filesystem::path base = dir.empty() ? std::filesystem::path(name) : std::filesystem::path(dir) / name;
  std::error_code ec;
  // Made here, when a file is about to be written; if it cannot be, writing the file says so.
  if (!dir.empty()) std::filesystem::create_directories(dir, ec);
  if (!std::filesystem::exists(base, ec)) return base.string();
  const std::string stem = base.stem().string(), ext = base.extension().string();
  for (uint64_t n = 2;; ++n) {
    const std::filesystem::path p = base.parent_path() / (stem + "-" + std::to_string(n) + ext);
    if (!std::filesystem::exists(p, ec)) return p.string();
  }
}

std::string write_trace_or_error(const std::string& path, const traces::Trace& trace) {
  try {
    traces::write_trace_file(path, trace);
  } catch (const std::exception& e) {
    return traces::printable(e.what());
  }
  return {};
}

int report_output_errors(Context& c, int code, const std::vector<std::string>& errors) {
  for (const std::string& e : errors) {
    if (e.empty()) continue;
    c.err << "lsmc: " << e << "\n";
    code = kExitUsage;
  }
  return code;
}

CLI::Validator number_in(uint64_t min, uint64_t max) {
  return CLI::Validator(
      [min, max](std::string& text) -> std::string {
        const auto v = sim::parse_u64(text);
        const std::string range = "[" + std::to_string(min) + ", " + std::to_string(max) + "]";
        if (!v) return "'" + traces::echo(text) + "' is not a decimal integer in " + range;
        if (*v < min || *v > max) return text + " is outside " + range;
        return {};
      },
      "", "number");
}

void add_diff_flags(CLI::App* cmd, DiffFlags& flags) {
  cmd->add_option("--seed", flags.seed, "RapidCheck seed (default 1)")->check(number_in(0));
  cmd->add_option("--sequences", flags.sequences,
                  "sequences to run (default " + std::to_string(flags.sequences) + ")")->check(number_in(1, 1000000));
  cmd->add_option("--length", flags.length, "operations per generated sequence at most (default 24)")
      ->check(number_in(1, 1000));
  cmd->add_flag("--json", flags.json, "print one JSON object instead of text");
}

std::optional<int> skipped(Context& c, const std::string& why) {
  if (why.empty()) return std::nullopt;
  c.err << "skipped: " << why << "\n";
  return kExitUsage;
}

}  // namespace lsmc::cli
