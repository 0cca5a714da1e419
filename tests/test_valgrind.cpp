// Valgrind's memcheck on the engine's fibers: the pool registers each fiber's stack with valgrind
// (sim/fiber_pool.cpp), or memcheck takes every access on a fiber stack for an invalid read of
// a heap block. Runs where valgrind is installed and the build is not ASan's (valgrind cannot run
// an ASan binary); skipped otherwise.
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "tests/util.hpp"

namespace lsmc {
namespace {

TEST(Valgrind, MemcheckFindsNothingOnTheFiberStacks) {
#if defined(__SANITIZE_ADDRESS__)
  GTEST_SKIP() << "skipped: an ASan build does not run under valgrind";
#else
  if (std::system("valgrind --version >/dev/null 2>&1") != 0) GTEST_SKIP() << "skipped: valgrind is not installed";
  // A failing execution too: its actors end by the forced unwind (sim/actor_unwind.cpp).
  const test::CliResult r = test::run_shell(
      "valgrind -q --error-exitcode=99 '" + test::lsmc_program() +
      "' explore --scenario delete-vs-cachefill --mutant cache-fill-without-recheck --executions 300");
  EXPECT_EQ(r.code, 1) << r.out << r.err;  // the mutant's violation, and no memcheck error (99)
  EXPECT_NE(r.out.find("VIOLATION of use-after-free"), std::string::npos) << r.out;
  EXPECT_EQ(r.err.find("Invalid read"), std::string::npos) << r.err;
#endif
}

}  // namespace
}  // namespace lsmc
