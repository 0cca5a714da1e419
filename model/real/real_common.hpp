// What the parts of the real-kernel backend share (real_kernel.cpp: the differential backend;
// real_probe.cpp: what the running kernel supports; real_stress.cpp: threads against it). Not an
// interface: real_kernel.hpp is.
#pragma once

#include <cstdint>
#include <string>

namespace lsmc::real {

constexpr uint32_t kMapTypeArena = 33;  // BPF_MAP_TYPE_ARENA: newer than the installed uapi headers

// libbpf prints its messages (the verifier log among them) only with LSMC_LIBBPF_DEBUG=1.
void quiet_libbpf();
// The cgroup-v2 mount: /sys/fs/cgroup on a unified system, /sys/fs/cgroup/unified in hybrid mode.
std::string cgroup2_root();
// pidfd_open(2) of a process.
int sys_pidfd_open(int pid);
// The errno of a failed libbpf call (rc < 0), 0 on success.
int errno_of(int rc);
// Creates a map (bpf_map_create with flags and map_extra); its fd, or < 0 and errno.
int create_map(uint32_t type, const char* name, uint32_t key, uint32_t value, uint32_t max, uint32_t flags,
               uint64_t extra = 0);
// Runs the program once as the calling thread; returns its return value.
int test_run(int prog_fd, uint64_t op, uint64_t map, uint64_t flags);

}  // namespace lsmc::real
