/* lsmc's bpf_tracing.h for the host build: BPF_PROG, the way tp_btf and raw_tp programs receive
 * their arguments (a u64 array). */
#ifndef LSMC_BPF_TRACING_H
#define LSMC_BPF_TRACING_H

#define ___lsmc_ctx_arg0(ctx)
#define ___lsmc_narg(...) ___lsmc_narg_(_, ##__VA_ARGS__, 6, 5, 4, 3, 2, 1, 0)
#define ___lsmc_narg_(_, a, b, c, d, e, f, N, ...) N
#define ___lsmc_cast0(ctx)
#define ___lsmc_cast1(ctx, x) , (void *)ctx[0]
#define ___lsmc_cast2(ctx, x, args...) ___lsmc_cast1(ctx, x), (void *)ctx[1]
#define ___lsmc_cast3(ctx, x, args...) ___lsmc_cast2(ctx, args), (void *)ctx[2]
#define ___lsmc_cast(ctx, args...) ___bpf_apply(___lsmc_cast, ___lsmc_narg(args))(ctx, ##args)

#define BPF_PROG(name, args...)                                      \
  int name(unsigned long long *ctx);                                 \
  static __always_inline int ____##name(unsigned long long *ctx, ##args); \
  int name(unsigned long long *ctx) { return ____##name(ctx ___lsmc_cast(ctx, args)); } \
  static __always_inline int ____##name(unsigned long long *ctx, ##args)

#endif
