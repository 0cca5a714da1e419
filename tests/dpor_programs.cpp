// The DPOR tests' program language (dpor_programs.hpp): how a program runs as a scenario.
#include "tests/dpor_programs.hpp"

#include <gtest/gtest.h>

#include <sstream>

#include "model/linux/rcu.hpp"
#include "sim/execution.hpp"

namespace lsmc::dpor_test {

namespace {

constexpr std::string_view kVarFields[] = {"v"};
constexpr model::TypeInfo kVarType{"var", kVarFields};
constexpr std::string_view kObjFields[] = {"imm", "v"};
constexpr model::TypeInfo kObjTypes[] = {{"obj0", kObjFields}, {"obj1", kObjFields}, {"obj2", kObjFields}};
constexpr int kObjectsMax = 3;

struct World {
  std::vector<model::ObjectId> ids;
  std::vector<int64_t> values;
  model::ObjectId lock = model::kNoObject;
  model::ObjectId queue = model::kNoObject;  // the daemon's requests (field 0)
  int requests = 0, served = 0;
  bool flag = false;
  std::vector<std::vector<int64_t>> seen;  // per actor: what it read, drew, allocated
  std::vector<model::ObjectId> percpu_ids;  // Program::percpu: by CPU
  std::vector<int64_t> percpu_values;
  std::vector<model::ObjectId> objects;  // Program::objects
  std::set<std::string> use_after_free;   // the accesses to freed objects (UseAfterFree)
  model::kernel::Rcu rcu;
};

// properties::LifetimeChecker's test, noted instead of failing the execution.
class UseAfterFree final : public sim::Observer {
public:
  explicit UseAfterFree(World& w) : w_(w) {}
  void on_event(sim::Execution& exec, const sim::Event& event) override {
    if (event.object == model::kNoObject || event.op == model::Op::kAlloc) return;
    const sim::ObjectRecord* rec = exec.object(event.object);
    if (rec == nullptr || rec->live) return;
    if (event.op == model::Op::kRead && event.field < 64 && ((rec->type_stable >> event.field) & 1u) != 0) return;
    w_.use_after_free.insert(exec.actors()[event.actor].name + " " + std::string(model::to_string(event.op)) + " " +
                             std::string(rec->name));
  }

private:
  World& w_;
};

void rcu_instr(World& w, model::Env& env, const Instr& i, int64_t me, uint32_t& depth) {
  constexpr auto kRcu = model::RcuFlavour::kRcu;
  const auto v = static_cast<std::size_t>(i.var);
  auto& seen = w.seen[static_cast<std::size_t>(me - 1)];
  const auto read = [&] {
    env.read(w.ids[v], 0, "read");
    seen.push_back(w.values[v]);
  };
  switch (i.kind) {
    case Instr::kRcuSection:
      w.rcu.read_lock(env, kRcu);
      read();
      w.rcu.read_unlock(env, kRcu);
      break;
    case Instr::kRcuLock:
      w.rcu.read_lock(env, kRcu);
      ++depth;
      break;
    case Instr::kRcuUnlock:
      if (depth == 0) {
        env.yield("yield");
        break;
      }
      w.rcu.read_unlock(env, kRcu);
      --depth;
      break;
    case Instr::kSynchronize:
      if (depth == 0) w.rcu.synchronize(env, kRcu);
      read();
      break;
    case Instr::kCallRcu:
      w.rcu.call(env, kRcu, [&w, v, me](model::Env& e) {
        e.write(w.ids[v], 0, "callback write");
        w.values[v] = 50 + me;
      }, "call_rcu");
      break;
    default: break;
  }
}

// this_cpu_inc() and this_cpu_read() of the actor's CPU's counter.
void percpu_instr(World& w, model::Env& env, const Instr& i, int64_t me) {
  const std::size_t cpu = env.context().cpu;
  auto& seen = w.seen[static_cast<std::size_t>(me - 1)];
  if (i.kind == Instr::kPercpuInc) {
    env.rmw(w.percpu_ids[cpu], 0, "this_cpu_inc");
    ++w.percpu_values[cpu];
  } else {
    env.read(w.percpu_ids[cpu], 0, "this_cpu_read");
  }
  seen.push_back(w.percpu_values[cpu]);
}

// The object instructions: field 0 is immutable (its value 7 + the object's index), field 1 not.
void object_instr(World& w, model::Env& env, const Instr& i, int64_t me, bool& freed) {
  const auto o = static_cast<std::size_t>(i.var);
  auto& seen = w.seen[static_cast<std::size_t>(me - 1)];
  switch (i.kind) {
    case Instr::kImmRead:
      env.read(w.objects[o], 0, "imm-read");
      seen.push_back(7 + static_cast<int64_t>(o));
      break;
    case Instr::kObjRead:
      env.read(w.objects[o], 1, "v-read");
      seen.push_back(1);
      break;
    default:
      if (static_cast<int64_t>(o) != me - 1 || freed) {
        env.yield("yield");
        break;
      }
      freed = true;
      if (i.kind == Instr::kObjFree) {
        env.free(w.objects[o], "free");
      } else {
        env.free_type_stable(w.objects[o], 1u, "free_type_stable");
      }
      break;
  }
}

}  // namespace

std::string show(const Program& p) {
  std::ostringstream o;
  for (std::size_t a = 0; a < p.actors.size(); ++a) {
    o << "actor" << a << "@cpu" << p.cpus[a] << ":";
    for (const Instr& i : p.actors[a]) o << " " << static_cast<int>(i.kind) << "/" << i.var;
    o << "; ";
  }
  if (p.daemon) o << "daemon; ";
  if (p.rcu) o << (p.rcu_gp_last ? "rcu (kthread last)" : "rcu");
  if (p.objects > 0) o << " objects " << p.objects << (p.declare_immutable ? " (imm declared)" : "");
  return o.str();
}

test::Lambda scenario_of(const Program& p, std::shared_ptr<std::set<std::string>> outcomes) {
  return test::Lambda([p, outcomes](sim::Setup& s) {
    World& w = s.make<World>();
    for (int v = 0; v < p.vars; ++v) w.ids.push_back(s.env().alloc(kVarType, "var_init"));
    w.values.assign(static_cast<std::size_t>(p.vars), 0);
    w.lock = s.env().new_lock(model::LockKind::kSpin, "lock");
    w.queue = s.env().alloc(kVarType, "queue_init");
    w.seen.resize(p.actors.size() + 1);
    if (p.percpu) {
      for (uint16_t cpu = 0; cpu < 3; ++cpu) {
        w.percpu_ids.push_back(s.env().alloc(kVarType, "DEFINE_PER_CPU(counter)"));
        if (p.declare_percpu) s.env().percpu(w.percpu_ids.back(), cpu);
      }
      w.percpu_values.assign(3, 0);
    }
    for (int o = 0; o < p.objects && o < kObjectsMax; ++o) {
      w.objects.push_back(s.env().alloc(kObjTypes[o], "obj_init"));
      if (p.declare_immutable) s.env().immutable(w.objects.back(), 0);
    }
    if (p.objects > 0) s.observe(std::make_unique<UseAfterFree>(w));
    const auto spawn_gp = [&s, &w] {
      sim::ActorOptions o;
      o.cpu = 6;
      o.daemon = true;
      s.spawn("rcu_gp", [&w](model::Env& env) { w.rcu.gp_actor(env, model::RcuFlavour::kRcu); }, o);
    };
    if (p.rcu) w.rcu.init(s.env(), {.early_grace_periods = p.rcu_early});
    if (p.rcu && !p.rcu_gp_last) spawn_gp();
    if (p.daemon) {
      s.spawn("daemon", [&w, last = p.vars - 1, me = p.actors.size()](model::Env& env) {
        const model::Access reads[] = {{w.queue, 0, model::Op::kRead}};
        for (;;) {
          if (!env.idle_until([&w] { return w.requests > w.served; }, "request", reads)) return;
          env.write(w.queue, 0, "serve");
          ++w.served;
          env.read(w.ids[static_cast<std::size_t>(last)], 0, "daemon read");
          w.seen[me].push_back(w.values[static_cast<std::size_t>(last)]);
          env.write(w.ids[0], 0, "daemon write");
          w.values[0] = 9;
        }
      }, {5, model::ContextKind::kTask, true, true});
    }
    for (std::size_t a = 0; a < p.actors.size(); ++a) {
      s.spawn("a" + std::to_string(a), [&w, prog = p.actors[a], a](model::Env& env) {
        auto& seen = w.seen[a];
        const auto me = static_cast<int64_t>(a + 1);
        uint32_t depth = 0;  // RCU sections open (kRcuLock)
        bool freed = false;  // its object (Instr::kObjFree)
        for (const Instr& i : prog) {
          const auto v = static_cast<std::size_t>(i.var);
          switch (i.kind) {
            case Instr::kRead:
              env.read(w.ids[v], 0, "read");
              seen.push_back(w.values[v]);
              break;
            case Instr::kWrite:
              env.write(w.ids[v], 0, "write");
              w.values[v] = me;
              break;
            case Instr::kLocked:
              env.lock(w.lock, "lock");
              env.read(w.ids[v], 0, "read");
              seen.push_back(w.values[v]);
              env.write(w.ids[v], 0, "write");
              w.values[v] = w.values[v] * 10 + me;
              env.unlock(w.lock, "unlock");
              break;
            case Instr::kYield: env.yield("yield"); break;
            case Instr::kDraw: {
              const auto d = static_cast<int64_t>(env.choose(2, "draw"));
              seen.push_back(100 + d);
              break;
            }
            case Instr::kWaitFlag:
              env.wait_until([&w] { return w.flag; }, "flag");
              seen.push_back(w.values[v]);  // read right after the wait, no scheduling point
              break;
            case Instr::kWaitDeclared: {
              // The flag (set with a write of var 0), and var v: the step of the wait reads it too.
              const model::Access reads[] = {{w.ids[0], 0, model::Op::kRead}, {w.ids[v], 0, model::Op::kRead}};
              env.wait_until([&w] { return w.flag; }, "flag", reads);
              seen.push_back(w.values[v]);
              break;
            }
            case Instr::kWaitEven:
              env.wait_until([&w, v] { return w.values[v] % 2 == 0 || w.flag; }, "even");
              seen.push_back(w.values[v]);
              break;
            case Instr::kWaitEvenDeclared: {
              const model::Access reads[] = {{w.ids[v], 0, model::Op::kRead}, {w.ids[0], 0, model::Op::kRead}};
              env.wait_until([&w, v] { return w.values[v] % 2 == 0 || w.flag; }, "even", reads);
              seen.push_back(w.values[v]);
              break;
            }
            case Instr::kWaitNonzero: {
              const model::Access reads[] = {{w.ids[v], 0, model::Op::kRead}, {w.ids[0], 0, model::Op::kRead}};
              env.wait_until([&w, v] { return w.values[v] != 0 || w.flag; }, "nonzero", reads);
              seen.push_back(w.values[v]);
              break;
            }
            case Instr::kRequest:
              env.write(w.queue, 0, "request");
              ++w.requests;
              break;
            case Instr::kAlloc: seen.push_back(env.alloc(kVarType, "alloc")); break;
            case Instr::kTryLock:
              if (env.try_lock(w.lock, "trylock")) {
                seen.push_back(1);
                env.unlock(w.lock, "unlock");
              } else {
                seen.push_back(0);
              }
              break;
            case Instr::kPercpuInc:
            case Instr::kPercpuRead: percpu_instr(w, env, i, me); break;
            case Instr::kImmRead:
            case Instr::kObjRead:
            case Instr::kObjFree:
            case Instr::kObjFreeStable: object_instr(w, env, i, me, freed); break;
            default: rcu_instr(w, env, i, me, depth); break;
          }
        }
        for (; depth > 0; --depth) w.rcu.read_unlock(env, model::RcuFlavour::kRcu);
        if (a == 0) {  // actor 0 releases the waiters: it never waits itself
          env.write(w.ids[0], 0, "set flag");
          w.flag = true;
        }
      }, {p.cpus[a]});
    }
    if (p.rcu && p.rcu_gp_last) spawn_gp();
    s.at_end([&w, outcomes](model::Env&) {
      std::ostringstream o;
      for (int64_t v : w.values) o << v << ",";
      for (int64_t v : w.percpu_values) o << v << ",";
      for (const auto& seen : w.seen) {
        o << "|";
        for (int64_t v : seen) o << v << ",";
      }
      if (!w.use_after_free.empty()) o << kUseAfterFree;
      for (const std::string& u : w.use_after_free) o << u << ",";
      outcomes->insert(o.str());
    });
  });
}

sim::RunReport explore(const sim::Scenario& s, const std::string& strategy, uint64_t shard, uint64_t shards,
                       uint32_t split_depth, uint64_t executions_max) {
  sim::RunRequest r;
  r.scenario = &s;
  r.config.strategy = strategy;
  r.config.shard_index = shard;
  r.config.shard_count = shards;
  r.split_depth = split_depth;
  r.config.preemption_bound = 1000000;
  r.config.executions_max = executions_max;
  EXPECT_FALSE(sim::resolve_params(s, {}, r.params));
  return sim::run(r);
}

Compared compare(const Program& p, uint64_t dfs_max) { return compare(p, p, dfs_max); }

Compared compare(const Program& truth, const Program& p, uint64_t dfs_max) {
  Compared c;
  auto a = std::make_shared<std::set<std::string>>();
  auto b = std::make_shared<std::set<std::string>>();
  const auto sa = scenario_of(truth, a);
  const auto sb = scenario_of(p, b);
  c.dfs = explore(sa, "dfs", 0, 1, 0, dfs_max);
  if (c.dfs.stop_reason != "space exhausted") return c;
  c.dpor = explore(sb, "dpor");
  c.dfs_outcomes = *a;
  c.dpor_outcomes = *b;
  return c;
}

}  // namespace lsmc::dpor_test
