#include "tools/design_report.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <map>
#include <sstream>
#include <stdexcept>

#include "model/linux/task_storage.hpp"
#include "model/mappable/mappable.hpp"
#include "properties/lifetime.hpp"
#include "properties/scenarios/world.hpp"
#include "sim/rng.hpp"
#include "sim/runner.hpp"
#include "traces/minimize.hpp"
#include "traces/render.hpp"
#include "traces/trace.hpp"

namespace lsmc::cli {

namespace {

namespace mk = model::kernel;
namespace mm = model::mappable;
namespace ps = properties::scenarios;
using model::Env;

// One fork or exit of a recorded (or generated) sequence.
struct ForkExit {
  bool fork = true;
  int pid = 0;  // the child for a fork, the task for an exit
};

std::vector<ForkExit> read_sequence(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path + " (tools/record-forkexit.sh writes it)");
  std::vector<ForkExit> out;
  std::map<int, bool> alive;
  for (std::string line; std::getline(in, line);) {
    std::istringstream f(line);
    std::string what;
    f >> what;
    if (what == "fork") {
      int parent = 0, child = 0;
      f >> parent >> child;
      out.push_back({true, child});
      alive[child] = true;
    } else if (what == "exit") {
      int pid = 0;
      f >> pid;
      if (alive[pid]) out.push_back({false, pid});  // tasks that existed before the recording: skipped
      alive[pid] = false;
    }
  }
  return out;
}

// Waves of creation and exit: up to 48 tasks alive, pids reused.
std::vector<ForkExit> synthetic_sequence() {
  std::vector<ForkExit> out;
  std::vector<int> live;
  int next_pid = 100;
  for (int wave = 0; wave < 4; ++wave) {
    while (live.size() < 48) {
      live.push_back(next_pid);
      out.push_back({true, next_pid++});
    }
    const std::size_t keep = wave % 2 == 0 ? 4 : 20;
    while (live.size() > keep) {
      // Every third task from the front exits first: holes scattered across pages.
      const std::size_t at = (live.size() * 2) / 3;
      out.push_back({false, live[at]});
      live.erase(live.begin() + static_cast<std::ptrdiff_t>(at));
    }
    next_pid = 100 + (wave % 2) * 7;  // pid numbers come back
    for (int p : live) next_pid = std::max(next_pid, p + 1);
  }
  while (!live.empty()) {
    out.push_back({false, live.back()});
    live.pop_back();
  }
  return out;
}

// A steady population with random exits (long-lived stragglers scattered over pages, the case
// a placement policy is for): 150 to 250 tasks alive, 4 000 events, from a fixed seed.
std::vector<ForkExit> random_churn_sequence() {
  sim::Rng rng(7);
  std::vector<ForkExit> out;
  std::vector<int> live;
  int next_pid = 100;
  while (out.size() < 4000) {
    const bool fork = live.size() < 150 || (live.size() < 250 && rng.below(2) == 0);
    if (fork) {
      live.push_back(next_pid);
      out.push_back({true, next_pid++});
    } else {
      const std::size_t at = static_cast<std::size_t>(rng.below(live.size()));
      out.push_back({false, live[at]});
      live.erase(live.begin() + static_cast<std::ptrdiff_t>(at));
    }
  }
  while (!live.empty()) {
    out.push_back({false, live.back()});
    live.pop_back();
  }
  return out;
}

// A scheduler's per-task context (a few counters, a cpumask): 256 bytes, 16 to a 4 KiB page.
constexpr uint32_t kEntryBytes = 256;
constexpr uint32_t kPageBytes = 4096;

// One design the report compares: a set of the mappable scenarios' variant parameters.
struct Variant {
  std::string key;    // for file names
  std::string title;
  std::map<std::string, int64_t> params;
  mm::Knobs knobs() const {
    mm::Knobs k;
    k.layout = static_cast<mm::Layout>(params.at("layout"));
    k.page_return = static_cast<mm::PageReturn>(params.at("page_return"));
    k.publication = static_cast<mm::Publication>(params.at("publication"));
    k.owner = params.at("owner") == 0 ? mk::OwnerKind::kTask : mk::OwnerKind::kCgroup;
    if (auto it = params.find("user_write"); it != params.end()) k.user_write = static_cast<mm::UserWrite>(it->second);
    return k;
  }
};

// user_write < 0: the scenario's default (pinned), and the parameter left out.
Variant variant(std::string key, std::string title, int64_t layout, int64_t page_return, int64_t publication,
                int64_t owner = 0, int64_t user_write = -1) {
  Variant v{std::move(key),
            std::move(title),
            {{"layout", layout}, {"page_return", page_return}, {"publication", publication}, {"owner", owner}}};
  if (user_write >= 0) v.params["user_write"] = user_write;
  return v;
}

// The recommended configuration first, then the proposal's other knob settings, then the designs
// that exist today (design §4: variants as knobs on one model, compared on the same scenarios).
const std::vector<Variant>& variants() {
  static const std::vector<Variant> kVariants = {
      variant("proposal", "proposal: generations, zero page on return (recommended)", 0, 1, 0),
      variant("proposal-seqcount", "proposal: one map-wide seqcount", 0, 1, 1),
      variant("proposal-notify", "proposal: notifications into a user-side view", 0, 1, 2),
      variant("proposal-absent", "proposal: returned pages left absent", 0, 2, 0),
      variant("proposal-keep", "proposal: pages never returned", 0, 0, 0),
      variant("proposal-checked-writes", "proposal: user writes checked, not pinned", 0, 1, 0, 0, 0),
      variant("static-pid-array", "static pid-indexed array (today's workaround)", 1, 1, 0),
      variant("arena+task-storage", "arena + task storage (sched_ext's sdt)", 2, 1, 0),
      variant("uptr", "uptr (task-local data)", 3, 1, 0),
      // Cgroup storage made mappable by the same flag (uptr has no cgroup form).
      variant("proposal-cgroup", "proposal on cgroup storage (recommended knobs)", 0, 1, 0, 1),
      variant("arena+cgroup-storage", "arena + cgroup storage (sdt_cgroup)", 2, 1, 0, 1),
  };
  return kVariants;
}

const Variant& find_variant(std::string_view key) {
  for (const Variant& v : variants()) {
    if (v.key == key) return v;
  }
  throw std::logic_error("no variant " + std::string(key));
}

struct Sample {
  uint32_t live = 0;
  uint32_t resident = 0;
};

struct ReplayResult {
  std::vector<Sample> samples;
  uint32_t peak_live = 0;
  uint32_t peak_resident = 0;
  uint32_t final_resident = 0;
  uint32_t final_live = 0;
  uint32_t failed_creates = 0;
  uint64_t page_allocs = 0, page_returns = 0;
  std::string verdict;
};

// Replays a sequence through one design's allocator in one execution: a task's entry is made at
// fork as the design makes it (prep_enable, or the thread's own registration for uptr) and freed
// at exit; grace periods run alongside.
class ReplayScenario final : public sim::Scenario {
public:
  ReplayScenario(const std::vector<ForkExit>& seq, mm::Knobs knobs, ReplayResult& out)
      : seq_(seq), knobs_(knobs), out_(out) {}
  std::string_view name() const override { return "mls-replay"; }
  std::string_view description() const override { return "a fork/exit sequence through a design's allocator"; }
  void build(sim::Setup& s) const override {
    ps::World& w = ps::make_world(s, {mk::Knobs{}, false});
    auto& map = s.make<mm::Map>();
    map.knobs = knobs_;
    mm::bpf_mls_map_alloc(s.env(), w.k, map);
    auto& tasks = s.make<std::vector<mk::Task*>>();
    for (std::size_t i = 0; i < seq_.size(); ++i) {
      if (seq_[i].fork) tasks.push_back(&mk::task_for_scenario(s.env(), w.k, "p" + std::to_string(seq_[i].pid), seq_[i].pid));
    }
    ps::spawn_work(s, w, "forks and exits", 0, [this, &w, &map, &tasks](Env& e) {
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
        }
        out_.samples.push_back({map.live(), map.resident()});
      }
    });
    s.at_end([this, &map](Env&) {
      out_.final_resident = map.resident();
      out_.final_live = map.live();
      out_.page_allocs = map.page_allocs;
      out_.page_returns = map.page_returns;
    });
  }

