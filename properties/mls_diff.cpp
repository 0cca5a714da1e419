#include "properties/mls_diff.hpp"

#include <rapidcheck.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <sstream>
#include <stdexcept>

#include "model/mappable/mappable.hpp"
#include "properties/diff/driver.hpp"
#include "properties/diff/model_run.hpp"
#include "properties/scenarios/world.hpp"
#include "sim/scenario.hpp"

extern "C" {
#include "mls/test/mls_diff_kernel.h"
}

namespace lsmc::properties::mls_diff {

namespace {

namespace mk = model::kernel;
namespace mm = model::mappable;

// The model's side of one sequence: the same operations on model/mappable's functions.
struct Machine {
  explicit Machine(scenarios::World& world) : w(world) {}
  scenarios::World& w;
  mm::Map map;
  mm::UserLib lib;
  std::array<mk::Task*, MLS_DIFF_OWNERS> task{};
  std::array<bool, MLS_DIFF_OWNERS> alive{};
  std::array<mm::Handle, MLS_DIFF_OWNERS> handle{};
  int next_pid = 300;

  // A BPF operation as the owner, from a sleepable program (as the library's slots, the model's
  // pages can then always be had).
  Outcome bpf(model::Env& e, const Op& op, int i) {
    Outcome o;
    if (!alive[i]) return {MLS_DIFF_NO_TASK, 0};
    mk::Task& t = *task[i];
    w.k.run_prog(e, mk::ProgType::kLsmSleepable, [&](model::Env& e2, const mk::ProgCtx& ctx) {
      if (op.kind == MLS_DIFF_DELETE) {
        o.err = map.owner_slot.contains(&t) ? 0 : -ENOENT;
        mm::bpf_mls_delete(e2, w.k, map, t);
        return;
      }
      const int slot = mm::bpf_mls_get(e2, w.k, map, ctx, t, op.kind == MLS_DIFF_CREATE);
      if (op.kind == MLS_DIFF_CREATE) {
        o.err = slot >= 0 ? 0 : -1;
        if (slot >= 0) mm::bpf_mls_write(e2, map, slot, t, op.value);
        return;
      }
      o.err = slot >= 0 ? 0 : -1;
      o.value = slot >= 0 ? map.slots[static_cast<std::size_t>(slot)].data : 0;
    });
    return o;
  }

  Outcome user(model::Env& e, const Op& op, int i) {
    if (op.kind == MLS_DIFF_HANDLE) {
      if (task[i] == nullptr) return {MLS_DIFF_NO_TASK, 0};
      handle[i] = mm::bpf_mls_handle_open(e, map, *task[i], lib);
      return {handle[i].valid() ? 0 : -ENOENT, 0};
    }
    if (!handle[i].valid()) return {MLS_DIFF_NO_HANDLE, 0};
    if (op.kind == MLS_DIFF_READ) {
      const mm::UserRead r = mm::libbpf_mls_read(e, map, lib, handle[i]);
      return r.status == mm::UserRead::Status::kOk ? Outcome{0, r.data} : Outcome{-ESTALE, 0};
    }
    const mm::UserRead r = mm::libbpf_mls_write(e, map, lib, handle[i], *task[i], op.value);
    return {r.status == mm::UserRead::Status::kOk ? 0 : -ESTALE, 0};
  }

