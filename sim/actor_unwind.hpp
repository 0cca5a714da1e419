// Ending an actor whose execution is over (a prune, a violation, a limit, another actor's abort):
// every cleanup on its fiber's stack runs, as a C++ exception would run them, but without the
// unwinder's search phase.
//
// A throw walks the stack twice: phase 1 searches every frame up to the handler (the engine's, in
// Execution::run_actor), phase 2 walks the same frames again to run their cleanups. Each frame
// costs the unwinder a lookup of its FDE, a run of its CFA program and a call of its personality
// routine; phase 1 finds nothing we do not know already: where the actor's body was entered. A
// forced unwind (_Unwind_ForcedUnwind, what glibc's thread cancellation uses) is phase 2 alone: a
// stop function sees each frame before its cleanups run, and once the unwind reaches the frame
// that entered the body it jumps back there (longjmp), with every frame below it cleaned up.
//
// What model code sees: destructors run as for an exception; a catch (...) block runs and must
// rethrow (`throw;` goes on with the unwind), as it must for the engine's Abort; a typed catch
// (std::exception and the rest) does not see it. std::uncaught_exceptions() counts it, as it
// counts a thrown exception (model code tells an unwinding from a return by it: the kernel
// model's Traced, whose destructor fires fexit programs only on a return).
#pragma once

#include <unwind.h>

#include <csetjmp>

namespace lsmc::sim {

// Where an actor's body was entered (Execution::run_body): the unwind stops there.
struct UnwindTarget {
  std::jmp_buf resume;              // set where the body is entered; the unwind jumps back to it
  const void* frame = nullptr;      // an address in that frame: frames below it are the body's
  _Unwind_Exception exception{};    // the unwind's exception object, of lsmc's own class
  unsigned int uncaught = 0;        // std::uncaught_exceptions() before the unwind
  bool unwinding = false;
};

// Runs the cleanups of every frame between the caller and `target`'s frame, innermost first, then
// returns to `target` (setjmp returns 1 there). Never returns.
[[noreturn]] void unwind_to(UnwindTarget& target);

// Called in `target`'s frame once unwind_to() came back there, or once the body returned (model
// code may have swallowed the unwind): std::uncaught_exceptions() is again what it was before.
void unwind_done(UnwindTarget& target);

}  // namespace lsmc::sim
