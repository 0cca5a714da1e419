#!/usr/bin/env bash
# The special-fields experiment as a test: on this kernel (6.18) map creation refuses bpf_timer and
# bpf_wq in local storage values and a uptr outside task storage (map_check_btf), accepts a percpu
# kptr, and a syscall update of a uptr value with BPF_F_LOCK is refused
# (bpf_pid_task_storage_update_elem), as the model has it.
set -uo pipefail
cd "$(dirname "$0")"
. ../lib.sh
run_experiment
expect 1 "RESULT: bpf_timer in task storage: EOPNOTSUPP"
expect 2 "RESULT: bpf_wq in task storage: EOPNOTSUPP"
expect 3 "RESULT: bpf_timer in cgroup storage: EOPNOTSUPP"
expect 4 "RESULT: bpf_wq in sk storage: EOPNOTSUPP"
expect 5 "RESULT: bpf_timer in inode storage: EOPNOTSUPP"
expect 6 "RESULT: percpu kptr in task storage: created"
expect 7 "RESULT: uptr in cgroup storage: EOPNOTSUPP"
expect 8 "RESULT: uptr and bpf_spin_lock in task storage: created"
expect 9 "RESULT: a uptr value updated with BPF_F_LOCK: EOPNOTSUPP"
expect 10 "RESULT: a uptr value updated without BPF_F_LOCK: done"
echo "PASS: as recorded in docs/model.md (Special fields)"
