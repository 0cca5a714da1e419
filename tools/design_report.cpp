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

// A scheduler's per-task context (a few counters, a cpumask): 256 bytes, 16 to a 4 KiB page.
constexpr uint32_t kEntryBytes = 256;
constexpr uint32_t kSlotsPerPage = 4096 / kEntryBytes;

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
  std::string verdict;
};

// Replays a sequence through the proposal's allocator in one execution: a task's entry is made
// at fork by a sleepable program (prep_enable) and freed at exit; grace periods run alongside.
class ReplayScenario final : public sim::Scenario {
public:
  ReplayScenario(const std::vector<ForkExit>& seq, mm::Knobs knobs, ReplayResult& out)
      : seq_(seq), knobs_(knobs), out_(out) {}
  std::string_view name() const override { return "mls-replay"; }
  std::string_view description() const override { return "a fork/exit sequence through the proposal's allocator"; }
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
          w.k.run_prog(e, mk::ProgType::kLsmSleepable, [&](Env& e2, const mk::ProgCtx& c) {
            if (mm::bpf_mls_get(e2, w.k, map, c, t, true) < 0) ++out_.failed_creates;
          });
        } else if (auto it = by_pid.find(ev.pid); it != by_pid.end()) {
          mm::bpf_mls_task_free(e, w.k, map, *it->second);
          by_pid.erase(it);
        }
        out_.samples.push_back({map.live(), map.resident()});
      }
    });
    s.at_end([this, &map](Env&) {
      out_.final_resident = map.resident();
      out_.final_live = map.live();
    });
  }

private:
  const std::vector<ForkExit>& seq_;
  mm::Knobs knobs_;
  ReplayResult& out_;
};

