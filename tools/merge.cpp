// lsmc merge's logic (tools/merge.hpp). Kept free of the CLI so that the fuzzer
// (fuzz/fuzz_merge_json.cpp) drives exactly what 'lsmc merge' runs.
#include "tools/merge.hpp"

#include <algorithm>
#include <map>
#include <set>

#include "tools/merge_coverage.hpp"
#include "traces/safe_text.hpp"

namespace lsmc::cli {

void fail_merge(const std::string& file, const std::string& what) {
  throw MergeError(traces::echo(file) + ": " + what);
}

namespace {

using nlohmann::json;

// The bounds explore puts on a campaign (sim/config.cpp's shard_count).
constexpr uint64_t kShardCountMax = 1000000;

[[noreturn]] void fail(const std::string& file, const std::string& what) { fail_merge(file, what); }

const json& field(const std::string& file, const json& j, const std::string& key) {
  const auto it = j.find(key);
  if (it == j.end()) fail(file, "not an 'lsmc explore --json' result (no '" + key + "')");
  return *it;
}

uint64_t number(const std::string& file, const json& v, const std::string& key) {
  if (v.is_number_unsigned()) return v.get<uint64_t>();
  if (v.is_number_integer() && v.get<int64_t>() >= 0) return static_cast<uint64_t>(v.get<int64_t>());
  fail(file, "'" + key + "' must be a non-negative integer, got " + traces::echo(v.dump()));
}

uint64_t number_field(const std::string& file, const json& j, const std::string& key) {
  return number(file, field(file, j, key), key);
}

// A string printed as it is: no control bytes.
std::string text(const std::string& file, const json& v, const std::string& key) {
  if (!v.is_string()) fail(file, "'" + key + "' must be a string, got " + traces::echo(v.dump()));
  const std::string& s = v.get_ref<const std::string&>();
  if (traces::printable(s) != s) fail(file, "'" + key + "' holds control characters: " + traces::echo(s));
  return s;
}

std::string text_field(const std::string& file, const json& j, const std::string& key) {
  return text(file, field(file, j, key), key);
}

uint64_t checked_add(const std::string& file, uint64_t a, uint64_t b, const std::string& key) {
  if (a > UINT64_MAX - b) fail(file, "'" + key + "' overflows when summed");
  return a + b;
}

// One shard's result, checked.
struct Shard {
  std::string file;
  const json* j = nullptr;
  uint64_t index = 0, count = 0, first = 0, max = 0, executions = 0, steps = 0, switches = 0;
  uint64_t split_depth = 0;  // dfs, dpor: the decisions whose subtrees the shards own (sim::Split)
  bool tree = false;         // dfs, dpor: the shards split the tree, not the indices
  PartChain chain;           // dfs, dpor: the part, from the shard's level down
  std::string outcome, stop_reason;
  bool finding = false;
  uint64_t execution = 0;
};

// How many indices i in [first, first + max) have i % count == index.
uint64_t shard_size(uint64_t first, uint64_t max, uint64_t index, uint64_t count) {
  const uint64_t start = first + (index + count - first % count) % count;  // the shard's first index
  const uint64_t end = first + max;
  return start >= end ? 0 : (end - start - 1) / count + 1;
}

void check_hits(const Shard& s) {
  const json& hits = field(s.file, *s.j, "probe_hits");
  if (!hits.is_object()) fail(s.file, "'probe_hits' must be an object");
  for (const auto& [name, count] : hits.items()) {
    text(s.file, name, "probe_hits");
    number(s.file, count, "probe_hits");
  }
  const json& never = field(s.file, *s.j, "probes_never_hit");
  if (!never.is_array()) fail(s.file, "'probes_never_hit' must be an array");
  for (const json& name : never) text(s.file, name, "probes_never_hit");
  const json& known = field(s.file, *s.j, "known_hits");
  if (!known.is_object()) fail(s.file, "'known_hits' must be an object");
  for (const auto& [name, hit] : known.items()) {
    text(s.file, name, "known_hits");
    if (!hit.is_object()) fail(s.file, "'known_hits' entries must be objects");
    number_field(s.file, hit, "count");
    number_field(s.file, hit, "first_execution");
  }
}

// A finding's fields: in the shard, and commands that run lsmc and nothing else.
// `command` runs `program` (by that name or a path ending in it) or lsmc, with `subcommand`, and
// nothing else when pasted into a shell.
bool is_plain_command_of(const std::string& command, const std::string& subcommand, const std::string& program) {
  if (traces::is_plain_lsmc_command(command, subcommand)) return true;
  const auto words = traces::plain_shell_words(command);
  if (program.empty() || !words || words->size() < 2 || (*words)[1] != subcommand) return false;
  const std::string& first = words->front();
  return first == program || (first.size() > program.size() && first.ends_with("/" + program));
}

void check_finding(Shard& s, const std::string& program) {
  const json& j = *s.j;
  s.execution = number_field(s.file, j, "execution");
  // A tree search's parts each number their executions from the first.
  if (s.execution < s.first || s.execution - s.first >= s.max || (!s.tree && s.execution % s.count != s.index)) {
    fail(s.file, "'execution' " + std::to_string(s.execution) + " is not one of this shard's executions");
  }
  const json& v = field(s.file, j, "verdict");
  if (!v.is_object()) fail(s.file, "'verdict' must be an object");
  for (const char* key : {"kind", "property", "message"}) text_field(s.file, v, key);
  number_field(s.file, v, "step");
  if (j.contains("trace")) text_field(s.file, j, "trace");
  if (j.contains("trace_error")) text_field(s.file, j, "trace_error");
  if (j.contains("nondeterminism")) text_field(s.file, j, "nondeterminism");
  if (j.contains("minimized_trace")) text_field(s.file, j, "minimized_trace");
  for (const auto& [key, sub] : {std::pair<std::string, std::string>{"replay_command", "replay"},
                                 {"minimized_replay_command", "replay"},
                                 {"reproduce_command", "explore"}}) {
    if (!j.contains(key) && key != "reproduce_command") continue;
    const std::string command = text_field(s.file, j, key);
    if (!is_plain_command_of(command, sub, program)) {
      fail(s.file, "'" + key + "' is not a plain 'lsmc " + sub + "' command" +
                       (program == "lsmc" ? std::string() : " (nor '" + traces::echo(program) + " " + sub + "')") + ": " +
                       traces::echo(command));
    }
  }
}

// A tree search's part: its shard, and the levels below it when it is a part of a part ('split').
void check_chain(Shard& s) {
  const json& j = *s.j;
  s.chain = {{s.index, s.count, s.split_depth}};
  if (!j.contains("split")) return;
  if (!s.tree) fail(s.file, "'split' (a part of a part) is for dfs and dpor results only");
  const json& levels = j["split"];
  if (!levels.is_array() || levels.size() < 2 || levels.size() > 64) fail(s.file, "'split' must be an array of 2 to 64 levels");
  for (std::size_t k = 0; k < levels.size(); ++k) {
    const json& l = levels[k];
    if (!l.is_object()) fail(s.file, "'split' levels must be objects");
    const PartLevel level{number_field(s.file, l, "index"), number_field(s.file, l, "count"), number_field(s.file, l, "depth")};
    if (level.count == 0 || level.count > kShardCountMax || level.index >= level.count || level.depth > 64) {
      fail(s.file, "'split' level " + std::to_string(k) + " is not a part (index below count, depth at most 64)");
    }
    if (k == 0) {
      if (level != s.chain[0]) fail(s.file, "'split' does not start at the shard's index, count and split_depth");
      continue;
    }
    if (level.count < 2 || level.depth <= s.chain.back().depth) {
      fail(s.file, "'split' level " + std::to_string(k) + " does not cut deeper than the level above");
    }
    s.chain.push_back(level);
  }
}

Shard check_shard(const std::string& file, const json& j, const std::string& program) {
  if (!j.is_object()) fail(file, "not an 'lsmc explore --json' result (not a JSON object)");
  Shard s;
  s.file = file;
  s.j = &j;
  for (const char* key : {"scenario", "profile", "strategy"}) text_field(file, j, key);
  if (const json& m = field(file, j, "mutant"); !m.is_null()) text(file, m, "mutant");  // null: unmutated
  number_field(file, j, "seed");
  s.count = number_field(file, j, "shard_count");
  if (s.count == 0 || s.count > kShardCountMax) {
    fail(file, "'shard_count' " + std::to_string(s.count) + " is outside [1, " + std::to_string(kShardCountMax) + "]");
  }
  s.index = number_field(file, j, "shard_index");
  if (s.index >= s.count) {
    fail(file, "'shard_index' " + std::to_string(s.index) + " is not below shard_count " + std::to_string(s.count));
  }
  s.first = number_field(file, j, "execution_first");
  s.max = number_field(file, j, "executions_max");
  if (s.max == 0 || s.first > UINT64_MAX - s.max) fail(file, "'execution_first' + 'executions_max' is not a range");
  s.executions = number_field(file, j, "executions");
  // dfs and dpor split the tree, not the indices: each shard numbers its executions from the first.
  const bool tree = j["strategy"] == "dfs" || j["strategy"] == "dpor";
  s.tree = tree;
  if (j.contains("split_depth")) s.split_depth = number_field(file, j, "split_depth");
  if (tree && s.count > 1 && s.split_depth == 0) fail(file, "a sharded " + j["strategy"].get<std::string>() + " result needs 'split_depth'");
  check_chain(s);
  if (s.executions > (tree ? s.max : shard_size(s.first, s.max, s.index, s.count))) {
    fail(file, "'executions' " + std::to_string(s.executions) + " is more than shard " + std::to_string(s.index) +
                   " of " + std::to_string(s.count) + " has");
  }
  s.steps = number_field(file, j, "steps");
  s.switches = number_field(file, j, "context_switches");
  if (!field(file, j, "seconds").is_number() || j["seconds"].get<double>() < 0) fail(file, "'seconds' must be a number");
  s.outcome = text_field(file, j, "outcome");
  static const std::set<std::string> kOutcomes = {"nothing-found", "violation", "limit", "nondeterminism", "interrupted"};
  if (!kOutcomes.contains(s.outcome)) fail(file, "unknown 'outcome' " + traces::echo(s.outcome));
  s.stop_reason = text_field(file, j, "stop_reason");
  check_hits(s);
  s.finding = s.outcome == "violation" || s.outcome == "limit" || s.outcome == "nondeterminism";
  if (s.finding != j.contains("execution")) fail(file, "'outcome' " + s.outcome + " and 'execution' disagree");
  if (s.finding) check_finding(s, program);
  return s;
}

// The probes never hit in the campaign: those every shard lists, in the first shard's order.
json never_hit(const std::vector<Shard>& shards) {
  json out = json::array();
  for (const json& name : (*shards.front().j)["probes_never_hit"]) {
    bool everywhere = true;
    for (const Shard& s : shards) {
      const json& list = (*s.j)["probes_never_hit"];
      everywhere = everywhere && std::find(list.begin(), list.end(), name) != list.end();
    }
    if (everywhere) out.push_back(name);
  }
  return out;
}

// Executions, steps, context switches, probe and known hits: summed over the shards.
void sum_counts(const std::vector<Shard>& shards, json& m) {
  uint64_t executions = 0, steps = 0, switches = 0;
  double seconds = 0;
  std::map<std::string, uint64_t> probes;
  std::map<std::string, std::pair<uint64_t, uint64_t>> known;  // count, first execution
  for (const Shard& s : shards) {
    executions = checked_add(s.file, executions, s.executions, "executions");
    steps = checked_add(s.file, steps, s.steps, "steps");
    switches = checked_add(s.file, switches, s.switches, "context_switches");
    seconds = std::max(seconds, (*s.j)["seconds"].get<double>());
    for (const auto& [name, count] : (*s.j)["probe_hits"].items()) {
      probes[name] = checked_add(s.file, probes[name], number(s.file, count, "probe_hits"), "probe_hits");
    }
    for (const auto& [name, hit] : (*s.j)["known_hits"].items()) {
      auto [it, fresh] = known.try_emplace(name, 0, UINT64_MAX);
      it->second.first = checked_add(s.file, it->second.first, number_field(s.file, hit, "count"), "known_hits");
      it->second.second = std::min(it->second.second, number_field(s.file, hit, "first_execution"));
    }
  }
  m["executions"] = executions;
  m["steps"] = steps;
  m["context_switches"] = switches;
  m["seconds"] = seconds;
  m["executions_per_second"] = seconds > 0 ? static_cast<double>(executions) / seconds : 0.0;
  m["probe_hits"] = json::object();
  for (const auto& [name, count] : probes) m["probe_hits"][name] = count;
  m["probes_never_hit"] = never_hit(shards);
  m["known_hits"] = json::object();
  for (const auto& [name, hit] : known) m["known_hits"][name] = {{"count", hit.first}, {"first_execution", hit.second}};
}

void copy_finding(const Shard& f, json& m) {
  for (const char* key : {"verdict", "execution", "trace", "trace_error", "replay_command", "reproduce_command",
                          "minimized_trace", "minimized_replay_command", "nondeterminism"}) {
    if (f.j->contains(key)) m[key] = (*f.j)[key];
  }
  m["finding_shard"] = f.index;
  if (f.chain.size() > 1) m["finding_part"] = chain_text(f.chain);  // a part of a part
}

}  // namespace

std::string ranges_text(const std::vector<uint64_t>& sorted, std::size_t max_ranges) {
  std::string out;
  std::size_t ranges = 0;
  for (std::size_t i = 0; i < sorted.size();) {
    std::size_t j = i;
    while (j + 1 < sorted.size() && sorted[j + 1] == sorted[j] + 1) ++j;
    if (ranges++ == max_ranges) return out + ",... (" + std::to_string(sorted.size()) + " in all)";
    out += (out.empty() ? "" : ",") + std::to_string(sorted[i]) + (j > i ? "-" + std::to_string(sorted[j]) : "");
    i = j + 1;
  }
  return out;
}

namespace {

// Which shards' results make up the campaign, and what it lacks.
struct Covered {
  std::string missing, interrupted, unfinished;
  bool exhausted = false;               // every part explored to its end
  std::vector<Shard> counted;           // the results whose counts are summed
  uint64_t superseded_executions = 0;   // tree searches: executions of parts replaced by their parts
};

// Index-split strategies: shard I runs the indices I modulo N; each shard once.
Covered cover_indices(const std::vector<Shard>& shards) {
  Covered c;
  const uint64_t count = shards.front().count;
  std::vector<bool> seen(count, false);
  std::vector<uint64_t> interrupted, missing;
  c.exhausted = true;
  for (const Shard& s : shards) {
    if (seen[s.index]) fail(s.file, "shard " + std::to_string(s.index) + " given twice");
    seen[s.index] = true;
    if (s.stop_reason == "interrupted" || s.outcome == "interrupted") interrupted.push_back(s.index);
    c.exhausted = c.exhausted && s.stop_reason == "space exhausted";
  }
  for (uint64_t i = 0; i < count; ++i) {
    if (!seen[i]) missing.push_back(i);
  }
  std::sort(interrupted.begin(), interrupted.end());
  c.missing = ranges_text(missing);
  c.interrupted = ranges_text(interrupted);
  c.counted = shards;
  return c;
}

// dfs, dpor: parts, and parts of parts (tools/merge_coverage.hpp).
Covered cover_tree(const std::vector<Shard>& shards) {
  std::vector<GivenPart> given;
  for (const Shard& s : shards) {
    given.push_back({s.file, s.chain, s.stop_reason == "space exhausted",
                     s.stop_reason == "interrupted" || s.outcome == "interrupted"});
  }
  const Coverage cov = cover(given, shards.front().count);
  Covered c;
  c.missing = cov.missing;
  c.interrupted = cov.interrupted;
  c.unfinished = cov.unfinished;
  c.exhausted = cov.whole;
  for (std::size_t i : cov.counted) c.counted.push_back(shards[i]);
  for (std::size_t i : cov.superseded) c.superseded_executions += shards[i].executions;
  return c;
}

}  // namespace

MergeResult merge_results(const std::vector<std::pair<std::string, json>>& parts, const std::string& program) {
  if (parts.empty()) throw MergeError("no shard results to merge");
  std::vector<Shard> shards;
  for (const auto& [file, j] : parts) shards.push_back(check_shard(file, j, program));
  const Shard& a = shards.front();
  const Shard* finding = nullptr;  // any result's: a part replaced by its parts still ran what it ran
  for (const Shard& s : shards) {
    for (const char* key : {"scenario", "mutant", "profile", "seed", "strategy", "shard_count", "execution_first",
                            "executions_max"}) {
      if ((*s.j)[key] != (*a.j)[key]) {
        fail(s.file, std::string(key) + " differs from " + traces::echo(a.file) + ": not the same campaign");
      }
    }
    if (s.split_depth != a.split_depth) {
      fail(s.file, "split_depth differs from " + traces::echo(a.file) + ": not the same campaign");
    }
    if (s.finding && (finding == nullptr || s.execution < finding->execution)) finding = &s;
  }
  const Covered cov = a.tree ? cover_tree(shards) : cover_indices(shards);
  MergeResult r;
  r.shard_count = a.count;
  r.missing = cov.missing;
  r.interrupted = cov.interrupted;
  r.unfinished = cov.unfinished;
  json& m = r.merged;
  for (const char* key : {"scenario", "profile", "mutant", "strategy", "seed", "execution_first", "executions_max",
                          "shard_count"}) {
    m[key] = (*a.j)[key];
  }
  if (a.split_depth > 0) m["split_depth"] = a.split_depth;
  m["shards_merged"] = shards.size();
  m["shards_missing"] = r.missing;
  m["shards_interrupted"] = r.interrupted;
  if (a.tree) {
    m["parts_unfinished"] = r.unfinished;
    m["executions_superseded"] = cov.superseded_executions;
  }
  sum_counts(cov.counted, m);
  const bool complete = r.missing.empty() && r.interrupted.empty();
  if (finding != nullptr) {
    copy_finding(*finding, m);
    r.finding_file = finding->file;
    r.exit_code = finding->outcome == "violation" ? 1 : finding->outcome == "limit" ? 3 : 4;
  } else {
    r.exit_code = complete ? 0 : 2;
  }
  m["outcome"] = finding != nullptr ? finding->outcome : complete ? "nothing-found" : "incomplete";
  // An exhaustive search is exhausted when every part is (or every part of it is); one that
  // stopped early leaves the whole unfinished.
  std::string stop = "executions_max";
  for (const Shard& s : cov.counted) {
    if (s.stop_reason == "seconds_max") stop = s.stop_reason;
  }
  if (cov.exhausted && complete) stop = "space exhausted";
  m["stop_reason"] = finding != nullptr ? "failure" : !r.interrupted.empty() ? "interrupted" : stop;
  m["exit_code"] = r.exit_code;
  return r;
}

}  // namespace lsmc::cli
