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

const Scenario* Catalog::find(std::string_view name) const {
  for (const auto& s : scenarios_) {
    if (s->name() == name) return s.get();
  }
  return nullptr;
}

const MutantInfo* Catalog::find_mutant(std::string_view name) const {
  for (const auto& m : mutants_) {
    if (m.name == name) return &m;
  }
  return nullptr;
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
