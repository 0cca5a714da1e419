#include "sim/fiber_pool.hpp"

#include <boost/fiber/fixedsize_stack.hpp>
#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#endif
#include <boost/fiber/operations.hpp>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <stdexcept>

namespace lsmc::sim {

namespace {
constexpr std::size_t kWorkersMax = 4096;  // Config::actors_max is bounded by the same number

// The thread's scheduling algorithm belongs to one pool at a time; a second live pool would
// silently take it over. This guard is per OS thread, like Boost.Fiber's own scheduler, and holds
// no execution state.
thread_local const FiberPool* live_pool = nullptr;

// fixedsize_stack that tells the pool where the stack it hands out lies.
class RecordingStack {
public:
  RecordingStack(std::size_t size, char** bottom, std::size_t* recorded)
      : inner_(size), bottom_(bottom), size_(recorded) {}
  boost::context::stack_context allocate() {
    boost::context::stack_context sctx = inner_.allocate();
    *bottom_ = static_cast<char*>(sctx.sp) - sctx.size;
    *size_ = sctx.size;
    return sctx;
  }
  void deallocate(boost::context::stack_context& sctx) noexcept { inner_.deallocate(sctx); }

private:
  boost::fibers::fixedsize_stack inner_;
  char** bottom_;
  std::size_t* size_;
};
}

void DirectedAlgorithm::suspend_until(std::chrono::steady_clock::time_point const&) noexcept {
  std::fputs("lsmc: internal error: the fiber scheduler was left with nothing to run\n", stderr);
  std::abort();
}

FiberPool::FiberPool(std::size_t stack_bytes) : stack_bytes_(stack_bytes) {
  if (live_pool != nullptr) {
    throw std::logic_error("a FiberPool (lsmc Engine) already exists on this thread; reuse it");
  }
  main_ = boost::fibers::context::active();
  if (!main_->is_context(boost::fibers::type::main_context)) {
    throw std::logic_error("FiberPool must be created on a thread's main context");
  }
  algo_ = new DirectedAlgorithm();
  algo_ref_ = boost::fibers::algo::algorithm::ptr_t(algo_);
  main_->get_scheduler()->set_algo(algo_ref_);
  workers_.reserve(kWorkersMax);
  live_pool = this;
}

FiberPool::~FiberPool() {
  shutdown_ = true;
  for (Slot i = 0; i < workers_.size(); ++i) {
    switch_to(kMainSlot, i);  // the worker leaves its loop; its termination picks main_
    workers_[i].fiber.join();
  }
  release_stacks();
  live_pool = nullptr;
}

// Boost.Fiber frees a terminated fiber, and the stack it lives on, only in its dispatcher's loop
// (scheduler::dispatch, release_terminated_), and our algorithm never hands the dispatcher a turn
// while we run. Without this every Engine's stacks stayed allocated until the thread ended: each
// generate case, each kernel diff sequence and each minimise search makes an Engine, so memory
// grew with their number (kernel diff: about 140 KB resident a sequence, 1.43 GB at 10 000).
// With nothing else ready, a yield resumes the dispatcher (pick_next falls back on it), which
// releases the terminated fibers and then picks main_, scheduled again by the yield.
// Not under ASan: that switch into Boost's own dispatcher stack is not announced to ASan (see
// switch_to), so there the stacks are kept until the thread ends, as before.
void FiberPool::release_stacks() {
#if !defined(__SANITIZE_ADDRESS__)
  if (algo_->dispatcher_ == nullptr) return;  // nothing to hand the turn to
  algo_->next_ = nullptr;
  boost::this_fiber::yield();
#endif
}

void FiberPool::ensure(std::size_t count) {
  if (count > kWorkersMax) throw std::length_error("too many actors for the fiber pool");
  while (workers_.size() < count) {
    const Slot self = workers_.size();
    workers_.emplace_back();
    algo_->last_awakened_ = nullptr;
    workers_[self].fiber = boost::fibers::fiber(
        boost::fibers::launch::post, std::allocator_arg,
        RecordingStack(stack_bytes_, &workers_[self].stack_bottom, &workers_[self].stack_size),
        [this, self] { worker_main(self); });
    // launch::post hands the new context to awakened(); run it until it first parks.
    workers_[self].ctx = algo_->last_awakened_;
    switch_to(kMainSlot, self);
  }
}

#if defined(__SANITIZE_ADDRESS__)
void FiberPool::asan_start_switch(void** fake_stack, Slot to) const {
  if (to == kMainSlot) {
    __sanitizer_start_switch_fiber(fake_stack, main_stack_bottom_, main_stack_size_);
  } else {
    __sanitizer_start_switch_fiber(fake_stack, workers_[to].stack_bottom, workers_[to].stack_size);
  }
}

void FiberPool::asan_finish_switch(void* fake_stack) {
  const void* from_bottom = nullptr;
  std::size_t from_size = 0;
  __sanitizer_finish_switch_fiber(fake_stack, &from_bottom, &from_size);
  // The first switch into a worker comes from the main context: that is how we learn its stack.
  if (main_stack_bottom_ == nullptr) {
    main_stack_bottom_ = from_bottom;
    main_stack_size_ = from_size;
  }
}
#endif

void FiberPool::worker_main(Slot self) {
#if defined(__SANITIZE_ADDRESS__)
  asan_finish_switch(nullptr);  // first entry: complete the switch main started
#endif
  switch_to(self, kMainSlot);  // parked until the first assignment
  while (!shutdown_) {
    Worker& w = workers_[self];
    const Slot next = w.runner->run_actor(w.actor);
    switch_to(self, next);
  }
  algo_->next_ = main_;  // where the scheduler goes when this fiber terminates
#if defined(__SANITIZE_ADDRESS__)
  __sanitizer_start_switch_fiber(nullptr, main_stack_bottom_, main_stack_size_);  // dying fiber
#endif
}

}  // namespace lsmc::sim
