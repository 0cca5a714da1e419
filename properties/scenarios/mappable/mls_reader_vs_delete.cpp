// The proposal scenario mls-reader-vs-delete (registered by the build: register_mls_reader_vs_delete).
#include "properties/scenarios/mls_world.hpp"

namespace lsmc::properties::scenarios {

namespace {

using model::Env;
using mk::ProgType;

// Design question 5: BPF readers hold entries within their read-side section.
void build_reader_vs_delete(sim::Setup& s) {
  MlsWorld& m = make_mls_world(s, {2, 1});
  Env& env = s.env();
  mk::Owner& t1 = make_owner(env, m, "t1", 100);
  mk::Owner& t2 = make_owner(env, m, "t2 (pid 100 reused)", 100);  // forked after t1 exits
  seed_entry(env, m, t1, 1);
  // The task being enqueued is on the runqueue, which holds a reference until enqueue is done
  // (today's kernel frees task storage only after the last one: the uptr layout's exit, which
  // is today's free path, depends on it).
  const bool task_ref = m.map.knobs.layout == mm::Layout::kUptr || m.map.knobs.layout == mm::Layout::kUptrDaemon;
  const mk::Ref<mk::Task> rq_ref = mk::Ref<mk::Task>::of(static_cast<mk::Task*>(&t1));
  if (task_ref) mk::get_task_struct(env, m.w->k, rq_ref);
  spawn_mls(s, m, "enqueue", 0, [&m, &t1, task_ref, rq_ref](Env& e) {
    m.w->k.run_prog(e, ProgType::kStructOps, [&](Env& e2, const mk::ProgCtx& c) {
      const int slot = mm::bpf_mls_get(e2, m.w->k, m.map, c, t1, false);
      if (slot < 0) return;
      e2.yield("enqueue: work while holding tctx");
      mm::bpf_mls_write(e2, m.map, slot, t1, value_of(t1, 2));
    });
    if (task_ref) mk::put_task_struct(e, m.w->k, rq_ref);
  });
  spawn_exit_then_create(s, m, t1, t2, 1);
}

}  // namespace

void register_mls_reader_vs_delete(sim::Catalog& c) {
  add_mls_scenario(c, "mls-reader-vs-delete", "proposal: enqueue holds a task's entry while the task exits and another task's "
      "entry is created; the program's pointer must not reach the other task", build_reader_vs_delete);
}

}  // namespace lsmc::properties::scenarios
