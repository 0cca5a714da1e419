#include "properties/check_bpf.hpp"

#include <filesystem>
#include <regex>

#include "model/bpfhost/host.hpp"
#include "properties/scenarios/world.hpp"

namespace lsmc::properties {

namespace {

namespace bh = model::bpfhost;
namespace mk = model::kernel;
using model::ContextKind;

constexpr std::pair<std::string_view, ContextKind> kContexts[] = {
    {"task", ContextKind::kTask}, {"softirq", ContextKind::kSoftirq},
    {"hardirq", ContextKind::kHardirq}, {"nmi", ContextKind::kNmi}};

std::string context_name(const BpfEntry& e) {
  if (e.init) return "init";
  for (const auto& [name, kind] : kContexts) {
    if (kind == e.kind) return std::string(name);
  }
  return "task";
}

// The map types the host build models (model/bpfhost/host.cpp).
bool modelled(uint32_t type) {
  return type == bh::kMapArray || type == bh::kMapArrayOfMaps || type == bh::kMapRingbuf ||
         type == bh::kMapTaskStorage || type == bh::kMapCgrpStorage || type == bh::kMapArena;
}

// Whether the module can run `check`: its maps are modelled, every entry is one of its programs.
bool validate(const bh::Module& m, const BpfCheck& check, std::string& error) {
  for (const bh::MapDef& d : m.maps()) {
    const bool storage = d.type == bh::kMapTaskStorage || d.type == bh::kMapCgrpStorage;
    if (!modelled(d.type)) {
      error = "uses map " + d.name + " of type " + std::to_string(d.type) +
              ", which lsmc does not model (it models array, task and cgroup storage, arena, ringbuf and "
              "array-of-maps maps)";
      return false;
    }
    if (storage && d.value_size > 8) {
      error = "uses map " + d.name + " with a " + std::to_string(d.value_size) +
              "-byte local-storage value (lsmc's model keeps values of up to 8 bytes)";
      return false;
    }
  }
  for (const BpfEntry& e : check.entries) {
    if (e.cpu >= static_cast<int>(mk::Knobs{}.cpus)) {
      error = "entry " + e.program + ": CPU " + std::to_string(e.cpu) + " (the model has CPUs 0.." +
              std::to_string(mk::Knobs{}.cpus - 1) + ")";
      return false;
    }
    if (m.program(e.program) != nullptr) continue;
    error = "has no program " + e.program + "; its programs are:";
    for (const bh::ProgDef& p : m.programs()) error += " " + p.name + " (" + p.section + ")";
    return false;
  }
  return true;
}

class BpfCheckScenario final : public sim::Scenario {
public:
  BpfCheckScenario(BpfCheck check, BpfBuild build)
      : check_(std::move(check)), build_(std::move(build)), name_(bpf_check_name(check_)),
        description_("check-bpf: the programs of " + check_.file + " as actors on lsmc's engine") {}
  std::string_view name() const override { return name_; }
  std::string_view description() const override { return description_; }
  std::span<const sim::ParamSpec> params() const override { return kParams; }
  void build(sim::Setup& s) const override;

private:
  static constexpr sim::ParamSpec kParams[] = {{"runs", 1, 1, 16, "times each actor runs its program"}};
  BpfCheck check_;
  BpfBuild build_;
  std::string name_, description_;
};

void BpfCheckScenario::build(sim::Setup& s) const {
  model::Env& env = s.env();
  scenarios::World& w = scenarios::make_world(s, {mk::Knobs{}, false});
  std::string error;
  auto module = bh::Module::for_thread(build_.so, build_.obj, error);
  if (!module) env.fail("model-error", error);
  bh::Host& host = s.make<bh::Host>(env, w.k, module);
  const int runs = static_cast<int>(s.params().get("runs"));
  mk::Task& setup_task = mk::task_for_scenario(env, w.k, "init", 999);
  for (const BpfEntry& e : check_.entries) {
    if (!e.init) continue;
    uint64_t ctx[8];
    for (uint64_t& a : ctx) a = reinterpret_cast<uint64_t>(host.task(setup_task));
    host.run(e.program, ctx, &setup_task);
  }
  uint16_t next_cpu = 0;
  for (std::size_t i = 0; i < check_.entries.size(); ++i) {
    const BpfEntry& e = check_.entries[i];
    if (e.init) continue;
    mk::Task& t = mk::task_for_scenario(env, w.k, e.program, 1000 + static_cast<int>(i));
    sim::ActorOptions options;
    options.kind = e.kind;
    uint16_t cpu = next_cpu;
    if (e.cpu >= 0) {
      cpu = static_cast<uint16_t>(e.cpu);
    } else {
      next_cpu = static_cast<uint16_t>((next_cpu + 1) % w.k.knobs().cpus);
    }
    scenarios::spawn_work(s, w, e.program, cpu, [&host, &t, program = e.program, runs](model::Env&) {
      uint64_t ctx[8];
      for (uint64_t& a : ctx) a = reinterpret_cast<uint64_t>(host.task(t));
      for (int r = 0; r < runs; ++r) host.run(program, ctx, &t);
    }, options);
  }
}

}  // namespace

std::optional<BpfEntry> parse_bpf_entry(std::string_view text, std::string& error) {
  static const std::regex kEntry(R"(([A-Za-z_][A-Za-z0-9_]*)(:([a-z]+))?(@([0-9]))?)");
  std::match_results<std::string_view::const_iterator> m;
  if (!std::regex_match(text.begin(), text.end(), m, kEntry)) {
    error = "entry '" + std::string(text) + "': NAME[:CONTEXT][@CPU], NAME a program's C name";
    return std::nullopt;
  }
  BpfEntry e;
  e.program = m[1].str();
  if (m[5].matched) e.cpu = std::stoi(m[5].str());
  const std::string ctx = m[3].str();
  if (ctx.empty() || ctx == "task") return e;
  if (ctx == "init") {
    e.init = true;
    return e;
  }
  for (const auto& [name, kind] : kContexts) {
    if (ctx == name) {
      e.kind = kind;
      return e;
    }
  }
  error = "entry '" + std::string(text) + "': CONTEXT is one of task, softirq, hardirq, nmi, init";
  return std::nullopt;
}

std::string bpf_check_name(const BpfCheck& check) {
  std::string name = std::string(kCheckBpfPrefix) + check.file + "#";
  for (std::size_t i = 0; i < check.entries.size(); ++i) {
    if (i != 0) name += ",";
    name += check.entries[i].program + ":" + context_name(check.entries[i]);
    if (check.entries[i].cpu >= 0) name += "@" + std::to_string(check.entries[i].cpu);
  }
  return name;
}

std::optional<BpfCheck> parse_bpf_check_name(std::string_view name, std::string& error) {
  if (!name.starts_with(kCheckBpfPrefix)) {
    error = "not a check-bpf scenario";
    return std::nullopt;
  }
  name.remove_prefix(kCheckBpfPrefix.size());
  const auto hash = name.rfind('#');
  if (hash == std::string_view::npos) {
    error = "a check-bpf scenario is named check-bpf:FILE#ENTRY[:CONTEXT],...";
    return std::nullopt;
  }
  BpfCheck check;
  check.file = std::string(name.substr(0, hash));
  std::string_view rest = name.substr(hash + 1);
  while (!rest.empty()) {
    const auto comma = rest.find(',');
    auto entry = parse_bpf_entry(rest.substr(0, comma), error);
    if (!entry) return std::nullopt;
    check.entries.push_back(*entry);
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
  }
  return check;
}

std::unique_ptr<sim::Scenario> make_bpf_check(const BpfCheck& check, std::string& error) {
  if (check.file.find_first_of(" \t\n#,") != std::string::npos) {
    error = check.file + ": a path with spaces, '#' or ',' cannot name a check-bpf scenario";
    return nullptr;
  }
  bool actors = false;
  for (const BpfEntry& e : check.entries) actors = actors || !e.init;
  if (!actors) {
    error = "no entry point: give at least one --entry NAME that runs as an actor";
    return nullptr;
  }
  BpfBuild build = build_bpf(check.file);
  if (!build.unsupported.empty()) {
    error = check.file + " uses what lsmc does not model:";
    for (const std::string& u : build.unsupported) error += "\n  unsupported: " + u;
    return nullptr;
  }
  if (!build.ok()) {
    error = check.file + " " + build.error;
    return nullptr;
  }
  auto module = bh::Module::for_thread(build.so, build.obj, error);
  if (!module) {
    std::smatch m;
    if (std::regex_search(error, m, std::regex("undefined symbol: ([A-Za-z0-9_]+)"))) {
      error = check.file + " uses what lsmc does not model:\n  unsupported: kfunc or helper " + m[1].str();
    }
    return nullptr;
  }
  if (!validate(*module, check, error)) {
    error = check.file + " " + error;
    return nullptr;
  }
  return std::make_unique<BpfCheckScenario>(check, std::move(build));
}

void add_check_bpf_maker(sim::Catalog& catalog) {
  catalog.add_maker(std::string(kCheckBpfPrefix), [](std::string_view name, std::string& error) -> std::unique_ptr<sim::Scenario> {
    const auto check = parse_bpf_check_name(name, error);
    if (!check) return nullptr;
    return make_bpf_check(*check, error);
  });
}

}  // namespace lsmc::properties
