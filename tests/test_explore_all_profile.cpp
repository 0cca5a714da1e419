// lsmc explore --all --profile P (issue 12): the campaign's entries of profile P only, numbered
// in that smaller campaign (--all-from counts in it); a name that is no kernel profile is a usage
// error. Before, --profile was silently ignored with --all.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <regex>
#include <string>

#include "tests/util.hpp"

namespace lsmc {
namespace {

using test::run_lsmc;

// The size of the campaign `args` runs, read from the usage error of an --all-from past its end.
std::size_t campaign_size(const std::string& args) {
  const auto r = run_lsmc("explore --all " + args + " --all-from 1000000");
  EXPECT_EQ(r.code, 2) << r.out << r.err;
  std::smatch m;
  if (!std::regex_search(r.err, m, std::regex("the campaign has ([0-9]+) entries"))) {
    ADD_FAILURE() << "no campaign size in: " << r.err;
    return 0;
  }
  return std::stoul(m[1]);
}

TEST(ExploreAllProfile, EachProfileRunsItsOwnEntriesAndTogetherTheWholeCampaign) {
  const std::size_t all = campaign_size("");
  const std::size_t v6 = campaign_size("--profile linux-6.18");
  const std::size_t v7 = campaign_size("--profile linux-7.0");
  EXPECT_GT(v6, 0u);
  EXPECT_GT(v7, 0u);
  EXPECT_LT(v7, v6);  // every scenario that models no kernel runs under linux-6.18 only
  EXPECT_EQ(v6 + v7, all);
}

TEST(ExploreAllProfile, TheEntriesRunAreOfThatProfile) {
  for (const std::string profile : {"linux-6.18", "linux-7.0"}) {
    const std::size_t n = campaign_size("--profile " + profile);
    ASSERT_GE(n, 2u);
    const auto r = run_lsmc("explore --all --json --executions 20 --profile " + profile + " --all-from " + std::to_string(n - 1));
    const nlohmann::json j = nlohmann::json::parse(r.out, nullptr, false);
    ASSERT_FALSE(j.is_discarded()) << r.out << r.err;
    EXPECT_EQ(j["entries_total"], n);
    ASSERT_EQ(j["entries"].size(), 2u) << r.out;
    for (const auto& e : j["entries"]) EXPECT_EQ(e["profile"], profile) << e.dump();
  }
}

TEST(ExploreAllProfile, AnUnknownProfileIsAUsageError) {
  const auto r = run_lsmc("explore --all --profile linux-9.9");
  EXPECT_EQ(r.code, 2) << r.out << r.err;
  EXPECT_NE(r.err.find("--profile 'linux-9.9' is not a kernel profile (one of: linux-6.18, linux-7.0)"), std::string::npos)
      << r.err;
  EXPECT_TRUE(r.out.empty()) << r.out;
}

}  // namespace
}  // namespace lsmc