ReplayResult replay(const std::vector<ForkExit>& seq, mm::PageReturn page_return) {
  uint32_t live = 0, peak = 0;
  for (const ForkExit& e : seq) {
    live = e.fork ? live + 1 : live - 1;
    peak = std::max(peak, live);
  }
  mm::Knobs knobs;
  knobs.slots_per_page = kSlotsPerPage;
  knobs.pages = peak / kSlotsPerPage + 4;
  knobs.page_return = page_return;
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

// A polyline plot of live entries against resident capacity (pages x 64), one panel.
std::string plot(const std::string& title, const ReplayResult& zero, const ReplayResult& never) {
  const double w = 760, h = 300, left = 60, bottom = 40, top = 30;
  double ymax = 1;
  for (const auto* r : {&zero, &never}) {
    for (const Sample& s : r->samples) ymax = std::max({ymax, double(s.live), double(s.resident) * kSlotsPerPage});
  }
  const std::size_t n = std::max<std::size_t>(zero.samples.size(), 2);
  auto x = [&](std::size_t i) { return left + (w - left - 10) * double(i) / double(n - 1); };
  auto y = [&](double v) { return top + (h - top - bottom) * (1 - v / ymax); };
  auto line = [&](const ReplayResult& r, bool resident, const char* color, const char* dash) {
    std::ostringstream o;
    o << std::fixed << std::setprecision(1);
    o << "<polyline fill=\"none\" stroke=\"" << color << "\" stroke-width=\"1.5\"" << dash << " points=\"";
    for (std::size_t i = 0; i < r.samples.size(); ++i) {
      o << x(i) << "," << y(resident ? r.samples[i].resident * double(kSlotsPerPage) : r.samples[i].live) << " ";
    }
    o << "\"/>\n";
    return o.str();
  };
  std::ostringstream o;
  o << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << w << "\" height=\"" << h << "\" font-family=\"sans-serif\" font-size=\"11\">\n"
    << "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
    << "<text x=\"" << left << "\" y=\"18\" font-size=\"13\">" << title << "</text>\n"
    << "<line x1=\"" << left << "\" y1=\"" << y(0) << "\" x2=\"" << w - 10 << "\" y2=\"" << y(0) << "\" stroke=\"black\"/>\n"
    << "<line x1=\"" << left << "\" y1=\"" << top << "\" x2=\"" << left << "\" y2=\"" << y(0) << "\" stroke=\"black\"/>\n"
    << "<text x=\"" << left - 8 << "\" y=\"" << y(ymax) + 4 << "\" text-anchor=\"end\">" << int(ymax) << "</text>\n"
    << "<text x=\"" << left - 8 << "\" y=\"" << y(0) + 4 << "\" text-anchor=\"end\">0</text>\n"
    << "<text x=\"" << (w + left) / 2 << "\" y=\"" << h - 8 << "\" text-anchor=\"middle\">fork/exit events</text>\n"
    << line(never, true, "#c62828", " stroke-dasharray=\"5,3\"") << line(zero, true, "#1565c0", "")
    << line(zero, false, "#2e7d32", "")
    << "<text x=\"" << w - 250 << "\" y=\"" << top + 10 << "\" fill=\"#2e7d32\">live entries</text>\n"
    << "<text x=\"" << w - 250 << "\" y=\"" << top + 24 << "\" fill=\"#1565c0\">resident capacity, pages returned</text>\n"
    << "<text x=\"" << w - 250 << "\" y=\"" << top + 38 << "\" fill=\"#c62828\">resident capacity, never returned</text>\n"
    << "</svg>\n";
  return o.str();
}

// Shared-memory accesses (events) of one lookup of an existing entry from a struct_ops program.
uint64_t bpf_lookup_events(bool proposal) {
  struct Scn final : sim::Scenario {
    bool proposal;
    explicit Scn(bool p) : proposal(p) {}
    std::string_view name() const override { return "lookup-cost"; }
    std::string_view description() const override { return "one lookup"; }
    void build(sim::Setup& s) const override {
      ps::World& w = ps::make_world(s, {mk::Knobs{}, false});
      mk::Task& t = mk::task_for_scenario(s.env(), w.k, "t", 100);
      auto& map = s.make<mm::Map>();
      mk::Smap* smap = nullptr;
      if (proposal) {
        mm::bpf_mls_map_alloc(s.env(), w.k, map);
        mk::ProgCtx c;
        c.sleepable = true;
        mm::bpf_mls_get(s.env(), w.k, map, c, t, true);
      } else {
        smap = &mk::bpf_local_storage_map_alloc(s.env(), w.k, mk::OwnerKind::kTask, "task_ctx_stor", false);
        mk::sys_map_update_elem(s.env(), w.k, *smap, mk::pidfd_open(t), mk::Value{1, 0}, mk::kBpfAny);
      }
      ps::spawn_work(s, w, "enqueue", 0, [this, &w, &map, &t, smap](Env& e) {
        for (int i = 0; i < 2; ++i) {  // the second lookup is the steady state (cache warm)
          w.k.run_prog(e, mk::ProgType::kStructOps, [&](Env& e2, const mk::ProgCtx& c) {
            if (i == 1) e2.probe("measure");
            if (proposal) {
              mm::bpf_mls_get(e2, w.k, map, c, t, false);
            } else {
              mk::prog_task_storage_get(e2, w.k, c, *smap, mk::Ref<mk::Task>::of(&t), 0);
            }
            if (i == 1) e2.probe("measured");
          });
        }
      });
    }
  };
  Scn scenario(proposal);
  // One execution with events recorded; the schedule does not matter (one workload actor).
  const sim::Config config;
  const sim::Params params;
  sim::Engine engine(config);
  engine.execution().set_record_events(true);
  auto strategy = sim::make_random_strategy(1);
  engine.run(scenario, params, *strategy, {}, 0);
  const auto& events = engine.execution().events();
  // The accesses of the second lookup: from the actor's second rcu_read_lock to its unlock.
  uint64_t count = 0;
  int locks = 0;
  bool in = false;
  for (const sim::Event& ev : events) {
    if (engine.execution().actors()[ev.actor].name != "enqueue") continue;
    if (ev.op == model::Op::kRcuLock && ++locks == 2) in = true;
    if (in) ++count;
    if (in && ev.op == model::Op::kRcuUnlock) break;
  }
  return count;
}

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
        "scenarios in `properties/scenarios/mappable.cpp`. Every claim below comes from a run this command "
        "repeats.\n\n";

  // 1. Properties.
  md << "## 1. Properties of the proposal and its design mistakes\n\n"
     << "Each scenario is explored with the default strategy (" << o.executions << " executions, seed 1). "
        "The properties (design §5): a handle never resolves to another owner's entry (`handle-aliasing`); "
        "no user access to a freed page (`user-fault`); a published entry is initialised "
        "(`published-uninitialised`); no empty page stays resident past a grace period (`resident-bound`); "
        "what BPF wrote is what user space reads (`user-read-mismatch`); a program's pointer never reaches "
        "another owner's entry (`bpf-pointer-reused`); and the lifetime, context and deadlock checkers of "
        "the kernel model.\n\n"
     << "| scenario | configuration | result |\n|---|---|---|\n";
  uint64_t clean = 0, scenarios = 0, array_runs = 0, array_violations = 0;
  for (const auto& s : catalog.scenarios()) {
    if (!std::string_view(s->name()).starts_with("mls-")) continue;
    std::vector<std::map<std::string, int64_t>> configs{{{"layout", 0}}, {{"layout", 1}}};
    if (s->name() == "mls-churn") {
      configs = {{{"layout", 0}, {"page_return", 1}}, {{"layout", 0}, {"page_return", 0}}, {{"layout", 1}}};
    }
    for (const auto& given : configs) {
      const bool proposal = given.at("layout") == 0;
      sim::RunRequest req;
      req.scenario = s.get();
      req.config.executions_max = o.executions;
      req.observers = properties::default_observers;
      if (auto err = sim::resolve_params(*s, given, req.params)) throw std::runtime_error(*err);
      const sim::RunReport r = sim::run(req);
      if (proposal) {
        ++scenarios;
        clean += !r.failure;
      } else {
        ++array_runs;
        array_violations += r.failure.has_value();
      }
      std::string conf = "proposal (zero page on return)";
      if (given.count("page_return") && given.at("page_return") == 0) conf = "proposal, pages never returned";
      if (!proposal) conf = "static pid-indexed array (today's workaround)";
      md << "| `" << s->name() << "` | " << conf << " | "
         << (r.failure ? "VIOLATION of " + r.failure->verdict.property : "holds (" + std::to_string(r.executions) + " executions)")
         << " |\n";
    }
  }
  md << "\n| design mistake (mutant) | property violated | found at execution | minimised trace |\n|---|---|---|---|\n";
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
    const traces::Trace t = traces::make_trace(*req.scenario, req.params, req.config, *r.failure);
    const traces::MinimizeResult min = traces::minimize(t, catalog, properties::default_observers);
    const fs::path trace_path = traces_dir / (m.name + ".trace");
    traces::write_trace_file(trace_path.string(), min.minimized);
    std::ofstream(traces_dir / (m.name + ".txt")) << traces::render_text(min.minimized, {});
    md << "| `" << m.name << "` | `" << r.failure->verdict.property << "` | " << r.failure->index + 1 << " | "
       << "[" << m.name << ".trace](design-traces/" << m.name << ".trace) (" << min.after.steps << " steps, "
       << min.after.switches << " switches; [timeline](design-traces/" << m.name << ".txt)) |\n";
  }
  md << "\n" << clean << " of " << scenarios << " configurations of the proposal hold every property; the static "
     << "pid-indexed array violates properties in " << array_violations << " of " << array_runs
     << " scenarios (it has no lifetime: a program racing exit writes into a cleared entry, and its pages stay "
        "resident by design); " << found << " of " << mutants
     << " design mistakes are found. Replay any trace with `lsmc replay`, draw it with `lsmc render`; run one "
        "configuration with `lsmc explore --scenario NAME --param layout=1`.\n\n";

  // 2. Memory.
  md << "## 2. Resident memory against live entries under churn\n\n"
     << "Entries of " << kEntryBytes << " bytes (a scheduler's task context with a cpumask), " << kSlotsPerPage
     << " to a 4 KiB page. A task's entry is made at fork (prep_enable, sleepable) and "
        "freed at exit; slots are reused after a Tasks Trace grace period, and with page return an empty page "
        "goes back after it. Sequences: a synthetic one (waves of 48 tasks, pids reused), and fork/exit "
        "sequences recorded on this machine from the `sched_process_fork` and `sched_process_exit` "
        "tracepoints (`tools/record-forkexit.sh`, files in `data/`).\n\n"
     << "| sequence | forks | peak live entries | resident pages at peak (returned / never) | live entries and resident "
        "pages at the end (returned / never) | static pid-indexed array, pages (pid_max 32768 / 4194304) | arena "
        "allocator, pages (grows to the peak) |\n"
     << "|---|---|---|---|---|---|---|\n";
  const uint64_t static_small = 32768ull * kEntryBytes / 4096, static_large = 4194304ull * kEntryBytes / 4096;
  struct Named {
    std::string name;
    std::vector<ForkExit> seq;
  };
  std::vector<Named> seqs{{"synthetic waves", synthetic_sequence()}};
  for (const char* f : {"data/forkexit-shell.txt", "data/forkexit-compile.txt"}) {
    const fs::path p = fs::path(o.source_dir) / f;
    if (fs::exists(p)) seqs.push_back({std::string("recorded: ") + fs::path(f).filename().string(), read_sequence(p.string())});
  }
  std::string svg;
  for (const Named& n : seqs) {
    const ReplayResult zero = replay(n.seq, mm::PageReturn::kZeroPage);
    const ReplayResult never = replay(n.seq, mm::PageReturn::kNever);
    uint64_t forks = 0;
    for (const ForkExit& e : n.seq) forks += e.fork;
    const uint32_t arena_pages = (zero.peak_live + kSlotsPerPage - 1) / kSlotsPerPage;
    md << "| " << n.name << " | " << forks << " | " << zero.peak_live << " | " << zero.peak_resident << " / "
       << never.peak_resident << " | " << zero.final_live << " live: " << zero.final_resident << " / "
       << never.final_resident << " | " << static_small << " / " << static_large << " | " << arena_pages << " (kept) |\n";
    if (zero.verdict != "pass" || never.verdict != "pass") {
      md << "\n(replay verdicts: " << zero.verdict << "; " << never.verdict << ")\n";
    }
    if (svg.empty() && n.name.starts_with("recorded")) svg = plot("live entries and resident capacity: " + n.name, zero, never);
  }
  if (svg.empty()) svg = plot("live entries and resident capacity: synthetic waves", replay(seqs[0].seq, mm::PageReturn::kZeroPage),
                              replay(seqs[0].seq, mm::PageReturn::kNever));
  std::ofstream(dir / "design-exploration-churn.svg") << svg;
  md << "\n![live entries and resident capacity](design-exploration-churn.svg)\n\n"
     << "A static pid-indexed array (today's workaround, sized for pid_max) costs " << static_small
     << " pages at pid_max 32768 and " << static_large
     << " at the 64-bit default, whatever runs. Pages that are never returned stay at the peak; returned "
        "pages follow the live entries, with at most one partly used page per page that still holds a live "
        "entry (the allocator fills the fullest page first).\n\n";

  // 3. Costs.
  const uint64_t today = bpf_lookup_events(false);
  const uint64_t proposal = bpf_lookup_events(true);
  md << "## 3. Costs\n\n"
     << "| access | syscalls | memory touches (model accesses) |\n|---|---|---|\n"
     << "| user space, today (`bpf(BPF_MAP_LOOKUP_ELEM)` by pidfd) | 1 per access | inside the kernel |\n"
     << "| user space, proposal, first access to a task (handle open + read) | 1 | 3 loads (generation, entry, generation) |\n"
     << "| user space, proposal, later accesses (cached handle) | 0 | 3 loads |\n"
     << "| user space, static pid-indexed array | 0 | 1 load, no staleness check |\n"
     << "| BPF lookup from struct_ops, today (6.18 model, cache hit) | - | " << today << " accesses |\n"
     << "| BPF lookup from struct_ops, proposal (task->mls_slot) | - | " << proposal << " accesses |\n\n"
     << "Accesses are the model's shared-memory accesses of one lookup of an existing entry from its "
        "program's rcu_read_lock to its rcu_read_unlock (a cost proxy, not cycles; `docs/kernel.md` has "
        "the measured 6.18 costs: a syscall lookup about 530 ns, a mapped read about 0.5 ns).\n\n";

  // 4. Recommendation.
  md << "## 4. Recommendation\n\n"
     << "- Make the region the backing store of task storage behind a new map flag, with the entry's slot "
        "kept in the task (task->mls_slot): the BPF lookup stays one pointer load (" << proposal
     << " model accesses against " << today << " for 6.18's cache hit), and user space reads without syscalls "
        "(3 loads per access once it has a handle, against a syscall per access today).\n"
     << "- Publish per-entry generations in a header page with release/acquire ordering, written after the "
        "entry is initialised (`publish-before-init` shows the alternative), and bump the generation on every "
        "free (`slot-reuse-no-generation`).\n"
     << "- User handles are (slot, generation); a failed generation check means ESTALE and the library must "
        "re-open by pidfd, never resync the generation (`handle-survives-exit`).\n"
     << "- Reuse a slot only after a Tasks Trace grace period (programs hold entries across their read-side "
        "section: `reuse-before-grace-period`).\n"
     << "- Return empty pages after a grace period by replacing them with the zero page in the user mapping; "
        "never free a page that user space still maps (`zap-while-mapped`): user space is not an RCU reader, "
        "and only the zero page makes its racing loads safe. Trim pages a sleeping creator left empty.\n"
     << "- Page allocation sleeps: only sleepable contexts (prep_enable, syscalls) can make room; a "
        "non-sleepable program's F_CREATE fails when no free entry is left. The model shows this as the "
        "probe `mls: no free entry in atomic context`.\n\n"
     << "## 5. Open risks and questions the model did not settle\n\n"
     << "- Zap cost: replacing a page with the zero page needs a TLB shootdown on every CPU that maps the "
        "region; the model counts it as one step. Batching returns (a shrinker) trades memory for it.\n"
     << "- Only task owners are modelled; cgroup owners, multiple maps per region, and entry sizes other "
        "than 64 bytes are not.\n"
     << "- The static pid-indexed array runs on the same scenarios (`--param layout=1`); the variants "
        "`arena+task-storage` and `uptr` are compared by their memory behaviour only (arena: grows to the "
        "peak; uptr: per-thread pages in each process's own address space, which a balancer in another "
        "process cannot read). They are not modelled as executions yet.\n"
     << "- The recorded sequences come from short workloads on a 2-CPU VM; a scheduler's steady state "
        "with thousands of tasks is not covered.\n";
  std::ofstream f(out);
  if (!(f << md.str())) throw std::runtime_error("cannot write " + o.out);
  return "wrote " + o.out + ": " + std::to_string(clean) + "/" + std::to_string(scenarios) + " proposal configurations hold, " +
         std::to_string(found) + "/" + std::to_string(mutants) + " design mistakes found";
}

}  // namespace lsmc::cli
