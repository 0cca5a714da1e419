// Checkpoint files of interrupted tree searches (tools/checkpoint.hpp).
#include "tools/checkpoint.hpp"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "tools/command.hpp"
#include "traces/safe_text.hpp"

namespace lsmc::cli {

namespace {

constexpr const char* kFormat = "lsmc-checkpoint-1";

// What must be the same for a run to go on from a checkpoint: everything that shapes the search.
// The budgets (executions, seconds) may change; stack_bytes does not change what runs.
nlohmann::json search_of(const sim::RunRequest& req) {
  nlohmann::json j;
  j["scenario"] = std::string(req.scenario->name());
  nlohmann::json params = nlohmann::json::object();
  for (const auto& [name, value] : req.params.values()) params[name] = value;
  j["params"] = params;
  for (const sim::ConfigField& f : sim::config_fields(req.config)) {
    if (f.name != "executions_max" && f.name != "seconds_max" && f.name != "stack_bytes") j[f.name] = f.value;
  }
  j["known"] = req.known.empty() ? "stop" : "count";
  j["split_depth"] = req.split_depth;
  if (!req.shard_below.empty()) {
    // A part of a part: its levels below the shard (older files have none and name no such part).
    j["shard_below"] = nlohmann::json::array();
    for (const sim::SplitLevel& l : req.shard_below) j["shard_below"].push_back({l.index, l.count, l.depth});
  }
  return j;
}

// --jobs N with dfs or dpor cuts parts as it goes (sim/resplit.hpp): a checkpoint holds every part
// not cut, each with its place in the tree.
bool resplits(const sim::RunRequest& req) { return sim::splits_by_prefix(req.config.strategy) && req.config.jobs > 1; }

nlohmann::json part_json(const sim::PartCheckpoint& p) {
  nlohmann::json levels = nlohmann::json::array();
  for (const sim::SplitLevel& l : p.split.levels) levels.push_back({l.index, l.count, l.depth});
  return {{"split", levels}, {"start", p.start}, {"started", p.started},
          {"run_executions_resplit", p.run_executions_resplit}, {"run_parts_resplit", p.run_parts_resplit},
          {"run_seconds", p.run_seconds}};
}

nlohmann::json metrics_json(const sim::Metrics& m) {
  return {{"executions", m.executions}, {"choices", m.choices}, {"context_switches", m.context_switches},
          {"draws", m.draws}, {"steps", m.steps}, {"steps_max_seen", m.steps_max_seen}, {"pruned", m.pruned},
          {"actors_max_seen", m.actors_max_seen}, {"foreign", m.foreign}};
}

// Reading: every field where it belongs and of its type, or one UsageError naming it.
struct Reader {
  std::string path;
  [[noreturn]] void bad(const std::string& why) const {
    throw UsageError(traces::echo(path) + ": not a usable checkpoint: " + why);
  }
  const nlohmann::json& at(const nlohmann::json& j, const char* name) const {
    if (!j.is_object() || !j.contains(name)) bad(std::string("no '") + name + "'");
    return j[name];
  }
  uint64_t u64(const nlohmann::json& j, const char* name) const {
    const nlohmann::json& v = at(j, name);
    if (!v.is_number_unsigned()) bad(std::string("'") + name + "' is not a non-negative integer");
    return v.get<uint64_t>();
  }
  double seconds(const nlohmann::json& j) const { return seconds_of(j, "seconds"); }
  double seconds_of(const nlohmann::json& j, const char* name) const {
    const nlohmann::json& v = at(j, name);
    if (!v.is_number() || !std::isfinite(v.get<double>()) || v.get<double>() < 0) bad("'seconds' is not a duration");
    return v.get<double>();
  }
  std::string text(const nlohmann::json& j, const char* name) const {
    const nlohmann::json& v = at(j, name);
    if (!v.is_string()) bad(std::string("'") + name + "' is not a string");
    return v.get<std::string>();
  }
  sim::Metrics metrics(const nlohmann::json& j) const {
    const nlohmann::json& m = at(j, "metrics");
    return {u64(m, "executions"), u64(m, "choices"), u64(m, "context_switches"), u64(m, "draws"), u64(m, "steps"),
            u64(m, "steps_max_seen"), u64(m, "pruned"), u64(m, "actors_max_seen"), u64(m, "foreign")};
  }
  sim::PartCheckpoint part(const nlohmann::json& j) const {
    sim::PartCheckpoint p;
    p.next_index = u64(j, "next_index");
    const nlohmann::json& exhausted = at(j, "exhausted");
    if (!exhausted.is_boolean()) bad("'exhausted' is not true or false");
    p.exhausted = exhausted.get<bool>();
    p.state = text(j, "state");
    p.executions = u64(j, "executions");
    p.seconds = seconds(j);
    p.metrics = metrics(j);
    const nlohmann::json& hits = at(j, "probe_hits");
    if (!hits.is_object()) bad("'probe_hits' is not an object");
    for (const auto& [name, v] : hits.items()) p.probe_hits[name] = u64(hits, name.c_str());
    const nlohmann::json& known = at(j, "known_hits");
    if (!known.is_object()) bad("'known_hits' is not an object");
    for (const auto& [name, v] : known.items()) p.known_hits[name] = {u64(v, "count"), u64(v, "first_execution")};
    return p;
  }
  // A part of a run that cuts parts (part_json): below the shard's part `root`, each level a part.
  void place(const nlohmann::json& j, const sim::Split& root, sim::PartCheckpoint& p) const {
    const nlohmann::json& part = at(j, "part");
    const nlohmann::json& levels = at(part, "split");
    if (!levels.is_array() || levels.size() <= root.levels.size() || levels.size() > 64) bad("a part's 'split' is not a part");
    for (const nlohmann::json& l : levels) {
      if (!l.is_array() || l.size() != 3 || !l[0].is_number_unsigned() || !l[1].is_number_unsigned() ||
          !l[2].is_number_unsigned()) {
        bad("a part's 'split' level is not [index, count, depth]");
      }
      const sim::SplitLevel level{l[0].get<uint64_t>(), l[1].get<uint64_t>(), static_cast<uint32_t>(l[2].get<uint64_t>())};
      const uint32_t above = p.split.levels.empty() ? 0 : p.split.levels.back().depth;
      if (level.count == 0 || level.index >= level.count || l[2].get<uint64_t>() > 64 ||
          (!p.split.levels.empty() && level.depth <= above)) {
        bad("a part's 'split' level is not a part below the one above");
      }
      p.split.levels.push_back(level);
    }
    if (!std::equal(root.levels.begin(), root.levels.end(), p.split.levels.begin())) bad("a part is not of this shard");
    p.start = u64(part, "start");
    const nlohmann::json& started = at(part, "started");
    if (!started.is_boolean()) bad("'started' is not true or false");
    p.started = started.get<bool>();
    p.run_executions_resplit = u64(part, "run_executions_resplit");
    p.run_parts_resplit = u64(part, "run_parts_resplit");
    p.run_seconds = seconds_of(part, "run_seconds");
  }
};

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw UsageError(traces::echo(path) + ": cannot open the checkpoint");
  constexpr std::size_t kLimit = 1u << 30;  // a deep dpor stack is megabytes
  std::string text;
  char buf[1 << 16];
  while (in.read(buf, sizeof(buf)) || in.gcount() > 0) {
    text.append(buf, static_cast<std::size_t>(in.gcount()));
    if (text.size() > kLimit) throw UsageError(traces::echo(path) + ": larger than 1 GiB; not a checkpoint");
  }
  return text;
}

}  // namespace

