#include "model/backend.hpp"

namespace lsmc::model {

namespace {
const char* kind_name(OpKind k) {
  switch (k) {
    case OpKind::kMapCreate: return "map_create";
    case OpKind::kMapClose: return "map_close";
    case OpKind::kOwnerSpawn: return "owner_spawn";
    case OpKind::kOwnerExit: return "owner_exit";
    case OpKind::kOwnerReap: return "owner_reap";
    case OpKind::kCgroupMkdir: return "cgroup_mkdir";
    case OpKind::kCgroupRmdir: return "cgroup_rmdir";
    case OpKind::kSysLookup: return "sys_lookup";
    case OpKind::kSysUpdate: return "sys_update";
    case OpKind::kSysDelete: return "sys_delete";
    case OpKind::kBpfGet: return "bpf_get";
    case OpKind::kBpfDelete: return "bpf_delete";
  }
  return "?";
}
const char* map_name(MapKind m) {
  switch (m) {
    case MapKind::kTask: return "task";
    case MapKind::kTaskLock: return "task_lock";
    case MapKind::kCgroup: return "cgrp";
  }
  return "?";
}
std::string key_name(const StorageOp& op) {
  switch (op.key) {
    case KeyKind::kOwnerPidfd: return "pidfd(owner" + std::to_string(op.owner) + ")";
    case KeyKind::kSelfPidfd: return "pidfd(self)";
    case KeyKind::kCgroupFd: return "cgroupfd(" + std::to_string(op.owner) + ")";
    case KeyKind::kClosedFd: return "closed-fd";
    case KeyKind::kOtherFd: return "/dev/null-fd";
    case KeyKind::kStalePidfd: return "stale-pidfd(owner" + std::to_string(op.owner) + ")";
  }
  return "?";
}
}  // namespace

std::string to_string(const StorageOp& op) {
  std::string s = kind_name(op.kind);
  switch (op.kind) {
    case OpKind::kMapCreate:
    case OpKind::kMapClose: return s + " slot" + std::to_string(op.slot);
    case OpKind::kOwnerSpawn:
    case OpKind::kOwnerExit:
    case OpKind::kOwnerReap:
    case OpKind::kCgroupMkdir:
    case OpKind::kCgroupRmdir: return s + " " + std::to_string(op.owner);
    case OpKind::kSysLookup:
    case OpKind::kSysDelete:
      return s + " slot" + std::to_string(op.slot) + "." + map_name(op.map) + " " + key_name(op) +
             (op.kind == OpKind::kSysLookup ? " flags=" + std::to_string(op.flags) : "");
    case OpKind::kSysUpdate:
      return s + " slot" + std::to_string(op.slot) + "." + map_name(op.map) + " " + key_name(op) +
             " flags=" + std::to_string(op.flags) + " value=" + std::to_string(op.value);
    case OpKind::kBpfGet:
      return s + " slot" + std::to_string(op.slot) + "." + map_name(op.map) + " flags=" + std::to_string(op.flags);
    case OpKind::kBpfDelete: return s + " slot" + std::to_string(op.slot) + "." + map_name(op.map);
  }
  return s;
}

std::string to_string(const Outcome& o, OpKind kind) {
  switch (kind) {
    case OpKind::kSysLookup:
      return o.err ? "errno " + std::to_string(o.err) : "value " + std::to_string(o.value);
    case OpKind::kBpfGet: return o.found ? "pointer, value " + std::to_string(o.value) : "NULL";
    case OpKind::kBpfDelete: return "returns " + std::to_string(o.err);
    default: return o.err ? "errno " + std::to_string(o.err) : "ok";
  }
}

}  // namespace lsmc::model
