// lsmc merge: combine the --json results of a sharded campaign.
#include <filesystem>
#include <fstream>

#include "tools/command.hpp"
#include "tools/merge.hpp"
#include "traces/safe_text.hpp"

namespace lsmc::cli {

namespace {

// A shard file, parsed. Refuses what is not a JSON object of reasonable size.
nlohmann::json read_result(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw UsageError(traces::echo(path) + ": cannot open");
  constexpr std::size_t kLimit = 64u << 20;  // an explore --json result is a few kilobytes
  std::string text;
  char buf[1 << 16];
  while (in.read(buf, sizeof(buf)) || in.gcount() > 0) {
    text.append(buf, static_cast<std::size_t>(in.gcount()));
    if (text.size() > kLimit) throw UsageError(traces::echo(path) + ": larger than 64 MiB; not an 'lsmc explore --json' result");
  }
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    throw UsageError(traces::echo(path) + ": not an 'lsmc explore --json' result (" + traces::echo(e.what()) + ")");
  }
}

// What an incomplete merge lacks, for stderr; empty when complete.
std::string incomplete(const MergeResult& r) {
  std::string why;
  if (!r.missing.empty()) {
    if (r.missing.find('/') != std::string::npos) {
      why = "parts missing: " + r.missing;  // parts of parts: "1-3; 33/64:5,7/8"
    } else {
      const bool one = r.missing.find_first_of(",-") == std::string::npos;
      why = (one ? "shard " + r.missing + " is" : "shards " + r.missing + " are") + " missing";
    }
  }
  if (!r.interrupted.empty()) {
    why += (why.empty() ? "" : "; ") + std::string("shards interrupted before the end: ") + r.interrupted +
           " (resume each with the command it printed)";
  }
  return why;
}

// The name this program runs as (argv[0]'s last component; c.program is it quoted for a shell).
std::string program_name(const Context& c) {
  const auto words = traces::plain_shell_words(c.program);
  if (!words || words->empty()) return "lsmc";
  return std::filesystem::path(words->front()).filename().string();
}

// Combines the --json results of the shards of one campaign: the campaign's finding is the
// failing execution with the lowest index, as one machine would have reported it.
int merge(Context& c, const std::vector<std::string>& paths, bool json) {
  std::vector<std::pair<std::string, nlohmann::json>> parts;
  for (const auto& p : paths) parts.emplace_back(p, read_result(p));
  MergeResult r;
  try {
    r = merge_results(parts, program_name(c));
  } catch (const MergeError& e) {
    throw UsageError(e.what());
  }
  const nlohmann::json& m = r.merged;
  const std::string missing = incomplete(r);
  if (json) {
    c.out << m.dump(2) << "\n";
  } else {
    c.out << "merged " << parts.size() << (parts.size() > r.shard_count ? " results (parts of parts) for " : " of ")
          << r.shard_count << " shards: scenario "
          << m["scenario"].get<std::string>() << ", seed " << m["seed"] << ", " << m["executions"] << " executions\n";
    if (!missing.empty()) c.out << "  incomplete: " << missing << "\n";
    if (!m.contains("execution")) {
      const bool exhausted = m["stop_reason"] == "space exhausted";
      c.out << "result: "
            << (!missing.empty() ? "nothing found in the shards given"
                : exhausted      ? "nothing found: every shard explored its whole part (space exhausted)"
                                 : "nothing found (" + m["stop_reason"].get<std::string>() +
                                       ": not every shard exhausted its part" +
                                       (r.unfinished.empty() ? std::string() : ": " + r.unfinished + " did not") + ")")
            << "\n";
    } else {
      c.out << "result: " << m["outcome"].get<std::string>() << " in execution " << m["execution"] << " (shard "
            << m["finding_shard"] << ", " << r.finding_file << "): " << m["verdict"]["property"].get<std::string>()
            << ": " << m["verdict"]["message"].get<std::string>() << "\n";
      if (m.contains("replay_command")) c.out << "  replay: " << m["replay_command"].get<std::string>() << "\n";
      c.out << "  reproduce: " << m["reproduce_command"].get<std::string>() << "\n";
    }
  }
  if (!missing.empty() && !m.contains("execution")) c.err << "lsmc: incomplete merge: " << missing << "\n";
  return r.exit_code;
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
