// The library scenario mls-lib-reader-vs-delete (registered by the build: register_mls_lib_reader_vs_delete).
#include <cerrno>

#include "properties/scenarios/mls_lib.hpp"

namespace lsmc::properties::scenarios {

namespace {

using model::Env;

// mls-reader-vs-delete: a program holds t1's entry while t1 exits and t2 (pid 100 reused) gets an
// entry; the program's pointer must not reach t2's. The program runs kEnqueues times (a scheduler's
// enqueue runs for a busy task again and again): each run holds the entry for a few steps only, and
// every run is one more place where a preemption lets the exit, the reuse and the zeroing in.
constexpr int kEnqueues = 4;
void build_reader_vs_delete(sim::Setup& s) {
  LibWorld& lw = make_lib_world(s);
  Env& env = s.env();
  mk::Task& t1 = lib_task(env, lw, "t1", 100);
  mk::Task& t2 = lib_task(env, lw, "t2 (pid 100 reused)", 100);
  lib_seed(env, lw, t1, 1);
  lib_fill(env, lw, 3);
  spawn_work(s, *lw.w, "enqueue", 0, [&lw, &t1](Env& e) {
    for (int i = 0; i < kEnqueues; ++i) {
      const long rc = lib_cmd(e, lw, t1, MLS_TEST_WRITE, static_cast<__u64>(lib_value(t1, 2 + i)));
      e.check(rc != MLS_TEST_ALIASED, "bpf-pointer-reused",
              "a program got t1's entry from mls_get and then found another owner in it: the slot was reused "
              "while the program held it");
      if (rc == MLS_TEST_NONE) return;  // t1's entry is gone
    }
  });
  lib_spawn_exit_maintain_create(s, lw, t1, t2, 1);
  lib_at_end_checks(s, lw);
}

}  // namespace

void register_mls_lib_reader_vs_delete(sim::Catalog& c) {
  add_mls_lib_scenario(c, "mls-lib-reader-vs-delete", "mls library (host build): a program holds t1's entry while t1 "
                       "exits, the daemon maintains and t2 gets an entry", build_reader_vs_delete, {}, false);
}

}  // namespace lsmc::properties::scenarios
