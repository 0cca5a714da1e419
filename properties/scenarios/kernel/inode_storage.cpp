// inode storage scenarios (6.18 and 7.0): inodes as owners on the shared local-storage core.
#include "model/linux/inode_storage.hpp"
#include "properties/scenarios/kernel_helpers.hpp"

namespace lsmc::properties::scenarios {

namespace {

// An inode with an element (set by a syscall on an open file) gets a second element from a BPF
// LSM program at one of its hooks (the hook's caller holds a reference) while the file is closed
// and the inode evicted; then both maps are closed. Nothing may leak.
void build_inode_evict_vs_get(sim::Setup& s) {
  World& w = make_world(s, {knobs_with(), true});
  Env& env = s.env();
  mk::Smap& m1 = mk::inode_storage_map_alloc(env, w.k, "inode_stor1");
  mk::Smap& m2 = mk::inode_storage_map_alloc(env, w.k, "inode_stor2");
  mk::Inode& inode = mk::new_inode(env, w.k, "inode");
  if (mk::sys_map_update_elem(env, w.k, m1, mk::fd_of(inode), mk::Value{1, 0}, mk::kBpfAny) != 0) {
    env.fail("model-error", "seeding the inode's element failed");
  }
  auto& done = s.make<int>(0);
  auto& held = s.make<bool>(false);
  spawn_work(s, w, "lsm_hook", 0, [&w, &m2, &inode, &done, &held](Env& e) {
    const Ref<mk::Inode> ref = Ref<mk::Inode>::of(&inode);
    mk::ihold(e, w.k, ref);  // the hook's caller (e.g. a path walk) holds the inode
    held = true;
    w.k.run_prog(e, ProgType::kLsm, [&](Env& e2, const ProgCtx&) {
      const auto v = mk::bpf_inode_storage_get(e2, w.k, m2, ref, nullptr, mk::kGetFCreate, mk::Gfp::kAtomic);
      if (v) read_value(e2, v, "lsm: *inode storage value", &w.k);
    });
    mk::iput(e, w.k, ref);
    ++done;
  });
  spawn_work(s, w, "close", 1, [&w, &inode, &done, &held](Env& e) {
    e.wait_until([&held] { return held; }, "the hook holds the inode");
    mk::iput(e, w.k, Ref<mk::Inode>::of(&inode));  // the file's reference
    ++done;
  });
  spawn_work(s, w, "close_maps", 1, [&w, &m1, &m2, &done](Env& e) {
    e.wait_until([&done] { return done == 2; }, "the hook and the close are done");
    mk::bpf_map_free_deferred(e, w.k, m1);
    mk::bpf_map_free_deferred(e, w.k, m2);
  });
}

}  // namespace

void register_inode_storage(sim::Catalog& c) {
  auto scenario = std::make_unique<FunctionScenario>(
      "inode-evict-vs-get",
      "inode storage: a BPF LSM program creates an inode's second element while the file is closed and the inode "
      "evicted; then the maps are closed (no leak)",
      build_inode_evict_vs_get);
  scenario->set_profiles({"linux-6.18", "linux-7.0"});
  c.add(std::move(scenario));
}

}  // namespace lsmc::properties::scenarios