private:
  const std::vector<ForkExit>& seq_;
  mm::Knobs knobs_;
  ReplayResult& out_;
};

ReplayResult replay(const std::vector<ForkExit>& seq, mm::Knobs knobs, uint32_t entry_bytes = kEntryBytes) {
  uint32_t live = 0, peak = 0;
  for (const ForkExit& e : seq) {
    live = e.fork ? live + 1 : live - 1;
    peak = std::max(peak, live);
  }
  // uptr: each task's block lies in its own process, so it pins a page of its own.
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

struct Series {
  const ReplayResult* r;
  bool resident;  // resident capacity (pages x entries per page), else live entries
  const char* color;
  const char* dash;
  std::string label;
};

// A polyline plot of live entries against resident capacity, one panel.
std::string plot(const std::string& title, const std::vector<Series>& series) {
  const double w = 760, h = 300, left = 60, bottom = 40, top = 30;
  const double per_page = double(kPageBytes / kEntryBytes);
  double ymax = 1;
  std::size_t n = 2;
  for (const Series& s : series) {
    n = std::max(n, s.r->samples.size());
    for (const Sample& v : s.r->samples) ymax = std::max({ymax, double(v.live), s.resident ? v.resident * per_page : 0.0});
  }
  auto x = [&](std::size_t i) { return left + (w - left - 10) * double(i) / double(n - 1); };
  auto y = [&](double v) { return top + (h - top - bottom) * (1 - v / ymax); };
  std::ostringstream o;
  o << std::fixed << std::setprecision(1);
  o << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << w << "\" height=\"" << h << "\" font-family=\"sans-serif\" font-size=\"11\">\n"
    << "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
    << "<text x=\"" << left << "\" y=\"18\" font-size=\"13\">" << title << "</text>\n"
    << "<line x1=\"" << left << "\" y1=\"" << y(0) << "\" x2=\"" << w - 10 << "\" y2=\"" << y(0) << "\" stroke=\"black\"/>\n"
    << "<line x1=\"" << left << "\" y1=\"" << top << "\" x2=\"" << left << "\" y2=\"" << y(0) << "\" stroke=\"black\"/>\n"
    << "<text x=\"" << left - 8 << "\" y=\"" << y(ymax) + 4 << "\" text-anchor=\"end\">" << int(ymax) << "</text>\n"
    << "<text x=\"" << left - 8 << "\" y=\"" << y(0) + 4 << "\" text-anchor=\"end\">0</text>\n"
    << "<text x=\"" << (w + left) / 2 << "\" y=\"" << h - 8 << "\" text-anchor=\"middle\">fork/exit events</text>\n";
  double legend = top + 10;
  for (const Series& s : series) {
    o << "<polyline fill=\"none\" stroke=\"" << s.color << "\" stroke-width=\"1.5\"" << s.dash << " points=\"";
    for (std::size_t i = 0; i < s.r->samples.size(); ++i) {
      const Sample& v = s.r->samples[i];
      o << x(i) << "," << y(s.resident ? v.resident * per_page : v.live) << " ";
    }
    o << "\"/>\n<text x=\"" << w - 290 << "\" y=\"" << legend << "\" fill=\"" << s.color << "\">" << s.label << "</text>\n";
    legend += 14;
  }
  o << "</svg>\n";
  return o.str();
}

// Accesses of one BPF lookup of an existing entry from a struct_ops program, from its
// rcu_read_lock to its rcu_read_unlock; the first lookup and a later one (steady state).
struct BpfCost {
  uint64_t first = 0, steady = 0;
  bool first_fills_cache = false, steady_fills_cache = false;
};

// layout < 0: today's task storage (the 6.18 model), else a design of the mappable model.
BpfCost bpf_lookup_cost(int layout) {
  struct Scn final : sim::Scenario {
    int layout;
    explicit Scn(int l) : layout(l) {}
    std::string_view name() const override { return "lookup-cost"; }
    std::string_view description() const override { return "two lookups"; }
    void build(sim::Setup& s) const override {
      ps::World& w = ps::make_world(s, {mk::Knobs{}, false});
      mk::Task& t = mk::task_for_scenario(s.env(), w.k, "t", 100);
      auto& map = s.make<mm::Map>();
      mk::Smap* smap = nullptr;
      if (layout >= 0) {
        map.knobs.layout = static_cast<mm::Layout>(layout);
        mm::bpf_mls_map_alloc(s.env(), w.k, map);
        mm::bpf_mls_seed(s.env(), w.k, map, t);
      } else {
        smap = &mk::bpf_local_storage_map_alloc(s.env(), w.k, mk::OwnerKind::kTask, "task_ctx_stor", false);
        mk::sys_map_update_elem(s.env(), w.k, *smap, mk::pidfd_open(t), mk::Value{1, 0}, mk::kBpfAny);
      }
      ps::spawn_work(s, w, "enqueue", 0, [this, &w, &map, &t, smap](Env& e) {
        for (int i = 0; i < 2; ++i) {
          w.k.run_prog(e, mk::ProgType::kStructOps, [&](Env& e2, const mk::ProgCtx& c) {
            if (layout >= 0) {
              mm::bpf_mls_get(e2, w.k, map, c, t, false);
            } else {
              mk::prog_task_storage_get(e2, w.k, c, *smap, mk::Ref<mk::Task>::of(&t), 0);
            }
          });
        }
      });
    }
  };
  Scn scenario(layout);
  // One execution with events recorded; the schedule does not matter (one workload actor).
  const sim::Config config;
  const sim::Params params;
  sim::Engine engine(config);
  engine.execution().set_record_events(true);
  auto strategy = sim::make_random_strategy(1);
  engine.run(scenario, params, *strategy, {}, 0);
  BpfCost cost;
  int locks = 0;
  bool in = false;
  for (const sim::Event& ev : engine.execution().events()) {
    if (engine.execution().actors()[ev.actor].name != "enqueue") continue;
    if (ev.op == model::Op::kRcuLock) in = ++locks <= 2;
    if (!in) continue;
    (locks == 1 ? cost.first : cost.steady) += 1;
    if (ev.label.starts_with("__bpf_local_storage_insert_cache")) (locks == 1 ? cost.first_fills_cache : cost.steady_fills_cache) = true;
    if (ev.op == model::Op::kRcuUnlock) in = false;
  }
  return cost;
}

// What user space pays per lookup of one stable task while other tasks come and go: a daemon
// looks the task up four times while another CPU creates and frees three entries and a balancer
// scans every entry twice. Summed over the executions of a default exploration.
struct UserCost {
  uint64_t executions = 0, lookups = 0, syscalls = 0, loads = 0, scans = 0, retries = 0;
  std::string verdict = "pass";
};

UserCost user_lookup_cost(const Variant& v, uint64_t executions) {
  struct Scn final : sim::Scenario {
    mm::Knobs knobs;
    UserCost& out;
    Scn(mm::Knobs k, UserCost& o) : knobs(k), out(o) {}
    std::string_view name() const override { return "user-cost"; }
    std::string_view description() const override { return "user lookups under churn"; }
    void build(sim::Setup& s) const override {
      ps::World& w = ps::make_world(s, {mk::Knobs{}, false});
      auto& map = s.make<mm::Map>();
      auto& lib = s.make<mm::UserLib>();
      map.knobs = knobs;
      map.knobs.pages = 3;
      map.knobs.slots_per_page = 2;
      mm::bpf_mls_map_alloc(s.env(), w.k, map);
      mk::Task& t = mk::task_for_scenario(s.env(), w.k, "t", 100);
      mm::bpf_mls_seed(s.env(), w.k, map, t);
      auto& churn = s.make<std::vector<mk::Task*>>();
      for (int i = 0; i < 3; ++i) churn.push_back(&mk::task_for_scenario(s.env(), w.k, "c" + std::to_string(i), 101 + i));
      ps::spawn_work(s, w, "daemon", 0, [this, &map, &lib, &t](Env& e) {
        for (int i = 0; i < 4; ++i) {
          mm::libbpf_mls_lookup(e, map, lib, t, 100);
          ++out.lookups;
        }
      });
      auto& scanner = s.make<mm::UserLib>();
      ps::spawn_work(s, w, "balancer", 0, [&map, &scanner](Env& e) {
        for (int i = 0; i < 2; ++i) mm::libbpf_mls_scan(e, map, scanner);
      });
      ps::spawn_work(s, w, "churn", 1, [&w, &map, &churn](Env& e) {
        for (mk::Task* c : churn) {
          mm::bpf_mls_seed(e, w.k, map, *c);
          mm::bpf_mls_task_free(e, w.k, map, *c);
        }
      });
      s.at_end([this, &lib, &scanner](Env&) {
        ++out.executions;
        out.syscalls += lib.syscalls;
        out.loads += lib.loads;
        out.scans += scanner.scans;
        out.retries += scanner.retries;
      });
    }
  };
  UserCost cost;
  Scn scenario(v.knobs(), cost);
  sim::RunRequest req;
  req.scenario = &scenario;
  req.config.executions_max = executions;
  req.observers = properties::default_observers;
  const sim::RunReport r = sim::run(req);
  if (r.failure) cost.verdict = r.failure->verdict.property;
  return cost;
}

std::string fixed2(double v) {
  std::ostringstream o;
  o << std::fixed << std::setprecision(2) << v;
  return o.str();
}

std::string per(uint64_t a, uint64_t b) { return fixed2(b == 0 ? 0.0 : double(a) / double(b)); }

// Probes worth a note in the property matrix: what a design could not do at all.
constexpr std::string_view kNotableProbes[] = {"mls: a program cannot create a thread's uptr memory",
                                               "mls: no free entry in atomic context"};

}  // namespace

