// Publication under a weak memory model (docs/memory-model.md): a lockless reader that reaches an
// object through a published pointer must see the stores that initialised it. A load of one of the
// `fields` (by type name and field index) of an object an actor allocated, that read the value the
// object had before any store (the trace's rf=init) although such a store had already happened, is
// a violation of property "publication": the pointer was published without ordering the
// initialisation before it.
// Under sc loads read the newest store and the checker never fires.
#pragma once

#include <cstdint>
#include <map>
#include <string_view>
#include <utility>
#include <vector>

#include "sim/execution.hpp"

namespace lsmc::properties {

class PublicationChecker final : public sim::Observer {
public:
  struct Field {
    std::string_view type;  // model::TypeInfo::name
    uint16_t field;
  };
  explicit PublicationChecker(std::vector<Field> fields) : fields_(std::move(fields)) {}

  void on_begin(sim::Execution&) override { stored_.clear(); }
  void on_event(sim::Execution& exec, const sim::Event& e) override;
  // Only the weak model's loads and stores carry an order (Event::order).
  uint32_t event_ops() const override {
    return op_bit(model::Op::kRead) | op_bit(model::Op::kWrite) | op_bit(model::Op::kRmw);
  }

private:
  struct Store {
    uint64_t step;
    std::string_view label;
  };
  bool watched(const sim::Execution& exec, const sim::Event& e) const;

  std::vector<Field> fields_;
  std::map<std::pair<model::ObjectId, uint16_t>, Store> stored_;  // the first store of each location
};

}  // namespace lsmc::properties
