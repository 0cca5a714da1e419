// A sched_ext scheduler's per-CPU queues, as its developer checks them with lsmc (issue 13).
//
// The BPF side (ops.enqueue, on each CPU with the runqueue lock held, so IRQs off) reads its CPU's
// scheduling config through an RCU-protected pointer and queues a task under the queue's spin
// lock. The daemon has two threads: a monitor that reads the queue lengths and asks for a
// refresh, and a refresher that sleeps on a condition variable until asked, then publishes a new
// config for every CPU and frees the old ones after a grace period. The mutant frees them before
// the grace period: an enqueue still inside its read-side section reads freed memory.
//
// Written only against lsmc's installed public headers.
#include "sched_queue.hpp"

#include <memory>
#include <string>
#include <vector>

#include "lsmc/model/env.hpp"

namespace sched_queue {

namespace {

using lsmc::model::Env;
using lsmc::model::kNoObject;
using lsmc::model::ObjectId;
using lsmc::model::TypeInfo;

constexpr std::string_view kConfigFields[] = {"slice_ns"};
constexpr TypeInfo kConfigType{"scx_config", kConfigFields};
constexpr std::string_view kCpuFields[] = {"cfg", "nr_queued"};
constexpr TypeInfo kCpuType{"cpu_ctx", kCpuFields};
constexpr uint16_t kSlice = 0;            // scx_config.slice_ns
constexpr uint16_t kCfg = 0;              // cpu_ctx.cfg
constexpr uint16_t kNrQueued = 1;         // cpu_ctx.nr_queued
constexpr const char* kMutant = "free-config-before-grace-period";

struct Config {
  ObjectId id = kNoObject;
  uint64_t slice_ns = 0;
};

// One CPU's entry of the BPF map: its config (RCU-protected) and its queue.
struct CpuCtx {
  ObjectId id = kNoObject;
  ObjectId lock = kNoObject;  // the queue's bpf_spin_lock
  Config* cfg = nullptr;
  uint64_t nr_queued = 0;
};

// One execution's state: the C++ values are the structure, the Env calls say when they are touched.
struct State {
  std::vector<CpuCtx> cpus;
  std::vector<std::unique_ptr<Config>> configs;  // the memory of every config made
  ObjectId mutex = kNoObject;                    // the daemon's pthread mutex
  ObjectId refresh = kNoObject;                  // and its condition variable
  bool refresh_requested = false;                // under `mutex`
};

Config& new_config(Env& env, State& st, uint64_t slice_ns, std::string_view label) {
  st.configs.push_back(std::make_unique<Config>());
  Config& c = *st.configs.back();
  c.id = env.alloc(kConfigType, label);
  env.write(c.id, kSlice, label);
  c.slice_ns = slice_ns;
  return c;
}

// ops.enqueue on `cpu`: the config it reads stays valid until rcu_read_unlock().
void enqueue(Env& env, CpuCtx& cpu) {
  ++env.context().irqs_disabled;  // the runqueue lock is held
  env.rcu_read_lock();
  env.read(cpu.id, kCfg, "enqueue: rcu_dereference(cpu->cfg)");
  const Config* cfg = cpu.cfg;
  env.read(cfg->id, kSlice, "enqueue: cfg->slice_ns");
  const uint64_t slice_ns = cfg->slice_ns;
  env.lock(cpu.lock, "enqueue: bpf_spin_lock(&cpu->lock)");
  env.rmw(cpu.id, kNrQueued, "enqueue: cpu->nr_queued++");
  ++cpu.nr_queued;
  env.unlock(cpu.lock, "enqueue: bpf_spin_unlock(&cpu->lock)");
  env.rcu_read_unlock();
  --env.context().irqs_disabled;
  env.check(slice_ns > 0, "assertion", "enqueue read a slice of 0 ns");
}

// The daemon's monitor thread: reads the queues, then asks the refresher for new configs.
void monitor(Env& env, State& st) {
  for (CpuCtx& cpu : st.cpus) env.read(cpu.id, kNrQueued, "monitor: read cpu->nr_queued");
  env.lock(st.mutex, "monitor: pthread_mutex_lock");
  st.refresh_requested = true;
  env.cond_signal(st.refresh, "monitor: pthread_cond_signal");
  env.unlock(st.mutex, "monitor: pthread_mutex_unlock");
}

// The daemon's refresher thread: sleeps until asked, publishes a new config on every CPU, and
// frees the old ones once no program can still be reading them.
void refresher(Env& env, State& st, bool wait_for_readers) {
  env.lock(st.mutex, "refresher: pthread_mutex_lock");
  while (!st.refresh_requested) env.cond_wait(st.refresh, st.mutex, "refresher: pthread_cond_wait");
  env.unlock(st.mutex, "refresher: pthread_mutex_unlock");
  std::vector<Config*> old;
  for (CpuCtx& cpu : st.cpus) {
    Config& fresh = new_config(env, st, 2'000'000, "refresher: new config");
    env.write(cpu.id, kCfg, "refresher: rcu_assign_pointer(cpu->cfg)");
    old.push_back(cpu.cfg);
    cpu.cfg = &fresh;
  }
  if (wait_for_readers) env.synchronize_rcu();
  for (Config* c : old) env.free(c->id, "refresher: free(old config)");
}

constexpr lsmc::sim::ParamSpec kParams[] = {
    {"cpus", 2, 1, 8, "CPUs, each with its queue and an enqueue program"},
    {"tasks", 1, 1, 8, "tasks each CPU's program enqueues"},
};

class SchedQueue final : public lsmc::sim::Scenario {
public:
  std::string_view name() const override { return "scx-queue-config"; }
  std::string_view description() const override {
    return "sched_ext per-CPU queues: BPF enqueue reads an RCU-protected config while the daemon "
           "replaces it (passes)";
  }
  std::span<const lsmc::sim::ParamSpec> params() const override { return kParams; }

