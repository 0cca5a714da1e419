#include "properties/lifetime.hpp"

#include <string>

namespace lsmc::properties {

void LifetimeChecker::on_event(sim::Execution& exec, const sim::Event& event) {
  if (event.object == model::kNoObject || event.op == model::Op::kAlloc) return;
  const sim::ObjectRecord* rec = exec.object(event.object);
  if (rec == nullptr || rec->live) return;
  // A load from type-stable memory (a bpf_mem_alloc cache before reuse) of a field the free left
  // intact: what the kernel's lockless "still linked?" checks rely on.
  const bool stable_load = event.op == model::Op::kRead && event.field < 64 &&
                           ((rec->type_stable >> event.field) & 1u) != 0;
  if (stable_load) return;
  const std::string who = exec.actors()[event.actor].name;
  const std::string freer =
      rec->free_actor < exec.actors().size() ? exec.actors()[rec->free_actor].name : "setup";
  const std::string freed = "freed by " + freer + " in " + std::string(rec->free_label) +
                            " at step " + std::to_string(rec->free_step);
  if (event.op == model::Op::kFree) {
    exec.fail("double-free", who + " frees " + exec.describe(event.object, 0) + " in " +
                                 std::string(event.label) + ", already " + freed);
  }
  exec.fail("use-after-free", who + " " + std::string(model::to_string(event.op)) + " " +
                                  exec.describe(event.object, event.field) + " in " +
                                  std::string(event.label) + ", " + freed);
}

std::vector<std::unique_ptr<sim::Observer>> default_observers() {
  std::vector<std::unique_ptr<sim::Observer>> out;
  out.push_back(std::make_unique<LifetimeChecker>());
  return out;
}

}  // namespace lsmc::properties
