#pragma once

#include "tools/command.hpp"

namespace lsmc::cli {

// `lsmc litmus FILE...` (tools/cmd_litmus.cpp).
Command add_litmus_command(CLI::App& app);

}  // namespace lsmc::cli
