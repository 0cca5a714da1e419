// libFuzzer harness for the litmus reader (issue 16): any input is either refused with one
// LitmusError (FILE:LINE: what) or parsed; a parsed test's condition prints and its layout builds.
// Build and run: tools/fuzz.sh SECONDS litmus.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "wmm/litmus/ast.hpp"
#include "wmm/litmus/interp.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    const lsmc::wmm::litmus::Test t = lsmc::wmm::litmus::parse(text, "fuzz");
    if (t.name.empty() || t.procs.empty()) std::abort();  // the parser promised both
    (void)lsmc::wmm::litmus::to_string(t.cond);
    (void)lsmc::wmm::litmus::make_layout(t);
  } catch (const lsmc::wmm::litmus::LitmusError& e) {
    if (std::string(e.what()).rfind("fuzz:", 0) != 0) std::abort();  // every message names the input
  }
  return 0;
}
