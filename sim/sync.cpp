#include "sim/sync.hpp"

#include <algorithm>

namespace lsmc::sim {

void RcuReaders::enter(model::ActorId a, model::RcuFlavour f) {
  if (a >= actors_.size()) actors_.resize(a + 1u);
  ++actors_[a].depth[index(f)];
}

void RcuReaders::leave(model::ActorId a, model::RcuFlavour f) {
  Reader& r = actors_[a];
  if (--r.depth[index(f)] == 0) ++r.exits[index(f)];
}

RcuReaders::GracePeriod RcuReaders::start(model::RcuFlavour f) const {
  GracePeriod gp{f, {}};
  for (model::ActorId a = 0; a < actors_.size(); ++a) {
    if (actors_[a].depth[index(f)] > 0) gp.readers.emplace_back(a, actors_[a].exits[index(f)]);
  }
  return gp;
}

bool RcuReaders::ended(const GracePeriod& gp) const {
  for (const auto& [actor, exits_at_start] : gp.readers) {
    if (actors_[actor].exits[index(gp.flavour)] <= exits_at_start) return false;
  }
  return true;
}

uint64_t Condvars::sleep(model::ObjectId cv) {
  sleepers_[cv].push_back(next_ticket_);
  return next_ticket_++;
}

bool Condvars::asleep(model::ObjectId cv, uint64_t ticket) const {
  auto it = sleepers_.find(cv);
  return it != sleepers_.end() && std::find(it->second.begin(), it->second.end(), ticket) != it->second.end();
}

std::size_t Condvars::sleepers(model::ObjectId cv) const {
  auto it = sleepers_.find(cv);
  return it == sleepers_.end() ? 0 : it->second.size();
}

void Condvars::wake(model::ObjectId cv, std::size_t which) {
  std::vector<uint64_t>& s = sleepers_[cv];
  s.erase(s.begin() + static_cast<std::ptrdiff_t>(which));
}

}  // namespace lsmc::sim
