// Accesses and objects: the Env's scheduling points for memory (plain and weak), allocation and
// freeing, and the events they emit.
#include "sim/execution.hpp"
#include "sim/execution_step.hpp"

#include <bit>
#include <string>

namespace lsmc::sim {

// A label only has to outlive the Env call that passed it (the pending access and the observers
// are done with it by then) unless the event is recorded: then it is kept for the record.
void Execution::emit_event(model::Access access, std::string_view label, uint8_t order, int64_t rf) {
  const Event event{step_, current_, access.op, access.object, access.field, label, order, rf};
  if (record_events_) {
    events_.push_back(event);
    events_.back().label = names_.keep(label);
  }
  for (Observer* o : op_observers_[static_cast<std::size_t>(access.op)]) o->on_event(*this, event);
}

// The run's observers by the operations they want (Observer::event_ops, asked once each).
void Execution::sort_observers() {
  for (auto& wanting : op_observers_) wanting.clear();
  observed_ops_ = 0;
  constexpr uint32_t kOps = (uint32_t{1} << model::kOpCount) - 1;
  for (Observer* o : observers_) {
    const uint32_t ops = o->event_ops() & kOps;
    observed_ops_ |= ops;
    for (uint32_t left = ops; left != 0; left &= left - 1) op_observers_[std::countr_zero(left)].push_back(o);
  }
}

void Execution::null_dereference(std::string_view label) {
  fail("null-dereference", std::string(label) + ": a load or store through a NULL pointer");
}

void Execution::no_such_object(ObjectId id, std::string_view label) {
  fail("model-error", std::string(label) + " names object #" + std::to_string(id) + ", which was never allocated");
}

void Execution::not_a_lock(ObjectId id, std::string_view label) {
  fail("model-error", std::string(label) + " uses " + describe(id, 0) + " as a lock");
}

void Execution::access(model::Access access, std::string_view label) {
  if (!in_actor()) return;  // end-of-execution checks run alone: nothing to schedule
  if (access.object >= objects_.size()) checked_object(access.object, label);
  // A load or store through a NULL pointer is the kernel's oops, reported before the model code
  // after it could dereference a null C++ pointer on the host.
  const bool memory = access.op == model::Op::kRead || access.op == model::Op::kWrite || access.op == model::Op::kRmw;
  if (memory && access.object == model::kNoObject) [[unlikely]] null_dereference(label);
  if (!(memory && private_step(access.object, access.field, access.op, label))) step_here(access, label);
  emit(access, label);
  if ((access.op == model::Op::kRcuLock || access.op == model::Op::kRcuUnlock) &&
      !memory_->rcu(current_, access.object, access.op == model::Op::kRcuLock)) {
    inconsistent();
  }
}

void Execution::inconsistent() {
  abort_with({VerdictKind::kPruned, "inconsistent",
              "no store keeps the execution consistent under " + config_.memory_model, step_, current_});
}

uint32_t Execution::weak_result(model::Access access, std::string_view label, model::Order order,
                                const Memory::Result& r) {
  if (r.infeasible) inconsistent();
  emit(access, label, memory_->weak() ? static_cast<uint8_t>(order) : Event::kNoOrder, r.rf_step);
  if (order == model::Order::kPlain && memory_->data_race()) {
    fail("data-race", actors_[current_].name + " accesses " + describe(access.object, access.field) + " in " +
                          std::string(label) + " with a plain access that races with another actor's (" +
                          config_.memory_model + ")");
  }
  return r.index;
}

uint32_t Execution::load(ObjectId o, uint16_t field, model::Order order, std::string_view label) {
  if (!in_actor()) return model::kLatest;
  if (o >= objects_.size()) checked_object(o, label);
  const model::Access a{o, field, model::Op::kRead};
  if (!private_step(o, field, model::Op::kRead, label)) schedule_point(a, label);
  const Memory::Result r = memory_->load(memory_access(o, field, order),
                                         [this](uint64_t bound) { return choose(bound, "reads-from"); });
  return weak_result(a, label, order, r);
}

uint32_t Execution::store(ObjectId o, uint16_t field, model::Order order, std::span<const ObjectId> pointees,
                          std::string_view label) {
  if (!in_actor()) return model::kLatest;
  if (o >= objects_.size()) checked_object(o, label);
  const model::Access a{o, field, model::Op::kWrite};
  if (!private_step(o, field, model::Op::kWrite, label)) schedule_point(a, label);
  const Memory::Result r = memory_->store(memory_access(o, field, order, pointees));
  return weak_result(a, label, order, r);
}

uint32_t Execution::rmw(ObjectId o, uint16_t field, model::Order order, std::span<const ObjectId> pointees,
                        const std::function<bool(uint32_t)>& writes, std::string_view label) {
  if (!in_actor()) {
    writes(model::kLatest);
    return model::kLatest;
  }
  if (o >= objects_.size()) checked_object(o, label);
  const model::Access a{o, field, model::Op::kRmw};
  if (!private_step(o, field, model::Op::kRmw, label)) schedule_point(a, label);
  return weak_result(a, label, order, memory_->rmw(memory_access(o, field, order, pointees), writes));
}

void Execution::fence(model::Fence fence, std::string_view, ObjectId on) {
  if (in_actor() && !memory_->fence(current_, fence, on)) inconsistent();
}

ObjectId Execution::alloc(const model::TypeInfo& type, std::string_view label) {
  return create(type, type.name, label);
}

// Out of line: its message would give create() a large frame (a kernel scenario's set-up creates
// some 50 objects an execution).
void Execution::objects_exceeded() {
  abort_with({VerdictKind::kLimit, "objects_max",
              "more than objects_max=" + std::to_string(config_.objects_max) + " objects", step_, current_});
}

// The record is complete before the event is emitted: observers and traces describe the object
// the same way at every moment. It is built in place (not passed by value: a copy of the whole
// record per allocation showed in profiles). Set-up code (a kernel scenario creates some 50
// objects an execution before any actor runs) takes the short way, with no scheduling point to
// save registers for; an actor's allocation goes through create_at_point.
ObjectId Execution::create(const model::TypeInfo& type, std::string_view name, std::string_view label,
                           bool is_lock, model::LockKind lock_kind) {
  label = names_.keep(label);
  if (objects_.size() > config_.objects_max) [[unlikely]] objects_exceeded();
  if (in_actor()) return create_at_point(type, name, label, is_lock, lock_kind);
  return record_object(type, name, label, is_lock, lock_kind);
}

ObjectId Execution::create_at_point(const model::TypeInfo& type, std::string_view name, std::string_view label,
                                    bool is_lock, model::LockKind lock_kind) {
  schedule_point({model::kNoObject, 0, model::Op::kAlloc}, label);
  const ObjectId id = record_object(type, name, label, is_lock, lock_kind);
  emit({id, 0, model::Op::kAlloc}, label);
  return id;
}

void Execution::free(ObjectId object, std::string_view label) {
  label = names_.keep(label);
  checked_object(object, label);
  if (in_actor()) {
    if (objects_[object].percpu != ObjectRecord::kNotPercpu) check_percpu_cpu(object, label);
    schedule_point({object, 0, model::Op::kFree}, label);
    emit({object, 0, model::Op::kFree}, label);
  }
  ObjectRecord& rec = objects_[object];
  rec.live = false;
  rec.percpu = ObjectRecord::kNotPercpu;
  rec.free_step = step_;
  rec.free_actor = current_;
  rec.free_label = label;
}

void Execution::free_type_stable(ObjectId object, uint64_t stable_fields, std::string_view label) {
  free(object, label);
  objects_[object].type_stable = stable_fields;
}

void Execution::end_type_stable(ObjectId object) {
  checked_object(object, "end_type_stable");
  objects_[object].type_stable = 0;
}

// Per-CPU data is declared before any actor runs, so that which accesses are scheduling points
// cannot depend on the order of actors' steps.
void Execution::percpu(ObjectId object, uint16_t cpu) {
  ObjectRecord& rec = checked_object(object, "percpu");
  if (in_actor()) {
    fail("model-error", "per-CPU data " + describe(object, UINT16_MAX) + " is declared by " + actors_[current_].name +
                            "; Env::percpu is for set-up, before any actor runs");
  }
  rec.percpu = cpu;
  percpu_declared_ = true;
}

void Execution::rcu_early_grace_periods(ObjectId rcu) {
  checked_object(rcu, "rcu_early_grace_periods");
  if (in_actor()) {
    fail("model-error", describe(rcu, UINT16_MAX) + " is declared by " + actors_[current_].name +
                            "; Env::rcu_early_grace_periods is for set-up, before any actor runs");
  }
  const auto at = std::lower_bound(early_gp_.begin(), early_gp_.end(), rcu);
  if (at == early_gp_.end() || *at != rcu) early_gp_.insert(at, rcu);
  point_.early_gp = early_gp_;
}

// Env::percpu or Env::immutable applies to `o`, and the access is not a read of an immutable
// field (private_step has those): a write to one (a model error), or an access to per-CPU data.
bool Execution::declared_step(ObjectId o, uint16_t field, model::Op, std::string_view label) {
  const ObjectRecord& rec = objects_[o];
  if (field < 64 && ((rec.immutable >> field) & 1u) != 0) immutable_written(o, field, label);
  return rec.percpu != ObjectRecord::kNotPercpu && percpu_step(o, label);
}

// Sound because nothing but the one actor on the CPU can reach the object: an access or free
// from another CPU ends the execution here, and actors do not change CPU (update_enabled checks).
// The step still counts (steps_max, and traces number their events by step).
bool Execution::percpu_step(ObjectId o, std::string_view label) {
  check_percpu_cpu(o, label);
  const uint16_t cpu = objects_[o].percpu;
  if (cpu >= cpu_actors_.size() || cpu_actors_[cpu].size() != 1) return false;
  if (++step_ > config_.steps_max) [[unlikely]] steps_exceeded();
  return true;
}

void Execution::check_percpu_cpu(ObjectId o, std::string_view label) {
  const uint16_t cpu = objects_[o].percpu;
  if (actors_[current_].ctx.cpu != cpu) [[unlikely]] {
    fail("model-error", actors_[current_].name + " on CPU " + std::to_string(actors_[current_].ctx.cpu) +
                            " reaches " + describe(o, UINT16_MAX) + ", CPU " + std::to_string(cpu) +
                            "'s per-CPU data, in " + std::string(label) +
                            " (Env::percpu: only code on that CPU may)");
  }
}

}  // namespace lsmc::sim
