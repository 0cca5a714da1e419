/* lsmc's bpf_core_read.h for the host build: on the model, a CO-RE read is a plain read. */
#ifndef LSMC_BPF_CORE_READ_H
#define LSMC_BPF_CORE_READ_H
#define BPF_CORE_READ(src, a) ((src)->a)
#define bpf_core_read(dst, sz, src) lsmc_bpf_probe_read_kernel(dst, sz, src)
#endif
