// libFuzzer harness for the trace reader (issue 6): any input is either refused with a
// TraceError or parsed; what parses must write back to a text that parses to the same text
// (the writer and the reader agree). Build and run: tools/fuzz.sh [SECONDS].
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "traces/trace.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  lsmc::traces::Trace trace;
  try {
    trace = lsmc::traces::parse_trace(text, "fuzz");
  } catch (const lsmc::traces::TraceError&) {
    return 0;
  }
  const std::string written = lsmc::traces::write_trace(trace);
  try {
    const lsmc::traces::Trace again = lsmc::traces::parse_trace(written, "rewritten");
    if (lsmc::traces::write_trace(again) != written) std::abort();  // the round trip must be stable
  } catch (const lsmc::traces::TraceError&) {
    std::abort();  // the reader refused what the writer wrote
  }
  return 0;
}
