// lsmc merge: combine the --json results of a sharded campaign.
#include <fstream>

#include "tools/command.hpp"

namespace lsmc::cli {

namespace {

// Combines the --json results of the shards of one campaign: the campaign's finding is the
// failing execution with the lowest index, as one machine would have reported it.
int merge(Context& c, const std::vector<std::string>& paths, bool json) {
  std::vector<nlohmann::json> parts;
  for (const auto& p : paths) {
    std::ifstream in(p);
    if (!in) throw UsageError(p + ": cannot open");
    try {
      parts.push_back(nlohmann::json::parse(in));
    } catch (const std::exception& e) {
      throw UsageError(p + ": not an 'lsmc explore --json' result (" + e.what() + ")");
    }
    for (const char* key : {"scenario", "mutant", "seed", "strategy", "shard_index", "shard_count", "executions", "outcome", "execution_first", "executions_max"}) {
      if (!parts.back().contains(key)) throw UsageError(p + ": not an 'lsmc explore --json' result (no '" + key + "')");
    }
  }
  const auto& a = parts.front();
  std::vector<bool> seen(a["shard_count"].get<uint64_t>(), false);
  uint64_t executions = 0;
  const nlohmann::json* finding = nullptr;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const auto& p = parts[i];
    for (const char* key : {"scenario", "mutant", "seed", "strategy", "shard_count", "execution_first", "executions_max"}) {
      if (p[key] != a[key]) throw UsageError(paths[i] + ": " + key + " differs from " + paths[0] + ": not the same campaign");
    }
    const uint64_t idx = p["shard_index"].get<uint64_t>();
    if (seen[idx]) throw UsageError(paths[i] + ": shard " + std::to_string(idx) + " given twice");
    seen[idx] = true;
    executions += p["executions"].get<uint64_t>();
    if (p.contains("execution") && (finding == nullptr || p["execution"].get<uint64_t>() < (*finding)["execution"].get<uint64_t>())) {
      finding = &p;
    }
  }
  std::string missing;
  for (std::size_t i = 0; i < seen.size(); ++i) {
    if (!seen[i]) missing += (missing.empty() ? "" : ",") + std::to_string(i);
  }
  const int code = finding == nullptr ? kExitOk : (*finding)["exit_code"].get<int>();
  if (json) {
    nlohmann::json j = finding ? *finding : a;
    j["executions"] = executions;
    j["shards_merged"] = parts.size();
    j["shards_missing"] = missing;
    if (!finding) j["outcome"] = "nothing-found";
    j["exit_code"] = code;
    c.out << j.dump(2) << "\n";
    return code;
  }
  c.out << "merged " << parts.size() << " of " << seen.size() << " shards: scenario " << a["scenario"].get<std::string>()
       << ", seed " << a["seed"] << ", " << executions << " executions\n";
  if (!missing.empty()) c.out << "  incomplete: shards " << missing << " are missing\n";
  if (finding == nullptr) {
    c.out << "result: nothing found\n";
    return code;
  }
  const auto& f = *finding;
  c.out << "result: " << f["outcome"].get<std::string>() << " in execution " << f["execution"] << " (shard "
       << f["shard_index"] << "): " << f["verdict"]["property"].get<std::string>() << ": "
       << f["verdict"]["message"].get<std::string>() << "\n";
  c.out << "  replay: " << f["replay_command"].get<std::string>() << "\n";
  c.out << "  reproduce: " << f["reproduce_command"].get<std::string>() << "\n";
  return code;
}

}  // namespace

Command add_merge_command(CLI::App& app) {
  struct Options {
    std::vector<std::string> paths;
    bool json = false;
  };
  auto o = std::make_shared<Options>();
  auto* merge = app.add_subcommand("merge", "Combine the --json results of the shards of one campaign (explore --shard I/N): "
                                            "the finding is the lowest-index failing execution.");
  merge->add_option("results", o->paths, "files written by 'lsmc explore --shard I/N --json'")->required();
  merge->add_flag("--json", o->json, "print one JSON object instead of text");
  return {merge, [o](Context& c) { return lsmc::cli::merge(c, o->paths, o->json); }};
}

}  // namespace lsmc::cli
