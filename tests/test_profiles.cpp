// Kernel profiles (--profile linux-6.18 | linux-7.0): the rqspinlock of 7.0 fails as the kernel's
// does, the CLI refuses a scenario or mutant on a profile it does not declare, and the 7.0
// profile has bug 8 back only under its mutant.
#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <sstream>
#include <string>

#include "model/linux/kernel.hpp"
#include "model/linux/rqspinlock.hpp"
#include "properties/generated.hpp"
#include "properties/lifetime.hpp"
#include "sim/runner.hpp"
#include "tests/util.hpp"
#include "tools/cli.hpp"

namespace lsmc {
namespace {

namespace mk = model::kernel;
using model::Env;

// `actors` actors on CPUs 0 and 1 run their bodies on one rqspinlock table.
sim::RunReport run_locks(std::vector<std::function<void(Env&, mk::RqspinlockHeld&, model::ObjectId, model::ObjectId)>> bodies,
                         uint64_t executions = 200) {
  struct St {
    mk::RqspinlockHeld held{2};
    model::ObjectId a = 0, b = 0;
  };
  test::Lambda s([bodies](sim::Setup& setup) {
    St& st = setup.make<St>();
    st.a = setup.env().new_lock(model::LockKind::kSpinIrq, "A");
    st.b = setup.env().new_lock(model::LockKind::kSpinIrq, "B");
    for (std::size_t i = 0; i < bodies.size(); ++i) {
      sim::ActorOptions o;
      o.cpu = static_cast<uint16_t>(i);
      setup.spawn("cpu" + std::to_string(i), [&st, body = bodies[i]](Env& env) { body(env, st.held, st.a, st.b); }, o);
    }
  });
  sim::RunRequest r;
  r.scenario = &s;
  r.config.strategy = "dfs";
  r.config.executions_max = executions;
  return sim::run(r);
}

TEST(Rqspinlock, TakingAHeldLockOnTheSameCpuIsEdeadlkNotAHang) {
  const sim::RunReport r = run_locks({[](Env& env, mk::RqspinlockHeld& h, model::ObjectId a, model::ObjectId) {
    ASSERT_EQ(mk::raw_res_spin_lock_irqsave(env, h, a, false, "outer"), 0);
    env.check(mk::raw_res_spin_lock_irqsave(env, h, a, false, "nested") == mk::kEDEADLK, "assertion", "AA not detected");
    mk::raw_res_spin_unlock_irqrestore(env, h, a, "outer unlock");
    env.check(h.cpu(0).empty(), "assertion", "the held-lock table is not empty after the unlock");
  }});
  EXPECT_EQ(r.outcome, sim::Outcome::kNothingFound) << (r.failure ? r.failure->verdict.message : "");
}

// Two CPUs take A and B in opposite orders: every schedule ends, one side gets -EDEADLK when
// both wait, and nobody holds anything at the end.
TEST(Rqspinlock, OppositeOrdersEndInEdeadlkForOneSideInsteadOfADeadlock) {
  auto body = [](bool ab) {
    return [ab](Env& env, mk::RqspinlockHeld& h, model::ObjectId a, model::ObjectId b) {
      const model::ObjectId first = ab ? a : b, second = ab ? b : a;
      if (mk::raw_res_spin_lock_irqsave(env, h, first, false, "first") != 0) return;
      const int err = mk::raw_res_spin_lock_irqsave(env, h, second, false, "second");
      env.check(err == 0 || err == mk::kEDEADLK, "assertion", "unexpected error " + std::to_string(err));
      if (err == 0) {
        env.probe("both taken");
        mk::raw_res_spin_unlock_irqrestore(env, h, second, "second unlock");
      } else {
        env.probe("abba");
      }
      mk::raw_res_spin_unlock_irqrestore(env, h, first, "first unlock");
    };
  };
  const sim::RunReport r = run_locks({body(true), body(false)}, 2000);
  EXPECT_EQ(r.outcome, sim::Outcome::kNothingFound) << (r.failure ? r.failure->verdict.message : "");
  EXPECT_GT(r.probe_hits.count("abba"), 0u) << "the ABBA case was never explored";
  EXPECT_GT(r.probe_hits.count("both taken"), 0u);
}

TEST(Rqspinlock, AContendedLockTimesOutOnlyWhereTheCallerAllowsIt) {
  for (bool may : {false, true}) {
    auto holder = [](Env& env, mk::RqspinlockHeld& h, model::ObjectId a, model::ObjectId) {
      if (mk::raw_res_spin_lock_irqsave(env, h, a, false, "holder") == 0) {
        env.yield("holding");
        mk::raw_res_spin_unlock_irqrestore(env, h, a, "holder unlock");
      }
    };
    auto waiter = [may](Env& env, mk::RqspinlockHeld& h, model::ObjectId a, model::ObjectId) {
      const int err = mk::raw_res_spin_lock_irqsave(env, h, a, may, "waiter");
      if (err == mk::kETIMEDOUT) env.probe("timed out");
      if (err == 0) mk::raw_res_spin_unlock_irqrestore(env, h, a, "waiter unlock");
    };
    const sim::RunReport r = run_locks({holder, waiter}, 2000);
    EXPECT_EQ(r.outcome, sim::Outcome::kNothingFound);
    EXPECT_EQ(r.probe_hits.count("timed out") > 0, may);
  }
}

int cli(std::vector<std::string> args, std::string& out) {
  std::ostringstream o, e;
  const int code = cli::run_cli(args, o, e, false, nullptr);
  out = o.str() + e.str();
  return code;
}

TEST(Profiles, AnUnknownProfileOrOneTheScenarioDoesNotDeclareIsAUsageError) {
  std::string out;
  EXPECT_EQ(cli({"explore", "--scenario", "qmap", "--profile", "linux-9.9"}, out), 2);
  EXPECT_NE(out.find("unknown profile 'linux-9.9'"), std::string::npos) << out;
  EXPECT_EQ(cli({"explore", "--scenario", "busy-preempt", "--profile", "linux-7.0"}, out), 2);
  EXPECT_NE(out.find("does not apply to profile linux-7.0"), std::string::npos) << out;
  EXPECT_EQ(cli({"explore", "--mutant", "busy-spurious-ebusy", "--scenario", "busy-spurious", "--profile", "linux-7.0"}, out), 2);
  EXPECT_EQ(cli({"explore", "--mutant", "mapfree-vs-destroy-halfunlink", "--scenario", "exit-vs-mapfree",
                 "--profile", "linux-6.18"}, out), 2);
  EXPECT_NE(out.find("is a bug of linux-7.0"), std::string::npos) << out;
  EXPECT_EQ(cli({"explore", "--scenario", "lock-ordered", "--profile", "linux-7.0"}, out), 2);
  EXPECT_NE(out.find("models no kernel version"), std::string::npos) << out;
  EXPECT_EQ(cli({"generate", "--profile", "linux-7.0", "--mutant", "busy-spurious-ebusy"}, out), 2);
}

// Bug 8 is in 7.0 only as its mutant: the hand-written scenario passes unmutated and the mutant
// is found there (lsmc generate finds it too: test_generated.cpp).
TEST(Profiles, Bug8IsFoundOn7_0AndTheUnmutatedModelPasses) {
  std::string out;
  EXPECT_EQ(cli({"explore", "--scenario", "mapfree-vs-destroy", "--profile", "linux-7.0", "--executions", "2000"}, out), 0) << out;
  EXPECT_EQ(cli({"explore", "--scenario", "mapfree-vs-destroy", "--mutant", "mapfree-vs-destroy-halfunlink",
                 "--trace-out", "/dev/null"}, out), 1) << out;
  EXPECT_NE(out.find("profile linux-7.0"), std::string::npos) << "the mutant's own profile is the default";
}

TEST(Profiles, TheSameRunOnTheTwoProfilesRunsDifferentKernelCode) {
  std::string a, b;
  ASSERT_EQ(cli({"explore", "--scenario", "exit-vs-mapfree", "--executions", "50", "--json"}, a), 0);
  ASSERT_EQ(cli({"explore", "--scenario", "exit-vs-mapfree", "--executions", "50", "--json", "--profile", "linux-7.0"}, b), 0);
  EXPECT_NE(a.find("\"profile\": \"linux-6.18\""), std::string::npos) << a;
  EXPECT_NE(b.find("\"profile\": \"linux-7.0\""), std::string::npos) << b;
  EXPECT_NE(b.find("map_free and destroy each unlinked half"), std::string::npos) << "7.0's nofail race was not reached";
  EXPECT_EQ(a.find("map_free and destroy each unlinked half"), std::string::npos) << "6.18 has no bpf_selem_unlink_nofail";
}

}  // namespace
}  // namespace lsmc

