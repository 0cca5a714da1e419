#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace lsmc::cli {

// Runs `lsmc ARGS...`; returns the exit code. `interactive`: stderr is a terminal (progress lines).
int run_cli(const std::vector<std::string>& args, std::ostream& out, std::ostream& err,
            bool interactive);

}  // namespace lsmc::cli
