// inode storage (6.18): inodes own storage on the shared core, and a creation on an inode being
// freed is refused (the i_count gate).
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
  const sim::RunReport r = explore(*c.find("inode-evict-vs-get"), 3000);
  EXPECT_EQ(r.outcome, sim::Outcome::kNothingFound) << (r.failure ? r.failure->verdict.message : "");
}

// The i_count gate: on an inode whose count went to zero (its eviction has begun) the helper does
// not create; on a counted one it does.
TEST(InodeStorage, ACreationOnAnInodeBeingFreedIsRefused) {
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
    EXPECT_EQ(created, count != 0) << "i_count " << count;
  }
}

}  // namespace
}  // namespace lsmc
