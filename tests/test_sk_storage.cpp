// sk storage (6.18): sockets own storage on the shared core; what it charges against
// sk_omem_alloc is back to zero when the socket is destructed, a creation on a going-away socket
// is refused, and a charge nobody returns is reported as the kernel's "optmem leakage".
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
  const sim::RunReport close = explore(*c.find("sk-close-vs-get"), 3000);
  EXPECT_EQ(close.outcome, sim::Outcome::kNothingFound) << (close.failure ? close.failure->verdict.message : "");
  EXPECT_GT(close.probe_hits.count("sk storage get refused on a going-away sk"), 0u);
  const sim::RunReport limit = explore(*c.find("sk-optmem-limit"), 3000);
  EXPECT_EQ(limit.outcome, sim::Outcome::kNothingFound) << (limit.failure ? limit.failure->verdict.message : "");
  EXPECT_GT(limit.probe_hits.count("sk storage charge refused (optmem_max)"), 0u);
}

// A clone copies the BPF_F_CLONE element only, also when a copy's allocation fails; a clone that
// fails before bpf_sk_storage_clone() destroys the listener's storage (on Linux 6.18.44 too:
// experiments/sk-clone-failure, the test RealKernel.FailedSocketCloneDestroysItsListenersStorage).
TEST(SkStorage, AFailedCloneDestroysTheListenersStorageOnlyWhenItFailsBeforeTheStorageClone) {
  const sim::Catalog c = test::catalog();
  sim::RunRequest req;
  req.scenario = c.find("sk-clone");
  req.config.executions_max = 3000;
  req.observers = properties::default_observers;
  for (int64_t fail : {0, 1}) {
    ASSERT_FALSE(sim::resolve_params(*req.scenario, {{"fail", fail}}, req.params));
    const sim::RunReport r = sim::run(req);
    EXPECT_EQ(r.outcome, sim::Outcome::kNothingFound) << "fail=" << fail << ": " << (r.failure ? r.failure->verdict.message : "");
  }
  const sim::RunReport bad = explore(*c.find("sk-clone-filter-charge-fails"), 100);
  ASSERT_TRUE(bad.failure.has_value());
  EXPECT_EQ(bad.failure->verdict.property, "invariant");
  EXPECT_NE(bad.failure->verdict.message.find("destroys the storage of listener"), std::string::npos)
      << bad.failure->verdict.message;
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
