// The stock lsmc binary: the whole command line over lsmc's own scenarios.
#include "tools/catalog.hpp"
#include "tools/cli.hpp"

int main(int argc, char** argv) { return lsmc::cli::lsmc_main(argc, argv, lsmc::cli::builtin_catalog()); }
