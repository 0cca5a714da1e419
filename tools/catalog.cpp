#include "tools/catalog.hpp"

#include "properties/scenarios/world.hpp"
#ifdef LSMC_HAVE_BPF_HOST
#include "properties/check_bpf.hpp"
#endif

namespace lsmc::cli {

sim::Catalog builtin_catalog() {
  sim::Catalog catalog;
  sim::add_generic_scenarios(catalog);
  properties::scenarios::add_kernel_scenarios(catalog);
  properties::scenarios::add_mappable_scenarios(catalog);
#ifdef LSMC_HAVE_BPF_HOST
  properties::scenarios::add_mls_lib_scenarios(catalog);
  properties::add_check_bpf_maker(catalog);  // check-bpf:FILE#ENTRIES, made on demand
#endif
  return catalog;
}

}  // namespace lsmc::cli
