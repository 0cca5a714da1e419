// inode storage (6.18 and 7.0): inodes own storage on the shared core; the helper has no gate on
// the inode's life (its caller must hold a reference), as both sources have it.
#include <gtest/gtest.h>

#include "model/linux/inode_storage.hpp"
#include "properties/lifetime.hpp"
#include "properties/scenarios/kernel_helpers.hpp"
#include "sim/runner.hpp"
#include "tests/util.hpp"

namespace lsmc {
namespace {

namespace mk = model::kernel;
namespace ps = properties::scenarios;

using test::explore;

TEST(InodeStorage, TheEvictionScenarioPasses) {
  const sim::Catalog c = test::catalog();
  for (const char* profile : {"linux-6.18", "linux-7.0"}) {
    const sim::RunReport r = explore(*c.find("inode-evict-vs-get"), 3000, profile);
    EXPECT_EQ(r.outcome, sim::Outcome::kNothingFound) << profile << ": " << (r.failure ? r.failure->verdict.message : "");
  }
}

// bpf_inode_storage_get() does not read i_count ("This helper must only called from where the inode
// is guaranteed to have a refcount"): it creates on a counted inode and on one whose count is zero
// alike. (An i_count gate was proposed with inode storage for tracing programs; 6.18 has none.)
TEST(InodeStorage, TheHelperHasNoGateOnTheInodesCount) {
  for (int count : {0, 1}) {
    bool created = false;
    test::Lambda s([count, &created](sim::Setup& setup) {
      ps::World& w = ps::make_world(setup, {ps::knobs_with(), false});
      mk::Smap& m = mk::inode_storage_map_alloc(setup.env(), w.k, "inode_stor");
      mk::Inode& inode = mk::new_inode(setup.env(), w.k, "inode");
      inode.i_count = count;
      ps::spawn_work(setup, w, "lsm", 0, [&w, &m, &inode, &created](model::Env& e) {
        w.k.run_prog(e, mk::ProgType::kLsm, [&](model::Env& e2, const mk::ProgCtx&) {
          created = bool(mk::bpf_inode_storage_get(e2, w.k, m, mk::Ref<mk::Inode>::of(&inode), nullptr,
                                                   mk::kGetFCreate, mk::Gfp::kAtomic));
        });
      });
    });
    const sim::RunReport r = explore(s, 1);
    EXPECT_EQ(r.outcome, sim::Outcome::kNothingFound) << (r.failure ? r.failure->verdict.message : "");
    EXPECT_TRUE(created) << "i_count " << count;
  }
}

}  // namespace
}  // namespace lsmc
