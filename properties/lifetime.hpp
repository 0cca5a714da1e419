// Object lifetime: no access to a freed object, no double free. It reads the engine's object
// registry at each event, before the event takes effect, and names both sites in its message.
#pragma once

#include <memory>
#include <vector>

#include "sim/execution.hpp"

namespace lsmc::properties {

class LifetimeChecker final : public sim::Observer {
public:
  void on_event(sim::Execution& exec, const sim::Event& event) override;
  uint32_t event_ops() const override { return kEveryOp & ~op_bit(model::Op::kAlloc); }
};

// The checkers every exploration runs unless a scenario asks for others.
std::vector<std::unique_ptr<sim::Observer>> default_observers();

}  // namespace lsmc::properties
