// One operation sequence, two implementations: the model of today's local storage and the real
// kernel through libbpf (model/real/). The differential tests (properties/diff/) run the same
// sequence on both and compare every outcome.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace lsmc::model {

enum class OpKind : uint8_t {
  kMapCreate,    // a fresh set of maps in slot `slot` (task, task with bpf_spin_lock, cgroup)
  kMapClose,     // close slot `slot`'s maps: the kernel frees them (bpf_map_free_deferred)
  kOwnerSpawn,   // a new owner task (a child process) in `owner`
  kOwnerExit,    // the owner exits: a zombie, its pidfd still resolves
  kOwnerReap,    // its parent reaps it: the pid is detached, the pidfd resolves no more
  kCgroupMkdir,  // a new cgroup-v2 directory in `owner` (0..1)
  kCgroupRmdir,
  kSysLookup,    // bpf(BPF_MAP_LOOKUP_ELEM) with `key`, `flags`
  kSysUpdate,    // bpf(BPF_MAP_UPDATE_ELEM) with `key`, `flags`, `value`
  kSysDelete,    // bpf(BPF_MAP_DELETE_ELEM) with `key`
  kBpfGet,       // bpf_{task,cgrp}_storage_get(map, current, NULL, flags) from a program
  kBpfDelete,    // bpf_{task,cgrp}_storage_delete(map, current) from a program
};

enum class MapKind : uint8_t { kTask = 0, kTaskLock = 1, kCgroup = 2 };

enum class KeyKind : uint8_t {
  kOwnerPidfd,   // pidfd of owner `owner`
  kSelfPidfd,    // pidfd of the calling process
  kCgroupFd,     // directory fd of cgroup `owner`
  kClosedFd,     // a number that is not an open fd
  kOtherFd,      // an open fd that is neither a pidfd nor a cgroup directory
  kStalePidfd,   // the pidfd of the task that held owner slot `owner` before the current one
                 // (pid reuse: it must not reach the new task); a closed fd if there was none
};

struct StorageOp {
  OpKind kind = OpKind::kSysLookup;
  int slot = 0;
  MapKind map = MapKind::kTask;
  int owner = 0;
  KeyKind key = KeyKind::kSelfPidfd;
  uint64_t flags = 0;
  int64_t value = 0;
};

// What an operation returned. Syscalls: errno (0 on success) and, for a successful lookup, the
// value. Program get: found (a pointer or NULL) and the value read through it. Program delete:
// the helper's return value in `err` (0 or a negative errno).
struct Outcome {
  int err = 0;
  bool found = false;
  int64_t value = 0;
  bool operator==(const Outcome&) const = default;
};

std::string to_string(const StorageOp& op);
std::string to_string(const Outcome& outcome, OpKind kind);

class Backend {
public:
  virtual ~Backend() = default;
  virtual std::string name() const = 0;
  // Runs the whole sequence from a clean state; one outcome per operation.
  virtual std::vector<Outcome> run(const std::vector<StorageOp>& ops) = 0;
};

}  // namespace lsmc::model
