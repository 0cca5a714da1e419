#include <unistd.h>

#include <atomic>
#include <csignal>
#include <iostream>

#include "tools/cli.hpp"

namespace {
// The process's Ctrl-C flag: set by the handler, read by the runner between executions.
std::atomic<bool> interrupted{false};
extern "C" void on_sigint(int) { interrupted = true; }
}  // namespace

int main(int argc, char** argv) {
  std::signal(SIGINT, on_sigint);
  std::vector<std::string> args(argv + 1, argv + argc);
  return lsmc::cli::run_cli(args, std::cout, std::cerr, isatty(STDERR_FILENO) != 0, &interrupted);
}
