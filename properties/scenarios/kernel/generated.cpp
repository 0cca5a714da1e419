// The generated kernel scenario: its shape is all parameters, so RapidCheck (lsmc generate) can
// draw it from the model's whole vocabulary and shrink a finding to the smallest one.
//
// Up to three actors run programs of operations written as decimal digits (--param a0=26: a get
// with F_CREATE, then a syscall delete), each in a program type of its own (p0..p2); a program
// may be attached at any attach point of the table (fentry/fexit of every traceable modelled
// function, tp_btf, LSM hooks: --param attach=N), the task may fork (fork=1, with every bailout of
// copy_process a fault point), values may carry a bpf_spin_lock, the machine may lack
// cmpxchg_double, and faults are injected where the kernel injects them (--set faults_max=N).
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "model/linux/map_create.hpp"
#include "model/linux/special_fields.hpp"
#include "properties/scenarios/generated_owners.hpp"
#include "properties/scenarios/kernel_helpers.hpp"

namespace lsmc::properties::scenarios {

namespace {

// Program types an actor's program operations run in (param p0..p2).
enum class Ctx : int64_t { kTracing = 0, kLsm = 1, kLsmSleepable = 2, kStructOpsUnderRqLock = 3 };

struct Gen {
  mk::Smap* a = nullptr;
  mk::Smap* b = nullptr;
  mk::Task* t = nullptr;
  mk::Task* q = nullptr;  // owners=2: a second task, the target of actor 1's operations
  RqLocks* rq = nullptr;
  bool spin_lock = false;
  int seed_errno = 0;  // the seeding update's errno (checked once actors run)
  bool must_find = false;  // map a's element exists from the start and nothing deletes it
  int done = 0;
  bool closing = false;  // close=1: the maps' last references go now
  GenOwners owners;      // sk=1, inode=1: a socket and an inode with storage of their own
};

// percpu=1: a program's get F_CREATE stores a new percpu object in the value (p =
// bpf_percpu_obj_new(); old = bpf_kptr_xchg(&v->pc, p); if (old) bpf_percpu_obj_drop(old)).
void store_percpu(Env& e, World& w, Ref<mk::Selem> sdata) {
  const Ref<mk::PercpuObj> p = mk::bpf_percpu_obj_new_impl(e, w.k);
  if (!p) return;
  e.probe("percpu kptr stored");
  if (const Ref<mk::PercpuObj> old = mk::bpf_kptr_xchg(e, w.k, sdata, p)) mk::bpf_percpu_obj_drop_impl(e, w.k, old);
}

// Every get that returns a value with a percpu kptr counts in it: `p = v->pc;
// bpf_this_cpu_ptr(p)->n++`, inside an RCU read section (a sleepable program takes
// bpf_rcu_read_lock() for it, as the verifier demands).
void use_percpu(Env& e, World& w, const ProgCtx& c, Ref<mk::Selem> sdata) {
  if (c.sleepable) mk::bpf_rcu_read_lock(e, w.k);
  if (const Ref<mk::PercpuObj> p = mk::percpu_kptr_load(e, sdata, "generated: p = v->pc")) {
    mk::percpu_obj_store(e, p, "generated: bpf_this_cpu_ptr(p)->n++");
  }
  if (c.sleepable) mk::bpf_rcu_read_unlock(e, w.k);
}

// Runs a BPF program of the actor's type: struct_ops under the CPU's rq lock (a raw spinlock),
// as sched_ext callbacks run.
void run_in_ctx(Env& e, World& w, Gen& g, Ctx ctx, const mk::ProgBody& body) {
  switch (ctx) {
    case Ctx::kTracing: w.k.run_prog(e, ProgType::kTracing, body); break;
    case Ctx::kLsm: w.k.run_prog(e, ProgType::kLsm, body); break;
    case Ctx::kLsmSleepable: w.k.run_prog(e, ProgType::kLsmSleepable, body); break;
    case Ctx::kStructOpsUnderRqLock: {
      const uint16_t cpu = e.context().cpu;
      e.lock(g.rq->lock[cpu], "rq_lock");
      w.k.run_prog(e, ProgType::kStructOps, body);
      e.unlock(g.rq->lock[cpu], "rq_unlock");
      break;
    }
  }
}

// A helper call of a program: get (maybe F_CREATE) or delete, on `task` (NULL allowed: helpers
// take ARG_PTR_TO_BTF_ID_OR_NULL).
// `must_find`: the element exists and nothing deletes it, so a get must return it whatever the
// busy counter says (6.18's get, recursive or not, looks up even when it may not create; bug 6
// made busy fail the lookup too).
void prog_op(Env& e, World& w, const ProgCtx& c, mk::Smap& m, Ref<mk::Task> task, int op, bool sleep,
             bool must_find) {
  if (op == 3) {
    mk::prog_task_storage_delete(e, w.k, c, m, task);
    return;
  }
  const auto sdata = mk::prog_task_storage_get(e, w.k, c, m, task, op == 2 ? mk::kGetFCreate : 0);
  e.check(bool(sdata) || !must_find, "spec",
          std::string(mk::to_string(c.type)) + " program's get of an existing element in " + m.name +
              " returned NULL (nothing deletes it)");
  if (!sdata) return;
  if (op == 2 && m.has_kptr) {
    // kptr=1: the value keeps a reference to the task (old = bpf_kptr_xchg(&v->task,
    // bpf_task_acquire(task)); if (old) bpf_task_release(old)), which bpf_obj_free_fields() drops
    // when the element goes.
    if (const Ref<mk::Task> held = mk::bpf_task_acquire(e, w.k, task)) {
      e.probe("kptr stored");
      if (const Ref<mk::Task> old = mk::bpf_kptr_xchg(e, w.k, sdata, held)) mk::bpf_task_release(e, w.k, old);
    }
  }
  if (m.has_percpu_kptr) {
    if (op == 2) store_percpu(e, w, sdata);
    use_percpu(e, w, c, sdata);
  }
  if (sleep) e.might_sleep("bpf_copy_from_user");
  e.yield("generated: work while holding sdata");
  read_value(e, sdata, "generated: *sdata", &w.k);
}

// Digits: 1 get, 2 get F_CREATE, 3 helper delete (programs of the actor's type), 4 syscall
// lookup, 5 syscall update BPF_ANY (with a spin lock: a garbage lock word, then BPF_F_LOCK),
// 6 syscall delete, 7 sleepable LSM get held across a sleep, 8 get F_CREATE on map b, 9 syscall
// delete on map b; 0 does nothing.
void run_op(Env& e, World& w, Gen& g, Ctx ctx, mk::Task& owner, bool null_task, int op) {
  mk::Smap& a = *g.a;
  const Ref<mk::Task> task = null_task ? Ref<mk::Task>{} : ref(owner);
  // A program reaches the task p as its hook's task; another task (q, which may exit meanwhile)
  // it reaches as programs do, by pid with a reference held across the helper call.
  auto prog = [&](Ctx type, mk::Smap& m, int helper_op, bool sleep) {
    const bool must_find = g.must_find && &m == g.a && task && &owner == g.t;
    run_in_ctx(e, w, g, type, [&](Env& e2, const ProgCtx& c) {
      if (&owner == g.t || !task) {
        prog_op(e2, w, c, m, task, helper_op, sleep, must_find);
        return;
      }
      const Ref<mk::Task> held = mk::bpf_task_from_pid(e2, w.k, *owner.pid);
      if (!held) return;
      prog_op(e2, w, c, m, held, helper_op, sleep, must_find);
      mk::bpf_task_release(e2, w.k, held);
    });
  };
  switch (op) {
    case 1: case 2: case 3: prog(ctx, a, op, false); break;
    case 4: mk::sys_map_lookup_elem(e, w.k, a, pidfd_of(owner), 0); break;
    case 5:
      if (g.spin_lock) {
        if (mk::sys_map_update_elem(e, w.k, a, pidfd_of(owner), mk::Value{50, 1}, mk::kBpfAny) == 0) {
          mk::sys_map_update_elem(e, w.k, a, pidfd_of(owner), mk::Value{51, 0}, mk::kBpfFLock);
        }
      } else {
        mk::sys_map_update_elem(e, w.k, a, pidfd_of(owner), mk::Value{50, 0}, mk::kBpfAny);
      }
      break;
    case 6: mk::sys_map_delete_elem(e, w.k, a, pidfd_of(owner)); break;
    case 7: prog(Ctx::kLsmSleepable, a, 1, true); break;
    case 8: prog(ctx, *g.b, 2, false); break;
    case 9: mk::sys_map_delete_elem(e, w.k, *g.b, pidfd_of(owner)); break;
    default: break;  // 0: a pause in the program, nothing to do
  }
}

// The create=N actor: map_create() of a task storage map with the value's fields, then a get
// F_CREATE on p from a tracing program and a syscall delete, then the fd's close (the map's last
// reference: bpf_map_free_deferred()).
void create_and_use_map(Env& e, World& w, Gen& g, int64_t create) {
  mk::MapAttr attr;
  attr.name = "map_c";
  attr.fields.spin_lock = create == 2;
  attr.fields.timer = create == 3;
  attr.fields.percpu_kptr = create == 4;
  const uint64_t faults = e.faults_injected();
  const mk::SmapOrErr r = mk::map_create(e, w.k, attr);
  if (create == 3) {
    e.check(r.err == mk::kEOPNOTSUPP || e.faults_injected() > faults, "spec",
            "map_create of a task storage map with a bpf_timer in its value returned errno " + std::to_string(r.err) +
                ", not EOPNOTSUPP");
    return;
  }
  check_unless_faulted(e, faults, r.err == 0, "map_create failed with errno " + std::to_string(r.err) + " and no fault injected");
  if (r.map == nullptr) return;
  mk::Smap& c = *r.map;
  e.probe("map created at run time");
  w.k.run_prog(e, ProgType::kTracing, [&](Env& e2, const ProgCtx& ctx) {
    prog_op(e2, w, ctx, c, ref(*g.t), 2, false, false);
  });
  mk::sys_map_delete_elem(e, w.k, c, pidfd_of(*g.t));
  mk::bpf_map_free_deferred(e, w.k, c);
}

std::vector<int> digits(int64_t program) {
  std::vector<int> ops;
  for (int64_t rest = program; rest > 0; rest /= 10) ops.insert(ops.begin(), static_cast<int>(rest % 10));
  return ops;
}

bool has_delete(const std::vector<int>& ops) {
  for (int op : ops) {
    if (op == 3 || op == 6 || op == 9) return true;
  }
  return false;
}

// The program attached at attach point `index` (1-based into mk::attach_points()): one helper
// call (attach_op 1 get, 2 get F_CREATE, 3 delete, 4 get F_CREATE on map b) on the hooked
// function's task argument, or on the scenario's task when the function has none. At fexit of a
// function that may free its argument (free_task, put_task_struct, ...) the program uses the
// scenario's task instead: the verifier hands the dangling pointer over, but a use of it is the
// program's own bug, not the kernel's.
void attach_program(World& w, Gen& g, int64_t index, int64_t op) {
  const mk::AttachPoint& point = mk::attach_points()[static_cast<std::size_t>(index - 1)];
  const ProgType type = point.kind == mk::AttachKind::kLsm ? ProgType::kLsm : ProgType::kTracing;
  const bool use_arg = point.kind != mk::AttachKind::kFexit || !mk::info(point.function).frees_arg;
  w.k.attach(point.function, point.kind, type, [&w, &g, op, use_arg](Env& e, const ProgCtx& c) {
    const Ref<mk::Task> task = use_arg && c.task ? c.task : ref(*g.t);
    mk::Smap& m = op == 4 ? *g.b : *g.a;
    prog_op(e, w, c, m, task, op == 4 ? 2 : static_cast<int>(op), false, g.must_find && &m == g.a && task == ref(*g.t));
  }, 2);
}

// The spec the generated scenario checks at the end of its programs: with the task's storage
// present from the start (seeded) and nothing deleted, a creation a top-level program or syscall
// asked for cannot fail unless a fault was injected, so the element exists (bugs 6, 7 and 13 are
// spurious failures of exactly this kind). Nested programs may legitimately be refused (the busy
// counter), so they do not count.
void check_created(Env& e, World& w, const Gen& g, const std::vector<bool>& wanted) {
  if (e.faults_injected() > 0) return;
  mk::Smap* const maps[2] = {g.a, g.b};
  for (int i = 0; i < 2; ++i) {
    if (!wanted[static_cast<std::size_t>(i)]) continue;
    const mk::LookupResult r = mk::sys_map_lookup_elem(e, w.k, *maps[i], pidfd_of(*g.t), 0);
    e.check(r.err == 0, "spec",
            std::string("a creation in ") + maps[i]->name + " failed with no fault injected and nothing deleted "
            "(lookup afterwards: errno " + std::to_string(r.err) + ")");
  }
}

// What the set-up learns for the end: how many actors to wait for, whether anything deletes, and
// which maps the task p's creations were asked for in (check_created).
struct Plan {
  int workers = 0;
  bool deletes = false;
  std::vector<bool> wanted = std::vector<bool>(2, false);
};

mk::Knobs generated_knobs(sim::Setup& s, uint32_t cpus) {
  mk::Knobs knobs = knobs_with(cpus);
  knobs.preempt_rt = s.params().get("rt") != 0;
  knobs.rcu_trace_implies_rcu_gp = s.params().get("gp_implied") != 0;
  knobs.cmpxchg_double = s.params().get("cmpxchg_double") != 0;
  // busy=1: the fix of bug 7 (no busy counter shared by unrelated tasks), so that a spurious
  // failure is a finding; busy-spurious-ebusy is the 6.18 counter put back.
  knobs.busy_per_task = s.params().get("busy") != 0;
  knobs.lock_timeouts = static_cast<uint8_t>(s.params().get("timeouts"));
  return knobs;
}

// The maps, the tasks (p, and q with owners=2), their seeded elements, the socket and the inode,
// and the attached program. Returns whether the owners were seeded.
bool setup_generated(sim::Setup& s, World& w, Gen& g, uint32_t cpus) {
  Env& env = s.env();
  g.spin_lock = s.params().get("spin_lock") != 0;
  g.a = &task_map(env, w, "map_a", g.spin_lock);
  g.b = &task_map(env, w, "map_b");
  g.a->has_kptr = s.params().get("kptr") != 0;
  g.a->has_percpu_kptr = s.params().get("percpu") != 0;
  g.t = &mk::task_for_scenario(env, w.k, "p", 100);
  if (s.params().get("owners") > 1) g.q = &mk::task_for_scenario(env, w.k, "q", 101);
  g.rq = &s.make<RqLocks>(env, cpus);
  const bool seeded = s.params().get("seeded") != 0;
  if (seeded) {
    const mk::SdataOrErr r = mk::bpf_local_storage_update(env, w.k, Ref<mk::Owner>{g.t, g.t->id}, *g.a,
                                                          mk::Value{7, 0}, mk::kBpfAny, mk::Gfp::kAtomic);
    g.seed_errno = r.err;
    if (g.q != nullptr) {
      const mk::SdataOrErr rq = mk::bpf_local_storage_update(env, w.k, Ref<mk::Owner>{g.q, g.q->id}, *g.a,
                                                             mk::Value{8, 0}, mk::kBpfAny, mk::Gfp::kAtomic);
      if (g.seed_errno == 0) g.seed_errno = rq.err;
    }
  }
  setup_gen_owners(env, w, g.owners, s.params().get("sk") != 0, s.params().get("inode") != 0, seeded);
  const int64_t attach = s.params().get("attach");
  if (attach > 0) attach_program(w, g, attach, s.params().get("attach_op"));
  return seeded;
}

// Actors 0..2 run their digit programs (a0..a2) in their program types (p0..p2).
void spawn_program_actors(sim::Setup& s, World& w, Gen& g, uint32_t cpus, Plan& plan) {
  const bool null_task = s.params().get("null_task") != 0;
  plan.deletes = s.params().get("attach") > 0 && s.params().get("attach_op") == 3;
  for (int i = 0; i < 3; ++i) {
    const std::vector<int> ops = digits(s.params().get("a" + std::to_string(i)));
    if (ops.empty()) continue;
    const Ctx ctx = static_cast<Ctx>(s.params().get("p" + std::to_string(i)));
    const bool null_here = null_task && i == 0;
    mk::Task& owner = i == 1 && g.q != nullptr ? *g.q : *g.t;
    plan.deletes = plan.deletes || has_delete(ops);
    for (int op : ops) {
      if (&owner != g.t) break;  // the creations check_created looks for are the task p's
      if ((op == 2 && !null_here) || op == 5) plan.wanted[0] = true;
      if (op == 8 && !null_here) plan.wanted[1] = true;
    }
    ++plan.workers;
    spawn_work(s, w, "actor" + std::to_string(i), static_cast<uint16_t>(static_cast<uint32_t>(i) % cpus),
               [&w, &g, ctx, &owner, null_here, ops](Env& e) {
                 for (int op : ops) run_op(e, w, g, ctx, owner, null_here, op);
                 ++g.done;
               });
  }
}

// The task forks (fork=1): the child exits and is reaped at once.
void spawn_fork(sim::Setup& s, World& w, Gen& g, uint32_t cpus, Plan& plan) {
  ++plan.workers;
  // A failed fork with a program at fexit of bpf_task_storage_free is the declared finding
  // fork-failure-fexit-create: that combination forks without fault points, so that generate
  // keeps finding what is new (and bug 3 on the reaped child's path).
  const int64_t attach_at = s.params().get("attach");
  const bool known = attach_at > 0 && [&] {
    const mk::AttachPoint& p = mk::attach_points()[static_cast<std::size_t>(attach_at - 1)];
    return p.kind == mk::AttachKind::kFexit && p.function == mk::fn("bpf_task_storage_free");
  }();
  spawn_work(s, w, "fork", cpus > 1 ? 1 : 0, [&w, &g, known](Env& e) {
    mk::ForkPlan fork;
    fork.pid_nr = 200;
    fork.faults = !known;
    if (mk::Task* child = mk::copy_process(e, w.k, *g.t, fork)) {
      mk::do_exit(e, w.k, *child);
      mk::release_task(e, w.k, *child);
    }
    ++g.done;
  });
}

// The fork, the map creator, the socket and inode actors, and q's early exit, as drawn.
void spawn_other_actors(sim::Setup& s, World& w, Gen& g, uint32_t cpus, Plan& plan) {
  if (s.params().get("fork") != 0) spawn_fork(s, w, g, cpus, plan);
  // create=N: an actor makes a third map at run time (BPF_MAP_CREATE, every step a fault point),
  // uses it from a program and a syscall, and closes it: 1 a plain value, 2 a bpf_spin_lock, 3 a
  // bpf_timer (refused: EOPNOTSUPP, unwound through map_free), 4 a percpu kptr.
  if (const int64_t create = s.params().get("create"); create > 0) {
    ++plan.workers;
    spawn_work(s, w, "create_map", cpus > 1 ? 1 : 0, [&w, &g, create](Env& e) {
      create_and_use_map(e, w, g, create);
      ++g.done;
    });
  }
  // sk=1 / inode=1: their actors' digits (as, ai), on CPUs 1 and 0.
  const std::pair<const char*, bool> owner_actors[2] = {{"as", g.owners.sk != nullptr}, {"ai", g.owners.inode != nullptr}};
  for (const auto& [param, present] : owner_actors) {
    const std::vector<int> ops = digits(s.params().get(param));
    if (!present || ops.empty()) continue;
    ++plan.workers;
    const bool sock = std::string_view(param) == "as";
    spawn_work(s, w, sock ? "sk_actor" : "inode_actor", sock && cpus > 1 ? 1 : 0, [&w, &g, ops, sock](Env& e) {
      for (int op : ops) sock ? run_sk_op(e, w, g.owners, op) : run_inode_op(e, w, g.owners, op);
      ++g.done;
    });
  }
  // q_exit=1: the second task exits and is reaped while the programs run (and may fire on its
  // free path); 0: with the first, at teardown.
  if (g.q != nullptr && s.params().get("q_exit") != 0) {
    ++plan.workers;
    spawn_work(s, w, "exit_q", cpus > 2 ? 2 : 0, [&w, &g](Env& e) {
      mk::do_exit(e, w.k, *g.q);
      mk::release_task(e, w.k, *g.q);
      ++g.done;
    });
  }
}

// The end: the spec check, then (teardown) the programs are detached, the socket and the inode
// closed, the task exits and the maps are freed once no program can run (a program's maps live as
// long as the program); with close=1 another actor frees the maps while the task exits.
void spawn_teardown(sim::Setup& s, World& w, Gen& g, uint32_t cpus, const Plan& plan, bool check) {
  const bool teardown = s.params().get("teardown") != 0;
  const bool close_apart = s.params().get("close") != 0;
  mk::Task* const q_at_teardown = g.q != nullptr && s.params().get("q_exit") == 0 ? g.q : nullptr;
  spawn_work(s, w, "teardown", 0, [&w, &g, plan, teardown, check, close_apart, q_at_teardown](Env& e) {
    e.check(g.seed_errno == 0, "spec",
            "the syscall update that seeds map_a failed with errno " + std::to_string(g.seed_errno));
    e.wait_until([&g, &plan] { return g.done == plan.workers; }, "generated: actors done");
    if (check) check_created(e, w, g, plan.wanted);
    if (!teardown) return;
    w.k.detach_all();
    w.k.rcu.synchronize(e, model::RcuFlavour::kRcu);
    w.k.rcu.synchronize(e, model::RcuFlavour::kTasksTrace);
    teardown_gen_owners(e, w, g.owners);
    g.closing = close_apart;  // close=1: user space closes the maps while the task exits
    mk::do_exit(e, w.k, *g.t);
    mk::release_task(e, w.k, *g.t);
    if (close_apart) return;
    if (q_at_teardown != nullptr) {
      mk::do_exit(e, w.k, *q_at_teardown);
      mk::release_task(e, w.k, *q_at_teardown);
    }
    mk::bpf_map_free_deferred(e, w.k, *g.a);
    mk::bpf_map_free_deferred(e, w.k, *g.b);
  });
  if (!teardown || !close_apart) return;
  spawn_work(s, w, "close_maps", cpus > 1 ? 1 : 0, [&w, &g](Env& e) {
    e.wait_until([&g] { return g.closing; }, "generated: the programs are detached");
    mk::bpf_map_free_deferred(e, w.k, *g.a);
    mk::bpf_map_free_deferred(e, w.k, *g.b);
  });
  if (q_at_teardown == nullptr) return;
  // The second task exits too, on its own CPU, while the first exits and the maps go.
  spawn_work(s, w, "exit_q", cpus > 2 ? 2 : 0, [&w, &g, q_at_teardown](Env& e) {
    e.wait_until([&g] { return g.closing; }, "generated: the programs are detached");
    mk::do_exit(e, w.k, *q_at_teardown);
    mk::release_task(e, w.k, *q_at_teardown);
  });
}

void build_generated(sim::Setup& s) {
  const auto cpus = static_cast<uint32_t>(s.params().get("cpus"));
  const mk::Knobs knobs = generated_knobs(s, cpus);
  World& w = make_world(s, {knobs, s.params().get("teardown") != 0});
  Gen& g = s.make<Gen>();
  const bool seeded = setup_generated(s, w, g, cpus);
  Plan plan;
  spawn_program_actors(s, w, g, cpus, plan);
  spawn_other_actors(s, w, g, cpus, plan);
  // 6.18's per-CPU busy counter fails creations spuriously (bug 7, present in 6.18): no check.
  // 7.0 has no busy counter; a creation fails there only when a lock times out.
  const bool check = seeded && !plan.deletes &&
                     (s.profile() == "linux-7.0" ? knobs.lock_timeouts == 0 : knobs.busy_per_task);
  g.must_find = seeded && !plan.deletes;
  spawn_teardown(s, w, g, cpus, plan, check);
}

}  // namespace

void register_generated(sim::Catalog& c) {
  const auto points = static_cast<int64_t>(mk::attach_points().size());
  auto scenario = std::make_unique<FunctionScenario>(
      "generated",
      "a generated scenario: up to three actors running operations given as digits (1 get, 2 get F_CREATE, "
      "3 helper delete, 4 lookup, 5 update, 6 delete, 7 sleepable get, 8 get F_CREATE on map b, 9 delete on "
      "map b) in program types p0..p2, a program at any attach point, a fork with its failure paths, a socket and an "
      "inode with storage and actors of their own (sk, inode), a map created at run time (create); "
      "RapidCheck generates and shrinks these (lsmc generate)",
      build_generated,
      std::vector<sim::ParamSpec>{
          {"a0", 26, 0, 99999, "actor 0's operations, one digit each, run left to right (0: no actor)"},
          {"a1", 6, 0, 99999, "actor 1's operations"},
          {"a2", 0, 0, 99999, "actor 2's operations"},
          {"p0", 0, 0, 3, "actor 0's program type: 0 tracing, 1 LSM, 2 sleepable LSM, 3 struct_ops under the rq lock", true},
          {"p1", 0, 0, 3, "actor 1's program type", true},
          {"p2", 0, 0, 3, "actor 2's program type", true},
          {"cpus", 2, 1, 3, "CPUs; actor i runs on CPU i % cpus"},
          {"seeded", 1, 0, 1, "1: the task (and q) starts with an element in map a"},
          {"teardown", 1, 0, 1, "1: afterwards the task exits and both maps are freed (leaks checked)"},
          {"rt", 0, 0, 1, "1: CONFIG_PREEMPT_RT"},
          {"gp_implied", 1, 0, 1, "1: a Tasks Trace grace period implies an RCU one (rcu_trace_implies_rcu_gp)"},
          {"attach", 0, 0, points, "a program attached at this attach point (lsmc list --attach-points; 0: none)", true},
          {"attach_op", 2, 1, 4, "what the attached program does: 1 get, 2 get F_CREATE, 3 delete, 4 get F_CREATE on map b", true},
          {"fork", 0, 0, 1, "1: the task forks and the child exits (every copy_process bailout is a fault point)"},
          {"spin_lock", 0, 0, 1, "1: map a's value has a bpf_spin_lock (update 5 writes a garbage lock word, then BPF_F_LOCK)", true},
          {"cmpxchg_double", 1, 0, 1, "0: the machine has no cmpxchg_double (riscv64)", true},
          {"null_task", 0, 0, 1, "1: actor 0's programs pass a NULL task to the helpers"},
          {"busy", 1, 0, 1, "busy counters: 0 per CPU (6.18 as shipped, bug 7), 1 per task (its fix)", true},
          {"close", 0, 0, 1, "1: at teardown the maps are freed by another actor while the task exits (0: after it)"},
          {"owners", 1, 1, 2, "2: a second task q, the target of actor 1's operations"},
          {"q_exit", 0, 0, 1, "owners=2: when q exits and is reaped: 0 with p at teardown, 1 while the programs run"},
          {"kptr", 0, 0, 1, "1: map a's value has a task kptr; a program's get F_CREATE (2) stores a reference to the task in it", true},
          {"timeouts", 0, 0, 3, "7.0: contended rqspinlocks that may time out: 1 local_storage->lock, 2 b->lock, 3 both", true},
          {"percpu", 0, 0, 1, "1: map a's value has a percpu kptr; get F_CREATE (2) stores a new percpu object, every get counts in it", true},
          {"create", 0, 0, 4, "an actor creates map c at run time, uses it and closes it: 1 plain value, 2 bpf_spin_lock, 3 bpf_timer (refused), 4 percpu kptr; 0 none"},
          {"sk", 0, 0, 1, "1: a socket s with an sk storage map (BPF_F_CLONE), seeded like p, closed at teardown"},
          {"as", 0, 0, 99999, "sk=1: the socket actor's digits: 1 program get F_CREATE, 2 update, 3 delete, 4 helper delete, 5 clone, 6 close"},
          {"inode", 0, 0, 1, "1: an inode i with an inode storage map, seeded like p, its file closed at teardown"},
          {"ai", 0, 0, 99999, "inode=1: the inode actor's digits: 1 LSM program get F_CREATE, 2 update, 3 delete, 4 helper delete, 5 close (evict)"},
      });
  scenario->set_profiles({"linux-6.18", "linux-7.0"});
  c.add(std::move(scenario));
}

}  // namespace lsmc::properties::scenarios
