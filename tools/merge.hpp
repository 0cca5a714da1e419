// lsmc merge's logic: the --json results of the shards of one campaign, checked field by field
// and combined into the result one machine would have printed. Shard files come from other
// machines: every field is checked for its type and range before use, and a finding's commands
// must be lsmc's own (nothing a pasted command would run besides lsmc or the program merging).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace lsmc::cli {

// A shard file that is not what 'lsmc explore --shard I/N --json' writes: names the file and field.
struct MergeError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Throws MergeError naming `file` (echoed safely) and what is wrong with it.
[[noreturn]] void fail_merge(const std::string& file, const std::string& what);

struct MergeResult {
  // An 'explore --json' object for the whole campaign (executions, steps, context switches,
  // probe and known hits summed; the lowest-index finding), plus shard_count, shards_merged,
  // shards_missing and shards_interrupted.
  nlohmann::json merged;
  uint64_t shard_count = 0;
  std::string missing;      // "0-3,7": the shards no file gave, as ranges; empty when none
  std::string interrupted;  // the shards that stopped on a signal, likewise
  std::string unfinished;   // dfs, dpor: the parts that stopped before their end ("20/64, 33/64:1/8")
  std::string finding_file;  // the file of the finding, if any
  int exit_code = 0;  // the finding's; else 2 when shards are missing or interrupted; else 0
};

// Each part is (file name, parsed JSON). `program`: the name of the program merging (argv[0]'s
// last component): a finding's commands may run lsmc or that program (a user's binary built on
// lsmc_main merges the shards it wrote, whose commands name it). Throws MergeError.
MergeResult merge_results(const std::vector<std::pair<std::string, nlohmann::json>>& parts,
                          const std::string& program = "lsmc");

// "0-3,7,9-12" for a sorted list of numbers, at most `max_ranges` ranges then ",... (N in all)".
std::string ranges_text(const std::vector<uint64_t>& sorted, std::size_t max_ranges = 20);

}  // namespace lsmc::cli
