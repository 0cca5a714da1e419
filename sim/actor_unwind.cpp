#include "sim/actor_unwind.hpp"

#include <cxxabi.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace lsmc::sim {

namespace {

// The thread's exception globals, laid out as the Itanium C++ ABI fixes them (2.5.2; cxxabi.h
// declares the struct without its members): __cxa_throw counts a throw in `uncaught` until a
// handler catches it, and std::uncaught_exceptions() reads it. A forced unwind is counted the same
// way by hand.
struct EhGlobals {
  void* caught_exceptions;
  unsigned int uncaught_exceptions;
};

EhGlobals& eh_globals() { return *reinterpret_cast<EhGlobals*>(abi::__cxa_get_globals()); }

constexpr _Unwind_Exception_Class kLsmcUnwind = 0x4c534d4300554e57;  // "LSMC\0UNW"

// Nothing to free: the exception object lives in the target. Called if model code's catch (...)
// ends without rethrowing (the engine reports that: Execution::run_actor).
void no_cleanup(_Unwind_Reason_Code, _Unwind_Exception*) {}

// Called for each frame, from the innermost, before that frame's cleanups run. A frame whose CFA
// (the stack pointer its caller had at the call) lies above an address of the target's frame is
// the target's frame or one of its callers: every frame the body called has been cleaned up.
_Unwind_Reason_Code stop_at_target(int, _Unwind_Action actions, _Unwind_Exception_Class, _Unwind_Exception*,
                                   struct _Unwind_Context* context, void* param) {
  UnwindTarget& target = *static_cast<UnwindTarget*>(param);
  if ((actions & _UA_END_OF_STACK) != 0) {
    std::fputs("lsmc: internal error: an actor's unwind passed the frame that entered its body\n", stderr);
    std::abort();
  }
  if (_Unwind_GetCFA(context) > reinterpret_cast<std::uintptr_t>(target.frame)) std::longjmp(target.resume, 1);
  return _URC_NO_REASON;
}

}  // namespace

void unwind_to(UnwindTarget& target) {
  EhGlobals& globals = eh_globals();
  target.uncaught = globals.uncaught_exceptions;
  target.unwinding = true;
  globals.uncaught_exceptions = target.uncaught + 1;
  std::memset(&target.exception, 0, sizeof target.exception);
  target.exception.exception_class = kLsmcUnwind;
  target.exception.exception_cleanup = no_cleanup;
  const _Unwind_Reason_Code code = _Unwind_ForcedUnwind(&target.exception, stop_at_target, &target);
  std::fprintf(stderr, "lsmc: internal error: an actor's unwind failed (%d)\n", static_cast<int>(code));
  std::abort();
}

void unwind_done(UnwindTarget& target) {
  if (!target.unwinding) return;
  target.unwinding = false;
  eh_globals().uncaught_exceptions = target.uncaught;
}

}  // namespace lsmc::sim
