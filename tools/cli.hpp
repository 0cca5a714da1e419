#pragma once

#include <atomic>
#include <ostream>
#include <string>
#include <vector>

namespace lsmc::cli {

// Runs `lsmc ARGS...`; returns the exit code. `interactive`: stderr is a terminal (progress lines).
// `interrupted` (may be null) is set by the caller's SIGINT handler: explore stops cleanly,
// reports what it found and how to resume.
int run_cli(const std::vector<std::string>& args, std::ostream& out, std::ostream& err,
            bool interactive, const std::atomic<bool>* interrupted = nullptr);

}  // namespace lsmc::cli
