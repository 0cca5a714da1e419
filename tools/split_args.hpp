// --shard I/N[:J/M...] and --split-depth D[:D...]: a part of a split search, read into the
// request (sim::Split's levels). Bad text is a UsageError naming the option.
#pragma once

#include <string>

#include "sim/runner.hpp"

namespace lsmc::cli {

// "33/64:5/8": Config::shard_index/shard_count from the first level, RunRequest::shard_below
// from the rest.
void read_shard(const std::string& text, sim::RunRequest& req);
// "18" or "18:24": the first level's depth (RunRequest::split_depth), then one per level below
// (they must come after read_shard).
void read_split_depths(const std::string& text, sim::RunRequest& req);

}  // namespace lsmc::cli