std::string checkpoint_name(const sim::RunRequest& req) {
  const sim::Config& c = req.config;
  std::string stem(req.scenario->name());
  for (char& ch : stem) {
    if (ch == '/' || ch == ':' || ch == '#') ch = '-';
  }
  return "lsmc-" + stem + (c.mutant.empty() ? "" : "-" + c.mutant) +
         (c.profile == sim::kProfiles[0] ? "" : "-" + c.profile) + "-" + c.strategy + ".checkpoint";
}

std::string write_checkpoint(const std::string& path, const sim::RunRequest& req,
                             const std::vector<sim::PartCheckpoint>& parts) {
  nlohmann::json j;
  j["format"] = kFormat;
  j["search"] = search_of(req);
  nlohmann::json list = nlohmann::json::array();
  for (const sim::PartCheckpoint& p : parts) {
    nlohmann::json known = nlohmann::json::object();
    for (const auto& [name, hit] : p.known_hits) known[name] = {{"count", hit.count}, {"first_execution", hit.first_index}};
    list.push_back({{"next_index", p.next_index}, {"exhausted", p.exhausted}, {"state", p.state},
                    {"executions", p.executions}, {"seconds", p.seconds}, {"metrics", metrics_json(p.metrics)},
                    {"probe_hits", p.probe_hits}, {"known_hits", known}});
    if (resplits(req)) list.back()["part"] = part_json(p);
  }
  j["parts"] = list;
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (out) out << j.dump() << "\n";
  out.close();
  if (!out) return "cannot write the checkpoint " + traces::echo(path);
  return {};
}

