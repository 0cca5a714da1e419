#include "tests/util.hpp"

#include <gtest/gtest.h>

#include "properties/lifetime.hpp"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace lsmc::test {

sim::RunRequest request(const sim::Scenario& s, uint64_t executions, uint64_t seed) {
  sim::RunRequest r;
  r.scenario = &s;
  r.config.seed = seed;
  r.config.executions_max = executions;
  r.observers = properties::default_observers;
  EXPECT_FALSE(sim::resolve_params(s, {}, r.params).has_value());
  return r;
}

sim::RunReport explore(const sim::Scenario& s, uint64_t executions, const std::string& profile) {
  sim::RunRequest req;
  req.scenario = &s;
  if (!profile.empty()) req.config.profile = profile;
  req.config.executions_max = executions;
  req.observers = properties::default_observers;
  return sim::run(req);
}

std::string line_after(const std::string& text, const std::string& prefix) {
  const auto at = text.find(prefix);
  if (at == std::string::npos) return {};
  const auto end = text.find('\n', at);
  return text.substr(at + prefix.size(), end - at - prefix.size());
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
}

std::string temp_dir(const std::string& name) {
  // Per process: test runs of several build trees (or worktrees) on one machine never share one.
  const auto dir = std::filesystem::temp_directory_path() / ("lsmc-test-" + std::to_string(getpid())) / name;
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir.string();
}

CliResult run_shell(const std::string& command, const std::string& dir) {
  // ctest runs tests in parallel processes: capture files are per process and per call.
  static int calls = 0;
  const std::string out_path = temp_dir("cli-capture-" + std::to_string(getpid()) + "-" +
                                        std::to_string(calls++)) + "/out";
  const std::string err_path = out_path + ".err";
  const std::string cmd = "cd '" + dir + "' && " + command + " >'" + out_path + "' 2>'" + err_path + "' </dev/null";
  const int status = std::system(cmd.c_str());
  CliResult r;
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.out = read_file(out_path);
  r.err = read_file(err_path);
  return r;
}

CliResult run_lsmc(const std::string& args, const std::string& dir) {
  return run_shell("'" LSMC_BINARY "' " + args, dir);
}

CliResult expect_usage_error(const std::string& args, const std::string& needle, const std::string& dir) {
  SCOPED_TRACE(args);
  CliResult r = run_lsmc(args, dir);
  EXPECT_EQ(r.code, 2) << r.out << r.err;
  EXPECT_NE(r.err.find(needle), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("internal error"), std::string::npos) << r.err;
  EXPECT_TRUE(r.out.empty()) << r.out;
  return r;
}

std::string lsmc_program() { return LSMC_BINARY; }

namespace {

// True once `pid` catches `sig` (its handler is installed), or when it has ended.
bool catches(pid_t pid, int sig) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("SigCgt:", 0) == 0) return ((std::stoull(line.substr(7), nullptr, 16) >> (sig - 1)) & 1) != 0;
  }
  return true;  // gone
}

}  // namespace

SignalledResult run_lsmc_signalled(const std::vector<std::string>& args, const std::string& dir, int sig,
                                   int delay_ms) {
  static int calls = 0;
  const std::string out_path = temp_dir("signal-capture-" + std::to_string(getpid()) + "-" +
                                        std::to_string(calls++)) + "/out";
  const std::string err_path = out_path + ".err";
  std::vector<std::string> argv_text{LSMC_BINARY};
  argv_text.insert(argv_text.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& a : argv_text) argv.push_back(a.data());
  argv.push_back(nullptr);
  const pid_t pid = fork();
  if (pid == 0) {
    const int out = open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int err = open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int in = open("/dev/null", O_RDONLY);
    if (out < 0 || err < 0 || in < 0 || chdir(dir.c_str()) != 0) _exit(127);
    dup2(in, 0), dup2(out, 1), dup2(err, 2);
    execv(argv[0], argv.data());
    _exit(127);
  }
  SignalledResult r;
  if (pid < 0) return r;
  while (!catches(pid, sig)) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
  kill(pid, sig);
  int status = 0;
  waitpid(pid, &status, 0);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.killed_by = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
  r.out = read_file(out_path);
  r.err = read_file(err_path);
  return r;
}

}  // namespace lsmc::test
