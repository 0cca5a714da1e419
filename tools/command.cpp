// The helpers every subcommand shares (tools/command.hpp).
#include <cctype>
#include <cstring>

#include "tools/command.hpp"

namespace lsmc::cli {

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

CLI::Validator non_negative() {
  return CLI::Validator(
      [](std::string& v) { return !v.empty() && v[0] == '-' ? std::string("must not be negative") : std::string(); },
      "", "non-negative");
}

}  // namespace lsmc::cli
