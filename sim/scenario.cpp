#include "sim/scenario.hpp"

#include <stdexcept>

namespace lsmc::sim {

int64_t Params::get(std::string_view name) const {
  auto it = values_.find(name);
  if (it == values_.end()) throw std::out_of_range("unknown scenario parameter " + std::string(name));
  return it->second;
}

void Catalog::add(std::unique_ptr<Scenario> scenario) { scenarios_.push_back(std::move(scenario)); }

void Catalog::add_mutant(MutantInfo mutant) { mutants_.push_back(std::move(mutant)); }
void Catalog::add_known(KnownFinding known) { known_.push_back(std::move(known)); }

std::vector<KnownFinding> Catalog::known_in(std::string_view profile) const {
  std::vector<KnownFinding> out;
  for (const KnownFinding& k : known_) {
    if (k.profile == profile) out.push_back(k);
  }
  return out;
}

bool KnownFinding::matches(const Verdict& verdict) const {
  return verdict.kind == VerdictKind::kViolation && verdict.property == property &&
         verdict.message.find(message) != std::string::npos;
}

void Catalog::add_maker(std::string prefix, Maker maker) { makers_.emplace_back(std::move(prefix), std::move(maker)); }

const Scenario* Catalog::find(std::string_view name) const {
  for (const auto& s : scenarios_) {
    if (s->name() == name) return s.get();
  }
  for (const auto& s : made_) {
    if (s->name() == name) return s.get();
  }
  for (const auto& [prefix, maker] : makers_) {
    if (!name.starts_with(prefix)) continue;
    std::string error;
    std::unique_ptr<Scenario> made = maker(name, error);
    if (!made) {
      make_errors_[std::string(name)] = error;
      return nullptr;
    }
    made_.push_back(std::move(made));
    return made_.back().get();
  }
  return nullptr;
}

std::string Catalog::make_error(std::string_view name) const {
  const auto it = make_errors_.find(name);
  return it == make_errors_.end() ? std::string() : it->second;
}

const MutantInfo* Catalog::find_mutant(std::string_view name) const {
  for (const auto& m : mutants_) {
    if (m.name == name) return &m;
  }
  return nullptr;
}

namespace {
std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}
bool has(const std::vector<std::string>& names, std::string_view name) {
  for (const auto& n : names) {
    if (n == name) return true;
  }
  return false;
}
}  // namespace

std::vector<std::string> run_profiles(const Scenario& scenario, const MutantInfo* mutant) {
  std::vector<std::string> out;
  const std::vector<std::string_view> declared = scenario.profiles();
  if (declared.empty()) return {std::string(kProfiles[0])};
  for (std::string_view p : declared) {
    if (mutant == nullptr || mutant->profiles.empty() || has(mutant->profiles, p)) out.emplace_back(p);
  }
  return out;
}

std::optional<std::string> check_profile(const Scenario& scenario, const MutantInfo* mutant,
                                         std::string_view profile) {
  std::vector<std::string> declared;
  for (std::string_view p : scenario.profiles()) declared.emplace_back(p);
  if (declared.empty()) {
    if (profile == kProfiles[0]) return std::nullopt;
    return "scenario '" + std::string(scenario.name()) + "' models no kernel version; it runs under " +
           std::string(kProfiles[0]) + " only, not --profile " + std::string(profile);
  }
  if (!has(declared, profile)) {
    return "scenario '" + std::string(scenario.name()) + "' does not apply to profile " + std::string(profile) +
           " (it declares: " + joined(declared) + ")";
  }
  if (mutant != nullptr && !mutant->profiles.empty() && !has(mutant->profiles, profile)) {
    return "mutant '" + mutant->name + "' is a bug of " + joined(mutant->profiles) + ", not of " +
           std::string(profile) + " (try --profile " + mutant->profiles.front() + ")";
  }
  return std::nullopt;
}

std::optional<std::string> resolve_params(const Scenario& scenario,
                                          const std::map<std::string, int64_t>& given,
                                          Params& out) {
  out = Params{};
  for (const auto& [name, value] : given) {
    const ParamSpec* spec = nullptr;
    for (const auto& p : scenario.params()) {
      if (p.name == name) spec = &p;
    }
    if (spec == nullptr) {
      std::string known;
      for (const auto& p : scenario.params()) known += (known.empty() ? "" : ", ") + std::string(p.name);
      return "scenario " + std::string(scenario.name()) + " has no parameter '" + name + "'" +
             (known.empty() ? " (it takes none)" : " (known: " + known + ")");
    }
    if (value < spec->min || value > spec->max) {
      return "scenario " + std::string(scenario.name()) + ": parameter " + name + "=" +
             std::to_string(value) + " is outside [" + std::to_string(spec->min) + ", " +
             std::to_string(spec->max) + "]";
    }
  }
  for (const auto& p : scenario.params()) {
    auto it = given.find(std::string(p.name));
    out.set(std::string(p.name), it == given.end() ? p.default_value : it->second);
  }
  if (auto err = scenario.check_params(out)) return "scenario " + std::string(scenario.name()) + ": " + *err;
  return std::nullopt;
}

}  // namespace lsmc::sim
