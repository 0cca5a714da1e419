#include "model/linux/functions.hpp"

namespace lsmc::model::kernel {

std::string_view to_string(Trace t) {
  switch (t) {
    case Trace::kTraceable: return "traceable";
    case Trace::kInlined: return "inlined";
    case Trace::kClone: return "clone-only";
    case Trace::kNoBtf: return "no-btf";
    case Trace::kNotrace: return "notrace";
    case Trace::kTracepoint: return "tracepoint";
    case Trace::kLsmHook: return "lsm-hook";
  }
  return "?";
}

std::optional<Fn> find_kernel_function(std::string_view name) {
  for (std::size_t i = 0; i < kKernelFunctions.size(); ++i) {
    if (kKernelFunctions[i].name == name) return static_cast<Fn>(i);
  }
  return std::nullopt;
}

}  // namespace lsmc::model::kernel