namespace lsmc {
namespace {

TEST(Profiles, TheRunningKernelsReleaseNamesItsProfile) {
  EXPECT_EQ(mk::profile_for_release("6.18.44-fc-v1098"), mk::Profile::kLinux618);
  EXPECT_EQ(mk::profile_for_release("6.18"), mk::Profile::kLinux618);
  EXPECT_EQ(mk::profile_for_release("7.0.1"), mk::Profile::kLinux70);
  EXPECT_EQ(mk::profile_for_release("7.0-rc3"), mk::Profile::kLinux70);
  EXPECT_EQ(mk::profile_for_release("6.1.0"), std::nullopt);
  EXPECT_EQ(mk::profile_for_release("6.180"), std::nullopt);
  EXPECT_EQ(mk::profile_for_release("7.01"), std::nullopt);
  EXPECT_EQ(mk::profile_for_release(""), std::nullopt);
  EXPECT_EQ(mk::profile_for_release("six.eighteen"), std::nullopt);
}


// Known upstream findings (properties/scenarios/known.cpp): a run given them counts an execution
// that ends in one, goes on searching, and still reports anything else.
sim::RunRequest mapfree_bucket_timeout(const sim::Catalog& c, bool count_known, uint64_t jobs) {
  sim::RunRequest req;
  req.scenario = c.find("mapfree-bucket-timeout");
  req.config.profile = "linux-7.0";
  req.config.executions_max = 400;
  req.config.jobs = jobs;
  req.observers = properties::default_observers;
  if (count_known) req.known = c.known_in("linux-7.0");
  return req;
}

TEST(KnownFindings, AKnownFindingIsCountedAndTheSearchGoesOn) {
  const sim::Catalog c = test::catalog();
  // Reported like any finding without them: upstream's WARN for its residual leak.
  const sim::RunReport stop = sim::run(mapfree_bucket_timeout(c, false, 1));
  ASSERT_TRUE(stop.failure.has_value());
  EXPECT_EQ(stop.failure->verdict.property, "kernel-warning");
  EXPECT_TRUE(stop.known_hits.empty());
  // Counted with them: the run uses its whole budget and finds nothing else.
  const sim::RunReport count = sim::run(mapfree_bucket_timeout(c, true, 1));
  EXPECT_EQ(count.outcome, sim::Outcome::kNothingFound) << (count.failure ? count.failure->verdict.message : "");
  EXPECT_EQ(count.executions, 400u);
  ASSERT_EQ(count.known_hits.count("map-free-bucket-timeout"), 1u);
  const sim::KnownHit hit = count.known_hits.at("map-free-bucket-timeout");
  EXPECT_GT(hit.count, 1u);
  EXPECT_EQ(hit.first_index, stop.failure->index) << "the first known hit is the execution that stopped the other run";
  // The same counts with two workers.
  const sim::RunReport two = sim::run(mapfree_bucket_timeout(c, true, 2));
  ASSERT_EQ(two.known_hits.count("map-free-bucket-timeout"), 1u);
  EXPECT_EQ(two.known_hits.at("map-free-bucket-timeout").count, hit.count);
  EXPECT_EQ(two.known_hits.at("map-free-bucket-timeout").first_index, hit.first_index);
}

TEST(KnownFindings, AnotherFindingIsStillReportedAndKnownOnesBelongToTheirProfile) {
  const sim::Catalog c = test::catalog();
  sim::RunRequest req = mapfree_bucket_timeout(c, true, 1);
  req.config.mutant = "mapfree-vs-destroy-halfunlink";
  const sim::RunReport r = sim::run(req);
  ASSERT_TRUE(r.failure.has_value());
  EXPECT_EQ(r.failure->verdict.property, "use-after-free");
  EXPECT_TRUE(c.known_in("linux-6.18").empty());
  ASSERT_FALSE(c.known_in("linux-7.0").empty());
  for (const sim::KnownFinding& k : c.known()) {
    sim::Verdict v{sim::VerdictKind::kViolation, k.property, "x " + k.message + " y", 0, 0};
    EXPECT_TRUE(k.matches(v)) << k.name;
    v.property = "leak";
    EXPECT_FALSE(k.matches(v)) << k.name << ": the property must match too";
  }
}

// A regression found by lsmc generate --profile linux-7.0 --seed 10: a destroy whose b->lock timed
// out leaves its element on the bucket only, marked SELEM_STORAGE_UNLINKED, for map free to
// finish; the linkage invariant must not call that half-linked.
TEST(Profiles, A7_0HalfUnlinkedElementIsNotALinkageFinding) {
  const sim::Catalog c = test::catalog();
  sim::RunRequest req;
  req.scenario = c.find("generated");
  req.config.profile = "linux-7.0";
  req.config.executions_max = 300;
  req.config.faults_max = 1;
  req.observers = properties::default_observers;
  req.known = c.known_in("linux-7.0");
  const std::map<std::string, int64_t> params{{"a0", 0}, {"a1", 0}, {"a2", 65}, {"attach", 115}, {"attach_op", 1},
                                              {"cpus", 3}, {"gp_implied", 0}, {"owners", 2}, {"p0", 1}, {"p1", 1},
                                              {"q_exit", 1}, {"rt", 1}, {"seeded", 1}, {"teardown", 0}, {"timeouts", 2}};
  ASSERT_FALSE(sim::resolve_params(*req.scenario, params, req.params));
  const sim::RunReport r = sim::run(req);
  EXPECT_EQ(r.outcome, sim::Outcome::kNothingFound) << (r.failure ? r.failure->verdict.message : "");
  EXPECT_GT(r.probe_hits.count("map_free and destroy each unlinked half"), 0u) << "the half-unlinked case ran";
}

TEST(KnownFindings, TheCommandLineCountsThemOnlyWhenAsked) {
  std::string out;
  EXPECT_EQ(cli({"explore", "--scenario", "mapfree-bucket-timeout", "--executions", "300", "--trace-out", "/dev/null"}, out), 1) << out;
  EXPECT_EQ(cli({"explore", "--scenario", "mapfree-bucket-timeout", "--executions", "300", "--known", "count"}, out), 0) << out;
  EXPECT_NE(out.find("known upstream (counted, not a finding; --known stop reports it): map-free-bucket-timeout"),
            std::string::npos) << out;
  EXPECT_EQ(cli({"explore", "--scenario", "mapfree-bucket-timeout", "--known", "maybe"}, out), 2) << out;
  EXPECT_EQ(cli({"generate", "--profile", "linux-7.0", "--known", "maybe"}, out), 2) << out;
  EXPECT_EQ(cli({"list", "--known"}, out), 0);
  EXPECT_NE(out.find("map-free-bucket-timeout  [linux-7.0] kernel-warning"), std::string::npos) << out;
  EXPECT_NE(out.find("call-srcu-under-raw-lock  [linux-7.0] context"), std::string::npos) << out;
}

}  // namespace
}  // namespace lsmc
