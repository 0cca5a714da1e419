// Long-lived actor fibers on one OS thread, switched directly with boost::context: the execution
// decides at each scheduling point who runs next (the current actor included) and switches to it.
//
// Why not Boost.Fiber: its scheduler (suspend, pick_next, resume, and its ready queue and
// dispatcher) cost about 60 instructions a switch on top of boost::context's own (issue 15), and
// we never want what it adds: the execution picks every next fiber itself. Why not
// this_fiber::yield() either: yield picks the next fiber before re-queueing the caller, so the
// current actor could never be chosen to continue (../shared/reference/platform.md). Fibers and
// their stacks are created once and reused across executions: creating them per execution costs
// more than the execution itself.
#pragma once

#include <boost/context/fiber.hpp>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <utility>
#include <vector>

namespace lsmc::sim {

// Who runs an actor on a worker fiber. run_actor() returns the slot to switch to next.
using Slot = std::size_t;
inline constexpr Slot kMainSlot = std::numeric_limits<Slot>::max();

class ActorRunner {
public:
  virtual Slot run_actor(uint32_t actor) = 0;

protected:
  ~ActorRunner() = default;
};

class FiberPool {
public:
  explicit FiberPool(std::size_t stack_bytes);
  ~FiberPool();
  FiberPool(const FiberPool&) = delete;
  FiberPool& operator=(const FiberPool&) = delete;

  // At least `count` workers exist afterwards (call from the main context).
  void ensure(std::size_t count);
  std::size_t size() const { return workers_.size(); }
  // The next time `worker` is switched to, it calls runner->run_actor(actor).
  void assign(Slot worker, ActorRunner* runner, uint32_t actor) {
    workers_[worker].runner = runner;
    workers_[worker].actor = actor;
  }
  // Switches from the running slot to `to`; returns when something switches back to `from`.
  // Each suspended slot keeps its continuation in its handle: the switch runs a function on top of
  // the target (fiber::resume_with) that stores the source's continuation in the source's handle.
  // Why resume_with rather than the plainer resume (a bare jump_fcontext, about 20 instructions
  // fewer): jump_fcontext leaves by an indirect jmp, so every switch left the CPU's return-stack
  // predictor one entry off and the returns after it mispredicted; the target's first return here
  // is a real ret from the function run on top, to the same call site in this (never inlined)
  // function for every actor, so the predictor stays in step. Measured: bench_engine's 4-actor
  // workload ran at 0.80x its Boost.Fiber speed with resume, though in 6 % fewer instructions.
  // Under ASan every switch is announced (__sanitizer_{start,finish}_switch_fiber): ASan then
  // knows which stack is live and can clean up after exceptions that unwind fiber stacks;
  // without it, it ignores __asan_handle_no_return there and reports false overflows later.
  void switch_to(Slot from, Slot to);

private:
  struct Worker {
    boost::context::fiber fiber;  // its continuation while it is suspended
    char* stack_bottom = nullptr;  // lowest address of the fiber's stack
    std::size_t stack_size = 0;
    ActorRunner* runner = nullptr;
    uint32_t actor = 0;
  };
  boost::context::fiber& handle(Slot slot) { return slot == kMainSlot ? main_ : workers_[slot].fiber; }
  boost::context::fiber worker_main(Slot self, boost::context::fiber&& caller);
#if defined(__SANITIZE_ADDRESS__)
  void asan_start_switch(void** fake_stack, Slot to) const;
  void asan_finish_switch(void* fake_stack);
  const void* main_stack_bottom_ = nullptr;
  std::size_t main_stack_size_ = 0;
#endif

  std::size_t stack_bytes_;
  boost::context::fiber main_;   // the main context's continuation while a worker runs
  std::vector<Worker> workers_;  // reserved up front: Worker addresses never move
  bool shutdown_ = false;
};

}  // namespace lsmc::sim
