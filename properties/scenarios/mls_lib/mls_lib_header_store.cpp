// What today's kernel cannot give the mls library without a patch, checked on the library itself
// (docs/mls.md, "What today's kernel cannot give"): the header words live in memory user space
// maps writable, so a stray or hostile store can undo the protocol. These scenarios are expected
// to fail; they show the risk is real, and exactly what it breaks.
#include <cerrno>

#include "properties/scenarios/mls_lib.hpp"

namespace lsmc::properties::scenarios {

namespace {

using model::Env;

// A daemon writes a hint into t's entry (pinned) while another user thread's stray store clears
// the pins of t's header word, and t exits, the daemon maintains and c gets an entry. Either the
// reclaim pass sees no pin, c takes the slot and the pinned store lands in c's entry, or the
// daemon's unpin borrows from the generation and a deleted entry reads as live again.
void build_header_store(sim::Setup& s) {
  LibWorld& lw = make_lib_world(s);
  Env& env = s.env();
  mk::Task& t = lib_task(env, lw, "t", 100);
  mk::Task& c = lib_task(env, lw, "c", 101);
  if (lib_cmd(env, lw, t, MLS_TEST_CREATE, static_cast<__u64>(lib_value(t, 1))) != 0) env.fail("model-error", "seed");
  const int fd = lw.host->pidfd(t);
  auto& h = s.make<struct mls_handle>();
  if (lw.handle(lw.m.get(), fd, &h) != 0) env.fail("model-error", "no handle for t");
  spawn_work(s, *lw.w, "daemon", 0, [&lw, &t, &h](Env&) {
    const __s64 hint = lib_value(t, 10);
    lw.write(lw.m.get(), h, offsetof(mls_test_value, hint), &hint, sizeof(hint));
  });
  spawn_work(s, *lw.w, "stray-store", 0, [&lw, &h](Env&) {
    __u64* word = &lw.m->hdr[h.slot];
    lw.host->poke(reinterpret_cast<uintptr_t>(word), *word & ~0xffffffffull,
                  "a stray user store: hdr[slot] = {generation, 0 pins}");
  });
  auto& stage = s.make<int>(0);
  spawn_work(s, *lw.w, "exit", 1, [&lw, &t, &c, &stage](Env& e) {
    lib_exit(e, lw, t);
    lw.maintain(lw.m.get());
    lib_cmd(e, lw, c, MLS_TEST_CREATE, static_cast<__u64>(lib_value(c, 1)));
    stage = 1;
  });
  s.at_end([&lw](Env& e) { lib_check_entries(e, lw); });
}

}  // namespace

void register_mls_lib_header_store(sim::Catalog& c) {
  add_mls_lib_scenario(c, "mls-lib-header-store",
                       "mls library (host build), the residual risk: a stray user store clears the pins of a slot the "
                       "daemon is writing; a deleted entry can then look published again, or the pinned store land in "
                       "the slot's next owner (expected to fail: today's kernel has no kernel-only header words)",
                       build_header_store, {}, true);
}

}  // namespace lsmc::properties::scenarios
