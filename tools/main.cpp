#include <unistd.h>

#include <iostream>

#include "tools/cli.hpp"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  return lsmc::cli::run_cli(args, std::cout, std::cerr, isatty(STDERR_FILENO) != 0);
}
