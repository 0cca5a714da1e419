// lsmc litmus: the parser (bad input is one FILE:LINE message), the herd7-like report, and the
// three models against each other on every litmus file of tests/litmus (SC allows no more than
// TSO or LKMM; TSO no more than LKMM where no RCU grace period is involved). The verdicts
// themselves are checked by the CTest Litmus.* (lsmc litmus --check).
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

#include "tests/util.hpp"
#include "wmm/litmus/enumerate.hpp"
#include "wmm/relation.hpp"

namespace lsmc {
namespace {

using wmm::Model;
using wmm::litmus::LitmusError;
using LitmusTest = wmm::litmus::Test;

std::string parse_error(const std::string& text) {
  try {
    wmm::litmus::parse(text, "t.litmus");
  } catch (const LitmusError& e) {
    return e.what();
  }
  return "(parsed)";
}

TEST(LitmusParser, BadInputIsOneMessageWithFileAndLine) {
  EXPECT_EQ(parse_error("X foo\n{}\n"), "t.litmus:1: a C litmus test starts with 'C NAME' (got 'X')");
  EXPECT_EQ(parse_error("C t\n{}\nP0(int *x)\n{\n  WRITE_ONCE(*x, 1)\n}\nexists (x=1)\n"),
            "t.litmus:6: expected ';' after a statement, got '}'");
  EXPECT_EQ(parse_error("C t\n{}\nP0(int *x)\n{\n  while (1) ;\n}\nexists (x=1)\n"),
            "t.litmus:5: 'while' is not supported (the C litmus format has 'if' only)");
  EXPECT_EQ(parse_error("C t\n{}\nP1(int *x)\n{\n}\nexists (x=1)\n"),
            "t.litmus:3: processes are numbered from P0 without gaps: expected P0, got P1");
  EXPECT_EQ(parse_error("C t\n{}\nP0(int x)\n{\n}\nexists (x=1)\n"),
            "t.litmus:3: parameter 'x' is not a pointer: shared variables are passed as 'TYPE *x'");
  EXPECT_EQ(parse_error("C t\n{}\nP0(int *x)\n{\n}\n"), "t.litmus:6: the test has no final condition ('exists (...)')");
  EXPECT_EQ(parse_error("C t\n(* never closed\n{}\n"), "t.litmus:2: unterminated (* comment");
  EXPECT_EQ(parse_error("C t\n{ x = ; }\n"), "t.litmus:2: expected a value, got ';'");
  // Found by fuzz/fuzz_litmus_reader.cpp: a register prefix that is no process number.
  EXPECT_EQ(parse_error("C t\n{ foo:r=1; }\n"), "t.litmus:2: 'foo' is not a process (P0, P1, ... or 0, 1, ...)");
}

TEST(LitmusParser, HeaderCommentsLocalsWithInitialisersAndLocationsParse) {
  const LitmusTest t = wmm::litmus::parse(
      "C SB+x\n\"a generated comment\"\n(*\n * Result: Sometimes (see (* nested *))\n *)\n"
      "{ int a = 2; 0:r9 = 3; spinlock_t lk; int *p = &a; }\n"
      "P0(int *a, int **p) // C comment\n{\n\tint r0 = READ_ONCE(*a), *r1;\n\t/* c */ r1 = (*p);\n}\n"
      "locations [0:r9; a] (* aid *)\nexists (0:r0=2 /\\ ~(0:r1=a \\/ a!=2))\n",
      "t.litmus");
  EXPECT_EQ(t.name, "SB+x");
  EXPECT_EQ(t.result, "Sometimes");
  ASSERT_EQ(t.init.size(), 4u);
  EXPECT_EQ(t.init[1].proc, 0);
  EXPECT_EQ(t.init[3].address_of, "a");
  EXPECT_EQ(t.locations.size(), 2u);
  EXPECT_EQ(wmm::litmus::to_string(t.cond), "(0:r0=2 /\\ ~(0:r1=a \\/ a!=2))");
}

TEST(LitmusParser, UnknownPrimitiveIsRefusedWhenRun) {
  const LitmusTest t = wmm::litmus::parse("C t\n{}\nP0(int *x)\n{\n\tsmp_frobnicate(x);\n}\nexists (x=0)\n", "t.litmus");
  try {
    wmm::litmus::enumerate(t, Model::kLkmm);
    FAIL() << "no error";
  } catch (const LitmusError& e) {
    EXPECT_STREQ(e.what(), "t.litmus:5: unsupported primitive 'smp_frobnicate'");
  }
}

TEST(LitmusReport, MessagePassingPrintsAsHerdDoes) {
  const LitmusTest t = wmm::litmus::parse(
      "C MP\n{}\nP0(int *x, int *y)\n{\n\tWRITE_ONCE(*x, 1);\n\tWRITE_ONCE(*y, 1);\n}\n"
      "P1(int *x, int *y)\n{\n\tint r0;\n\tint r1;\n\tr0 = READ_ONCE(*y);\n\tr1 = READ_ONCE(*x);\n}\n"
      "exists (1:r0=1 /\\ 1:r1=0)\n",
      "mp.litmus");
  EXPECT_EQ(wmm::litmus::report(t, wmm::litmus::enumerate(t, Model::kLkmm)),
            "Test MP Allowed\nStates 4\n1:r0=0; 1:r1=0;\n1:r0=0; 1:r1=1;\n1:r0=1; 1:r1=0;\n1:r0=1; 1:r1=1;\nOk\n"
            "Witnesses\nPositive: 1 Negative: 3\nCondition exists (1:r0=1 /\\ 1:r1=0)\n"
            "Observation MP Sometimes 1 3\n");
  EXPECT_EQ(wmm::litmus::report(t, wmm::litmus::enumerate(t, Model::kSc)),
            "Test MP Allowed\nStates 3\n1:r0=0; 1:r1=0;\n1:r0=0; 1:r1=1;\n1:r0=1; 1:r1=1;\nNo\n"
            "Witnesses\nPositive: 0 Negative: 3\nCondition exists (1:r0=1 /\\ 1:r1=0)\n"
            "Observation MP Never 0 3\n");
}

std::vector<std::string> litmus_files() {
  std::vector<std::string> files;
  for (const auto& e : std::filesystem::recursive_directory_iterator(std::string(LSMC_SOURCE_DIR) + "/tests/litmus")) {
    if (e.path().extension() == ".litmus") files.push_back(e.path().string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::set<wmm::litmus::Outcome> states(const wmm::litmus::Result& r) {
  std::set<wmm::litmus::Outcome> out;
  for (const auto& [s, _] : r.states) out.insert(s);
  return out;
}

bool has_grace_period(const std::string& text) { return text.find("synchronize_") != std::string::npos; }

// Everything SC allows, TSO and LKMM allow; everything TSO allows, LKMM allows unless an RCU or
// SRCU grace period is involved (TSO models synchronize_rcu() as a full fence only).
TEST(LitmusModels, ScWithinTsoWithinLkmmOnEveryFile) {
  const auto files = litmus_files();
  ASSERT_GE(files.size(), 49u);
  for (const auto& f : files) {
    const LitmusTest t = wmm::litmus::read_file(f);
    const auto sc = states(wmm::litmus::enumerate(t, Model::kSc));
    const auto tso = states(wmm::litmus::enumerate(t, Model::kTso));
    const auto lkmm = states(wmm::litmus::enumerate(t, Model::kLkmm));
    EXPECT_FALSE(sc.empty()) << f;
    EXPECT_TRUE(std::includes(tso.begin(), tso.end(), sc.begin(), sc.end())) << f;
    EXPECT_TRUE(std::includes(lkmm.begin(), lkmm.end(), sc.begin(), sc.end())) << f;
    if (!has_grace_period(test::read_file(f))) {
      EXPECT_TRUE(std::includes(lkmm.begin(), lkmm.end(), tso.begin(), tso.end())) << f;
    }
  }
}

// SC keeps RCU's grace-period guarantee (wmm/models.cpp): the interleavings in which a reader's
// section spans the updater's synchronize_rcu() are not SC executions. Under SC alone (the grace
// period a full fence) each of these files has one.
TEST(LitmusModels, ScKeepsTheGracePeriodGuarantee) {
  const std::string dir = std::string(LSMC_SOURCE_DIR) + "/tests/litmus/";
  for (const char* name : {"RCU+sync+read", "RCU+sync+free", "lsmc/RCU-MP+sync+rscs", "lsmc/SRCU-MP+sync+rscs"}) {
    const LitmusTest t = wmm::litmus::read_file(dir + name + ".litmus");
    EXPECT_EQ(wmm::litmus::enumerate(t, Model::kSc).observation(), "Never") << name;
    EXPECT_EQ(wmm::litmus::enumerate(t, Model::kLkmm).observation(), "Never") << name;
  }
  // Without the read-side section, RCU+sync+read's outcome is an interleaving like any other.
  const LitmusTest bare = wmm::litmus::parse(
      "C RCU+sync+read-without-rscs\n{}\nP0(int *x, int *y)\n{\n\tWRITE_ONCE(*x, 1);\n\tWRITE_ONCE(*y, 1);\n}\n"
      "P1(int *x, int *y)\n{\n\tint r0;\n\tint r1;\n\tr0 = READ_ONCE(*x);\n\tsynchronize_rcu();\n"
      "\tr1 = READ_ONCE(*y);\n}\nexists (1:r0=1 /\\ 1:r1=0)\n",
      "bare.litmus");
  EXPECT_EQ(wmm::litmus::enumerate(bare, Model::kSc).observation(), "Sometimes");
}

TEST(LitmusModels, TsoRelaxesOnlyStoreToLoad) {
  const std::string dir = std::string(LSMC_SOURCE_DIR) + "/tests/litmus/";
  for (const char* name : {"SB+poonceonces", "R+poonceonces", "SB+rfionceonce-poonceonces"}) {
    const LitmusTest t = wmm::litmus::read_file(dir + name + ".litmus");
    EXPECT_EQ(wmm::litmus::enumerate(t, Model::kTso).observation(), "Sometimes") << name;
    EXPECT_EQ(wmm::litmus::enumerate(t, Model::kSc).observation(), "Never") << name;
  }
  for (const char* name : {"MP+poonceonces", "LB+poonceonces", "WRC+poonceonces+Once", "IRIW+poonceonces+OnceOnce"}) {
    const LitmusTest t = wmm::litmus::read_file(dir + name + ".litmus");
    EXPECT_EQ(wmm::litmus::enumerate(t, Model::kTso).observation(), "Never") << name;
    EXPECT_EQ(wmm::litmus::enumerate(t, Model::kLkmm).observation(), "Sometimes") << name;
  }
}

TEST(LitmusModels, DataRaceFlagOnlyWhenPlainAccessesRace) {
  const std::string dir = std::string(LSMC_SOURCE_DIR) + "/tests/litmus/lsmc/";
  EXPECT_TRUE(wmm::litmus::enumerate(wmm::litmus::read_file(dir + "Race+plains.litmus"), Model::kLkmm).data_race);
  EXPECT_FALSE(wmm::litmus::enumerate(wmm::litmus::read_file(dir + "MP+poreleaseplain+poacquireplain.litmus"),
                                      Model::kLkmm)
                   .data_race);
}

TEST(Relation, ClosureAndSequence) {
  wmm::Relation r(70);
  r.add(0, 1);
  r.add(1, 65);
  r.add(65, 69);
  const wmm::Relation p = r.plus();
  EXPECT_TRUE(p.has(0, 69));
  EXPECT_FALSE(p.has(69, 0));
  EXPECT_TRUE(r.acyclic());
  r.add(69, 0);
  EXPECT_FALSE(r.acyclic());
  EXPECT_TRUE(wmm::seq(r, r).has(0, 65));
  EXPECT_EQ(r.inverse().inverse(), r);
}

TEST(LitmusCli, BadFileExitsTwoWithFileAndLine) {
  const std::string dir = test::temp_dir("litmus-cli");
  test::write_file(dir + "/bad.litmus", "C bad\n{}\nP0(int *x)\n{\n\tWRITE_ONCE(*x 1);\n}\nexists (x=1)\n");
  const auto r = test::run_lsmc("litmus bad.litmus", dir);
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(r.err, "lsmc: bad.litmus:5: expected ',' or ')' in the arguments of WRITE_ONCE, got '1'\n");
  const auto missing = test::run_lsmc("litmus nothere.litmus", dir);
  EXPECT_EQ(missing.code, 2);
  EXPECT_EQ(missing.err, "lsmc: nothere.litmus: cannot read the file\n");
  test::write_file(dir + "/wrong.litmus",
                   "C wrong\n(* Result: Never *)\n{}\nP0(int *x)\n{\n\tWRITE_ONCE(*x, 1);\n}\nexists (x=1)\n");
  const auto wrong = test::run_lsmc("litmus wrong.litmus", dir);
  EXPECT_EQ(wrong.code, 1);
  EXPECT_NE(wrong.err.find("the file's Result: line says Never, LKMM gives Always"), std::string::npos) << wrong.err;
}

// `lsmc litmus` is a subcommand like the others (tools/cmd_litmus.cpp, issue 13): --help, exit 2
// with one message on bad usage, and an option given twice takes the last value.
TEST(LitmusCli, IsASubcommandLikeTheOthers) {
  const std::string dir = test::temp_dir("litmus-cli-sub");
  test::write_file(dir + "/sb.litmus",
                   "C sb\n(* Result: Sometimes *)\n{}\nP0(int *x, int *y)\n{\n\tint r0;\n\tWRITE_ONCE(*x, 1);\n"
                   "\tr0 = READ_ONCE(*y);\n}\nP1(int *x, int *y)\n{\n\tint r0;\n\tWRITE_ONCE(*y, 1);\n"
                   "\tr0 = READ_ONCE(*x);\n}\nexists (0:r0=0 /\\ 1:r0=0)\n");
  const auto help = test::run_lsmc("litmus --help", dir);
  EXPECT_EQ(help.code, 0);
  for (const char* flag : {"--memory-model", "--check", "Exit codes"}) {
    EXPECT_NE(help.out.find(flag), std::string::npos) << flag << "\n" << help.out;
  }
  const auto top = test::run_lsmc("--help", dir);
  EXPECT_NE(top.out.find("litmus"), std::string::npos);
  const auto none = test::run_lsmc("litmus", dir);
  EXPECT_EQ(none.code, 2);
  EXPECT_EQ(none.err.rfind("lsmc: ", 0), 0u) << none.err;
  const auto bad_model = test::run_lsmc("litmus --memory-model pso sb.litmus", dir);
  EXPECT_EQ(bad_model.code, 2);
  EXPECT_NE(bad_model.err.find("pso"), std::string::npos) << bad_model.err;
  const auto check_sc = test::run_lsmc("litmus --check --memory-model sc sb.litmus", dir);
  EXPECT_EQ(check_sc.code, 2);
  EXPECT_NE(check_sc.err.find("use --memory-model lkmm"), std::string::npos) << check_sc.err;
  // The last --memory-model counts, as for every other command (a printed command with options
  // appended runs): sc forbids SB's outcome, lkmm allows it.
  const auto twice = test::run_lsmc("litmus --memory-model lkmm --memory-model sc sb.litmus", dir);
  EXPECT_EQ(twice.code, 0) << twice.err;
  EXPECT_NE(twice.out.find("Observation sb Never"), std::string::npos) << twice.out;
  const auto checked = test::run_lsmc("litmus --check sb.litmus", dir);
  EXPECT_EQ(checked.code, 0) << checked.err;
  EXPECT_EQ(checked.out, "ok   sb: Sometimes 1 3 (Result: Sometimes)\n");
}

}  // namespace
}  // namespace lsmc
