#include "sim/fiber_pool.hpp"

#include <boost/fiber/fixedsize_stack.hpp>
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
  live_pool = nullptr;
}

void FiberPool::ensure(std::size_t count) {
  if (count > kWorkersMax) throw std::length_error("too many actors for the fiber pool");
  while (workers_.size() < count) {
    const Slot self = workers_.size();
    workers_.emplace_back();
    algo_->last_awakened_ = nullptr;
    workers_[self].fiber = boost::fibers::fiber(
        boost::fibers::launch::post, std::allocator_arg,
        boost::fibers::fixedsize_stack(stack_bytes_), [this, self] { worker_main(self); });
    // launch::post hands the new context to awakened(); run it until it first parks.
    workers_[self].ctx = algo_->last_awakened_;
    switch_to(kMainSlot, self);
  }
}

void FiberPool::worker_main(Slot self) {
  switch_to(self, kMainSlot);  // parked until the first assignment
  while (!shutdown_) {
    Worker& w = workers_[self];
    const Slot next = w.runner->run_actor(w.actor);
    switch_to(self, next);
  }
  algo_->next_ = main_;  // where the scheduler goes when this fiber terminates
}

}  // namespace lsmc::sim
