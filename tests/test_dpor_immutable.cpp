// Reads of immutable fields (Env::immutable): no scheduling point, taken to run with the actor's
// next step (sim/execution_immutable.cpp). DPOR with them reaches what DFS reaches without them,
// use-after-free findings included; a free between such a read and the next step is found; the
// engine refuses writes to the fields and reuse of their objects.
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "properties/lifetime.hpp"
#include "sim/execution.hpp"
#include "tests/dpor_programs.hpp"
#include "tests/rc_budget.hpp"
#include "tests/util.hpp"

namespace lsmc {
namespace {

using model::Env;
using namespace dpor_test;

constexpr std::string_view kFields[] = {"imm", "v"};
constexpr model::TypeInfo kObj{"obj", kFields};

// Two to four actors on CPUs 0..3 (so some share a CPU, where reads keep their points), one to two
// objects, two thirds of the instructions object ones (immutable reads, reads, frees).
Program random_program() {
  Program p;
  const int actors = *rc::gen::inRange(2, 5);
  p.vars = *rc::gen::inRange(1, 3);
  p.objects = *rc::gen::inRange(1, 3);
  for (int a = 0; a < actors; ++a) {
    const int len = *rc::gen::inRange(1, actors >= 3 ? 4 : 5);
    std::vector<Instr> prog;
    for (int k = 0; k < len; ++k) {
      Instr i;
      const bool object = *rc::gen::inRange(0, 3) != 0;
      i.kind = static_cast<Instr::Kind>(object ? *rc::gen::inRange(Instr::kObjFirst, Instr::kObjKinds)
                                               : *rc::gen::inRange(0, Instr::kKinds));
      const bool waits = i.kind == Instr::kWaitFlag || i.kind == Instr::kWaitDeclared || i.kind == Instr::kWaitEven ||
                         i.kind == Instr::kWaitNonzero || i.kind == Instr::kWaitEvenDeclared;
      if (a == 0 && waits) i.kind = Instr::kRead;  // actor 0 never waits
      i.var = *rc::gen::inRange(0, object ? p.objects : p.vars);
      prog.push_back(i);
    }
    p.actors.push_back(prog);
    p.cpus.push_back(static_cast<uint16_t>(*rc::gen::inRange(0, 4)));
  }
  return p;
}

struct Searched {
  sim::RunReport report;
  std::set<std::string> outcomes;  // with their use-after-free accesses (kUseAfterFree)
  std::set<std::string> states;    // the outcomes without them
  std::set<std::string> findings;  // the use-after-free accesses of every outcome
};

Searched search(const Program& p, const std::string& strategy) {
  Searched s;
  auto outcomes = std::make_shared<std::set<std::string>>();
  const auto scenario = scenario_of(p, outcomes);
  s.report = explore(scenario, strategy, 0, 1, 0, 20000);
  s.outcomes = *outcomes;
  for (const std::string& o : s.outcomes) {
    const std::size_t at = o.find(kUseAfterFree);
    s.states.insert(o.substr(0, at));
    if (at == std::string::npos) continue;
    std::stringstream rest(o.substr(at + kUseAfterFree.size()));
    for (std::string u; std::getline(rest, u, ',');) s.findings.insert(u);
  }
  return s;
}

std::string listed(const std::set<std::string>& set) {
  std::string out;
  for (const std::string& s : set) out += " [" + s + "]";
  return out;
}

// Soundness: DPOR (and DFS) with the declaration against DFS without it, every access to a freed
// object noted in the outcome (not ending the execution). Moving a read right to its actor's next
// step keeps the final state and can only add a use-after-free (a free between the two), which a
// schedule with the read late has unreduced too. So: the same final states, the same
// use-after-free accesses, and no outcome unreduced DFS does not reach; what may be missing is a
// schedule with the read early that reads an object before another actor frees it.
void immutable_reads_keep_every_outcome() {
  const Program p = random_program();
  Program truth = p;
  truth.declare_immutable = false;
  RC_TAG(p.actors.size());
  const Searched dfs = search(truth, "dfs");
  if (dfs.report.failure) RC_FAIL("a finding in " + show(truth) + ": " + dfs.report.failure->verdict.message);
  RC_PRE(dfs.report.stop_reason == "space exhausted");
  RC_CLASSIFY(!dfs.findings.empty(), "use-after-free");
  for (const std::string strategy : {"dpor", "dfs"}) {
    const Searched reduced = search(p, strategy);
    if (reduced.report.failure) RC_FAIL(strategy + ": a finding in " + show(p) + ": " + reduced.report.failure->verdict.message);
    RC_ASSERT(reduced.report.stop_reason == "space exhausted");
    if (reduced.findings != dfs.findings) {
      RC_FAIL(strategy + "'s use-after-free accesses differ for " + show(p) + ":" + listed(reduced.findings) +
              " against" + listed(dfs.findings));
    }
    const bool subset = std::includes(dfs.outcomes.begin(), dfs.outcomes.end(), reduced.outcomes.begin(), reduced.outcomes.end());
    if (!subset || reduced.states != dfs.states) {
      RC_FAIL(strategy + "'s outcomes differ for " + show(p) + ":" + listed(reduced.outcomes) + " against" +
              listed(dfs.outcomes));
    }
    RC_ASSERT(reduced.report.executions <= dfs.report.executions);
  }
}

TEST(DporProperties, ImmutableReadsKeepEveryOutcomeDfsReachesWithoutThem) {
  test::check_property([] { immutable_reads_keep_every_outcome(); }, 20);
}

// Actor "reader" writes a flag, reads obj.imm (immutable: no point) and, unless `ends`, writes a
// variable; "freer" waits for the flag, then frees obj. The free can only come between the read and
// the reader's next step (or its end): found only because the read is checked again there.
sim::RunReport free_after_the_read(const std::string& strategy, bool ends) {
  struct Objects {
    model::ObjectId obj = 0, flag = 0;
    bool set = false;
  };
  test::Lambda s([ends](sim::Setup& setup) {
    Objects& o = setup.make<Objects>();
    o.obj = setup.env().alloc(kObj, "obj");
    o.flag = setup.env().alloc(kObj, "flag");
    setup.env().immutable(o.obj, 0);
    setup.spawn("reader", [&o, ends](Env& env) {
      env.write(o.flag, 1, "set flag");
      o.set = true;
      env.read(o.obj, 0, "read obj->imm");
      if (!ends) env.write(o.flag, 0, "next step");
    }, {1});
    setup.spawn("freer", [&o](Env& env) {
      const model::Access reads[] = {{o.flag, 1, model::Op::kRead}};
      env.wait_until([&o] { return o.set; }, "flag set", reads);
      env.free(o.obj, "free obj");
    }, {2});
  });
  sim::RunRequest r;
  r.scenario = &s;
  r.config.strategy = strategy;
  r.config.preemption_bound = 100;
  r.config.executions_max = 1000;
  r.observers = properties::default_observers;
  return sim::run(r);
}

TEST(EngineImmutable, AFreeBetweenTheReadAndTheNextStepIsAUseAfterFree) {
  for (const char* strategy : {"dpor", "dfs"}) {
    const sim::RunReport r = free_after_the_read(strategy, false);
    ASSERT_TRUE(r.failure) << strategy;
    EXPECT_EQ(r.failure->verdict.property, "use-after-free") << strategy;
    EXPECT_NE(r.failure->verdict.message.find("reader read obj#1.imm in read obj->imm, freed by freer"), std::string::npos)
        << r.failure->verdict.message;
  }
}

TEST(EngineImmutable, AFreeBeforeTheActorEndsIsAUseAfterFreeToo) {
  const sim::RunReport r = free_after_the_read("dpor", true);
  ASSERT_TRUE(r.failure);
  EXPECT_EQ(r.failure->verdict.property, "use-after-free");
}

// Runs `body` as actor "a" (on CPU 1) next to an actor "b" that writes another object, under
// Steps; obj.imm is declared at set-up.
struct OneRun {
  sim::Verdict verdict;
  std::vector<sim::Event> events;
  std::vector<uint64_t> asked;
  uint64_t steps = 0;
};
OneRun run_one(const std::function<void(Env&, model::ObjectId)>& body, uint16_t b_cpu = 2) {
  test::Lambda s([&](sim::Setup& setup) {
    auto& obj = setup.make<model::ObjectId>(setup.env().alloc(kObj, "obj"));
    auto& other = setup.make<model::ObjectId>(setup.env().alloc(kObj, "other"));
    setup.env().immutable(obj, 0);
    setup.spawn("a", [&obj, body](Env& env) { body(env, obj); }, {1});
    setup.spawn("b", [&other](Env& env) {
      env.write(other, 1, "b: write");
      env.write(other, 1, "b: write");
    }, {b_cpu});
  });
  sim::Config config;
  sim::Engine engine(config);
  test::Steps strategy;
  sim::Params params;
  OneRun r;
  r.verdict = engine.run(s, params, strategy, {}, 0);
  r.events = engine.execution().events();
  r.asked = strategy.asked;
  r.steps = engine.execution().steps();
  return r;
}

TEST(EngineImmutable, AReadIsAStepAndAnEventButNoSchedulingPoint) {
  auto body = [](Env& env, model::ObjectId obj) {
    env.write(obj, 1, "a: write");
    env.read(obj, 0, "a: read imm");
    env.read(obj, 0, "a: read imm again");
    env.write(obj, 1, "a: write");
  };
  auto read_steps = [](const OneRun& r) {
    std::vector<uint64_t> steps;
    for (const sim::Event& e : r.events) {
      if (e.op == model::Op::kRead) steps.push_back(e.step);
    }
    return steps;
  };
  auto asked_at = [](const OneRun& r, uint64_t step) { return std::count(r.asked.begin(), r.asked.end(), step) > 0; };
  const OneRun alone = run_one(body);
  ASSERT_EQ(alone.verdict.kind, sim::VerdictKind::kPass) << alone.verdict.message;
  EXPECT_EQ(alone.steps, 6u);  // every access counts, the reads included
  const std::vector<uint64_t> reads = read_steps(alone);
  ASSERT_EQ(reads.size(), 2u);
  for (uint64_t step : reads) EXPECT_FALSE(asked_at(alone, step)) << "the read of step " << step << " is a point";
  // On a CPU with another actor the reads keep their points.
  const OneRun shared = run_one(body, 1);
  ASSERT_EQ(shared.verdict.kind, sim::VerdictKind::kPass) << shared.verdict.message;
  EXPECT_EQ(shared.steps, 6u);
  const std::vector<uint64_t> shared_reads = read_steps(shared);
  ASSERT_EQ(shared_reads.size(), 2u);
  for (uint64_t step : shared_reads) EXPECT_TRUE(asked_at(shared, step)) << "the read of step " << step;
}

TEST(EngineImmutable, AWriteToAnImmutableFieldIsAModelError) {
  const OneRun r = run_one([](Env& env, model::ObjectId obj) { env.write(obj, 0, "a: write imm"); });
  EXPECT_EQ(r.verdict.property, "model-error");
  EXPECT_NE(r.verdict.message.find("a writes obj#1.imm in a: write imm, a field declared immutable"), std::string::npos)
      << r.verdict.message;
}

TEST(EngineImmutable, ReusingItsObjectIsAModelError) {
  const OneRun r = run_one([](Env& env, model::ObjectId obj) {
    env.free(obj, "a: free");
    env.reuse(obj, kObj, "a: reuse");
  });
  EXPECT_EQ(r.verdict.property, "model-error");
  EXPECT_NE(r.verdict.message.find("an object with immutable fields"), std::string::npos) << r.verdict.message;
}

TEST(EngineImmutable, ADeclarationByAnActorDoesNothing) {
  const OneRun r = run_one([](Env& env, model::ObjectId obj) {
    env.immutable(obj, 1);
    env.write(obj, 1, "a: write v");  // not refused: v was not declared
  });
  EXPECT_EQ(r.verdict.kind, sim::VerdictKind::kPass) << r.verdict.message;
}

}  // namespace
}  // namespace lsmc