  Outcome apply(model::Env& e, const Op& op) {
    const int i = op.owner % MLS_DIFF_OWNERS;
    switch (op.kind) {
      case MLS_DIFF_CREATE:
        if (!alive[i]) {
          task[i] = &mk::task_for_scenario(e, w.k, "owner" + std::to_string(i), next_pid++);
          alive[i] = true;
        }
        return bpf(e, op, i);
      case MLS_DIFF_DELETE:
      case MLS_DIFF_BPF_GET: return bpf(e, op, i);
      case MLS_DIFF_EXIT:
        if (!alive[i]) return {MLS_DIFF_NO_TASK, 0};
        mm::bpf_mls_task_free(e, w.k, map, *task[i]);
        alive[i] = false;
        return {};
      case MLS_DIFF_MAINTAIN:  // every deleted slot's grace period has ended
        w.k.rcu.barrier(e, model::RcuFlavour::kTasksTrace);
        return {};
      default: return user(e, op, i);
    }
  }
};

class SequenceScenario final : public sim::Scenario {
public:
  SequenceScenario(const std::vector<Op>& ops, std::vector<Outcome>& out) : ops_(ops), out_(out) {}
  std::string_view name() const override { return "mls-diff-sequence"; }
  std::string_view description() const override { return "an mls diff sequence, run on the model"; }
  void build(sim::Setup& s) const override {
    scenarios::World& w = scenarios::make_world(s, {mk::Knobs{}, false});
    auto& m = s.make<Machine>(w);
    m.map.knobs.pages = 16;  // room for every creation of a sequence, as the library's 4096 slots
    m.map.knobs.page_return = mm::PageReturn::kNever;
    mm::bpf_mls_map_alloc(s.env(), w.k, m.map);
    scenarios::spawn_work(s, w, "daemon", 0, [this, &m](model::Env& e) {
      for (const Op& op : ops_) out_.push_back(m.apply(e, op));
    });
  }

private:
  const std::vector<Op>& ops_;
  std::vector<Outcome>& out_;
};

rc::Gen<Op> gen_op() {
  return rc::gen::exec([] {
    Op op;
    op.kind = *rc::gen::weightedElement<int>({{4, MLS_DIFF_CREATE}, {2, MLS_DIFF_DELETE}, {4, MLS_DIFF_HANDLE},
                                              {5, MLS_DIFF_READ}, {3, MLS_DIFF_WRITE}, {2, MLS_DIFF_BPF_GET},
                                              {2, MLS_DIFF_EXIT}, {2, MLS_DIFF_MAINTAIN}});
    op.owner = *rc::gen::inRange(0, MLS_DIFF_OWNERS);
    op.value = *rc::gen::inRange<int64_t>(1, 1000);
    return op;
  });
}

std::vector<Outcome> run_kernel(mls_diff_kernel* k, const std::vector<Op>& ops) {
  std::vector<Outcome> out;
  mls_diff_kernel_reset(k);
  for (const Op& op : ops) {
    mls_diff_outcome o{};
    if (mls_diff_kernel_apply(k, op.kind, op.owner, op.value, &o) != 0) {
      throw diff::MachineError(std::string("an owner process could not be started or did not answer (") +
                           std::strerror(errno) + ")");
    }
    out.push_back({o.err, o.value});
  }
  return out;
}

}  // namespace

std::vector<Outcome> run_model(const std::vector<Op>& ops) {
  std::vector<Outcome> out;
  SequenceScenario scenario(ops, out);
  diff::run_model_once(scenario);
  return out;
}

Report run(const Options& options) {
  Report report;
  char error[256] = "";
  mls_diff_kernel* k = mls_diff_kernel_open(error, sizeof(error));
  if (k == nullptr) {
    report.error = error;
    return report;
  }
  const auto gen = rc::gen::resize(options.length_max, rc::gen::container<std::vector<Op>>(gen_op()));
  const auto r = diff::drive<Op, Outcome>({options.seed, options.sequences, options.length_max, "lsmc mls diff"}, gen,
                                          run_model, [k](const std::vector<Op>& ops) { return run_kernel(k, ops); });
  mls_diff_kernel_close(k);
  report.sequences = r.sequences;
  report.operations = r.operations;
  report.mismatch = r.mismatch;
  if (!r.machine_error.empty()) {
    // An error of this machine (file descriptors, processes), not a disagreement to report.
    report.error = "the kernel side failed after " + std::to_string(report.sequences) + " sequences: " + r.machine_error;
  }
  return report;
}

std::string to_string(const Op& op) {
  static constexpr const char* kNames[] = {"create", "delete", "handle", "read", "write", "bpf-get", "exit", "maintain"};
  std::ostringstream s;
  s << kNames[op.kind] << " owner" << op.owner;
  if (op.kind == MLS_DIFF_CREATE || op.kind == MLS_DIFF_WRITE) s << " " << op.value;
  return s.str();
}

std::string describe(const Mismatch& m) {
  std::ostringstream s;
  if (!m.error.empty()) s << "  " << m.error << "\n";
  for (std::size_t i = 0; i < m.ops.size(); ++i) {
    s << (i == m.index ? "  >> " : "     ") << to_string(m.ops[i]);
    if (i < m.model.size() && i < m.kernel.size()) {
      s << ": model err " << m.model[i].err << " value " << m.model[i].value << ", kernel err " << m.kernel[i].err
        << " value " << m.kernel[i].value;
    }
    s << "\n";
  }
  return s.str();
}

}  // namespace lsmc::properties::mls_diff
