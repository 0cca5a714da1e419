#include "report/replay.hpp"

#include <algorithm>
#include <map>

#include "model/linux/task_storage.hpp"
#include "properties/lifetime.hpp"
#include "properties/scenarios/world.hpp"
#include "sim/runner.hpp"

namespace lsmc::report {

namespace {

namespace mk = model::kernel;
namespace mm = model::mappable;
namespace ps = properties::scenarios;
using model::Env;

// The sequence as one actor's work: forks create entries, exits free them, each followed by a
// grace period, with the map's live and resident counts sampled after every event.
class ReplayScenario final : public sim::Scenario {
public:
  ReplayScenario(const std::vector<ForkExit>& seq, mm::Knobs knobs, ReplayResult& out)
      : seq_(seq), knobs_(knobs), out_(out) {}
  std::string_view name() const override { return "mls-replay"; }
  std::string_view description() const override { return "a fork/exit sequence through a design's allocator"; }
  void build(sim::Setup& s) const override {
    // A measurement: the lifetime checker stays, the kernel checkers (run by the matrix) do not.
    ps::World& w = ps::make_world(s, {mk::Knobs{}, false, false});
    auto& map = s.make<mm::Map>();
    map.knobs = knobs_;
    mm::bpf_mls_map_alloc(s.env(), w.k, map);
    auto& tasks = s.make<std::vector<mk::Task*>>();
    for (std::size_t i = 0; i < seq_.size(); ++i) {
      if (seq_[i].fork) tasks.push_back(&mk::task_for_scenario(s.env(), w.k, "p" + std::to_string(seq_[i].pid), seq_[i].pid));
    }
    ps::spawn_work(s, w, "forks and exits", 0, [this, &w, &map, &tasks](Env& e) { run(e, w, map, tasks); });
    s.at_end([this, &map](Env&) {
      out_.final_resident = map.resident();
      out_.final_live = map.live();
      out_.page_allocs = map.page_allocs;
      out_.page_returns = map.page_returns;
    });
  }

private:
  void run(Env& e, ps::World& w, mm::Map& map, const std::vector<mk::Task*>& tasks) const {
    std::map<int, mk::Task*> by_pid;
    std::size_t next_task = 0;
    out_.samples.clear();
    for (const ForkExit& ev : seq_) {
      if (ev.fork) {
        mk::Task& t = *tasks[next_task++];
        by_pid[ev.pid] = &t;
        if (mm::bpf_mls_seed(e, w.k, map, t) < 0) ++out_.failed_creates;
      } else if (auto it = by_pid.find(ev.pid); it != by_pid.end()) {
        mm::bpf_mls_task_free(e, w.k, map, *it->second);
        by_pid.erase(it);
        // The stated timing: a grace period completes between consecutive events (the
        // optimistic bound for returns; "pages kept" is the pessimistic one). Without it the
        // figures would depend on where one random schedule put the grace periods.
        w.k.rcu.barrier(e, model::RcuFlavour::kTasksTrace);
        if (map.knobs.layout == mm::Layout::kArenaUrcu) mm::scx_urcu_drain(e, w.k, map);  // the daemon's turn
      }
      out_.samples.push_back({map.live(), map.resident()});
    }
  }

  const std::vector<ForkExit>& seq_;
  mm::Knobs knobs_;
  ReplayResult& out_;
};

}  // namespace

ReplayResult replay(const std::vector<ForkExit>& seq, mm::Knobs knobs, uint32_t entry_bytes) {
  uint32_t live = 0, peak = 0;
  for (const ForkExit& e : seq) {
    live = e.fork ? live + 1 : live - 1;
    peak = std::max(peak, live);
  }
  knobs.slots_per_page = knobs.layout == mm::Layout::kUptr ? 1 : kPageBytes / entry_bytes;
  knobs.pages = peak / knobs.slots_per_page + 4;
  ReplayResult r;
  ReplayScenario scenario(seq, knobs, r);
  sim::RunRequest req;
  req.scenario = &scenario;
  req.config.strategy = "random";
  req.config.executions_max = 1;
  req.config.steps_max = 10000000;
  req.config.objects_max = 10000000;
  req.observers = properties::default_observers;
  const sim::RunReport rep = sim::run(req);
  r.verdict = rep.failure ? rep.failure->verdict.property + ": " + rep.failure->verdict.message : "pass";
  for (const Sample& s : r.samples) {
    r.peak_live = std::max(r.peak_live, s.live);
    r.peak_resident = std::max(r.peak_resident, s.resident);
  }
  return r;
}

double average_resident(const ReplayResult& r) {
  uint64_t sum = 0;
  for (const Sample& v : r.samples) sum += v.resident;
  return double(sum) / double(std::max<std::size_t>(r.samples.size(), 1));
}

}  // namespace lsmc::report
