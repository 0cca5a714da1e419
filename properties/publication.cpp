#include "properties/publication.hpp"

#include <string>

namespace lsmc::properties {

bool PublicationChecker::watched(const sim::Execution& exec, const sim::Event& e) const {
  const sim::ObjectRecord* rec = exec.object(e.object);
  // An object set-up code made starts initialised; one an actor allocated starts as the allocator
  // handed it out.
  if (rec == nullptr || rec->type == nullptr || rec->alloc_step == 0) return false;
  for (const Field& f : fields_) {
    if (f.field == e.field && f.type == rec->type->name) return true;
  }
  return false;
}

void PublicationChecker::on_event(sim::Execution& exec, const sim::Event& e) {
  if (e.order == sim::Event::kNoOrder) return;  // not an access under a weak model
  const auto key = std::make_pair(e.object, e.field);
  if (e.op == model::Op::kWrite || e.op == model::Op::kRmw) {
    stored_.emplace(key, Store{e.step, e.label});
    if (e.op == model::Op::kWrite) return;
  }
  if (e.rf != 0) return;
  const auto it = stored_.find(key);
  if (it == stored_.end() || !watched(exec, e)) return;
  const std::string who = e.actor < exec.actors().size() ? exec.actors()[e.actor].name : "?";
  exec.fail("publication", who + " read " + exec.describe(e.object, e.field) + " in " + std::string(e.label) +
                               " as it was before its initialisation at step " + std::to_string(it->second.step) +
                               " (" + std::string(it->second.label) +
                               "): the pointer that led here was published without ordering that store before it");
}

}  // namespace lsmc::properties
