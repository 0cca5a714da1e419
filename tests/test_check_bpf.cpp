// lsmc check-bpf on BPF C lsmc did not write for its model (tests/bpf/): an arena CAS stack with
// an ABA bug and its tagged fix, a racy counter and its locked twin, a spin lock an NMI program
// takes on the CPU that holds it, an arena page read after it was freed; helpers, kfuncs and
// entries lsmc does not know are exit 2 with their names. Findings are traces that replay.
#include <gtest/gtest.h>

#include <string>

#include "tests/util.hpp"

namespace lsmc {
namespace {

std::string file(const std::string& name) { return std::string(LSMC_SOURCE_DIR) + "/tests/bpf/" + name; }

test::CliResult check(const std::string& args, const std::string& dir) { return test::run_lsmc("check-bpf " + args, dir); }

TEST(CheckBpf, FindsTheAbaBugOfACasStackAndNotInItsTaggedFix) {
  const std::string dir = test::temp_dir("check-bpf-aba");
  const std::string stack = file("cas_stack.bpf.c");
  // The ABA needs two preemptions: DFS within bound 2 finds it in a few hundred executions.
  const auto aba = check(stack + " --entry stack_init:init --entry aba_pop_push --entry aba_pop_push "
                         "--strategy dfs --set preemption_bound=2 --executions 3000 --trace-out aba.trace", dir);
  ASSERT_EQ(aba.code, 1) << aba.out << aba.err;
  EXPECT_NE(aba.out.find("VIOLATION of bpf-assert"), std::string::npos) << aba.out;
  const auto replay = test::run_lsmc("replay aba.trace", dir);
  EXPECT_EQ(replay.code, 1) << replay.out << replay.err;
  EXPECT_NE(replay.out.find("reproduced: violation of bpf-assert"), std::string::npos) << replay.out;
  // The tagged stack: every schedule within one preemption, and 3000 within two, hold.
  const auto tagged = check(stack + " --entry stack_init:init --entry tagged_pop_push --entry tagged_pop_push "
                            "--strategy dfs --set preemption_bound=1 --executions 5000", dir);
  EXPECT_EQ(tagged.code, 0) << tagged.out << tagged.err;
  EXPECT_NE(tagged.out.find("all "), std::string::npos) << tagged.out;
}

TEST(CheckBpf, FindsARaceADeadlockAndAUseAfterFree) {
  const std::string dir = test::temp_dir("check-bpf-checks");
  const std::string f = file("checks.bpf.c");
  const auto race = check(f + " --entry racy_inc --entry racy_inc --executions 2000", dir);
  EXPECT_EQ(race.code, 1) << race.out << race.err;
  EXPECT_NE(race.out.find("VIOLATION of data-race"), std::string::npos) << race.out;
  const auto locked = check(f + " --entry locked_inc --entry locked_inc --executions 2000", dir);
  EXPECT_EQ(locked.code, 0) << locked.out << locked.err;
  const auto nmi = check(f + " --entry locked_inc@0 --entry locked_inc:nmi@0 --executions 2000", dir);
  EXPECT_EQ(nmi.code, 1) << nmi.out << nmi.err;
  EXPECT_NE(nmi.out.find("VIOLATION of deadlock"), std::string::npos) << nmi.out;
  const auto uaf = check(f + " --entry page_alloc:init --entry page_free --entry page_read --executions 2000", dir);
  EXPECT_EQ(uaf.code, 1) << uaf.out << uaf.err;
  EXPECT_NE(uaf.out.find("VIOLATION of use-after-free"), std::string::npos) << uaf.out;
}

TEST(CheckBpf, WhatItDoesNotModelIsNamedWithExitTwo) {
  const std::string dir = test::temp_dir("check-bpf-unsupported");
  const auto helper = check(file("unsupported.bpf.c") + " --entry uses_prandom", dir);
  EXPECT_EQ(helper.code, 2) << helper.out << helper.err;
  EXPECT_NE(helper.err.find("unsupported: helper or kfunc bpf_get_prandom_u32"), std::string::npos) << helper.err;
  const auto kfunc = check(file("unsupported_kfunc.bpf.c") + " --entry holds_task", dir);
  EXPECT_EQ(kfunc.code, 2) << kfunc.out << kfunc.err;
  EXPECT_NE(kfunc.err.find("bpf_task_acquire"), std::string::npos) << kfunc.err;
  const auto entry = check(file("checks.bpf.c") + " --entry no_such_program", dir);
  EXPECT_EQ(entry.code, 2) << entry.err;
  EXPECT_NE(entry.err.find("has no program no_such_program"), std::string::npos) << entry.err;
  const auto context = check(file("checks.bpf.c") + " --entry racy_inc:sometimes", dir);
  EXPECT_EQ(context.code, 2) << context.err;
  const auto missing = check(file("no-such-file.bpf.c") + " --entry x", dir);
  EXPECT_EQ(missing.code, 2) << missing.err;
}

// Where the headers come from (properties::bpfhost_dir): the build tree's lsmc names the source
// tree's model/bpfhost (an installed one its prefix's: tools/test-install.sh), and
// $LSMC_BPFHOST_DIR overrides both; one that holds no headers is exit 2, naming it.
TEST(CheckBpf, SaysWhichHeadersItUsesAndRefusesADirectoryWithoutThem) {
  const std::string dir = test::temp_dir("check-bpf-headers");
  const auto help = test::run_lsmc("check-bpf --help", dir);
  EXPECT_EQ(help.code, 0) << help.err;
  EXPECT_NE(help.out.find("Headers (vmlinux.h, the host build's bpf/ headers): " + std::string(LSMC_SOURCE_DIR) +
                          "/model/bpfhost."),
            std::string::npos)
      << help.out;
  const auto bad = test::run_shell("LSMC_BPFHOST_DIR=" + dir + "/none '" + test::lsmc_program() + "' check-bpf " +
                                       file("checks.bpf.c") + " --entry racy_inc",
                                   dir);
  EXPECT_EQ(bad.code, 2) << bad.out << bad.err;
  EXPECT_NE(bad.err.find("LSMC_BPFHOST_DIR=" + dir + "/none holds no include/vmlinux.h"), std::string::npos) << bad.err;
  EXPECT_EQ(bad.err.find("internal error"), std::string::npos) << bad.err;
}

}  // namespace
}  // namespace lsmc
