// The model of today's local storage behind the Backend interface: the whole sequence runs in
// one execution, as one actor (plus the grace-period actors), so it is sequential like the
// differential test's real-kernel side.
#include "properties/diff/diff.hpp"

#include <array>

#include "model/linux/cgrp_storage.hpp"
#include "properties/diff/model_run.hpp"
#include "properties/scenarios/world.hpp"
#include "sim/scenario.hpp"

namespace lsmc::properties::diff {

namespace {

namespace mk = model::kernel;
using model::KeyKind;
using model::MapKind;
using model::StorageOp;
using model::OpKind;
using model::Outcome;

constexpr int kSlots = 2, kOwners = 3, kCgroups = 2;

struct Machine {
  explicit Machine(scenarios::World& world) : w(world) {}
  scenarios::World& w;
  std::array<std::array<mk::Smap*, 3>, kSlots> slots{};
  std::array<mk::Task*, kOwners> owners{};
  std::array<mk::Task*, kOwners> stale{};  // the previous occupant of each owner slot
  std::array<mk::Cgroup*, kCgroups> cgroups{};
  mk::Task* self = nullptr;
  mk::Cgroup* self_cgroup = nullptr;  // the test process's default-hierarchy cgroup
  int next_pid = 200;

  mk::Smap* map(const StorageOp& op) { return slots[op.slot][static_cast<int>(op.map)]; }

  mk::Fd key(const StorageOp& op) {
    switch (op.key) {
      case KeyKind::kOwnerPidfd: return owners[op.owner] ? mk::pidfd_open(*owners[op.owner]) : mk::Fd{};
      case KeyKind::kSelfPidfd: return mk::pidfd_open(*self);
      case KeyKind::kCgroupFd: {
        mk::Cgroup* c = cgroups[op.owner % kCgroups];
        return c ? mk::Fd{mk::Fd::Kind::kCgroup, nullptr, c} : mk::Fd{};
      }
      case KeyKind::kClosedFd: return mk::Fd{};
      case KeyKind::kOtherFd: return mk::Fd{mk::Fd::Kind::kOther, nullptr, nullptr};
      case KeyKind::kStalePidfd: return stale[op.owner] ? mk::pidfd_open(*stale[op.owner]) : mk::Fd{};
    }
    return {};
  }

