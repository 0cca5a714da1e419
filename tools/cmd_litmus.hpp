#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace lsmc::cli {

// `lsmc litmus ...`: args[0] is "litmus". Returns the exit code.
int cmd_litmus(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace lsmc::cli
