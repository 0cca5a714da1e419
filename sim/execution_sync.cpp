// The Env's own synchronisation for the scenario's objects (model/env.hpp): memory reused at the
// same address, condition variables and RCU, built on the Execution's scheduling points, locks and
// waits. The state they keep is in sim/sync.hpp.
#include "sim/execution.hpp"

namespace lsmc::sim {

namespace {

constexpr std::string_view kCondvarFields[] = {"sleepers"};
constexpr model::TypeInfo kCondvarType{"condvar", kCondvarFields};

}  // namespace

ObjectId Execution::reuse(ObjectId freed, const model::TypeInfo& type, std::string_view label) {
  label = names_.keep(label);
  const ObjectRecord& old = checked_object(freed, label);
  if (old.live || old.is_lock || old.type == &kCondvarType || old.had_immutable) {
    fail("model-error", std::string(label) + " reuses " + std::string(old.name) + "#" + std::to_string(freed) + ", which is " +
                            (old.live             ? "live"
                             : old.had_immutable ? "an object with immutable fields (Env::immutable: a read moved past the reuse would read the new object)"
                                                  : "a lock or a condition variable"));
  }
  // The alloc names the address it reuses: an access to the old object ordered after it reaches
  // the new one, so DPOR orders it against every access to that address.
  if (in_actor()) schedule_point({freed, 0, model::Op::kAlloc}, label);
  ObjectRecord& rec = objects_[freed];
  rec = ObjectRecord{};
  rec.type = &type;
  rec.name = type.name;
  rec.alloc_step = step_;
  rec.alloc_label = label;
  if (in_actor()) emit({freed, 0, model::Op::kAlloc}, label);
  return freed;
}

ObjectId Execution::new_condvar(std::string_view name) {
  name = names_.keep(name);
  return create(kCondvarType, name, name);
}

ObjectRecord& Execution::checked_condvar(ObjectId id, std::string_view label) {
  ObjectRecord& rec = checked_object(id, label);
  if (rec.type != &kCondvarType) {
    fail("model-error", std::string(label) + " uses " + describe(id, 0) + " as a condition variable");
  }
  return rec;
}

void Execution::cond_wait(ObjectId cv, ObjectId mutex, std::string_view label) {
  checked_condvar(cv, label);
  const ObjectRecord& m = checked_object(mutex, label);
  if (!m.is_lock) fail("model-error", std::string(label) + " uses " + describe(mutex, 0) + " as a mutex");
  if (!in_actor()) {
    fail("model-error", "set-up code sleeps on " + describe(cv, 0) + " in " + std::string(label) +
                            ", which nothing can wake before any actor runs");
  }
  if (m.holder != current_) {
    fail("lock-misuse", actors_[current_].name + " sleeps on " + describe(cv, 0) + " in " + std::string(label) +
                            " without holding '" + std::string(m.name) + "'#" + std::to_string(mutex));
  }
  // Asleep before the release: a wake-up sent once the mutex is free finds this sleeper. Going to
  // sleep is an access of `cv`, so DPOR orders it against the wake-ups (both write the sleepers).
  schedule_point({cv, 0, model::Op::kWrite}, label);
  emit({cv, 0, model::Op::kWrite}, label);
  const uint64_t ticket = condvars_.sleep(cv);
  unlock(mutex, label);
  wait_until([this, cv, ticket] { return !condvars_.asleep(cv, ticket); }, label);
  lock(mutex, label);
}

void Execution::wake(ObjectId cv, bool all, std::string_view label) {
  checked_condvar(cv, label);
  if (in_actor()) {
    schedule_point({cv, 0, model::Op::kWrite}, label);
    emit({cv, 0, model::Op::kWrite}, label);
  }
  const std::size_t n = condvars_.sleepers(cv);
  if (n == 0) return;  // nobody asleep: the wake-up is lost
  if (all) {
    condvars_.wake_all(cv);
  } else {
    condvars_.wake(cv, n == 1 ? 0 : choose(n, "cond_signal: which sleeper wakes"));
  }
}

void Execution::cond_signal(ObjectId cv, std::string_view label) { wake(cv, false, label); }
void Execution::cond_broadcast(ObjectId cv, std::string_view label) { wake(cv, true, label); }

void Execution::rcu(RcuCall call, model::RcuFlavour f) {
  if (!in_actor()) return;  // set-up code and end checks run alone: no grace period to hold up
  const auto i = static_cast<uint16_t>(f);
  const bool trace = f == model::RcuFlavour::kTasksTrace;
  const std::string& me = actors_[current_].name;
  switch (call) {
    case RcuCall::kReadLock:
      access({model::kNoObject, i, model::Op::kRcuLock}, trace ? "rcu_read_lock_trace" : "rcu_read_lock");
      rcu_readers_.enter(current_, f);
      ++actors_[current_].ctx.rcu_read_depth[i];
      return;
    case RcuCall::kReadUnlock:
      if (rcu_readers_.depth(current_, f) == 0) {
        fail("rcu", me + " calls rcu_read_unlock" + (trace ? "_trace" : "") + "() outside a read-side critical section");
      }
      access({model::kNoObject, i, model::Op::kRcuUnlock}, trace ? "rcu_read_unlock_trace" : "rcu_read_unlock");
      rcu_readers_.leave(current_, f);
      --actors_[current_].ctx.rcu_read_depth[i];
      return;
    case RcuCall::kSynchronize: {
      if (rcu_readers_.depth(current_, f) > 0) {
        fail("rcu", me + " calls synchronize_rcu" + (trace ? "_tasks_trace" : "") +
                        "() inside a read-side critical section: the grace period would wait for it");
      }
      // The grace period starts here and waits for the readers inside a section now. Under a weak
      // memory model its start and end are the events the kernel model's grace periods give
      // (sim/memory.cpp): the readers' sections read the start, and the end is LKMM's sync-rcu.
      // Both flavours share one state there (the Env's own sections are on no object).
      fence(model::Fence::kGracePeriodStart, "synchronize_rcu: grace period start", model::kNoObject);
      const RcuReaders::GracePeriod gp = rcu_readers_.start(f);
      wait_until([this, &gp] { return rcu_readers_.ended(gp); },
                 trace ? "synchronize_rcu_tasks_trace" : "synchronize_rcu");
      fence(model::Fence::kSyncRcu, "synchronize_rcu: grace period end", model::kNoObject);
      return;
    }
  }
}

}  // namespace lsmc::sim
