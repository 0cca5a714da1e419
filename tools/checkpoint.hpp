// The checkpoint file of an interrupted tree search (lsmc explore --strategy dfs|icb|dpor, and
// --all with them): JSON that names the search (scenario, params, the Config fields that shape
// the search, --known, --split-depth) and holds each job's place (sim::PartCheckpoint). `explore
// --resume FILE` goes on from it when the command describes the same search.
#pragma once

#include <string>
#include <vector>

#include "sim/runner.hpp"

namespace lsmc::cli {

// The file name a checkpoint of `req` gets in the output folder (fresh_output_path adds -2, ...).
std::string checkpoint_name(const sim::RunRequest& req);
// Writes the checkpoint; returns what went wrong, or empty.
std::string write_checkpoint(const std::string& path, const sim::RunRequest& req,
                             const std::vector<sim::PartCheckpoint>& parts);
// Writes the checkpoint next to `path` and renames it over `path`, so that a reader (or a job
// killed while writing) sees the old file or the new one, never half of one; returns what went
// wrong, or empty.
std::string replace_checkpoint(const std::string& path, const sim::RunRequest& req,
                               const std::vector<sim::PartCheckpoint>& parts);
// Reads the checkpoint at `path` for `req`: a UsageError (exit 2) with one line when it cannot be
// read, is not a checkpoint, or was written for another search than `req` describes.
std::vector<sim::PartCheckpoint> read_checkpoint(const std::string& path, const sim::RunRequest& req);

}  // namespace lsmc::cli
