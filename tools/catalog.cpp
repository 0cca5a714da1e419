#include "tools/catalog.hpp"

namespace lsmc::cli {

sim::Catalog builtin_catalog() {
  sim::Catalog catalog;
  sim::add_generic_scenarios(catalog);
  return catalog;
}

}  // namespace lsmc::cli
