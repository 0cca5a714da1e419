// Kernel scenario null-owner (registered by the build: register_null_owner).
#include "properties/scenarios/kernel_helpers.hpp"

namespace lsmc::properties::scenarios {

namespace {

// Bug 17: helpers take ARG_PTR_TO_BTF_ID_OR_NULL, so the task may be NULL.
void build_null_owner(sim::Setup& s) {
  World& w = make_world(s, {knobs_with(), false});
  Env& env = s.env();
  mk::Smap& m = task_map(env, w);
  spawn_work(s, w, "prog", 0, [&w, &m](Env& e) {
    w.k.run_prog(e, ProgType::kTracing, [&](Env& e2, const ProgCtx& c) {
      e2.check(!mk::prog_task_storage_get(e2, w.k, c, m, Ref<mk::Task>{}, mk::kGetFCreate), "spec",
               "get with a NULL task returned a pointer");
      e2.check(mk::prog_task_storage_delete(e2, w.k, c, m, Ref<mk::Task>{}) == -mk::kEINVAL, "spec",
               "delete with a NULL task did not return -EINVAL");
    });
  });
}

}  // namespace

void register_null_owner(sim::Catalog& c) {
  add_kernel_scenario(c, "null-owner", "helpers called with a NULL task", build_null_owner);
}

}  // namespace lsmc::properties::scenarios
