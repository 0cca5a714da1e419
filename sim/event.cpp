#include "sim/event.hpp"

namespace lsmc::sim {

std::string_view to_string(VerdictKind kind) {
  switch (kind) {
    case VerdictKind::kPass: return "pass";
    case VerdictKind::kViolation: return "violation";
    case VerdictKind::kLimit: return "limit";
    case VerdictKind::kDivergence: return "divergence";
    case VerdictKind::kPruned: return "pruned";
  }
  return "?";
}

}  // namespace lsmc::sim
