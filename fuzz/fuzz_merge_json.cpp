// libFuzzer harness for lsmc merge's input (issue 14): up to four shard results, separated by a
// line "===", go through exactly what 'lsmc merge' runs (tools/merge.cpp). Any input is either
// refused with a MergeError or merged; a merge never crashes, never throws anything else, and
// every command it would print runs lsmc and nothing else. Build and run: tools/fuzz.sh SECONDS merge.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tools/merge.hpp"
#include "traces/safe_text.hpp"

namespace {

// Aborts (a finding for libFuzzer) when `key` of the merged result is a command a shell would
// do more with than run lsmc.
void check_command(const nlohmann::json& merged, const char* key, const char* subcommand) {
  if (!merged.contains(key)) return;
  if (!merged[key].is_string()) std::abort();
  if (!lsmc::traces::is_plain_lsmc_command(merged[key].get<std::string>(), subcommand)) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  std::vector<std::pair<std::string, nlohmann::json>> parts;
  while (parts.size() < 4) {
    const std::size_t cut = text.find("\n===\n");
    const std::string_view one = text.substr(0, cut);
    nlohmann::json j = nlohmann::json::parse(one, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded()) return 0;  // not JSON: lsmc merge refuses it before merging
    parts.emplace_back("shard" + std::to_string(parts.size()) + ".json", std::move(j));
    if (cut == std::string_view::npos) break;
    text.remove_prefix(cut + 5);
  }
  try {
    const lsmc::cli::MergeResult r = lsmc::cli::merge_results(parts);
    if (r.exit_code != 0 && r.exit_code != 1 && r.exit_code != 2 && r.exit_code != 3 && r.exit_code != 4) std::abort();
    check_command(r.merged, "replay_command", "replay");
    check_command(r.merged, "minimized_replay_command", "replay");
    check_command(r.merged, "reproduce_command", "explore");
    if (r.merged.dump().empty()) std::abort();  // what --json prints: must serialise
  } catch (const lsmc::cli::MergeError& e) {
    // The message names the problem in printable text, and is bounded.
    const std::string what = e.what();
    if (lsmc::traces::printable(what) != what || what.size() > 4096) std::abort();
  }
  return 0;
}
