#pragma once

#include <atomic>
#include <ostream>
#include <string>
#include <vector>

namespace lsmc::sim {
class Catalog;
}

namespace lsmc::cli {

// A SIGINT or SIGTERM, as the process's handler records it (tools/main.cpp). The long-running
// commands (explore, explore --all, generate, minimize, kernel stress) stop at their next safe
// point, print what they have (every finding kept), the command that resumes, and exit 128 + the
// signal (130, 143). While any other command runs, `handled` is false and the handler lets the
// signal end the process as usual; a second signal does too.
struct Interrupt {
  std::atomic<bool> requested{false};  // the stop flag the runners read between executions
  std::atomic<int> signal{0};          // which signal (SIGINT when a caller sets only `requested`)
  std::atomic<bool> handled{false};    // set by run_cli while a command that stops cleanly runs
  // 128 + the signal.
  int exit_code() const;
  // "SIGINT" or "SIGTERM".
  const char* name() const;
};

// Runs `lsmc ARGS...` over `catalog` (the scenarios and mutants the binary knows); returns the exit
// code. A user's own binary calls this with its own catalog to get the whole CLI.
int run_cli(const std::vector<std::string>& args, const sim::Catalog& catalog, std::ostream& out,
            std::ostream& err, bool interactive, Interrupt* interrupt = nullptr);

// Runs `lsmc ARGS...`; returns the exit code. `interactive`: stderr is a terminal (progress lines).
// `interrupt` (may be null) is what the caller's signal handler sets.
int run_cli(const std::vector<std::string>& args, std::ostream& out, std::ostream& err,
            bool interactive, Interrupt* interrupt = nullptr);

}  // namespace lsmc::cli
