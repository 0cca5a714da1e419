// The sequential reference spec of task and cgroup local storage (reference §4): per (owner, map)
// absent or a value, owners alive, zombie or reaped, cgroups present or removed, and the order in
// which the kernel checks flags and keys. It knows nothing of locks, caches or RCU: what it says is
// what one operation at a time must observe. SpecBackend runs it; the rc::state tests use it as
// their model (tests/test_state.cpp).
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <tuple>
#include <utility>
#include <vector>

#include "model/backend.hpp"

namespace lsmc::properties::diff {

struct Spec {
  using KeyKind = model::KeyKind;
  using MapKind = model::MapKind;
  using OpKind = model::OpKind;
  using Outcome = model::Outcome;
  using StorageOp = model::StorageOp;
  static constexpr int kENOENT = 2, kEBADF = 9, kEEXIST = 17, kEINVAL = 22;
  static constexpr uint64_t kNoexist = 1, kExist = 2, kFLock = 4, kFCreate = 1;

  // Owners are numbered: 0 is the test process itself; each spawn makes a new one.
  enum class Life : uint8_t { kAlive, kZombie, kReaped };
  std::vector<Life> tasks{Life::kAlive};
  std::array<int, 3> owner{-1, -1, -1};  // owner slot -> task number
  std::array<int, 3> stale{-1, -1, -1};  // the slot's previous task
  // Cgroups: 0 is the test process's own; mkdir makes new ones.
  std::vector<bool> cgroup_live{true};
  std::array<int, 2> cgroup{-1, -1};
  std::array<bool, 2> open{};
  // (slot, map kind, owner number) -> value
  std::map<std::tuple<int, int, int>, int64_t> values;

  // The owner a key names for a map of this kind, or an errno.
  std::pair<int, int> resolve(const StorageOp& op) const {
    const bool cgroup_map = op.map == MapKind::kCgroup;
    int task = -1;
    switch (op.key) {
      case KeyKind::kOwnerPidfd: task = owner[op.owner]; break;
      case KeyKind::kSelfPidfd: task = 0; break;
      case KeyKind::kStalePidfd: task = stale[op.owner]; break;
      case KeyKind::kCgroupFd: {
        const int c = cgroup[op.owner % 2];
        if (!cgroup_map || c < 0) return {-1, kEBADF};
        return cgroup_live[c] ? std::pair{c, 0} : std::pair{-1, kENOENT};
      }
      case KeyKind::kClosedFd:
      case KeyKind::kOtherFd: return {-1, kEBADF};
    }
    if (cgroup_map || task < 0) return {-1, kEBADF};  // a pidfd is not a cgroup directory
    return tasks[task] == Life::kReaped ? std::pair{-1, kENOENT} : std::pair{task, 0};
  }

  std::tuple<int, int, int> key(const StorageOp& op, int who) const {
    return {op.slot, op.map == MapKind::kCgroup ? 2 : static_cast<int>(op.map), who};
  }

  void drop_owner(int task) {
    for (auto it = values.begin(); it != values.end();) {
      it = std::get<1>(it->first) != 2 && std::get<2>(it->first) == task ? values.erase(it) : std::next(it);
    }
  }

  Outcome apply(const StorageOp& op) {
    Outcome o;
    const bool lock_map = op.map == MapKind::kTaskLock;
    switch (op.kind) {
      case OpKind::kMapCreate:
      case OpKind::kMapClose:
        for (auto it = values.begin(); it != values.end();) {
          it = std::get<0>(it->first) == op.slot ? values.erase(it) : std::next(it);
        }
        open[op.slot] = op.kind == OpKind::kMapCreate;
        return o;
      case OpKind::kOwnerSpawn:
        if (owner[op.owner] >= 0) stale[op.owner] = owner[op.owner];
        owner[op.owner] = static_cast<int>(tasks.size());
        tasks.push_back(Life::kAlive);
        return o;
      case OpKind::kOwnerExit:
        if (owner[op.owner] >= 0 && tasks[owner[op.owner]] == Life::kAlive) tasks[owner[op.owner]] = Life::kZombie;
        return o;
      case OpKind::kOwnerReap:
        if (owner[op.owner] >= 0) {
          tasks[owner[op.owner]] = Life::kReaped;
          drop_owner(owner[op.owner]);
        }
        return o;
      case OpKind::kCgroupMkdir:
        cgroup[op.owner % 2] = static_cast<int>(cgroup_live.size());
        cgroup_live.push_back(true);
        return o;
      case OpKind::kCgroupRmdir:
        if (cgroup[op.owner % 2] >= 0) cgroup_live[cgroup[op.owner % 2]] = false;
        return o;
      case OpKind::kSysLookup: {
        if ((op.flags & ~kFLock) || ((op.flags & kFLock) && !lock_map)) return {kEINVAL, false, 0};
        const auto [who, err] = resolve(op);
        if (err) return {err, false, 0};
        const auto it = values.find(key(op, who));
        return it == values.end() ? Outcome{kENOENT, false, 0} : Outcome{0, false, it->second};
      }
      case OpKind::kSysUpdate: {
        if ((op.flags & kFLock) && !lock_map) return {kEINVAL, false, 0};
        const auto [who, err] = resolve(op);
        if (err) return {err, false, 0};
        const uint64_t mode = op.flags & ~kFLock;
        if (mode > kExist) return {kEINVAL, false, 0};
        const bool exists = values.count(key(op, who)) > 0;
        if (mode == kNoexist && exists) return {kEEXIST, false, 0};
        if (mode == kExist && !exists) return {kENOENT, false, 0};
        values[key(op, who)] = op.value;
        return o;
      }
      case OpKind::kSysDelete: {
        const auto [who, err] = resolve(op);
        if (err) return {err, false, 0};
        return values.erase(key(op, who)) ? o : Outcome{kENOENT, false, 0};
      }
      case OpKind::kBpfGet: {
        if (op.flags & ~kFCreate) return o;  // NULL
        const int who = 0;                   // the calling thread, or its cgroup (0)
        const auto k = key(op, who);
        const auto it = values.find(k);
        if (it != values.end()) return {0, true, it->second};
        if (op.flags & kFCreate) {
          values[k] = 0;
          return {0, true, 0};
        }
        return o;
      }
      case OpKind::kBpfDelete:
        return values.erase(key(op, 0)) ? o : Outcome{-kENOENT, false, 0};
    }
    return o;
  }
};


}  // namespace lsmc::properties::diff
