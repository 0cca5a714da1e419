// libFuzzer harness for the tree searches' saved state (issue 14): the text a checkpoint file
// holds per job (Strategy::save) goes through Strategy::restore of dfs, icb or dpor (the first
// byte chooses). Any input is refused with a message or restored; restoring never crashes, and a
// restored state saves to a text that restores again. Build and run: tools/fuzz.sh SECONDS checkpoint.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "sim/strategy.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::unique_ptr<lsmc::sim::Strategy> s;
  switch (data[0] % 3) {
    case 0: s = lsmc::sim::make_dfs_strategy(2); break;
    case 1: s = lsmc::sim::make_icb_strategy(2); break;
    default: s = lsmc::sim::make_dpor_strategy(); break;
  }
  const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (!s->restore(text).empty()) return 0;
  const std::string saved = s->save();
  std::unique_ptr<lsmc::sim::Strategy> again = data[0] % 3 == 0   ? lsmc::sim::make_dfs_strategy(2)
                                                : data[0] % 3 == 1 ? lsmc::sim::make_icb_strategy(2)
                                                                   : lsmc::sim::make_dpor_strategy();
  if (!again->restore(saved).empty() || again->save() != saved) std::abort();
  return 0;
}
