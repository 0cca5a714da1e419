#pragma once

#include <atomic>
#include <ostream>
#include <string>
#include <vector>

namespace lsmc::sim {
class Catalog;
}

namespace lsmc::cli {

// Runs `lsmc ARGS...` over `catalog` (the scenarios and mutants the binary knows); returns the exit
// code. A user's own binary calls this with its own catalog to get the whole CLI.
int run_cli(const std::vector<std::string>& args, const sim::Catalog& catalog, std::ostream& out,
            std::ostream& err, bool interactive, const std::atomic<bool>* interrupted = nullptr);

// Runs `lsmc ARGS...`; returns the exit code. `interactive`: stderr is a terminal (progress lines).
// `interrupted` (may be null) is set by the caller's SIGINT handler: explore stops cleanly,
// reports what it found and how to resume.
int run_cli(const std::vector<std::string>& args, std::ostream& out, std::ostream& err,
            bool interactive, const std::atomic<bool>* interrupted = nullptr);

}  // namespace lsmc::cli
