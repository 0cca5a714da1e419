#include "sim/fiber_pool.hpp"

#include <boost/context/fixedsize_stack.hpp>
#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#endif
#include <memory>
#include <stdexcept>
// Valgrind's client requests, where its header is installed (the `valgrind` package): memcheck is
// told which heap blocks are stacks, or it reports every access of a fiber as invalid. Outside
// valgrind a request is a few instructions, made once per fiber.
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#define LSMC_VALGRIND_STACKS 1
#endif

namespace lsmc::sim {

namespace {
constexpr std::size_t kWorkersMax = 4096;  // Config::actors_max is bounded by the same number

// fixedsize_stack that tells the pool where the stack it hands out lies.
class RecordingStack {
public:
  RecordingStack(std::size_t size, char** bottom, std::size_t* recorded)
      : inner_(size), bottom_(bottom), size_(recorded) {}
  boost::context::stack_context allocate() {
    boost::context::stack_context sctx = inner_.allocate();
    *bottom_ = static_cast<char*>(sctx.sp) - sctx.size;
    *size_ = sctx.size;
#ifdef LSMC_VALGRIND_STACKS
    valgrind_id_ = VALGRIND_STACK_REGISTER(*bottom_, sctx.sp);
#endif
    return sctx;
  }
  void deallocate(boost::context::stack_context& sctx) noexcept {
#ifdef LSMC_VALGRIND_STACKS
    VALGRIND_STACK_DEREGISTER(valgrind_id_);
#endif
    inner_.deallocate(sctx);
  }

private:
  boost::context::fixedsize_stack inner_;
  char** bottom_;
  std::size_t* size_;
  unsigned valgrind_id_ = 0;  // the stack's id with valgrind (the record keeps a moved copy)
};
}

[[gnu::noinline]] void FiberPool::switch_to(Slot from, Slot to) {
#if defined(__SANITIZE_ADDRESS__)
  void* fake_stack = nullptr;
  asan_start_switch(&fake_stack, to);
#endif
  std::move(handle(to)).resume_with([this, from](boost::context::fiber&& source) {
    handle(from) = std::move(source);
    return boost::context::fiber{};
  });
#if defined(__SANITIZE_ADDRESS__)
  asan_finish_switch(fake_stack);
#endif
}

FiberPool::FiberPool(std::size_t stack_bytes) : stack_bytes_(stack_bytes) { workers_.reserve(kWorkersMax); }

// Each worker leaves its loop and returns the main context's continuation: boost::context then
// switches back here and frees the worker's stack.
FiberPool::~FiberPool() {
  shutdown_ = true;
  for (Slot i = 0; i < workers_.size(); ++i) switch_to(kMainSlot, i);
}

void FiberPool::ensure(std::size_t count) {
  if (count > kWorkersMax) throw std::length_error("too many actors for the fiber pool");
  while (workers_.size() < count) {
    const Slot self = workers_.size();
    Worker& w = workers_.emplace_back();
    w.fiber = boost::context::fiber(std::allocator_arg, RecordingStack(stack_bytes_, &w.stack_bottom, &w.stack_size),
                                    [this, self](boost::context::fiber&& caller) {
                                      return worker_main(self, std::move(caller));
                                    });
    switch_to(kMainSlot, self);  // runs it until it first parks
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

// `caller` is empty: the switch that started us stored main's continuation already.
boost::context::fiber FiberPool::worker_main(Slot self, boost::context::fiber&&) {
#if defined(__SANITIZE_ADDRESS__)
  asan_finish_switch(nullptr);  // first entry: complete the switch main started
#endif
  switch_to(self, kMainSlot);  // parked until the first assignment
  while (!shutdown_) {
    Worker& w = workers_[self];
    const Slot next = w.runner->run_actor(w.actor);
    switch_to(self, next);
  }
  // Only the destructor switches here once shutdown_ is set: back to the main context, for good.
#if defined(__SANITIZE_ADDRESS__)
  __sanitizer_start_switch_fiber(nullptr, main_stack_bottom_, main_stack_size_);  // dying fiber
#endif
  return std::move(main_);
}

}  // namespace lsmc::sim
