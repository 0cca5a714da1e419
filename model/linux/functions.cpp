#include "model/linux/functions.hpp"

#include <vector>

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

namespace {
// Built once from the constant table; never changes afterwards (not mutable state).
std::vector<Fn> make_attachable() {
  std::vector<Fn> out;
  for (std::size_t i = 0; i < kKernelFunctions.size(); ++i) {
    if (kKernelFunctions[i].trace == Trace::kTraceable) out.push_back(static_cast<Fn>(i));
  }
  return out;
}
}  // namespace

std::span<const Fn> attachable_functions() {
  static const std::vector<Fn> kAttachable = make_attachable();
  return kAttachable;
}

}  // namespace lsmc::model::kernel
