// Reads of immutable fields (Env::immutable): no scheduling point where the code makes them; each
// is taken to run with its actor's next step instead.
//
// Why that is sound. Say actor a reads immutable field f of object o after its step P, and its
// next scheduling point is N. Unreduced, the read R is a step of its own, anywhere between P and
// N in a schedule. Its value is the same wherever it runs (nothing writes f), so R commutes with
// every step of another actor except one that ends o's life: a free of o, or a reuse of o's
// memory (which Env::reuse refuses for such objects: a read after it would read another object).
// That needs a to be alone on its CPU: code between R and N may change a's context (preemption,
// interrupts), which decides whether another actor on that CPU could run between R and N; so an
// actor that shares its CPU keeps its points, and one that moves to another CPU between R and N
// is a model error (no model does). Moving R right, to just before N, keeps every schedule's
// outcome but one: a free of o between R
// and N, which makes the late read a use-after-free. So R runs with N: DPOR orders N against frees
// and reuses of o (Pending::moved, dpor::dependent), and when a runs N the engine looks at o again
// (recheck_moved_reads): if o died since R, and the free did not leave f readable (type-stable
// memory), it emits R's event again there, and the lifetime checker reports the use-after-free that
// the schedule with R late has. Conversely, a schedule of the reduced program whose N follows a
// free of o is one where R could follow it too: a is enabled just before N, and a read can run
// wherever its actor can.
// The read still counts as a step, and its event is emitted where the code makes it, so checkers
// see it where the unreduced schedule with R early has it. An actor that ends after such reads
// gets a scheduling point before it ends, for them (run_actor).
// Declarations are set-up only: which reads are points cannot depend on the order of steps.
#include "sim/execution.hpp"

#include <string>

namespace lsmc::sim {

void Execution::immutable(ObjectId object, uint16_t field) {
  ObjectRecord& rec = checked_object(object, "immutable");
  if (in_actor()) return;
  if (field >= 64 || rec.is_lock) {
    fail("model-error", "immutable: " + describe(object, field) + " (field " + std::to_string(field) +
                            ") cannot be declared immutable: fields 0..63 of an object that is not a lock");
  }
  rec.immutable |= uint64_t{1} << field;
  rec.had_immutable = true;
}

// Under tso and lkmm a load's store is a recorded choice made at its scheduling point: such reads
// keep their points, and so do those of an actor that shares its CPU. A read of a third object
// keeps its point too (Pending::moved holds two): the reads so far run with it.
bool Execution::immutable_read(ObjectId o, uint16_t field, std::string_view label) {
  const uint16_t cpu = actors_[current_].ctx.cpu;
  if (weak_ || cpu != placed_cpu_[current_] || cpu_actors_[cpu].size() != 1) return false;
  MovedObjects& objects = moved_objects_[current_];
  std::size_t slot = 0;
  while (slot < objects.size() && objects[slot] != o && objects[slot] != model::kNoObject) ++slot;
  if (slot == objects.size()) return false;
  std::vector<MovedRead>& moved = moved_[current_];
  bool seen = false;
  for (const MovedRead& r : moved) seen = seen || (r.object == o && r.field == field);
  if (!seen) moved.push_back({o, field, cpu, names_.keep(label)});
  objects[slot] = o;
  if (++step_ > config_.steps_max) [[unlikely]] steps_exceeded();
  return true;
}

void Execution::immutable_written(ObjectId o, uint16_t field, std::string_view label) {
  fail("model-error", actors_[current_].name + " writes " + describe(o, field) + " in " + std::string(label) +
                          ", a field declared immutable (Env::immutable)");
}

// The actor runs the step its reads of immutable fields were moved to. A read of an object that
// died since, of a field its free did not leave readable, would read freed memory here: its event
// again, now, for the observers (properties::LifetimeChecker reports it).
void Execution::recheck_moved_reads(ActorId a) {
  for (const MovedRead& r : moved_[a]) {
    if (actors_[a].ctx.cpu != r.cpu) [[unlikely]] {
      fail("model-error", actors_[a].name + " moved from CPU " + std::to_string(r.cpu) + " to CPU " +
                              std::to_string(actors_[a].ctx.cpu) + " after it read " + describe(r.object, r.field) +
                              ", an immutable field, and before its next scheduling point (Env::immutable)");
    }
    const ObjectRecord& rec = objects_[r.object];
    const bool readable = rec.live || (r.field < 64 && ((rec.type_stable >> r.field) & 1u) != 0);
    if (!readable) emit({r.object, r.field, model::Op::kRead}, r.label);
  }
  moved_[a].clear();
  moved_objects_[a] = MovedObjects{};
}

}  // namespace lsmc::sim
