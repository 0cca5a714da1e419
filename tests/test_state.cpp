// rc::state command tests: the model of today's local storage (run through ModelBackend, one
// whole prefix per command) against the sequential reference spec as RapidCheck's model state.
// Each command is generated from the spec's state, so only commands that make sense are tried
// (maps exist, owners are alive or zombies, cgroups exist), and a failing command sequence is
// shrunk by RapidCheck to the shortest one.
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>
#include <rapidcheck/state.h>

#include "properties/diff/diff.hpp"
#include "properties/diff/spec.hpp"

namespace lsmc {
namespace {

using model::KeyKind;
using model::MapKind;
using model::OpKind;
using model::StorageOp;
using properties::diff::Spec;

// The system under test: the model, re-run from scratch on the commands so far (a storage
// backend runs whole sequences; the prefixes here are short).
struct Sut {
  std::vector<StorageOp> ops;
  properties::diff::ModelBackend backend;
};

using Command = rc::state::Command<Spec, Sut>;

// One operation, run on both sides; the model's outcome must be the spec's.
struct Op : Command {
  StorageOp op;
  void apply(Spec& s) const override { s.apply(op); }
  void run(const Spec& s, Sut& sut) const override {
    Spec copy = s;
    const model::Outcome expected = copy.apply(op);
    sut.ops.push_back(op);
    const auto outcomes = sut.backend.run(sut.ops);
    RC_ASSERT(outcomes.size() == sut.ops.size());
    RC_ASSERT(outcomes.back() == expected);
  }
  void show(std::ostream& os) const override { os << model::to_string(op); }
};

// Indices are checked against the vectors: RapidCheck builds a command lazily, and ASan caught a
// constructor reading a state that was no longer the one it was generated for (a heap overflow
// in cgroup_live); isValidCommand re-checks every command against the right state afterwards.
bool task_is(const Spec& s, int o, Spec::Life life) {
  const int t = s.owner[o];
  return t >= 0 && static_cast<std::size_t>(t) < s.tasks.size() && s.tasks[t] == life;
}
bool owner_slot_free(const Spec& s, int o) { return s.owner[o] < 0 || task_is(s, o, Spec::Life::kReaped); }
bool cgroup_live(const Spec& s, int c) {
  const int g = s.cgroup[c];
  return g >= 0 && static_cast<std::size_t>(g) < s.cgroup_live.size() && s.cgroup_live[g];
}

struct MapCreate : Op {
  explicit MapCreate(const Spec&) { op.kind = OpKind::kMapCreate, op.slot = *rc::gen::inRange(0, 2); }
};
struct MapClose : Op {
  explicit MapClose(const Spec& s) {
    op.kind = OpKind::kMapClose, op.slot = *rc::gen::inRange(0, 2);
    RC_PRE(s.open[op.slot]);
  }
  void checkPreconditions(const Spec& s) const override { RC_PRE(s.open[op.slot]); }
};
struct Spawn : Op {
  explicit Spawn(const Spec& s) {
    op.kind = OpKind::kOwnerSpawn, op.owner = *rc::gen::inRange(0, 3);
    RC_PRE(owner_slot_free(s, op.owner));
  }
  void checkPreconditions(const Spec& s) const override { RC_PRE(owner_slot_free(s, op.owner)); }
};
struct Exit : Op {
  explicit Exit(const Spec& s) {
    op.kind = OpKind::kOwnerExit, op.owner = *rc::gen::inRange(0, 3);
    checkPreconditions(s);
  }
  void checkPreconditions(const Spec& s) const override {
    RC_PRE(task_is(s, op.owner, Spec::Life::kAlive));
  }
};
struct Reap : Op {
  explicit Reap(const Spec& s) {
    op.kind = OpKind::kOwnerReap, op.owner = *rc::gen::inRange(0, 3);
    checkPreconditions(s);
  }
  void checkPreconditions(const Spec& s) const override {
    RC_PRE(task_is(s, op.owner, Spec::Life::kAlive) || task_is(s, op.owner, Spec::Life::kZombie));
  }
};
struct Mkdir : Op {
  explicit Mkdir(const Spec& s) {
    op.kind = OpKind::kCgroupMkdir, op.owner = *rc::gen::inRange(0, 2);
    checkPreconditions(s);
  }
  void checkPreconditions(const Spec& s) const override { RC_PRE(s.cgroup[op.owner] < 0); }
};
struct Rmdir : Op {
  explicit Rmdir(const Spec& s) {
    op.kind = OpKind::kCgroupRmdir, op.owner = *rc::gen::inRange(0, 2);
    checkPreconditions(s);
  }
  void checkPreconditions(const Spec& s) const override {
    RC_PRE(cgroup_live(s, op.owner));
  }
};

// A storage operation on an open slot; its key names something that exists (or is meant not to).
struct Storage : Op {
  explicit Storage(const Spec& s) {
    op.kind = *rc::gen::element(OpKind::kSysLookup, OpKind::kSysUpdate, OpKind::kSysDelete, OpKind::kBpfGet,
                                OpKind::kBpfDelete);
    op.slot = *rc::gen::inRange(0, 2);
    op.map = *rc::gen::element(MapKind::kTask, MapKind::kTaskLock, MapKind::kCgroup);
    op.owner = *rc::gen::inRange(0, 3);
    op.key = *rc::gen::element(KeyKind::kOwnerPidfd, KeyKind::kSelfPidfd, KeyKind::kCgroupFd, KeyKind::kClosedFd,
                               KeyKind::kOtherFd, KeyKind::kStalePidfd);
    op.flags = *rc::gen::element<uint64_t>(0, 1, 2, 3, 4, 5, 6, 8);
    op.value = *rc::gen::inRange<int64_t>(1, 100);
    checkPreconditions(s);
  }
  void checkPreconditions(const Spec& s) const override {
    RC_PRE(s.open[op.slot]);
    if (op.key == KeyKind::kOwnerPidfd) RC_PRE(s.owner[op.owner] >= 0);
    if (op.key == KeyKind::kCgroupFd) RC_PRE(s.cgroup[op.owner % 2] >= 0);
  }
};

RC_GTEST_PROP(StateMachine, ModelFollowsTheSequentialSpec, ()) {
  Spec initial;
  Sut sut;
  rc::state::check(initial, sut,
                   rc::state::gen::execOneOfWithArgs<MapCreate, MapClose, Spawn, Exit, Reap, Mkdir, Rmdir,
                                                     Storage, Storage, Storage, Storage, Storage, Storage>());
}

}  // namespace
}  // namespace lsmc
