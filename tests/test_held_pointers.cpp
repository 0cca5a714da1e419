// Program-held pointers (properties/scenarios/held_pointers.cpp): a sleepable program that drops
// its task reference and keeps the task's storage value across a sleep reads freed memory on
// both profiles; keeping the reference makes the same program safe. The real kernel agrees
// (experiments/held-pointer, the test RealKernel.SleepableProgramKeepsAValuePastItsTask).
#include <gtest/gtest.h>

#include "properties/lifetime.hpp"
#include "sim/runner.hpp"
#include "tests/util.hpp"

namespace lsmc {
namespace {

sim::RunReport explore(const sim::Catalog& c, const char* scenario, const char* profile) {
  return test::explore(*c.find(scenario), 2000, profile);
}

TEST(HeldPointers, AValueKeptPastTheTaskReferenceIsReadAfterItsFree) {
  const sim::Catalog c = test::catalog();
  for (const char* profile : {"linux-6.18", "linux-7.0"}) {
    const sim::RunReport r = explore(c, "sleepable-holds-past-exit", profile);
    ASSERT_TRUE(r.failure.has_value()) << profile;
    EXPECT_EQ(r.failure->verdict.property, "use-after-free") << profile;
    EXPECT_NE(r.failure->verdict.message.find("syscall program: *value after sleeping"), std::string::npos)
        << r.failure->verdict.message;
  }
  // 6.18 gives the element back to bpf_mem_alloc at once; 7.0 frees it after an RCU grace
  // period, which a sleepable reader does not hold up either.
  EXPECT_NE(explore(c, "sleepable-holds-past-exit", "linux-6.18").failure->verdict.message.find("bpf_mem_cache_free"),
            std::string::npos);
  EXPECT_NE(explore(c, "sleepable-holds-past-exit", "linux-7.0").failure->verdict.message.find("kfree_nolock"),
            std::string::npos);
}

TEST(HeldPointers, KeepingTheTaskReferenceAcrossTheSleepIsSafe) {
  const sim::Catalog c = test::catalog();
  for (const char* profile : {"linux-6.18", "linux-7.0"}) {
    const sim::RunReport r = explore(c, "sleepable-holds-task", profile);
    EXPECT_EQ(r.outcome, sim::Outcome::kNothingFound) << profile << ": " << (r.failure ? r.failure->verdict.message : "");
    EXPECT_EQ(r.executions, 2000u);
  }
}

// The cgroup form (bpf_cgroup_from_id ... bpf_cgroup_release, then rmdir), as on the kernel.
TEST(HeldPointers, TheCgroupFormToo) {
  const sim::Catalog c = test::catalog();
  for (const char* profile : {"linux-6.18", "linux-7.0"}) {
    const sim::RunReport bad = explore(c, "sleepable-holds-past-rmdir", profile);
    ASSERT_TRUE(bad.failure.has_value()) << profile;
    EXPECT_EQ(bad.failure->verdict.property, "use-after-free") << profile;
    EXPECT_NE(bad.failure->verdict.message.find("cgroup storage value after sleeping"), std::string::npos)
        << bad.failure->verdict.message;
    const sim::RunReport ok = explore(c, "sleepable-holds-cgroup", profile);
    EXPECT_EQ(ok.outcome, sim::Outcome::kNothingFound) << profile << ": " << (ok.failure ? ok.failure->verdict.message : "");
  }
}

// With a __uptr field: the owner's free unpins the daemon's page while the sleeping program still
// has the pointer it loaded, so after the daemon's munmap its write goes to a freed page; keeping
// the task reference keeps the page pinned.
TEST(HeldPointers, AUptrLoadedBeforeTheSleepIsWrittenAfterItsPageWasFreed) {
  const sim::Catalog c = test::catalog();
  for (const char* profile : {"linux-6.18", "linux-7.0"}) {
    const sim::RunReport bad = explore(c, "sleepable-uptr-past-exit", profile);
    ASSERT_TRUE(bad.failure.has_value()) << profile;
    EXPECT_EQ(bad.failure->verdict.property, "use-after-free") << profile;
    EXPECT_NE(bad.failure->verdict.message.find("write user page"), std::string::npos) << bad.failure->verdict.message;
    const sim::RunReport ok = explore(c, "sleepable-uptr-holds-task", profile);
    EXPECT_EQ(ok.outcome, sim::Outcome::kNothingFound) << profile << ": " << (ok.failure ? ok.failure->verdict.message : "");
  }
}

}  // namespace
}  // namespace lsmc
