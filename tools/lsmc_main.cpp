// lsmc_main: the process around run_cli (signal handler, terminal, program name), for the stock
// binary and for a user's own (docs/engine.md, "lsmc as a library").
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <iostream>

#include "tools/cli.hpp"

namespace lsmc::cli {

namespace {

Interrupt interrupt;

// SIGINT and SIGTERM: the first one asks a command that stops cleanly to stop (it reads the flag
// between executions); for any other command, or a second signal, the signal's default action
// ends the process. Only lock-free atomics, sigaction and raise: async-signal-safe.
extern "C" void on_signal(int sig) {
  if (!interrupt.handled.load() || interrupt.requested.load()) {
    struct sigaction dfl {};
    dfl.sa_handler = SIG_DFL;
    sigemptyset(&dfl.sa_mask);
    sigaction(sig, &dfl, nullptr);
    raise(sig);
    return;
  }
  interrupt.signal.store(sig);
  interrupt.requested.store(true);
}

}  // namespace

int lsmc_main(int argc, char** argv, const sim::Catalog& catalog) {
  static_assert(std::atomic<bool>::is_always_lock_free && std::atomic<int>::is_always_lock_free);
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  const std::vector<std::string> args(argv + 1, argv + argc);
  // argv[0] is how the shell found the program: a bare name was found on PATH, a path runs from
  // here. Either way the printed commands run as printed.
  const std::string_view program = argc > 0 && argv[0] != nullptr && argv[0][0] != '\0' ? argv[0] : "lsmc";
  return run_cli(args, catalog, std::cout, std::cerr, isatty(STDERR_FILENO) != 0, &interrupt, program);
}

}  // namespace lsmc::cli
