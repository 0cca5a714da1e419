// Small helpers shared by the tests.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "sim/runner.hpp"
#include "sim/scenario.hpp"
#include "sim/strategy.hpp"
#include "tools/catalog.hpp"

namespace lsmc::test {

inline sim::Catalog catalog() { return cli::builtin_catalog(); }

// Picks the lowest enabled actor and sees every step, as DPOR does; notes the steps it was asked at.
class Steps final : public sim::Strategy {
public:
  std::string_view name() const override { return "steps"; }
  void begin_execution(uint64_t) override {}
  model::ActorId pick(const sim::ChoicePoint& point) override {
    asked.push_back(point.step);
    return point.enabled[0];
  }
  bool sees_every_step() const override { return true; }
  uint64_t draw(uint64_t, std::string_view) override { return 0; }
  bool end_execution(const sim::ExecutionSummary&) override { return false; }
  std::vector<uint64_t> asked;
};

// Explores `s` with the default strategy and the kernel checkers (`profile`: empty for the
// default one).
sim::RunReport explore(const sim::Scenario& s, uint64_t executions, const std::string& profile = "");

// A request to run `s` (no parameters) under the default strategy and the kernel checkers.
sim::RunRequest request(const sim::Scenario& s, uint64_t executions = 2000, uint64_t seed = 1);

// A scenario from a lambda, for tests that need a situation no named scenario has.
class Lambda final : public sim::Scenario {
public:
  explicit Lambda(std::function<void(sim::Setup&)> build) : build_(std::move(build)) {}
  std::string_view name() const override { return "test-lambda"; }
  std::string_view description() const override { return "a scenario built by a test"; }
  void build(sim::Setup& setup) const override { build_(setup); }

private:
  std::function<void(sim::Setup&)> build_;
};

struct CliResult {
  int code = -1;
  std::string out;
  std::string err;
};

// Runs the real lsmc binary (LSMC_BINARY) in `dir` with a shell command line; captures output.
CliResult run_lsmc(const std::string& args, const std::string& dir = ".");
// Runs a whole shell command line in `dir` (a command lsmc printed, as printed); captures output.
CliResult run_shell(const std::string& command, const std::string& dir = ".");
// The lsmc binary under test, quoted as lsmc prints the program in its commands.
std::string lsmc_program();
// Bad input: `lsmc ARGS` in `dir` exits 2 with one message on stderr that contains `needle`, never
// an "internal error", and prints nothing on stdout (GoogleTest expectations; the one helper of
// every CLI test for refused input). Returns what it ran for further checks.
CliResult expect_usage_error(const std::string& args, const std::string& needle, const std::string& dir = ".");

// Starts the real lsmc binary with `args` in `dir`, waits until it has installed its signal handlers
// (/proc/PID/status SigCgt), then `delay_ms` more, sends `sig` and waits for it to end. `code` is
// its exit status; `killed_by` the signal that ended it instead (0 when it exited).
struct SignalledResult : CliResult {
  int killed_by = 0;
};
SignalledResult run_lsmc_signalled(const std::vector<std::string>& args, const std::string& dir, int sig,
                                   int delay_ms);

// What follows the first `prefix` in `text`, to the end of its line ("" if `prefix` is not there).
std::string line_after(const std::string& text, const std::string& prefix);

std::string read_file(const std::string& path);
void write_file(const std::string& path, const std::string& text);
// A fresh empty directory under the test's temporary directory.
std::string temp_dir(const std::string& name);

}  // namespace lsmc::test
