// The memory of a scenario's state (Setup::make): blocks an execution keeps for the next one.
//
// Every execution builds its state afresh, and the executions of one scenario build the same
// objects, so the blocks one set-up took fit the next one's: taken again, they cost a scan of a
// few blocks instead of malloc and free. It matters for the kernel scenarios, whose World (a
// model::kernel::Kernel) is over 1 KiB: malloc serves that without its thread cache, and first
// consolidates its fast bins (about 2 k instructions an execution of cachefill-protocol). Only
// the memory is kept, never a value: each object is constructed in it and destroyed at the end of
// its execution as before.
#pragma once

#include <cstddef>
#include <vector>

namespace lsmc::sim {

class StateMemory {
public:
  StateMemory() = default;
  StateMemory(const StateMemory&) = delete;
  StateMemory& operator=(const StateMemory&) = delete;
  ~StateMemory();

  // A block of `bytes` aligned to `align`, not taken since the last next_execution().
  void* take(std::size_t bytes, std::size_t align);
  // The objects in the taken blocks have been destroyed: those blocks can be taken again, and the
  // blocks this execution did not take go back to the heap (so the kept memory is bounded by what
  // one execution takes).
  void next_execution();
  std::size_t blocks() const { return blocks_.size(); }

private:
  struct Block {
    void* at;
    std::size_t bytes;
    std::size_t align;
    bool taken;
  };
  static void release(const Block& b);
  std::vector<Block> blocks_;
};

}  // namespace lsmc::sim
