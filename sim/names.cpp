#include "sim/names.hpp"

// The bounds of the program's image (text, read-only data, data and bss), which the GNU and LLVM
// linkers define; weak, so that a link without them makes every name a copy (still right).
extern "C" char __executable_start[] __attribute__((weak));
extern "C" char _end[] __attribute__((weak));

namespace lsmc::sim {

Names::Names() : image_begin_(0), image_end_(0) {
  if (__executable_start != nullptr && _end != nullptr) {
    image_begin_ = reinterpret_cast<std::uintptr_t>(__executable_start);
    image_end_ = reinterpret_cast<std::uintptr_t>(_end);
  }
}

std::string_view Names::copy(std::string_view text) {
  auto it = copies_.find(text);
  if (it == copies_.end()) it = copies_.emplace(text).first;
  return *it;
}

}  // namespace lsmc::sim
