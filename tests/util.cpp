#include "tests/util.hpp"

#include "properties/lifetime.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace lsmc::test {

sim::RunReport explore(const sim::Scenario& s, uint64_t executions, const std::string& profile) {
  sim::RunRequest req;
  req.scenario = &s;
  if (!profile.empty()) req.config.profile = profile;
  req.config.executions_max = executions;
  req.observers = properties::default_observers;
  return sim::run(req);
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

CliResult run_lsmc(const std::string& args, const std::string& dir) {
  // ctest runs tests in parallel processes: capture files are per process and per call.
  static int calls = 0;
  const std::string out_path = temp_dir("cli-capture-" + std::to_string(getpid()) + "-" +
                                        std::to_string(calls++)) + "/out";
  const std::string err_path = out_path + ".err";
  const std::string cmd = "cd '" + dir + "' && '" LSMC_BINARY "' " + args + " >'" + out_path +
                          "' 2>'" + err_path + "' </dev/null";
  const int status = std::system(cmd.c_str());
  CliResult r;
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.out = read_file(out_path);
  r.err = read_file(err_path);
  return r;
}

}  // namespace lsmc::test
