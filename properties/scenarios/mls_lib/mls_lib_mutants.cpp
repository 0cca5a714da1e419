// The library's mutants (the table is in properties/scenarios/mls_lib_world.cpp).
#include "properties/scenarios/mls_lib.hpp"

namespace lsmc::properties::scenarios {

void register_mls_lib_mutants(sim::Catalog& c) {
  for (const LibMutant& m : lib_mutants()) {
    c.add_mutant({std::string(m.name), std::string(m.description), m.scenarios, {}, std::string(m.property)});
  }
}

}  // namespace lsmc::properties::scenarios
