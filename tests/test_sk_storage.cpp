// sk storage (6.18 and 7.0): sockets own storage on the shared core; what it charges against
// sk_omem_alloc is back to zero when the socket is destructed (7.0: destroy() returns what is left
// to uncharge), a creation on a going-away socket is refused, and a charge nobody returns is
// reported as the kernel's "optmem leakage".
#include <gtest/gtest.h>

#include "model/linux/sk_storage.hpp"
#include "properties/lifetime.hpp"
#include "properties/scenarios/kernel_helpers.hpp"
#include "sim/runner.hpp"
#include "tests/util.hpp"

namespace lsmc {
namespace {

namespace mk = model::kernel;
namespace ps = properties::scenarios;

using test::explore;

TEST(SkStorage, ChargesComeBackAndCreationsOnAGoingAwaySocketAreRefused) {
  const sim::Catalog c = test::catalog();
  for (const char* profile : {"linux-6.18", "linux-7.0"}) {
    const sim::RunReport close = explore(*c.find("sk-close-vs-get"), 3000, profile);
    EXPECT_EQ(close.outcome, sim::Outcome::kNothingFound) << profile << ": " << (close.failure ? close.failure->verdict.message : "");
    EXPECT_GT(close.probe_hits.count("sk storage get refused on a going-away sk"), 0u) << profile;
    const sim::RunReport limit = explore(*c.find("sk-optmem-limit"), 3000, profile);
    EXPECT_EQ(limit.outcome, sim::Outcome::kNothingFound) << profile << ": " << (limit.failure ? limit.failure->verdict.message : "");
    EXPECT_GT(limit.probe_hits.count("sk storage charge refused (optmem_max)"), 0u) << profile;
  }
}

// 7.0's bpf_sk_storage_clone(): when bpf_selem_link_map() fails for a later copy (its bucket's
// rqspinlock times out), "goto out" leaves the copy it allocated and charged behind: the failed
// clone's __sk_destruct finds the charge (a model finding, not confirmed on a kernel).
TEST(SkStorage, On7_0AFailedLinkLeavesTheCopyAndItsChargeBehind) {
  const sim::Catalog c = test::catalog();
  sim::RunRequest req;
  req.scenario = c.find("sk-clone-link-timeout");
  req.config.profile = "linux-7.0";
  req.config.executions_max = 3000;
  req.observers = properties::default_observers;
  req.known = c.known_in("linux-7.0");  // map_free's own b->lock WARN is upstream's, counted
  const sim::RunReport r = sim::run(req);
  ASSERT_TRUE(r.failure.has_value());
  EXPECT_NE(r.failure->verdict.message.find("optmem leakage"), std::string::npos) << r.failure->verdict.message;
  EXPECT_GT(r.probe_hits.count("sk storage clone: bpf_selem_link_map failed, the copy is left behind"), 0u);
}

// A clone copies the BPF_F_CLONE element only, also when a copy's allocation fails; a clone that
// fails before bpf_sk_storage_clone() destroys the listener's storage (on Linux 6.18.44 too:
// experiments/sk-clone-failure, the test RealKernel.FailedSocketCloneDestroysItsListenersStorage).
TEST(SkStorage, AFailedCloneDestroysTheListenersStorageOnlyWhenItFailsBeforeTheStorageClone) {
  const sim::Catalog c = test::catalog();
  for (const char* profile : {"linux-6.18", "linux-7.0"}) {
    sim::RunRequest req;
    req.scenario = c.find("sk-clone");
    req.config.profile = profile;
    req.config.executions_max = 3000;
    req.observers = properties::default_observers;
    for (int64_t fail : {0, 1}) {
      ASSERT_FALSE(sim::resolve_params(*req.scenario, {{"fail", fail}}, req.params));
      const sim::RunReport r = sim::run(req);
      EXPECT_EQ(r.outcome, sim::Outcome::kNothingFound)
          << profile << " fail=" << fail << ": " << (r.failure ? r.failure->verdict.message : "");
    }
    const sim::RunReport bad = explore(*c.find("sk-clone-filter-charge-fails"), 100, profile);
    ASSERT_TRUE(bad.failure.has_value()) << profile;
    EXPECT_EQ(bad.failure->verdict.property, "invariant");
    EXPECT_NE(bad.failure->verdict.message.find("destroys the storage of listener"), std::string::npos)
        << bad.failure->verdict.message;
  }
}

TEST(SkStorage, AChargeNobodyReturnsIsTheKernelsOptmemLeakage) {
  test::Lambda s([](sim::Setup& setup) {
    ps::World& w = ps::make_world(setup, {ps::knobs_with(), true});
    mk::Sock& sk = mk::sk_alloc(setup.env(), w.k, "sk", false);
    ps::spawn_work(setup, w, "user", 0, [&w, &sk](model::Env& e) {
      EXPECT_EQ(mk::bpf_sk_storage_charge(e, w.k, mk::Ref<mk::Sock>::of(&sk), 64), 0);
      mk::sock_put(e, w.k, mk::Ref<mk::Sock>::of(&sk));
    });
  });
  const sim::RunReport r = explore(s, 5);
  ASSERT_TRUE(r.failure.has_value());
  EXPECT_EQ(r.failure->verdict.property, "kernel-warning");
  EXPECT_NE(r.failure->verdict.message.find("optmem leakage (64 bytes)"), std::string::npos) << r.failure->verdict.message;
}

TEST(SkStorage, ASyscallOnAnFdThatIsNoSocketIsEnotsock) {
  test::Lambda s([](sim::Setup& setup) {
    ps::World& w = ps::make_world(setup, {ps::knobs_with(), false});
    mk::Smap& m = mk::bpf_sk_storage_map_alloc(setup.env(), w.k, "sk_stor");
    ps::spawn_work(setup, w, "user", 0, [&w, &m](model::Env& e) {
      mk::Fd not_a_socket;
      not_a_socket.kind = mk::Fd::Kind::kOther;
      EXPECT_EQ(mk::sys_map_update_elem(e, w.k, m, not_a_socket, mk::Value{1, 0}, mk::kBpfAny), mk::kENOTSOCK);
      EXPECT_EQ(mk::sys_map_lookup_elem(e, w.k, m, not_a_socket, 0).err, mk::kENOTSOCK);
    });
  });
  EXPECT_EQ(explore(s, 1).outcome, sim::Outcome::kNothingFound);
}

}  // namespace
}  // namespace lsmc
