// The lsmc command line as a library: the stock `lsmc` binary is lsmc_main() over the builtin
// catalog, and a user's program gets the same commands over its own scenarios by calling
// lsmc_main() with its own catalog (docs/engine.md, "lsmc as a library").
#pragma once

#include <atomic>
#include <ostream>
#include <string>
#include <string_view>
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

// The whole lsmc command line (explore, replay, minimize, render, report, list, ...) over
// `catalog`, for a program's main(): installs the SIGINT/SIGTERM handler (Interrupt above), parses
// argv, runs the command, returns the exit code. Progress lines when stderr is a terminal. Every
// command it prints (replay, reproduce, resume) names the program as argv[0] does, so that it runs
// as printed. A trace names its scenario, so the program that wrote it replays and minimises it:
// give lsmc_main the same catalog each time.
int lsmc_main(int argc, char** argv, const sim::Catalog& catalog);

// Runs `lsmc ARGS...` over `catalog` (the scenarios and mutants the program knows); returns the
// exit code. `program`: how the printed commands name the program (quoted for a shell here).
int run_cli(const std::vector<std::string>& args, const sim::Catalog& catalog, std::ostream& out,
            std::ostream& err, bool interactive, Interrupt* interrupt = nullptr, std::string_view program = "lsmc");

// The same over the builtin catalog (tools/catalog.hpp); returns the exit code. `interactive`: stderr is a terminal (progress lines).
// `interrupt` (may be null) is what the caller's signal handler sets.
int run_cli(const std::vector<std::string>& args, std::ostream& out, std::ostream& err,
            bool interactive, Interrupt* interrupt = nullptr);

}  // namespace lsmc::cli
