// lsmc merge's coverage of a split tree search (tools/merge_coverage.hpp).
#include "tools/merge_coverage.hpp"

#include <map>
#include <set>

#include "tools/merge.hpp"
#include "traces/safe_text.hpp"

namespace lsmc::cli {

std::string chain_text(const PartChain& chain) {
  std::string out;
  for (const PartLevel& l : chain) {
    out += (out.empty() ? "" : ":") + std::to_string(l.index) + "/" + std::to_string(l.count);
  }
  return out;
}

namespace {

struct Walk {
  const std::vector<GivenPart>& parts;
  std::map<PartChain, std::size_t> given;             // a part's result
  std::map<PartChain, std::pair<uint64_t, uint64_t>> cut;  // a part's parts: count and depth
  std::set<PartChain> reached;                        // every part at or above a given one
  Coverage out;
  std::vector<std::string> missing, unfinished, interrupted;

  // Whether `node` is covered; records what it lacks.
  bool visit(const PartChain& node) {
    const auto result = given.find(node);
    if (result != given.end() && parts[result->second].exhausted && !parts[result->second].interrupted) {
      out.counted.push_back(result->second);
      return true;
    }
    if (const auto c = cut.find(node); c != cut.end()) {
      const auto [count, depth] = c->second;
      bool all = true;
      std::vector<uint64_t> absent;
      for (uint64_t j = 0; j < count; ++j) {
        PartChain child = node;
        child.push_back({j, count, depth});
        if (!reached.contains(child)) {
          absent.push_back(j);
          all = false;
        } else {
          all = visit(child) && all;
        }
      }
      if (!absent.empty()) missing.push_back(chain_text(node) + ":" + ranges_text(absent) + "/" + std::to_string(count));
      return all;
    }
    if (result == given.end()) return false;  // only a shard can be absent here (the caller names it)
    out.counted.push_back(result->second);
    (parts[result->second].interrupted ? interrupted : unfinished).push_back(chain_text(node));
    return false;
  }
};

std::string joined(const std::vector<std::string>& items, const char* sep) {
  std::string out;
  for (const std::string& s : items) out += (out.empty() ? "" : sep) + s;
  return out;
}

}  // namespace

Coverage cover(const std::vector<GivenPart>& parts, uint64_t shards) {
  Walk w{parts, {}, {}, {}, {}, {}, {}, {}};
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const GivenPart& p = parts[i];
    if (!w.given.emplace(p.chain, i).second) fail_merge(p.file, "part " + chain_text(p.chain) + " given twice");
    for (std::size_t k = 1; k <= p.chain.size(); ++k) w.reached.insert(PartChain(p.chain.begin(), p.chain.begin() + k));
    if (p.chain.size() < 2) continue;
    const PartChain parent(p.chain.begin(), p.chain.end() - 1);
    const std::pair<uint64_t, uint64_t> how{p.chain.back().count, p.chain.back().depth};
    const auto [it, fresh] = w.cut.emplace(parent, how);
    if (!fresh && it->second != how) {
      fail_merge(p.file, "part " + chain_text(parent) + " is cut two ways: into " + std::to_string(it->second.first) +
                             " parts at depth " + std::to_string(it->second.second) + " and into " +
                             std::to_string(how.first) + " at depth " + std::to_string(how.second));
    }
  }
  std::map<uint64_t, PartChain> tops;  // the shards given, or with parts given
  for (const PartChain& node : w.reached) {
    if (node.size() == 1) tops.emplace(node[0].index, node);
  }
  bool all = true;
  std::vector<uint64_t> absent;
  for (uint64_t i = 0; i < shards; ++i) {
    const auto top = tops.find(i);
    if (top == tops.end()) {
      absent.push_back(i);
      all = false;
    } else {
      all = w.visit(top->second) && all;
    }
  }
  std::vector<std::string> missing;
  if (!absent.empty()) missing.push_back(ranges_text(absent));
  missing.insert(missing.end(), w.missing.begin(), w.missing.end());
  w.out.whole = all;
  w.out.missing = joined(missing, "; ");
  w.out.unfinished = joined(w.unfinished, ", ");
  w.out.interrupted = joined(w.interrupted, ", ");
  std::set<std::size_t> counted(w.out.counted.begin(), w.out.counted.end());
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (!counted.contains(i)) w.out.superseded.push_back(i);
  }
  return w.out;
}

}  // namespace lsmc::cli
