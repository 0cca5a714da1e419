// The proposal's design mistakes as mutants (the table is in properties/scenarios/mls_world.cpp).
#include "properties/scenarios/mls_world.hpp"

namespace lsmc::properties::scenarios {

void register_mls_mutants(sim::Catalog& c) {
  for (const MlsMutant& row : mappable_mutants()) {
    c.add_mutant({std::string(row.name), std::string(row.description), row.scenarios, {}, std::string(row.property)});
  }
}

}  // namespace lsmc::properties::scenarios
