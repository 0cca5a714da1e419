// The real-kernel backend, part two: whether it can run here, and what the running kernel supports.
#include "model/real/real_kernel.hpp"
#include "model/real/real_common.hpp"

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <mutex>
#include <thread>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <optional>
#include <sstream>
#include <stdexcept>

#include <linux/types.h>

#include "model/real/bpf/lsmc_shared.h"
#include "lsmc.skel.h"

namespace lsmc::real {

std::string unavailable_reason() {
  if (geteuid() != 0) return "not root: bpf() on task and cgroup storage needs CAP_BPF and CAP_PERFMON";
  quiet_libbpf();
  lsmc_bpf* s = lsmc_bpf__open_and_load();
  if (s == nullptr) {
    return std::string("loading the BPF object failed (") + strerror(errno) + "): bpf() is not permitted or the kernel lacks task/cgroup storage";
  }
  lsmc_bpf__destroy(s);
  if (cgroup2_root().empty()) return "no cgroup2 mount";
  return {};
}

std::vector<ProbeLine> probe_kernel() {
  std::vector<ProbeLine> out;
  quiet_libbpf();
  {
    std::ifstream v("/proc/sys/kernel/osrelease");
    std::string rel;
    std::getline(v, rel);
    out.push_back({"kernel", true, rel});
  }
  out.push_back({"root", geteuid() == 0, geteuid() == 0 ? "euid 0" : "not root"});
  lsmc_bpf* s = lsmc_bpf__open_and_load();
  const int load_errno = errno;
  out.push_back({"bpf-object", s != nullptr,
                 s ? std::string("lsmc.bpf.o loads (task, task+spin_lock, cgroup storage maps; raw_tp program)")
                   : std::string("does not load: ") + strerror(load_errno)});
  if (s != nullptr) {
    out.push_back({"task-storage", bpf_map__fd(s->maps.task_map) >= 0, "BPF_MAP_TYPE_TASK_STORAGE created with BTF"});
    out.push_back({"cgroup-storage", bpf_map__fd(s->maps.cgrp_map) >= 0, "BPF_MAP_TYPE_CGRP_STORAGE created with BTF"});
    std::string detail;
    bool ok = false;
    try {
      const int ret = test_run(bpf_program__fd(s->progs.lsmc_run), LSMC_CMD_GET, LSMC_MAP_TASK, 1);
      ok = true;
      detail = std::string("raw_tp runs as the calling thread; bpf_task_storage_get(F_CREATE) ") +
               (ret != LSMC_NULL ? "returned a pointer" : "returned NULL");
    } catch (const std::exception& e) {
      detail = e.what();
    }
    out.push_back({"prog-test-run", ok, detail});
    lsmc_bpf__destroy(s);
  }
  // A bare map create without BTF must be refused (local storage needs BTF for key and value).
  {
    const int fd = create_map(BPF_MAP_TYPE_TASK_STORAGE, "lsmc_nobtf", 4, 8, 0, BPF_F_NO_PREALLOC);
    out.push_back({"storage-without-btf", fd < 0,
                   fd < 0 ? std::string("refused: ") + strerror(errno) : std::string("accepted (unexpected)")});
    if (fd >= 0) close(fd);
  }
  {
    const int fd = create_map(kMapTypeArena, "lsmc_arena", 0, 0, 4, BPF_F_MMAPABLE);
    std::string detail = fd >= 0 ? std::string("BPF_MAP_TYPE_ARENA with BPF_F_MMAPABLE") : std::string("refused: ") + strerror(errno);
    bool ok = fd >= 0;
    if (fd >= 0) {
      void* p = mmap(nullptr, 4 * 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
      ok = p != MAP_FAILED;
      detail += ok ? "; user mmap works" : std::string("; mmap failed: ") + strerror(errno);
      if (ok) munmap(p, 4 * 4096);
      close(fd);
    }
    out.push_back({"arena", ok, detail});
  }
  {
    // uptr (user memory pinned into task storage values, 6.13+): the kernel's BTF knows the
    // BPF_UPTR field type. A presence check, not a functional test.
    bool known = false;
    if (btf* vmlinux = btf__load_vmlinux_btf()) {
      const int id = btf__find_by_name_kind(vmlinux, "btf_field_type", BTF_KIND_ENUM);
      if (id > 0) {
        const btf_type* t = btf__type_by_id(vmlinux, id);
        const struct btf_enum* e = btf_enum(t);
        for (int i = 0; i < btf_vlen(t); ++i) known |= std::strcmp(btf__name_by_offset(vmlinux, e[i].name_off), "BPF_UPTR") == 0;
      }
      btf__free(vmlinux);
    }
    out.push_back({"uptr", known, known ? "kernel BTF has BPF_UPTR in enum btf_field_type" : "BPF_UPTR not in the kernel's BTF"});
  }
  out.push_back({"cgroup2", !cgroup2_root().empty(),
                 cgroup2_root().empty() ? std::string("no cgroup2 mount") : "mounted at " + cgroup2_root()});
  {
    std::ifstream f("/proc/sys/kernel/unprivileged_bpf_disabled");
    std::string v;
    std::getline(f, v);
    out.push_back({"unprivileged-bpf", v == "0", "kernel.unprivileged_bpf_disabled=" + v});
  }
  return out;
}

}  // namespace lsmc::real
