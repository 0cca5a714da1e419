// The proposal scenario mls-user-write (registered by the build: register_mls_user_write).
#include "properties/scenarios/mls_world.hpp"

namespace lsmc::properties::scenarios {

namespace {

using model::Env;
using mk::ProgType;

// User writes (hints, as scx_layered stores them for BPF to read): a daemon writes into a task's
// entry while the task exits and its slot goes to another task.
void build_user_write(sim::Setup& s) {
  MlsWorld& m = make_mls_world(s, {2, 1});
  m.map.knobs.user_write = static_cast<mm::UserWrite>(s.params().get("user_write"));
  Env& env = s.env();
  mk::Owner& t = make_owner(env, m, "t", 100);
  mk::Owner& c = make_owner(env, m, "c", 101);
  seed_entry(env, m, t, 1);
  const int hints = static_cast<int>(s.params().get("hints"));
  spawn_mls(s, m, "daemon", 0, [&m, &t, hints](Env& e) {
    for (int round = 0; round < hints; ++round) mm::libbpf_mls_update(e, m.map, m.lib, t, mm::owner_number(t), value_of(t, 10 + round));
  });
  spawn_exit_then_create(s, m, t, c, 1);
}

}  // namespace

void register_mls_user_write(sim::Catalog& c) {
  add_mls_scenario(c, "mls-user-write", "proposal: a daemon writes hints into a task's entry while the task exits and another task "
      "takes the slot; a user store must never land in another owner's entry",
      build_user_write,
      {{"hints", 2, 1, 2, "hints the daemon stores through its handle"},
       {"user_write", 1, 0, 1,
        "how user space stores through a handle: 0 check the generation, store, check again; 1 pin the slot with "
        "one atomic on the header word (fails once freed), the kernel deferring reuse while pinned",
        true}},
      {"mls: slot reuse deferred by a user pin"});
}

}  // namespace lsmc::properties::scenarios
