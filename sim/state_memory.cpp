#include "sim/state_memory.hpp"

#include <new>

namespace lsmc::sim {

StateMemory::~StateMemory() {
  for (const Block& b : blocks_) release(b);
}

void StateMemory::release(const Block& b) { ::operator delete(b.at, b.bytes, std::align_val_t{b.align}); }

void* StateMemory::take(std::size_t bytes, std::size_t align) {
  for (Block& b : blocks_) {
    if (!b.taken && b.bytes == bytes && b.align == align) {
      b.taken = true;
      return b.at;
    }
  }
  blocks_.push_back({nullptr, bytes, align, true});
  blocks_.back().at = ::operator new(bytes, std::align_val_t{align});
  return blocks_.back().at;
}

void StateMemory::next_execution() {
  std::size_t kept = 0;
  for (Block& b : blocks_) {
    if (!b.taken) {
      release(b);
      continue;
    }
    b.taken = false;
    blocks_[kept++] = b;
  }
  blocks_.resize(kept);
}

}  // namespace lsmc::sim
