#include "model/env.hpp"

namespace lsmc::model {

std::string_view to_string(Op op) {
  switch (op) {
    case Op::kRead: return "read";
    case Op::kWrite: return "write";
    case Op::kRmw: return "rmw";
    case Op::kLock: return "lock";
    case Op::kUnlock: return "unlock";
    case Op::kRcuLock: return "rcu-lock";
    case Op::kRcuUnlock: return "rcu-unlock";
    case Op::kAlloc: return "alloc";
    case Op::kFree: return "free";
    case Op::kWait: return "wait";
    case Op::kSyscall: return "syscall";
    case Op::kYield: return "yield";
    case Op::kSleep: return "might-sleep";
  }
  return "?";
}

std::string_view to_string(ContextKind kind) {
  switch (kind) {
    case ContextKind::kTask: return "task";
    case ContextKind::kSoftirq: return "softirq";
    case ContextKind::kHardirq: return "hardirq";
    case ContextKind::kNmi: return "nmi";
  }
  return "?";
}

}  // namespace lsmc::model
