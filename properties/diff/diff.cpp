#include "properties/diff/diff.hpp"

#include <rapidcheck.h>

#include <array>
#include <sstream>

#include "properties/diff/driver.hpp"

namespace lsmc::properties::diff {

namespace {

using model::KeyKind;
using model::MapKind;
using model::StorageOp;
using model::OpKind;
using model::Outcome;

rc::Gen<StorageOp> gen_op() {
  return rc::gen::exec([] {
    StorageOp op;
    op.kind = *rc::gen::weightedElement<OpKind>({
        {1, OpKind::kMapCreate}, {1, OpKind::kMapClose}, {1, OpKind::kOwnerSpawn},
        {1, OpKind::kOwnerExit}, {1, OpKind::kOwnerReap}, {1, OpKind::kCgroupMkdir},
        {1, OpKind::kCgroupRmdir}, {6, OpKind::kSysLookup}, {7, OpKind::kSysUpdate},
        {4, OpKind::kSysDelete}, {5, OpKind::kBpfGet}, {3, OpKind::kBpfDelete}});
    op.slot = *rc::gen::inRange(0, 2);
    op.map = *rc::gen::element(MapKind::kTask, MapKind::kTaskLock, MapKind::kCgroup);
    op.owner = *rc::gen::inRange(0, 3);
    const bool cgroup = op.map == MapKind::kCgroup;
    op.key = *rc::gen::weightedElement<KeyKind>({
        {cgroup ? 1u : 5u, KeyKind::kOwnerPidfd}, {cgroup ? 1u : 4u, KeyKind::kSelfPidfd},
        {cgroup ? 8u : 1u, KeyKind::kCgroupFd}, {1, KeyKind::kClosedFd}, {1, KeyKind::kOtherFd},
        {cgroup ? 0u : 2u, KeyKind::kStalePidfd}});
    switch (op.kind) {
      case OpKind::kSysUpdate:  // every flag combination, valid and invalid
        op.flags = *rc::gen::element<uint64_t>(0, 1, 2, 3, 4, 5, 6, 7, 8, 16, 0x100);
        break;
      case OpKind::kSysLookup: op.flags = *rc::gen::element<uint64_t>(0, 0, 0, 4, 8); break;
      case OpKind::kBpfGet: op.flags = *rc::gen::element<uint64_t>(0, 1, 1, 2); break;
      default: op.flags = 0;
    }
    op.value = *rc::gen::inRange<int64_t>(1, 1000);
    // Tracing programs may not touch maps with a bpf_spin_lock (the verifier refuses them).
    if ((op.kind == OpKind::kBpfGet || op.kind == OpKind::kBpfDelete) && op.map == MapKind::kTaskLock) {
      op.map = MapKind::kTask;
    }
    return op;
  });
}

}  // namespace

std::vector<StorageOp> make_valid(const std::vector<StorageOp>& raw) {
  std::vector<StorageOp> out;
  std::array<bool, 2> open{};
  std::array<int, 3> owner{};  // 0 none, 1 alive, 2 exited, 3 reaped
  std::array<bool, 2> cgroup{};
  auto push = [&](OpKind kind, int slot, int who) {
    StorageOp op;
    op.kind = kind;
    op.slot = slot;
    op.owner = who;
    out.push_back(op);
  };
  auto need_slot = [&](int s) {
    if (!open[s]) push(OpKind::kMapCreate, s, 0), open[s] = true;
  };
  for (const StorageOp& op : raw) {
    switch (op.kind) {
      case OpKind::kMapCreate: open[op.slot] = true; break;
      case OpKind::kMapClose:
        if (!open[op.slot]) continue;
        open[op.slot] = false;
        break;
      case OpKind::kOwnerSpawn:
        if (owner[op.owner] == 1 || owner[op.owner] == 2) continue;  // one child per owner slot at a time
        owner[op.owner] = 1;
        break;
      case OpKind::kOwnerExit:
        if (owner[op.owner] != 1) continue;
        owner[op.owner] = 2;
        break;
      case OpKind::kOwnerReap:
        if (owner[op.owner] != 1 && owner[op.owner] != 2) continue;
        owner[op.owner] = 3;
        break;
      case OpKind::kCgroupMkdir:
        if (cgroup[op.owner % 2]) continue;
        cgroup[op.owner % 2] = true;
        break;
      case OpKind::kCgroupRmdir:
        if (!cgroup[op.owner % 2]) continue;
        break;
      default:
        need_slot(op.slot);
        if (op.key == KeyKind::kOwnerPidfd && owner[op.owner] == 0) push(OpKind::kOwnerSpawn, 0, op.owner), owner[op.owner] = 1;
        if (op.key == KeyKind::kCgroupFd && !cgroup[op.owner % 2]) push(OpKind::kCgroupMkdir, 0, op.owner % 2), cgroup[op.owner % 2] = true;
    }
    out.push_back(op);
  }
  return out;
}


DiffReport run_diff(model::Backend& model_backend, model::Backend& kernel, const DiffOptions& options) {
  const auto gen = rc::gen::map(rc::gen::resize(options.length_max, rc::gen::container<std::vector<StorageOp>>(gen_op())),
                                [](const std::vector<StorageOp>& raw) { return make_valid(raw); });
  const auto r = drive<StorageOp, Outcome>({options.seed, options.sequences, options.length_max, "lsmc kernel diff"}, gen,
                                           [&](const std::vector<StorageOp>& ops) { return model_backend.run(ops); },
                                           [&](const std::vector<StorageOp>& ops) { return kernel.run(ops); });
  DiffReport report{r.sequences, r.operations, r.mismatch};
  if (!r.machine_error.empty()) report.mismatch = Mismatch{{}, {}, {}, 0, "the kernel side failed: " + r.machine_error};
  return report;
}

std::string describe(const Mismatch& m) {
  std::ostringstream o;
  if (!m.error.empty()) {
    o << "   " << m.error << "\n";
    for (std::size_t i = 0; i < m.ops.size(); ++i) o << "   " << i << ": " << model::to_string(m.ops[i]) << "\n";
    return o.str();
  }
  for (std::size_t i = 0; i < m.ops.size(); ++i) {
    const std::string a = model::to_string(m.model[i], m.ops[i].kind);
    const std::string b = model::to_string(m.kernel[i], m.ops[i].kind);
    o << (i == m.index ? ">> " : "   ") << i << ": " << model::to_string(m.ops[i]) << "  model: " << a
      << (a == b ? "" : "  kernel: " + b) << "\n";
  }
  return o.str();
}

}  // namespace lsmc::properties::diff
