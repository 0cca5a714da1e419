// message-passing and store-buffering: the engine's weak-memory examples (docs/memory-model.md).
// Both pass under every memory model as written; their mutants drop one ordering and are found
// only under the models that allow the reordering: lkmm for message passing, tso and lkmm for
// store buffering.
#include <string>

#include "model/cell.hpp"
#include "sim/scenario.hpp"

namespace lsmc::sim {

namespace {

using model::Env;
using model::Order;

constexpr std::string_view kFields[] = {"data", "flag"};
constexpr model::TypeInfo kMessageType{"message", kFields};
constexpr uint16_t kData = 0, kFlag = 1;

struct Message {
  model::ObjectId id = model::kNoObject;
  model::Cell<int64_t> data;
  model::Cell<int64_t> flag;
};

// The writer fills the data and publishes it with smp_store_release(); the reader checks the
// flag with smp_load_acquire() and, once it is set, finds the data there.
class MessagePassing final : public Scenario {
public:
  std::string_view name() const override { return "message-passing"; }
  std::string_view description() const override {
    return "WRITE_ONCE(data) then smp_store_release(flag); smp_load_acquire(flag) then READ_ONCE(data): "
           "a reader that sees the flag sees the data (passes under sc, tso, lkmm)";
  }
  void build(Setup& s) const override {
    auto& m = s.make<Message>();
    m.id = s.env().alloc(kMessageType, "message_init");
    const Order publish = s.mutant("mp-flag-write-once") ? Order::kOnce : Order::kRelease;
    const Order observe = s.mutant("mp-flag-read-once") ? Order::kOnce : Order::kAcquire;
    s.spawn("writer", [&m, publish](Env& env) {
      m.data.store(env, m.id, kData, 42, Order::kOnce, "writer: WRITE_ONCE(data, 42)");
      m.flag.store(env, m.id, kFlag, 1, publish, publish == Order::kRelease ? "writer: smp_store_release(flag, 1)"
                                                                            : "writer: WRITE_ONCE(flag, 1)");
    }, {0});
    s.spawn("reader", [&m, observe](Env& env) {
      const int64_t flag = m.flag.load(env, m.id, kFlag, observe, observe == Order::kAcquire
                                                                        ? "reader: smp_load_acquire(flag)"
                                                                        : "reader: READ_ONCE(flag)");
      if (flag == 0) return;
      const int64_t data = m.data.load(env, m.id, kData, Order::kOnce, "reader: READ_ONCE(data)");
      env.check(data == 42, "message-passing",
                "the reader saw the flag set but data " + std::to_string(data) + ", not 42");
    }, {1});
  }
};

constexpr std::string_view kSbFields[] = {"want0", "want1", "inside"};
constexpr model::TypeInfo kSbType{"dekker", kSbFields};

struct Dekker {
  model::ObjectId id = model::kNoObject;
  model::Cell<int64_t> want[2];
  bool inside[2] = {false, false};
};

// Dekker's core: each actor raises its flag, smp_mb(), and enters only if the other's flag is
// down; at most one can be inside.
class StoreBuffering final : public Scenario {
public:
  std::string_view name() const override { return "store-buffering"; }
  std::string_view description() const override {
    return "Dekker's core: WRITE_ONCE(mine, 1); smp_mb(); READ_ONCE(theirs): never both inside "
           "(passes under sc, tso, lkmm)";
  }
  void build(Setup& s) const override {
    auto& d = s.make<Dekker>();
    d.id = s.env().alloc(kSbType, "dekker_init");
    const bool fenced = !s.mutant("sb-no-mb");
    for (int me = 0; me < 2; ++me) {
      s.spawn("cpu" + std::to_string(me), [&d, me, fenced](Env& env) {
        const int other = 1 - me;
        d.want[me].store(env, d.id, static_cast<uint16_t>(me), 1, Order::kOnce, "WRITE_ONCE(want[me], 1)");
        if (fenced) env.fence(model::Fence::kMb, "smp_mb");
        const int64_t theirs = d.want[other].load(env, d.id, static_cast<uint16_t>(other), Order::kOnce,
                                                  "READ_ONCE(want[other])");
        if (theirs != 0) return;
        env.write(d.id, 2, "enter the critical section");
        d.inside[me] = true;
        env.read(d.id, 2, "in the critical section: is the other one in?");
        env.check(!d.inside[other], "mutual-exclusion", "both actors are inside");
        env.write(d.id, 2, "leave the critical section");
        d.inside[me] = false;
      }, {static_cast<uint16_t>(me)});
    }
  }
};

}  // namespace

void register_message_passing(Catalog& catalog) {
  catalog.add(std::make_unique<MessagePassing>());
  catalog.add(std::make_unique<StoreBuffering>());
  catalog.add_mutant({"mp-flag-write-once",
                      "message-passing publishes the flag with WRITE_ONCE instead of smp_store_release: found "
                      "under lkmm only",
                      {"message-passing"}, {}, "message-passing", "lkmm"});
  catalog.add_mutant({"mp-flag-read-once",
                      "message-passing reads the flag with READ_ONCE instead of smp_load_acquire: found under "
                      "lkmm only",
                      {"message-passing"}, {}, "message-passing", "lkmm"});
  catalog.add_mutant({"sb-no-mb", "store-buffering without its smp_mb(): found under tso and lkmm, not sc",
                      {"store-buffering"}, {}, "mutual-exclusion", "tso"});
}

}  // namespace lsmc::sim