  void build(lsmc::sim::Setup& s) const override {
    State& st = s.make<State>();
    Env& env = s.env();
    const auto cpus = static_cast<uint16_t>(s.params().get("cpus"));
    const int64_t tasks = s.params().get("tasks");
    st.cpus.resize(cpus);
    for (uint16_t i = 0; i < cpus; ++i) {
      CpuCtx& cpu = st.cpus[i];
      cpu.id = env.alloc(kCpuType, "scx_init: cpu_ctx");
      // Names built at run time are fine (lsmc/model/env.hpp, "Names").
      cpu.lock = env.new_lock(lsmc::model::LockKind::kSpin, "cpu" + std::to_string(i) + "->lock");
      cpu.cfg = &new_config(env, st, 5'000'000, "scx_init: config");
    }
    st.mutex = env.new_lock(lsmc::model::LockKind::kMutex, "daemon.mutex");
    st.refresh = env.new_condvar("daemon.refresh");
    for (uint16_t i = 0; i < cpus; ++i) {
      s.spawn("enqueue/cpu" + std::to_string(i), [&st, i, tasks](Env& env) {
        for (int64_t t = 0; t < tasks; ++t) enqueue(env, st.cpus[i]);
      }, {.cpu = i, .sleepable = false});
    }
    s.spawn("monitor", [&st](Env& env) { monitor(env, st); });
    const bool wait_for_readers = !s.mutant(kMutant);
    s.spawn("refresher", [&st, wait_for_readers](Env& env) { refresher(env, st, wait_for_readers); });
    s.at_end([&st, expected = static_cast<uint64_t>(cpus * tasks)](Env& env) {
      uint64_t queued = 0;
      for (const CpuCtx& cpu : st.cpus) queued += cpu.nr_queued;
      env.check(queued == expected, "assertion",
                std::to_string(queued) + " tasks queued, expected " + std::to_string(expected));
    });
  }
};

}  // namespace

void register_scenarios(lsmc::sim::Catalog& catalog) {
  catalog.add(std::make_unique<SchedQueue>());
  catalog.add_mutant({kMutant, "the refresher frees the old configs without waiting for a grace period",
                      {"scx-queue-config"}, {}, "use-after-free"});
}

}  // namespace sched_queue