  Outcome apply(model::Env& e, const StorageOp& op) {
    Outcome o;
    mk::Kernel& k = w.k;
    switch (op.kind) {
      case OpKind::kMapCreate:
        close_slot(e, op.slot);
        slots[op.slot][0] = &mk::bpf_local_storage_map_alloc(e, k, mk::OwnerKind::kTask, "task_map", false);
        slots[op.slot][1] = &mk::bpf_local_storage_map_alloc(e, k, mk::OwnerKind::kTask, "task_lock_map", true);
        slots[op.slot][2] = &mk::bpf_local_storage_map_alloc(e, k, mk::OwnerKind::kCgroup, "cgrp_map", false);
        return o;
      case OpKind::kMapClose: close_slot(e, op.slot); return o;
      case OpKind::kOwnerSpawn:
        if (owners[op.owner] != nullptr) stale[op.owner] = owners[op.owner];
        owners[op.owner] = &mk::task_for_scenario(e, k, "owner" + std::to_string(op.owner), next_pid++);
        return o;
      case OpKind::kOwnerExit:
        if (owners[op.owner] && owners[op.owner]->state == mk::Task::State::kRunning) mk::do_exit(e, k, *owners[op.owner]);
        return o;
      case OpKind::kOwnerReap:
        if (owners[op.owner] && owners[op.owner]->state == mk::Task::State::kRunning) mk::do_exit(e, k, *owners[op.owner]);
        if (owners[op.owner] && owners[op.owner]->state == mk::Task::State::kZombie) mk::release_task(e, k, *owners[op.owner]);
        return o;
      case OpKind::kCgroupMkdir:
        cgroups[op.owner % kCgroups] = &mk::cgroup_mkdir(e, k, "lsmc-cgroup");
        return o;
      case OpKind::kCgroupRmdir:
        if (mk::Cgroup* c = cgroups[op.owner % kCgroups]; c != nullptr && !c->dying) mk::cgroup_rmdir(e, k, *c);
        return o;
      case OpKind::kSysLookup: {
        const mk::LookupResult r = mk::sys_map_lookup_elem(e, k, *map(op), key(op), op.flags);
        o.err = r.err;
        o.value = r.err ? 0 : r.value.data;
        return o;
      }
      case OpKind::kSysUpdate:
        o.err = mk::sys_map_update_elem(e, k, *map(op), key(op), mk::Value{op.value, 0}, op.flags);
        return o;
      case OpKind::kSysDelete: o.err = mk::sys_map_delete_elem(e, k, *map(op), key(op)); return o;
      case OpKind::kBpfGet:
      case OpKind::kBpfDelete:
        // A raw_tp program run with BPF_PROG_TEST_RUN: a tracing program (the _recur protos).
        k.run_prog(e, mk::ProgType::kTracing, [&](model::Env& e2, const mk::ProgCtx& c) {
          const bool get = op.kind == OpKind::kBpfGet;
          if (op.map == MapKind::kCgroup) {
            const mk::Ref<mk::Cgroup> cg = mk::Ref<mk::Cgroup>::of(self_cgroup);
            if (get) {
              const auto sdata = mk::bpf_cgrp_storage_get(e2, k, *map(op), cg, nullptr, op.flags, mk::Gfp::kAtomic);
              o.found = bool(sdata);
              o.value = sdata ? sdata->value.data : 0;
            } else {
              o.err = mk::bpf_cgrp_storage_delete(e2, k, *map(op), cg);
            }
            return;
          }
          const mk::Ref<mk::Task> me = mk::Ref<mk::Task>::of(self);
          if (get) {
            const auto sdata = mk::prog_task_storage_get(e2, k, c, *map(op), me, op.flags);
            o.found = bool(sdata);
            o.value = sdata ? sdata->value.data : 0;
          } else {
            o.err = mk::prog_task_storage_delete(e2, k, c, *map(op), me);
          }
        });
        return o;
    }
    return o;
  }

  void close_slot(model::Env& e, int slot) {
    for (mk::Smap*& m : slots[slot]) {
      if (m != nullptr) mk::bpf_map_free_deferred(e, w.k, *m);
      m = nullptr;
    }
  }
};

class SequenceScenario final : public sim::Scenario {
public:
  SequenceScenario(const std::vector<StorageOp>& ops, std::vector<Outcome>& out) : ops_(ops), out_(out) {}
  std::string_view name() const override { return "diff-sequence"; }
  std::string_view description() const override { return "a differential-test sequence, run on the model"; }
  void build(sim::Setup& s) const override {
    scenarios::World& w = scenarios::make_world(s, {mk::Knobs{}, false});
    auto& m = s.make<Machine>(w);
    m.self = &mk::task_for_scenario(s.env(), w.k, "self", 100);
    m.self_cgroup = &mk::cgroup_mkdir(s.env(), w.k, "/");
    scenarios::spawn_work(s, w, "test", 0, [this, &m](model::Env& e) {
      for (const StorageOp& op : ops_) out_.push_back(m.apply(e, op));
    });
  }

private:
  const std::vector<StorageOp>& ops_;
  std::vector<Outcome>& out_;
};

}  // namespace

std::vector<Outcome> ModelBackend::run(const std::vector<StorageOp>& ops) {
  std::vector<Outcome> out;
  SequenceScenario scenario(ops, out);
  run_model_once(scenario, profile_);
  // A failing run replays its execution, which pushes outcomes again; a passing one runs once.
  return out;
}

}  // namespace lsmc::properties::diff
