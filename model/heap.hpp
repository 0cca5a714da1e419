// Memory that is freed and handed out again at the same address, for the scenario's own objects:
// a freed object's id is the next one alloc() returns (LIFO, as a slab cache hands back its most
// recently freed object), so a stale id compares equal to the new object's (ABA).
//
//   model::Heap nodes{kNodeType};      // per execution: keep it in s.make<>() state
//   ObjectId n = nodes.alloc(env, "push: kmalloc");
//   nodes.free(env, n, "pop: kfree");  // the next alloc returns n again
#pragma once

#include <string_view>
#include <vector>

#include "model/env.hpp"

namespace lsmc::model {

class Heap {
public:
  explicit Heap(const TypeInfo& type) : type_(&type) {}

  // A live object of the heap's type: the most recently freed one's address, else fresh memory.
  ObjectId alloc(Env& env, std::string_view label) {
    if (free_.empty()) return env.alloc(*type_, label);
    const ObjectId id = free_.back();
    free_.pop_back();
    return env.reuse(id, *type_, label);
  }

  // Frees `object`; its address is the next one alloc() hands out.
  void free(Env& env, ObjectId object, std::string_view label) {
    env.free(object, label);
    free_.push_back(object);
  }

private:
  const TypeInfo* type_;
  std::vector<ObjectId> free_;  // LIFO
};

}  // namespace lsmc::model