std::string write_design_report(const sim::Catalog& catalog, const DesignReportOptions& o) {
  namespace fs = std::filesystem;
  const fs::path out(o.out);
  const fs::path dir = out.parent_path().empty() ? fs::path(".") : out.parent_path();
  const fs::path traces_dir = dir / "design-traces";
  fs::create_directories(traces_dir);
  std::ostringstream md;
  md << "# Design exploration: user-mappable task local storage\n\n"
     << "Generated by `lsmc report --design -o " << o.out << "` (lsmc " << traces::lsmc_version()
     << "); do not edit by hand. The proposal is in `../shared/seed/`; the model in `model/mappable/`, its "
        "scenarios in `properties/scenarios/mappable/`. Every claim below comes from a run this command "
        "repeats.\n\n";

  // Minimises a failure, writes its trace and timeline next to the report, returns the links.
  auto save_trace = [&](const std::string& stem, const sim::RunRequest& req, const sim::RunReport& r) {
    const traces::Trace t = traces::make_trace(*req.scenario, req.params, req.config, *r.failure);
    const traces::MinimizeResult min = traces::minimize(t, catalog, properties::default_observers);
    traces::write_trace_file((traces_dir / (stem + ".trace")).string(), min.minimized);
    std::ofstream(traces_dir / (stem + ".txt")) << traces::render_text(min.minimized, {});
    return "[trace](design-traces/" + stem + ".trace), [timeline](design-traces/" + stem + ".txt) (" +
           std::to_string(min.after.steps) + " steps, " + std::to_string(min.after.switches) + " switches)";
  };

  // 1. Properties.
  std::vector<const sim::Scenario*> scenarios;
  for (const auto& sc : catalog.scenarios()) {
    if (std::string_view(sc->name()).starts_with("mls-")) scenarios.push_back(sc.get());
  }
  md << "## 1. Properties of each design\n\n"
     << "Each scenario is explored with the default strategy (" << o.executions << " executions, seed 1) under "
        "each design. The properties (design §5): a handle never resolves to another owner's entry "
        "(`handle-aliasing`); no user access to a page that is absent or freed (`user-fault`); a published "
        "entry is initialised (`published-uninitialised`); no empty page stays resident past a grace period "
        "(`resident-bound`); what BPF wrote is what user space reads (`user-read-mismatch`); a program's "
        "pointer never reaches another owner's entry (`bpf-pointer-reused`); user space can read a live "
        "task's entry at all (`user-unreachable`, the point of the proposal); and the lifetime, context and "
        "deadlock checkers of the kernel model. A violation is a result about the design, with its minimised "
        "trace.\n\n"
     << "| design |";
  for (const sim::Scenario* sc : scenarios) md << " `" << sc->name() << "` |";
  md << " notes (probe hits) |\n|---|";
  for (std::size_t i = 0; i <= scenarios.size(); ++i) md << "---|";
  md << "\n";
  std::ostringstream findings;
  uint64_t recommended_hold = 0, cgroup_hold = 0;
  for (const Variant& v : variants()) {
    md << "| " << v.title << " |";
    std::map<std::string, uint64_t> notes;
    for (const sim::Scenario* sc : scenarios) {
      sim::RunRequest req;
      req.scenario = sc;
      req.config.executions_max = o.executions;
      req.observers = properties::default_observers;
      std::map<std::string, int64_t> given;  // the variant's knobs this scenario has
      for (const sim::ParamSpec& spec : sc->params()) {
        if (auto it = v.params.find(std::string(spec.name)); it != v.params.end()) given.insert(*it);
      }
      if (auto err = sim::resolve_params(*sc, given, req.params)) throw std::runtime_error(*err);
      const sim::RunReport r = sim::run(req);
      for (std::string_view probe : kNotableProbes) {
        if (auto it = r.probe_hits.find(probe); it != r.probe_hits.end()) notes[std::string(probe)] += it->second;
      }
      if (!r.failure) {
        md << " holds |";
        if (v.key == "proposal") ++recommended_hold;
        if (v.key == "proposal-cgroup") ++cgroup_hold;
        continue;
      }
      const std::string stem = v.key + "--" + std::string(sc->name());
      md << " **`" << r.failure->verdict.property << "`** |";
      findings << "- **" << v.title << "**, `" << sc->name() << "`: " << r.failure->verdict.message << ". "
               << save_trace(stem, req, r) << "\n";
    }
    std::string note;
    for (const auto& [probe, n] : notes) note += (note.empty() ? "" : "; ") + probe.substr(5) + " (" + std::to_string(n) + "x)";
    md << " " << note << " |\n";
  }
  md << "\nWhat each violation is (first found, at seed 1; replay with `lsmc replay`, draw with `lsmc render`):\n\n"
     << findings.str() << "\nRun one cell with `lsmc explore --scenario NAME --param layout=L --param page_return=R "
        "--param publication=P` (layout 0 the proposal, 1 the pid-indexed array, 2 arena + task storage, 3 uptr; "
        "page_return 0 keep, 1 zero page, 2 absent; publication 0 generations, 1 seqcount, 2 notifications; "
        "--param owner=1 for cgroup storage).\n\n";

  // The recommended configuration under DPOR: exhaustive where the scenario is small enough.
  md << "The recommended configuration under DPOR (`--strategy dpor`, every class of equivalent schedules, "
        "budget " << o.executions << " executions): where the search ends, the properties hold in every schedule.\n\n"
     << "| scenario | DPOR executions | result |\n|---|---|---|\n";
  for (const sim::Scenario* sc : scenarios) {
    sim::RunRequest req;
    req.scenario = sc;
    req.config.strategy = "dpor";
    req.config.executions_max = o.executions;
    req.observers = properties::default_observers;
    if (auto err = sim::resolve_params(*sc, {}, req.params)) throw std::runtime_error(*err);
    const sim::RunReport r = sim::run(req);
    std::string result;
    if (r.failure) {
      result = "VIOLATION of " + r.failure->verdict.property;
    } else if (r.stop_reason == "space exhausted") {
      result = "holds in every schedule (search complete)";
    } else {
      std::ostringstream f;
      f << "holds; search not complete (about " << std::fixed << std::setprecision(1)
        << std::max(0.0, r.explored_fraction * 100) << "% explored)";
      result = f.str();
    }
    md << "| `" << sc->name() << "` | " << r.executions << " | " << result << " |\n";
  }
  md << "\n";

  md << "### The proposal's design mistakes\n\n"
     << "| design mistake (mutant) | property violated | found at execution | minimised trace |\n|---|---|---|---|\n";
  uint64_t found = 0, mutants = 0;
  for (const auto& m : catalog.mutants()) {
    if (m.scenarios.empty() || !m.scenarios.front().starts_with("mls-")) continue;
    ++mutants;
    sim::RunRequest req;
    req.scenario = catalog.find(m.scenarios.front());
    req.config.mutant = m.name;
    req.config.executions_max = o.executions;
    req.observers = properties::default_observers;
    if (auto err = sim::resolve_params(*req.scenario, {}, req.params)) throw std::runtime_error(*err);
    const sim::RunReport r = sim::run(req);
    if (!r.failure) {
      md << "| `" << m.name << "` | not found in " << r.executions << " executions | - | - |\n";
      continue;
    }
    ++found;
    md << "| `" << m.name << "` | `" << r.failure->verdict.property << "` | " << r.failure->index + 1 << " | "
       << save_trace(m.name, req, r) << " |\n";
  }
  md << "\nThe recommended configuration holds every property in " << recommended_hold << " of " << scenarios.size()
     << " scenarios on task storage and in " << cgroup_hold << " of " << scenarios.size() << " on cgroup storage; " << found << " of " << mutants << " design mistakes are found.\n\n";

  // 2. Memory.
  md << "## 2. Resident memory against live entries under churn\n\n"
     << "Entries of " << kEntryBytes << " bytes (a scheduler's task context with a cpumask), " << kPageBytes / kEntryBytes
     << " to a 4 KiB page. Each sequence is replayed through each design's allocator in the model: a task's "
        "entry is made at fork (prep_enable, sleepable; for uptr the thread registers its own block) and freed "
        "at exit, and a grace period completes between consecutive events (the optimistic timing for page "
        "returns; the designs that keep pages show the pessimistic end). Sequences: a synthetic one (waves of 48 tasks, pids reused), "
        "and fork/exit sequences recorded on this machine from the `sched_process_fork` and "
        "`sched_process_exit` tracepoints (`tools/record-forkexit.sh`, files in `data/`). Pages at the peak / "
        "at the end of the sequence.\n\n"
     << "| sequence | forks | live entries (peak / end) | proposal, pages returned | proposal, pages kept | arena + task "
        "storage | uptr (pinned pages) | static pid-indexed array (pid_max 32768 / 4194304) |\n"
     << "|---|---|---|---|---|---|---|---|\n";
  const uint64_t static_small = 32768ull * kEntryBytes / kPageBytes, static_large = 4194304ull * kEntryBytes / kPageBytes;
  struct Named {
    std::string name;
    std::vector<ForkExit> seq;
  };
  std::vector<Named> seqs{{"synthetic waves", synthetic_sequence()}, {"synthetic random churn", random_churn_sequence()}};
  for (const char* f : {"data/forkexit-shell.txt", "data/forkexit-compile.txt"}) {
    const fs::path p = fs::path(o.source_dir) / f;
    if (fs::exists(p)) seqs.push_back({std::string("recorded: ") + fs::path(f).filename().string(), read_sequence(p.string())});
  }
  std::string svg;
  std::vector<std::string> odd_verdicts;
  for (const Named& n : seqs) {
    const ReplayResult zero = replay(n.seq, find_variant("proposal").knobs());
    const ReplayResult keep = replay(n.seq, find_variant("proposal-keep").knobs());
    const ReplayResult arena = replay(n.seq, find_variant("arena+task-storage").knobs());
    const ReplayResult uptr = replay(n.seq, find_variant("uptr").knobs());
    uint64_t forks = 0;
    for (const ForkExit& e : n.seq) forks += e.fork;
    auto cell = [](const ReplayResult& r) { return std::to_string(r.peak_resident) + " / " + std::to_string(r.final_resident); };
    md << "| " << n.name << " | " << forks << " | " << zero.peak_live << " / " << zero.final_live << " | " << cell(zero) << " | "
       << cell(keep) << " | " << cell(arena) << " | " << cell(uptr) << " | " << static_small << " / " << static_large << " |\n";
    for (const ReplayResult* r : {&zero, &keep, &arena, &uptr}) {
      if (r->verdict != "pass") odd_verdicts.push_back(n.name + ": " + r->verdict);
      if (r->failed_creates > 0) odd_verdicts.push_back(n.name + ": " + std::to_string(r->failed_creates) + " entries could not be created");
    }
    if (svg.empty() && (n.name.starts_with("recorded") || &n == &seqs.back())) {
      svg = plot("live entries and resident capacity: " + n.name,
                 {{&zero, false, "#2e7d32", "", "live entries"},
                  {&zero, true, "#1565c0", "", "proposal, pages returned (capacity)"},
                  {&keep, true, "#c62828", " stroke-dasharray=\"5,3\"", "proposal, pages kept (capacity)"},
                  {&arena, true, "#6a1b9a", " stroke-dasharray=\"2,2\"", "arena + task storage (capacity)"}});
    }
  }
  for (const std::string& v : odd_verdicts) md << "\n(replay verdict: " << v << ")\n";
  std::ofstream(dir / "design-exploration-churn.svg") << svg;
  md << "\n![live entries and resident capacity](design-exploration-churn.svg)\n\n"
     << "Pages that are never returned (the proposal without return, and the arena, whose sdt allocator keeps "
        "its pages) stay at the peak; returned pages follow the live entries, with at most one partly used page "
        "per page that still holds a live entry (the allocator fills the fullest page first). uptr pins one "
        "page per live thread (each task here is its own process; the task-local-data library adds a "
        "metadata page per process, not counted). The static array costs the same whatever runs.\n\n";
  // Entry size as a parameter, on the largest recorded sequence.
  // The largest recorded sequence (the synthetic churn when none was recorded).
  const Named* largest = &seqs[1];
  for (const Named& n : seqs) {
    if (n.name.starts_with("recorded") && (!largest->name.starts_with("recorded") || n.seq.size() > largest->seq.size())) {
      largest = &n;
    }
  }
  const Named& big = *largest;
  md << "Entry size, on " << big.name << " (pages at the peak):\n\n"
     << "| entry bytes | entries per page | proposal, pages returned | arena + task storage | static pid-indexed array "
        "(pid_max 4194304) |\n|---|---|---|---|---|\n";
  for (uint32_t bytes : {64u, 256u, 1024u, 4096u}) {
    const ReplayResult zero = replay(big.seq, find_variant("proposal").knobs(), bytes);
    const ReplayResult arena = replay(big.seq, find_variant("arena+task-storage").knobs(), bytes);
    md << "| " << bytes << " | " << kPageBytes / bytes << " | " << zero.peak_resident << " | " << arena.peak_resident << " | "
       << 4194304ull * bytes / kPageBytes << " |\n";
  }

  // Placement and return policy.
  md << "\nPlacement and return policy (design question 1: fragmentation, and when to give pages back), "
        "entries of " << kEntryBytes << " bytes. A return zaps the page from every user mapping (a TLB shootdown); "
        "spare pages are empty pages kept to absorb the next creations:\n\n"
     << "| sequence | policy | pages on average | pages at the peak | page allocations | page returns (zaps) |\n"
     << "|---|---|---|---|---|---|\n";
  struct Policy {
    std::string name;
    mm::Placement placement;
    uint32_t spare;
  };
  struct PolicyResult {
    double average = 0;
    uint64_t zaps = 0;
  };
  std::map<std::string, PolicyResult> policy_results;
  const Policy policies[] = {{"fullest page first, return at once (recommended)", mm::Placement::kFullestPage, 0},
                             {"first fit (lowest free entry), return at once", mm::Placement::kLowestSlot, 0},
                             {"fullest page first, keep 1 spare page", mm::Placement::kFullestPage, 1},
                             {"fullest page first, keep 4 spare pages", mm::Placement::kFullestPage, 4}};
  for (const Named* n : {static_cast<const Named*>(&seqs[1]), &big}) {
    for (const Policy& pol : policies) {
      mm::Knobs k = find_variant("proposal").knobs();
      k.placement = pol.placement;
      k.spare_pages = pol.spare;
      const ReplayResult r = replay(n->seq, k);
      uint64_t sum = 0;
      for (const Sample& v : r.samples) sum += v.resident;
      policy_results[n->name + "|" + pol.name] = {double(sum) / double(std::max<std::size_t>(r.samples.size(), 1)), r.page_returns};
      md << "| " << n->name << " | " << pol.name << " | " << fixed2(policy_results[n->name + "|" + pol.name].average) << " | "
         << r.peak_resident << " | "
         << r.page_allocs << " | " << r.page_returns << " |\n";
    }
  }

  // 3. Costs.
  md << "\n## 3. Costs\n\n### User space\n\n"
     << "Measured in the model: a daemon looks one task up four times while another CPU creates and frees three "
        "other tasks' entries and a balancer scans every entry twice; summed over " << o.executions / 10 << " executions of the default exploration. "
        "Today's kernel needs one `bpf(BPF_MAP_LOOKUP_ELEM)` by pidfd per access (`docs/kernel.md`: about 530 ns "
        "against about 0.5 ns for a load from a mapping).\n\n"
     << "| design | syscalls per lookup | shared loads per lookup | scans voided by a concurrent change |\n|---|---|---|---|\n";
  std::map<std::string, UserCost> costs;
  for (const Variant& v : variants()) {
    // Same read path as the proposal, or cgroups (no fork/exit churn of cgroups here).
    if (v.key == "proposal-absent" || v.key == "proposal-keep" || v.key == "proposal-checked-writes" ||
        v.params.at("owner") != 0) {
      continue;
    }
    if (v.key == "uptr") {
      md << "| " << v.title << " | - | - | - (another process cannot read a thread's uptr memory) |\n";
      continue;
    }
    const UserCost c = user_lookup_cost(v, o.executions / 10);
    costs[v.key] = c;
    md << "| " << v.title << " | " << per(c.syscalls, c.lookups) << " | " << per(c.loads, c.lookups) << " | " << c.retries
       << " of " << c.scans << (c.verdict == "pass" ? "" : " (violation: " + c.verdict + ")") << " |\n";
  }
  md << "\nThe first lookup of a task opens its handle with one syscall; later ones cost loads only until the "
        "handle goes stale. With a map-wide seqcount every change anywhere makes every handle stale, so the "
        "daemon re-opens by syscall after each fork or exit of any task, and a balancer's scan is void whenever "
        "anything changed during it. Notifications cost fewer loads per "
        "access but have no check after the load (section 1). The pid-indexed array needs no syscall and no "
        "check at all, and has no lifetime.\n\n";
  md << "### BPF side\n\n"
     << "Shared-memory accesses of one lookup of an existing entry from a struct_ops program, from its "
        "rcu_read_lock to its rcu_read_unlock (a cost proxy, not cycles), the first lookup and a later one; "
        "\"fills the cache\" means the lookup missed the 16-slot cache, walked the list and took the storage "
        "lock to cache the element (the 6.18 model).\n\n"
     << "| design | first lookup | later lookup |\n|---|---|---|\n";
  auto bpf_cell = [](uint64_t n, bool fills) { return std::to_string(n) + " accesses" + (fills ? ", fills the cache" : ""); };
  const std::pair<int, std::string> bpf_designs[] = {{-1, "today: task storage (6.18)"},
                                                     {0, "proposal (task->mls_slot)"},
                                                     {1, "static pid-indexed array"},
                                                     {2, "arena + task storage (task storage lookup, then the arena)"},
                                                     {3, "uptr (task storage lookup, then the pinned page)"}};
  std::map<int, BpfCost> bpf;
  for (const auto& [layout, title] : bpf_designs) {
    const BpfCost c = bpf_lookup_cost(layout);
    bpf[layout] = c;
    md << "| " << title << " | " << bpf_cell(c.first, c.first_fills_cache) << " | " << bpf_cell(c.steady, c.steady_fills_cache) << " |\n";
  }

  // 4. Recommendation.
  const UserCost& rec = costs.at("proposal");
  const UserCost& seqc = costs.at("proposal-seqcount");
  md << "\n## 4. Recommendation\n\n"
     << "- Make the region the backing store of task storage behind a new map flag, with the entry's slot kept "
        "in the task (task->mls_slot): the BPF lookup stays a pointer load (" << bpf[0].steady << " model accesses "
        "against " << bpf[-1].steady << " for 6.18's cache hit and " << bpf[2].steady << " for arena + task storage, "
        "which pays the task storage lookup first), and user space reads without syscalls once it has a handle.\n"
     << "- Publish per-slot generations in a header page with release/acquire ordering, written after the entry "
        "is initialised (`publish-before-init`), bumped on every free (`slot-reuse-no-generation`), and checked "
        "by the library before and after each load. A map-wide seqcount is as safe but costs "
        << per(seqc.syscalls, seqc.lookups) << " syscalls per lookup under churn against " << per(rec.syscalls, rec.lookups)
        << ", and voids " << seqc.retries << " of " << seqc.scans << " scans against " << rec.retries << "; notifications into a user-side view leave a window between the check and the load "
           "(`handle-aliasing` in `mls-zap-race`).\n"
     << "- User writes (hints for BPF) pin the slot first: one atomic on the header word {generation, pins} that "
        "fails once the entry is freed, with the kernel deferring the slot's reuse while it is pinned. A store "
        "between two generation checks cannot be undone: it faults on the zero page or lands in the next owner's "
        "entry (`mls-user-write` under checked writes, arena + task storage, and the seqcount and notification "
        "publications, which have no per-slot generation to pin).\n"
     << "- User handles are (slot, generation); a failed check means ESTALE and the library re-opens by pidfd, "
        "never resyncs the generation (`handle-survives-exit`).\n"
     << "- Reuse a slot only after a Tasks Trace grace period: programs hold entries across their read-side "
        "section (`reuse-before-grace-period`). sched_ext's sdt allocator, which frees an arena index at once, "
        "shows the same violation (`bpf-pointer-reused` in `mls-reader-vs-delete`); newer sdt code defers frees "
        "through its own RCU (`scx_urcu`), which the model does not cover.\n"
     << "- Return empty pages after a grace period by replacing them with the zero page in the user mapping. "
        "Leaving the mapping absent (as `bpf_arena_free_pages` does) makes a racing user load fault "
        "(`user-fault`), and freeing a still-mapped page is `zap-while-mapped`: user space is not an RCU reader. "
        "Trim pages a sleeping creator left empty.\n"
     << "- Placement and return timing (section 2): on " << seqs[1].name << ", filling the fullest page first and "
        "first fit average " << fixed2(policy_results[seqs[1].name + "|" + policies[0].name].average) << " and "
     << fixed2(policy_results[seqs[1].name + "|" + policies[1].name].average)
     << " resident pages: the placement policy does not matter on these sequences. Keeping one spare empty page cuts "
        "the zaps on " << big.name << " from " << policy_results[big.name + "|" + policies[0].name].zaps << " to "
     << policy_results[big.name + "|" + policies[2].name].zaps << " for "
     << fixed2(policy_results[big.name + "|" + policies[2].name].average - policy_results[big.name + "|" + policies[0].name].average)
     << " pages more on average. The checked configuration returns at once; a spare page is worth a tunable (the "
        "resident bound becomes the pages holding live entries plus the spares, which `mls-churn` checks).\n"
     << "- The region lives as long as the map: the user mapping holds the map's file, and programs hold the map, "
        "so closing the fd while the daemon still maps the region frees nothing (`map-free-while-mapped` frees it "
        "at close, and the daemon's next load reads freed memory); the last reference queues the free to a "
        "kworker, as `bpf_map_free_deferred` does.\n"
     << "- Page allocation sleeps: only sleepable contexts (prep_enable, syscalls) can make room; a "
        "non-sleepable program's F_CREATE fails when no free entry is left (probe `mls: no free entry in "
        "atomic context`).\n"
     << "- Against today's alternatives: the static pid-indexed array has no lifetime (`bpf-pointer-reused`) and "
        "costs " << static_large << " pages at the default pid_max; arena + task storage keeps every page it ever "
        "used (`resident-bound`) and needs its own deferred free; uptr serves a thread's own data to BPF but a "
        "central daemon cannot read it (`user-unreachable`), and programs cannot create it.\n\n";

  // 5. Risks.
  md << "## 5. Open risks and questions the model did not settle\n\n"
     << "- Zap cost: replacing a page with the zero page needs a TLB shootdown on every CPU that maps the region; "
        "the model counts it as one step. Batching returns (a shrinker) trades memory for it.\n"
     << "- Cgroup owners run the same scenarios as tasks (cgroup ids are never reused, so the scenario that reuses "
        "a pid reuses a slot for a new cgroup instead); several maps sharing one region are not modelled, and "
        "the fork/exit churn of section 2 is tasks only.\n"
     << "- A user process that dies while it pins a slot leaves the slot deferred until the map is freed (one slot "
        "per dead writer); the model does not kill processes.\n"
     << "- The model is sequentially consistent: the release/acquire pairs the recommendation names are "
        "argued, not checked under a weak memory model.\n"
     << "- The arena variant follows sdt before `scx_urcu`; its generation starts at 1 in the model (sdt starts "
        "at 0, so a zeroed task storage value and index 0 generation 0 look alike to a user lookup).\n"
     << "- The recorded sequences come from short workloads on a 2-CPU VM; a scheduler's steady state with "
        "thousands of tasks is not covered.\n"
     << "- No real-kernel counterpart: the proposal does not exist in a kernel, and costs are model access "
        "counts, not cycles.\n";
  std::ofstream f(out);
  if (!(f << md.str())) throw std::runtime_error("cannot write " + o.out);
  return "wrote " + o.out + ": the recommended configuration holds in " + std::to_string(recommended_hold) + "/" +
         std::to_string(scenarios.size()) + " scenarios, " + std::to_string(found) + "/" + std::to_string(mutants) +
         " design mistakes found";
}

}  // namespace lsmc::cli
