// sched-queue-check: lsmc's whole command line (explore, replay, minimize, render, report, list)
// over this project's own scenarios. A trace it writes names a scenario of this catalog, so this
// binary replays and minimises it.
#include "lsmc/tools/cli.hpp"
#include "sched_queue.hpp"

int main(int argc, char** argv) {
  lsmc::sim::Catalog catalog;  // lsmc::cli::builtin_catalog() instead would keep lsmc's own scenarios too
  sched_queue::register_scenarios(catalog);
  return lsmc::cli::lsmc_main(argc, argv, catalog);
}
