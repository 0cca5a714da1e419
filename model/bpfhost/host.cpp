#include "model/bpfhost/host.hpp"

#include <algorithm>
#include <cstring>

#include "model/bpfhost/abi.hpp"
#include "model/linux/local_storage.hpp"

extern "C" {
#include "model/bpfhost/include/vmlinux.h"
}

namespace lsmc::model::bpfhost {

namespace {

thread_local Host* g_current = nullptr;

constexpr std::size_t kPage = 4096;
constexpr int kFirstFd = 100;

std::string_view kind_name(Kind k) {
  switch (k) {
    case Kind::kPlainRead: return "plain load";
    case Kind::kPlainWrite: return "plain store";
    case Kind::kMarkedRead: return "marked load";
    case Kind::kMarkedWrite: return "marked store";
    case Kind::kRmw: return "atomic";
  }
  return "?";
}

Op op_of(Kind k) {
  switch (k) {
    case Kind::kPlainRead:
    case Kind::kMarkedRead: return Op::kRead;
    case Kind::kPlainWrite:
    case Kind::kMarkedWrite: return Op::kWrite;
    case Kind::kRmw: return Op::kRmw;
  }
  return Op::kYield;
}

bool writes(Kind k) { return k == Kind::kPlainWrite || k == Kind::kMarkedWrite || k == Kind::kRmw; }

// KCSAN's default (CONFIG_KCSAN_ASSUME_PLAIN_WRITES_ATOMIC=y): an aligned plain store of at most a
// word counts as marked; a race needs a plain load, or a wider or unaligned plain store.
bool plain(Kind k, uintptr_t begin, uintptr_t end) {
  if (k == Kind::kPlainRead) return true;
  return k == Kind::kPlainWrite && (end - begin > 8 || begin % (end - begin) != 0);
}

// The program type of a section, as libbpf's section table gives it (the ones lsmc runs).
mk::ProgType prog_type(std::string_view section) {
  if (section == "syscall") return mk::ProgType::kSyscall;
  if (section.starts_with("lsm.s/")) return mk::ProgType::kLsmSleepable;
  if (section.starts_with("lsm/")) return mk::ProgType::kLsm;
  if (section.starts_with("struct_ops")) return mk::ProgType::kStructOps;
  return mk::ProgType::kTracing;  // raw_tp, tp_btf, tracepoint, fentry, fexit: the _recur protos
}

}  // namespace

struct Host::TaskMirror {
  ::task_struct t{};
  ::css_set cs{};
  mk::Task* model = nullptr;
};

struct Host::CgroupMirror {
  ::cgroup c{};
  ::kernfs_node kn{};
  mk::Cgroup* model = nullptr;
};

Host::Host(Env& env, mk::Kernel& k, std::shared_ptr<const Module> module)
    : env_(env), k_(k), module_(std::move(module)) {
  abi_link();
  module_->reset_globals();
  for (const Symbol& g : module_->globals()) add_region(g.addr, g.size, g.name, true);
  maps_.reserve(module_->maps().size());
  for (const MapDef& d : module_->maps()) {
    Map m;
    m.def = &d;
    if (d.type == kMapArray) {
      m.elem_size = (d.value_size + 7) / 8 * 8;
      m.data.assign(m.elem_size * d.max_entries / 8, 0);
      m.region = add_region(reinterpret_cast<uintptr_t>(m.data.data()), m.elem_size * d.max_entries, d.name, true);
    } else if (d.type == kMapTaskStorage || d.type == kMapCgrpStorage) {
      if (d.value_size > 8) {
        env_.fail("unsupported", "map " + d.name + ": a local-storage value of " + std::to_string(d.value_size) +
                                     " bytes (lsmc's model keeps a value of up to 8 bytes)");
      }
      m.smap = &mk::bpf_local_storage_map_alloc(env_, k_, d.type == kMapTaskStorage ? mk::OwnerKind::kTask : mk::OwnerKind::kCgroup,
                                                d.name, false);
    } else if (d.type == kMapArena) {
      arena_init(m);
    } else if (d.type != kMapArrayOfMaps && d.type != kMapRingbuf) {
      env_.fail("unsupported", "map " + d.name + " of type " + std::to_string(d.type) +
                                   ": lsmc's host build models array, task and cgroup storage, arena, ringbuf "
                                   "and array-of-maps maps");
    }
    maps_.push_back(std::move(m));
  }
  previous_ = g_current;
  g_current = this;
}

Host::~Host() {
  arena_release();
  if (g_current == this) g_current = previous_;
}

Host* Host::current() { return g_current; }

uint32_t Host::add_region(uintptr_t begin, std::size_t size, std::string name, bool objects) {
  Region r;
  r.begin = begin;
  r.end = begin + size;
  r.name = std::move(name);
  if (objects) {
    for (std::size_t off = 0; off < size; off += kPage) {
      const std::size_t words = (std::min(kPage, size - off) + 7) / 8;
      const std::string type = off == 0 ? r.name : r.name + "@" + std::to_string(off);
      r.pages.push_back(env_.alloc(module_->region_type(type, words), "lsmc: memory of the BPF C"));
    }
  }
  const auto index = static_cast<uint32_t>(regions_.size());
  regions_.push_back(std::move(r));
  const auto pos = std::upper_bound(order_.begin(), order_.end(), begin,
                                    [this](uintptr_t a, uint32_t i) { return a < regions_[i].begin; });
  order_.insert(pos, index);
  return index;
}

const Host::Region* Host::find(uintptr_t addr) const {
  auto it = std::upper_bound(order_.begin(), order_.end(), addr,
                             [this](uintptr_t a, uint32_t i) { return a < regions_[i].begin; });
  if (it == order_.begin()) return nullptr;
  const Region& r = regions_[*std::prev(it)];
  return addr < r.end ? &r : nullptr;
}

void Host::expose(mk::Selem& selem) {
  const auto addr = reinterpret_cast<uintptr_t>(&selem.value.data);
  if (std::find(exposed_.begin(), exposed_.end(), &selem) != exposed_.end()) return;
  exposed_.push_back(&selem);
  const uint32_t i = add_region(addr, sizeof(selem.value.data), "local storage value", false);
  regions_[i].selem = &selem;
}

void Host::check_race(ActorId self, const Pending& mine) {
  for (ActorId a = 0; a < pending_.size(); ++a) {
    const Pending& other = pending_[a];
    if (a == self || !other.set || other.cpu == mine.cpu) continue;
    if (other.end <= mine.begin || mine.end <= other.begin) continue;
    if (!writes(other.kind) && !writes(mine.kind)) continue;
    if (!plain(other.kind, other.begin, other.end) && !plain(mine.kind, mine.begin, mine.end)) continue;
    env_.fail("data-race", std::string(mine.label) + " (cpu " + std::to_string(mine.cpu) + ") and " +
                               std::string(other.label) + " (cpu " + std::to_string(other.cpu) + ") on " + mine.what +
                               ": concurrent, no synchronisation orders them, and one is a plain load (KCSAN's "
                               "rule, with aligned plain stores of a word taken as atomic)");
  }
}

void Host::access(uintptr_t addr, std::size_t size, Kind kind, uintptr_t pc) {
  const ActorId self = env_.self();
  if (self == kNoActor) return;  // set-up and end checks run alone
  const Region* r = find(addr);
  if (r == nullptr) return;      // the actor's own memory
  const std::string_view label = module_->label(pc, kind_name(kind));
  ObjectId obj = kNoObject;
  uint16_t field = 0;
  const uintptr_t off = addr - r->begin;
  if (r->selem != nullptr) {
    obj = r->selem->id;
    field = mk::field::kSelemData;
  } else {
    obj = r->pages[off / kPage];
    field = static_cast<uint16_t>((off % kPage) / 8);
    if (obj == kNoObject) arena_fault(*r, off, label);
  }
  Pending mine{true, addr, addr + size, kind, env_.context().cpu, label, r->name + "+" + std::to_string(off)};
  check_race(self, mine);
  if (pending_.size() <= self) pending_.resize(self + 1u);
  pending_[self] = std::move(mine);
  struct Clear {
    Host* h;
    ActorId a;
    ~Clear() { h->pending_[a].set = false; }
  } clear{this, self};
  env_.access({obj, field, op_of(kind)}, label);
}

void Host::poke(uintptr_t addr, uint64_t value, std::string_view label) {
  const ActorId self = env_.self();
  const Region* r = find(addr);
  if (self != kNoActor && r != nullptr && r->selem == nullptr) {
    const uintptr_t off = addr - r->begin;
    env_.access({r->pages[off / kPage], static_cast<uint16_t>((off % kPage) / 8), Op::kWrite}, label);
  }
  __atomic_store_n(reinterpret_cast<uint64_t*>(addr), value, __ATOMIC_SEQ_CST);
}

// The lock is made at its first use. Making it is a scheduling point (where another CPU, or an
// interrupt on this one, may come to the same lock): the first made wins, a second is left unused.
ObjectId Host::lock_at(uintptr_t addr) {
  if (const auto it = locks_.find(addr); it != locks_.end()) return it->second;
  const ObjectId made = env_.new_lock(LockKind::kSpinIrq, "bpf_spin_lock");
  return locks_.try_emplace(addr, made).first->second;
}

::task_struct* Host::task(mk::Task& t) {
  for (auto& m : tasks_) {
    if (m->model == &t) return &m->t;
  }
  auto m = std::make_unique<TaskMirror>();
  m->model = &t;
  m->t.pid = t.pid != nullptr ? t.pid->nr : 0;
  m->t.tgid = m->t.pid;
  m->t.cgroups = &m->cs;
  m->t.real_parent = &m->t;
  m->t.group_leader = &m->t;
  std::strncpy(m->t.comm, t.name.c_str(), sizeof(m->t.comm) - 1);
  m->t.lsmc_owner = &t;
  tasks_.push_back(std::move(m));
  return &tasks_.back()->t;
}

void Host::set_task_cgroup(mk::Task& t, mk::Cgroup& c) { task(t)->cgroups->dfl_cgrp = cgroup(c); }

::cgroup* Host::cgroup(mk::Cgroup& c) {
  for (auto& m : cgroups_) {
    if (m->model == &c) return &m->c;
  }
  auto m = std::make_unique<CgroupMirror>();
  m->model = &c;
  m->kn.id = c.kn_id;
  m->c.kn = &m->kn;
  m->c.level = 1;
  m->c.lsmc_owner = &c;
  cgroups_.push_back(std::move(m));
  return &cgroups_.back()->c;
}

mk::Task* Host::task_of(const ::task_struct* t) const {
  return t != nullptr ? static_cast<mk::Task*>(t->lsmc_owner) : nullptr;
}

mk::Cgroup* Host::cgroup_of(const ::cgroup* c) const {
  return c != nullptr ? static_cast<mk::Cgroup*>(c->lsmc_owner) : nullptr;
}

int Host::pidfd(mk::Task& t) {
  fds_.push_back(mk::pidfd_open(t));
  return kFirstFd + static_cast<int>(fds_.size()) - 1;
}

int Host::cgroup_fd(mk::Cgroup& c) {
  fds_.push_back(mk::Fd{mk::Fd::Kind::kCgroup, nullptr, &c});
  return kFirstFd + static_cast<int>(fds_.size()) - 1;
}

std::optional<mk::Fd> Host::fd(int fd) const {
  if (fd < kFirstFd || fd - kFirstFd >= static_cast<int>(fds_.size())) return std::nullopt;
  return fds_[static_cast<std::size_t>(fd - kFirstFd)];
}

void Host::set_actor_task(ActorId actor, mk::Task* t) {
  if (actor_task_.size() <= actor) actor_task_.resize(actor + 1u, nullptr);
  actor_task_[actor] = t;
}

const mk::ProgCtx* Host::prog() const {
  const auto it = frames_.find(env_.self());
  return it == frames_.end() || it->second.empty() ? nullptr : it->second.back().ctx;
}

::task_struct* Host::current_task() {
  const ActorId self = env_.self();
  const auto it = frames_.find(self);
  mk::Task* t = it != frames_.end() && !it->second.empty() ? it->second.back().task : nullptr;
  if (t == nullptr && self < actor_task_.size()) t = actor_task_[self];
  if (t == nullptr) env_.fail("model-error", "bpf_get_current_task_btf(): the scenario gave this actor no task");
  return task(*t);
}

long Host::run(std::string_view name, void* ctx, mk::Task* current) {
  const ProgDef* p = module_->program(name);
  if (p == nullptr) env_.fail("model-error", "the host build has no program " + std::string(name));
  const auto fn = reinterpret_cast<int (*)(void*)>(p->fn);
  const ActorId self = env_.self();
  long rc = 0;
  k_.run_prog(
      env_, prog_type(p->section),
      [&](Env&, const mk::ProgCtx& c) {
        frames_[self].push_back({&c, current});
        struct Pop {
          Host* h;
          ActorId a;
          ~Pop() { h->frames_[a].pop_back(); }
        } pop{this, self};
        rc = fn(ctx);
      },
      current != nullptr ? mk::Ref<mk::Task>::of(current) : mk::Ref<mk::Task>{});
  return rc;
}

Host::Map* Host::map_at(const void* def) {
  for (Map& m : maps_) {
    if (m.def->addr == reinterpret_cast<uintptr_t>(def)) return &m;
  }
  return nullptr;
}

Host::Map* Host::map_named(std::string_view name) {
  for (Map& m : maps_) {
    if (m.def->name == name) return &m;
  }
  return nullptr;
}

void* Host::array_elem(Map& m, uint32_t key) {
  if (key >= m.def->max_entries) return nullptr;
  return reinterpret_cast<uint8_t*>(m.data.data()) + static_cast<std::size_t>(key) * m.elem_size;
}

void* Host::ring_reserve(Map& m, uint64_t size) {
  if (size == 0 || size > m.def->max_entries) return nullptr;
  auto r = std::make_unique<Record>();
  r->map = &m;
  r->bytes.assign(size, 0);
  records_.push_back(std::move(r));
  return records_.back()->bytes.data();
}

void Host::ring_commit(void* record, bool submit) {
  for (auto it = records_.rbegin(); it != records_.rend(); ++it) {
    if ((*it)->bytes.data() != record) continue;
    if (!(*it)->open) env_.fail("ringbuf", "a ring buffer record is submitted or discarded twice");
    (*it)->open = false;
    (*it)->submitted = submit;
    return;
  }
  env_.fail("ringbuf", "bpf_ringbuf_submit/discard of memory bpf_ringbuf_reserve did not return");
}

std::vector<const std::vector<uint8_t>*> Host::ring_records(const Map& m) const {
  std::vector<const std::vector<uint8_t>*> out;
  for (const auto& r : records_) {
    if (r->map == &m && r->submitted) out.push_back(&r->bytes);
  }
  return out;
}

}  // namespace lsmc::model::bpfhost
