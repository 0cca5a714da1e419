// Kernel scenario delete-vs-replace (registered by the build: register_delete_vs_replace).
#include <string>
#include <vector>

#include "properties/linearizability.hpp"
#include "properties/scenarios/kernel_helpers.hpp"

namespace lsmc::properties::scenarios {

namespace {

// A syscall delete races a syscall update(BPF_EXIST) of the same element; a program then reads
// it. The history (logical call and return times) must be linearizable against the sequential
// spec, and in 6.18 it is not always: the delete looks the element up and unlinks it from the
// map, the update replaces it under the storage lock, and the delete then finds it unlinked,
// does nothing and still returns 0 (task_storage_delete ignores what bpf_selem_unlink did). The
// new value survives a delete that reported success. Declared failing: a finding about 6.18.
void build_delete_vs_replace(sim::Setup& s) {
  World& w = make_world(s, {knobs_with(), false});
  Env& env = s.env();
  mk::Smap& m = task_map(env, w);
  mk::Task& t = mk::task_for_scenario(env, w.k, "p", 100);
  seed_element(env, w, m, t, 1);
  struct Log {
    uint64_t clock = 0;
    std::vector<properties::HistoryOp> ops;
  };
  auto& log = s.make<Log>();
  using K = properties::HistoryOp::Kind;
  // Records one operation: `run` performs it and fills in the result.
  auto record = [&log](std::string who, K kind, uint64_t flags, int64_t arg,
                       const std::function<void(properties::HistoryOp&)>& run) {
    properties::HistoryOp op;
    op.who = std::move(who);
    op.kind = kind;
    op.flags = flags;
    op.arg = arg;
    op.call = log.clock++;
    run(op);
    op.ret = log.clock++;
    log.ops.push_back(op);
  };
  auto syscalls = [&w, &m, &t, record](std::string who, std::vector<std::pair<K, std::pair<uint64_t, int64_t>>> plan) {
    return [&w, &m, &t, record, who, plan](Env& e) {
      for (const auto& [kind, fa] : plan) {
        record(who, kind, fa.first, fa.second, [&](properties::HistoryOp& op) {
          if (kind == K::kUpdate) {
            op.err = mk::sys_map_update_elem(e, w.k, m, pidfd_of(t), mk::Value{fa.second, 0}, fa.first);
          } else if (kind == K::kDelete) {
            op.err = mk::sys_map_delete_elem(e, w.k, m, pidfd_of(t));
          } else {
            const mk::LookupResult r = mk::sys_map_lookup_elem(e, w.k, m, pidfd_of(t), 0);
            op.err = r.err;
            op.value = r.value.data;
          }
        });
      }
    };
  };
  // The history starts with the seeded element: an update of 1 that returned before anything.
  properties::HistoryOp seed;
  seed.who = "setup";
  seed.kind = K::kUpdate;
  seed.arg = 1;
  seed.call = log.clock++;
  seed.ret = log.clock++;
  log.ops.push_back(seed);
  auto& users_done = s.make<int>(0);
  spawn_work(s, w, "user0", 0, [run = syscalls("user0", {{K::kDelete, {0, 0}}}), &users_done](Env& e) {
    run(e);
    ++users_done;
  });
  spawn_work(s, w, "user1", 1, [run = syscalls("user1", {{K::kUpdate, {mk::kBpfExist, 3}}}), &users_done](Env& e) {
    run(e);
    ++users_done;
  });
  spawn_work(s, w, "prog", 0, [&w, &m, &t, record, &users_done](Env& e) {
    e.wait_until([&users_done] { return users_done == 2; }, "both syscalls returned");
    for (K kind : {K::kGet}) {
      record("prog", kind, 0, 0, [&](properties::HistoryOp& op) {
        w.k.run_prog(e, ProgType::kTracing, [&](Env& e2, const ProgCtx& c) {
          const auto sdata = mk::prog_task_storage_get(e2, w.k, c, m, ref(t), kind == K::kGetCreate ? mk::kGetFCreate : 0);
          op.found = bool(sdata);
          op.value = sdata ? read_value(e2, sdata, "prog: *sdata") : 0;
        });
      });
    }
  });
  s.at_end([&log](Env& e) {
    const auto r = properties::check_linearizable(log.ops);
    e.check(r.ok, "linearizability", r.explanation);
  });
}

}  // namespace

void register_delete_vs_replace(sim::Catalog& c) {
  add_kernel_scenario(c, "delete-vs-replace", "a syscall delete races an update(BPF_EXIST) of the same element; the history is not "
      "linearizable in 6.18: the delete can return 0 and delete nothing (fails, a finding about the kernel)",
      build_delete_vs_replace, {}, {}, true);
}

}  // namespace lsmc::properties::scenarios
