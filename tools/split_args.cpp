// --shard and --split-depth's text (tools/split_args.hpp).
#include "tools/split_args.hpp"

#include <optional>
#include <vector>

#include "tools/command.hpp"

namespace lsmc::cli {

namespace {

std::vector<std::string> pieces(const std::string& text) {
  std::vector<std::string> out(1);
  for (char ch : text) {
    if (ch == ':') {
      out.emplace_back();
    } else {
      out.back() += ch;
    }
  }
  return out;
}

}  // namespace

void read_shard(const std::string& text, sim::RunRequest& req) {
  const std::string usage = "--shard takes I/N with 0 <= I < N, or a part of a part I/N:J/M (M >= 2, as deep as "
                            "needed), got '" + text + "'";
  const std::vector<std::string> levels = pieces(text);
  for (std::size_t k = 0; k < levels.size(); ++k) {
    const std::string& level = levels[k];
    const auto slash = level.find('/');
    const auto i = slash == std::string::npos ? std::nullopt : sim::parse_u64(level.substr(0, slash));
    const auto n = slash == std::string::npos ? std::nullopt : sim::parse_u64(level.substr(slash + 1));
    if (!i || !n || *n == 0 || *i >= *n || (k > 0 && *n < 2)) throw UsageError(usage);
    if (k == 0) {
      req.config.shard_index = *i;
      req.config.shard_count = *n;
    } else {
      req.shard_below.push_back({*i, *n, 0});
    }
  }
  if (!req.shard_below.empty() && !sim::splits_by_prefix(req.config.strategy)) {
    throw UsageError("--shard " + text + " (a part of a part) applies to dfs and dpor, not " + req.config.strategy);
  }
}

void read_split_depths(const std::string& text, sim::RunRequest& req) {
  const std::vector<std::string> depths = pieces(text);
  const std::string usage = "--split-depth takes D in [1, 64], or one depth a level of --shard (D:D...), each deeper "
                            "than the one before, got '" + text + "'";
  if (depths.size() > 1 && depths.size() != req.shard_below.size() + 1) throw UsageError(usage);
  uint64_t above = 0;
  for (std::size_t k = 0; k < depths.size(); ++k) {
    const auto d = sim::parse_u64(depths[k]);
    if (!d || *d == 0 || *d > 64 || *d <= above) throw UsageError(usage);
    above = *d;
    if (k == 0) {
      req.split_depth = static_cast<uint32_t>(*d);
    } else {
      req.shard_below[k - 1].depth = static_cast<uint32_t>(*d);
    }
  }
}

}  // namespace lsmc::cli
