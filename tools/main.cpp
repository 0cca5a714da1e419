#include <unistd.h>

#include <atomic>
#include <csignal>
#include <iostream>

#include "tools/cli.hpp"

namespace {

lsmc::cli::Interrupt interrupt;

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

int main(int argc, char** argv) {
  static_assert(std::atomic<bool>::is_always_lock_free && std::atomic<int>::is_always_lock_free);
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  std::vector<std::string> args(argv + 1, argv + argc);
  return lsmc::cli::run_cli(args, std::cout, std::cerr, isatty(STDERR_FILENO) != 0, &interrupt);
}
