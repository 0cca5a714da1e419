// Long-lived actor fibers on one OS thread, driven by a Boost.Fiber scheduling algorithm that
// runs exactly the context it is told to run.
//
// Why not this_fiber::yield(): yield picks the next fiber before re-queueing the caller, so the
// current actor could never be chosen to continue (../shared/reference/platform.md). Here the
// execution decides at the scheduling point, with the current actor in the choice set, and
// hands the decision to pick_next() through DirectedAlgorithm::next_. Fibers and their stacks
// are created once and reused across executions: creating them per execution costs more than the
// execution itself.
//
// One FiberPool per OS thread at a time (it installs the thread's scheduling algorithm).
#pragma once

#include <boost/fiber/algo/algorithm.hpp>
#include <boost/fiber/context.hpp>
#include <boost/fiber/fiber.hpp>
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

class DirectedAlgorithm final : public boost::fibers::algo::algorithm {
public:
  // Called for a new fiber (launch::post) and by Boost's own shutdown path (the dispatcher wakes
  // the main context). Our own switches never go through here: they set next_ directly.
  // Boost keeps its dispatcher context "ready" at all times and expects pick_next() to fall back
  // on it; it only ever runs when the thread's scheduler shuts down.
  void awakened(boost::fibers::context* ctx) noexcept override {
    if (ctx->is_context(boost::fibers::type::dispatcher_context)) {
      dispatcher_ = ctx;
      return;
    }
    last_awakened_ = ctx;
    if (next_ == nullptr) next_ = ctx;
  }
  boost::fibers::context* pick_next() noexcept override {
    boost::fibers::context* n = next_;
    next_ = nullptr;
    if (n == nullptr) std::swap(n, dispatcher_);
    return n;
  }
  bool has_ready_fibers() const noexcept override { return next_ != nullptr || dispatcher_ != nullptr; }
  // Nothing else runs on this thread: waiting here means the switch protocol is broken, and
  // waiting would hang forever.
  void suspend_until(std::chrono::steady_clock::time_point const&) noexcept override;
  void notify() noexcept override {}

  boost::fibers::context* next_ = nullptr;
  boost::fibers::context* last_awakened_ = nullptr;
  boost::fibers::context* dispatcher_ = nullptr;
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
  // Under ASan every switch is announced (__sanitizer_{start,finish}_switch_fiber): ASan then
  // knows which stack is live and can clean up after exceptions that unwind fiber stacks;
  // without it, it ignores __asan_handle_no_return there and reports false overflows later.
  void switch_to(Slot from, Slot to) {
    boost::fibers::context* self = context_of(from);
    algo_->next_ = context_of(to);
#if defined(__SANITIZE_ADDRESS__)
    void* fake_stack = nullptr;
    asan_start_switch(&fake_stack, to);
    self->suspend();
    asan_finish_switch(fake_stack);
#else
    self->suspend();
#endif
  }

private:
  struct Worker {
    boost::fibers::fiber fiber;
    boost::fibers::context* ctx = nullptr;
    char* stack_bottom = nullptr;  // lowest address of the fiber's stack
    std::size_t stack_size = 0;
    ActorRunner* runner = nullptr;
    uint32_t actor = 0;
  };
  boost::fibers::context* context_of(Slot slot) const {
    return slot == kMainSlot ? main_ : workers_[slot].ctx;
  }
  void worker_main(Slot self);
  // Frees the stacks of the workers just joined (Boost keeps terminated fibers until its
  // dispatcher runs).
  void release_stacks();
#if defined(__SANITIZE_ADDRESS__)
  void asan_start_switch(void** fake_stack, Slot to) const;
  void asan_finish_switch(void* fake_stack);
  const void* main_stack_bottom_ = nullptr;
  std::size_t main_stack_size_ = 0;
#endif

  std::size_t stack_bytes_;
  DirectedAlgorithm* algo_;
  boost::fibers::algo::algorithm::ptr_t algo_ref_;  // keeps algo_ alive while we use it
  boost::fibers::context* main_;
  std::vector<Worker> workers_;  // reserved up front: Worker addresses never move
  bool shutdown_ = false;
};

}  // namespace lsmc::sim