std::string replace_checkpoint(const std::string& path, const sim::RunRequest& req,
                               const std::vector<sim::PartCheckpoint>& parts) {
  const std::string next = path + ".next";
  if (!write_checkpoint(next, req, parts).empty()) return "cannot write the checkpoint " + traces::echo(path);
  std::error_code ec;
  std::filesystem::rename(next, path, ec);
  if (ec) return "cannot replace the checkpoint " + traces::echo(path) + ": " + ec.message();
  return {};
}

std::vector<sim::PartCheckpoint> read_checkpoint(const std::string& path, const sim::RunRequest& req) {
  const Reader r{path};
  const nlohmann::json j = nlohmann::json::parse(read_text(path), nullptr, false);
  if (j.is_discarded() || !j.is_object()) r.bad("it is not a JSON object (truncated or not a checkpoint)");
  if (r.text(j, "format") != kFormat) r.bad("its format is not " + std::string(kFormat));
  const nlohmann::json& search = r.at(j, "search");
  const nlohmann::json want = search_of(req);
  for (const auto& [name, value] : want.items()) {
    if (!search.is_object() || !search.contains(name)) r.bad("it does not say which " + name + " it was written for");
    if (search[name] != value) {
      throw UsageError(traces::echo(path) + ": the checkpoint is of another search: its " + name + " is " +
                       traces::echo(search[name].dump()) + ", this command's is " + traces::echo(value.dump()) +
                       " (resume with the command it printed)");
    }
  }
  if (search.is_object() && search.contains("shard_below") && !want.contains("shard_below")) {
    throw UsageError(traces::echo(path) + ": the checkpoint is of another search: a part of a part (--shard " +
                     traces::echo(search["shard_below"].dump()) + " below the shard), this command runs the shard "
                     "whole (resume with the command it printed)");
  }
  const nlohmann::json& parts = r.at(j, "parts");
  if (!parts.is_array() || parts.empty() || (!resplits(req) && parts.size() != 1)) r.bad("it does not hold its parts");
  std::vector<sim::PartCheckpoint> out;
  for (const nlohmann::json& p : parts) {
    out.push_back(r.part(p));
    if (resplits(req)) {
      const bool whole = req.config.shard_count == 1 && req.shard_below.empty();
      r.place(p, whole ? sim::Split() : sim::split_of(req), out.back());
    }
  }
  // The states are checked here, before the run prints anything (the run checks them again).
  for (const sim::PartCheckpoint& p : out) {
    if (p.exhausted || !p.started) continue;
    const sim::Config& c = req.config;
    const std::string err = sim::make_strategy(c.strategy, c.seed, static_cast<uint32_t>(c.pct_depth),
                                               c.preemption_bound)->restore(p.state);
    if (!err.empty()) r.bad("the search state does not fit: " + traces::echo(err));
  }
  return out;
}

}  // namespace lsmc::cli
