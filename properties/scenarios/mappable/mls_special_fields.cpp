// The proposal scenario mls-special-fields (registered by the build: register_mls_special_fields).
#include "properties/scenarios/mls_world.hpp"

namespace lsmc::properties::scenarios {

namespace {

using model::Env;
using mk::ProgType;

// A value type with a special field (upstream: refuse kptrs, spin locks and timers in mappable
// values): map_check_btf decides at creation. If the field is accepted, a program uses it (a task
// kptr, bpf_spin_lock, bpf_timer_init) while another process stores into the mapped entry where the
// field is, and the task exits (bpf_obj_free_fields). Property: the kernel never follows a pointer
// user space wrote (kernel-uses-user-pointer) and never spins on a lock word user space holds (a
// deadlock finding).
void build_special_fields(sim::Setup& s) {
  MlsWorld& m = make_mls_world(s, {2, 1});
  Env& env = s.env();
  const int64_t field = s.params().get("field");
  mk::ValueFields fields;
  fields.kptr = field == 0;
  fields.spin_lock = field == 1;
  fields.timer = field == 2;
  mk::Owner& t = make_owner(env, m, "t", 100);
  seed_entry(env, m, t, 1);
  if (mm::bpf_mls_map_check_btf(env, m.map, fields) != 0) return;  // BPF_MAP_CREATE failed: nothing mapped
  spawn_mls(s, m, "prog", 0, [&m](Env& e) {
    m.w->k.run_prog(e, ProgType::kLsmSleepable, [&m](Env& e2, const mk::ProgCtx&) { mm::bpf_mls_special_use(e2, m.map); });
  });
  spawn_mls(s, m, "user", 1, [&m, field](Env& e) {
    mm::user_special_store(e, m.map, field == 1 ? 1 : 0x41414141);  // a held lock word, or a pointer of its own
  });
  spawn_mls(s, m, "exit", 1, [&m, &t](Env& e) {
    mm::bpf_mls_task_free(e, m.w->k, m.map, t);
    mm::bpf_mls_special_free(e, m.map);
  });
}

}  // namespace

void register_mls_special_fields(sim::Catalog& c) {
  add_mls_scenario(c, "mls-special-fields", "proposal: a mappable value with a kptr, a bpf_spin_lock or a bpf_timer; if map "
      "creation accepts it, user space stores into the field while a program uses it and the task exits: the kernel must "
      "never follow a pointer or spin on a lock word that user space wrote",
      build_special_fields,
      {{"field", 0, 0, 2, "the value's special field: 0 a referenced task kptr, 1 a bpf_spin_lock, 2 a bpf_timer"}},
      {"mls: map_check_btf refused a special field in a mappable value"});
}

}  // namespace lsmc::properties::scenarios
