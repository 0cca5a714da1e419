// The mls library's platform (mls/lib/mls_sys.h) in the host build: the same mls.c runs on the
// model. A link lookup is the 6.18 model's bpf(BPF_MAP_LOOKUP_ELEM) by pidfd or cgroup fd, the
// maintenance program runs as a syscall program, and the grace period is the model's
// synchronize_rcu() (what maybe_wait_bpf_programs() runs after the mls_gp update).
#include "model/bpfhost/mls_platform.hpp"

#include <cerrno>

#include "model/bpfhost/abi.hpp"
#include "model/linux/local_storage.hpp"

namespace lsmc::model::bpfhost {

void mls_platform_anchor() {}

std::unique_ptr<struct mls> mls_open_host(Host& h) {
  Host::Map* entries = h.map_named("mls_entries");
  Host::Map* hdr = h.map_named("mls_hdr");
  if (entries == nullptr || hdr == nullptr || entries->data.empty() || hdr->data.empty()) return nullptr;
  auto m = std::make_unique<struct mls>();
  m->hdr = reinterpret_cast<__u64*>(hdr->data.data());
  m->entries = reinterpret_cast<unsigned char*>(entries->data.data());
  m->value_size = entries->def->value_size;
  m->elem_size = entries->elem_size;
  m->capacity = entries->def->max_entries;
  m->sys = &h;
  return m;
}

}  // namespace lsmc::model::bpfhost

namespace bh = lsmc::model::bpfhost;
namespace mk = lsmc::model::kernel;

extern "C" {

int mls_sys_link_lookup(struct mls* m, int fd, __u64* word) {
  bh::Host& h = *static_cast<bh::Host*>(m->sys);
  const std::optional<mk::Fd> f = h.fd(fd);
  if (!f) return -EBADF;
  bh::Host::Map* link = h.map_named(f->kind == mk::Fd::Kind::kCgroup ? "mls_cgrp_link" : "mls_task_link");
  if (link == nullptr || link->smap == nullptr) return -ENOENT;
  const mk::LookupResult r = mk::sys_map_lookup_elem(h.env(), h.kernel(), *link->smap, *f, 0);
  if (r.err != 0) return -r.err;
  *word = static_cast<__u64>(r.value.data);
  return 0;
}

int mls_sys_run(struct mls* m, struct mls_sys_args* args) {
  bh::Host& h = *static_cast<bh::Host*>(m->sys);
  h.env().access({lsmc::model::kNoObject, 0, lsmc::model::Op::kSyscall}, "bpf(BPF_PROG_TEST_RUN, mls_sys)");
  return static_cast<int>(h.run("mls_sys", args, nullptr));
}

int mls_sys_grace_period(struct mls* m) {
  bh::Host& h = *static_cast<bh::Host*>(m->sys);
  h.env().access({lsmc::model::kNoObject, 0, lsmc::model::Op::kSyscall}, "bpf(BPF_MAP_UPDATE_ELEM, mls_gp)");
  h.env().might_sleep("maybe_wait_bpf_programs: synchronize_rcu");
  h.kernel().rcu.synchronize(h.env(), lsmc::model::RcuFlavour::kRcu);
  return 0;
}

}  // extern "C"
