#include "optimized/opd_kl.h"

#include <math_constants.h>

#include <cmath>
#include <stdexcept>
#include <string>

#include "optimized/cuda_runtime.h"
#include "optimized/formats.cuh"

namespace v4::optimized {
namespace {

constexpr int kThreads = 256; // one block per row
constexpr int kWarps = kThreads / 32;
constexpr int kUnroll = 4; // vectors of a thread loaded before any is used
constexpr unsigned kFull = 0xFFFFFFFFu;

// ---- online log-sum-exp in double --------------------------------------------------------------
// (m, s): s = Σ e^(z − m) over the elements seen, m their max; the empty set is (−inf, 0).
struct Lse {
  double m, s;
};
// The student's pair plus a = Σ e^(z − m)·w (w = z − z_E), rescaled with it.
struct LseW {
  double m, s, a;
};

__device__ __forceinline__ Lse lse_empty() {
  return {-CUDART_INF, 0.0};
}
__device__ __forceinline__ LseW lsew_empty() {
  return {-CUDART_INF, 0.0, 0.0};
}

// One element z. t = e^(−|z − m|) is either the new term (z <= m) or the factor that rescales the
// old sum to the new max (z > m). On the first element m = −inf gives t = 0 and s = 1. The max
// comparison and both branches are plain selects: no divergence.
__device__ __forceinline__ void push(Lse& p, double z) {
  const double t = exp(-fabs(__dsub_rn(z, p.m)));
  const bool up = z > p.m;
  p.s = up ? fma(p.s, t, 1.0) : __dadd_rn(p.s, t);
  p.m = up ? z : p.m;
}
// The same update of (m, s) as push() - an identical teacher row gives identical bits - and a.
__device__ __forceinline__ void push(LseW& p, double z, double w) {
  const double t = exp(-fabs(__dsub_rn(z, p.m)));
  const bool up = z > p.m;
  p.s = up ? fma(p.s, t, 1.0) : __dadd_rn(p.s, t);
  p.a = up ? fma(p.a, t, w) : fma(t, w, p.a);
  p.m = up ? z : p.m;
}

// x ⊕= y: the pair with the smaller max is rescaled onto the larger one.
__device__ __forceinline__ void merge(Lse& x, const Lse& y) {
  if (y.s == 0.0)
    return;
  if (x.s == 0.0) {
    x = y;
    return;
  }
  if (y.m > x.m) {
    x.s = fma(x.s, exp(__dsub_rn(x.m, y.m)), y.s);
    x.m = y.m;
  } else {
    x.s = fma(y.s, exp(__dsub_rn(y.m, x.m)), x.s);
  }
}
__device__ __forceinline__ void merge(LseW& x, const LseW& y) {
  if (y.s == 0.0)
    return;
  if (x.s == 0.0) {
    x = y;
    return;
  }
  if (y.m > x.m) {
    const double f = exp(__dsub_rn(x.m, y.m));
    x.s = fma(x.s, f, y.s);
    x.a = fma(x.a, f, y.a);
    x.m = y.m;
  } else {
    const double f = exp(__dsub_rn(y.m, x.m));
    x.s = fma(y.s, f, x.s);
    x.a = fma(y.a, f, x.a);
  }
}

__device__ __forceinline__ Lse shfl_down(const Lse& p, int off) {
  return {__shfl_down_sync(kFull, p.m, off), __shfl_down_sync(kFull, p.s, off)};
}
__device__ __forceinline__ LseW shfl_down(const LseW& p, int off) {
  return {__shfl_down_sync(kFull, p.m, off), __shfl_down_sync(kFull, p.s, off),
          __shfl_down_sync(kFull, p.a, off)};
}

// The block's 256 partial states merged in one fixed tree: within each warp lane i takes lane
// i + 16, i + 8, ..., i + 1 (lane 0 ends with the warp's state), then warp 0 merges the 8 warp
// states the same way. Every thread returns the block's state.
template <class S> __device__ S block_merge(S p, S* scratch /* [kWarps + 1] shared */, S empty) {
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
#pragma unroll
  for (int off = 16; off > 0; off >>= 1)
    merge(p, shfl_down(p, off));
  if (lane == 0)
    scratch[warp] = p;
  __syncthreads();
  if (warp == 0) {
    S q = lane < kWarps ? scratch[lane] : empty;
#pragma unroll
    for (int off = kWarps / 2; off > 0; off >>= 1)
      merge(q, shfl_down(q, off));
    if (lane == 0)
      scratch[kWarps] = q;
  }
  __syncthreads();
  return scratch[kWarps];
}

// ---- log-softmax --------------------------------------------------------------------------------
// s + e = a + b exactly (Knuth's TwoSum; no multiplications, so nothing is contracted).
__device__ __forceinline__ void two_sum(float a, float b, float& s, float& e) {
  s = __fadd_rn(a, b);
  const float bb = __fsub_rn(s, a);
  e = __fadd_rn(__fsub_rn(a, __fsub_rn(s, bb)), __fsub_rn(b, bb));
}

// fl32((z − m) − (lh + ll)): z − m exactly as dh + dl, then the double-float difference rounded
// once. z − m <= 0 and −L <= 0, so there is no cancellation.
__device__ __forceinline__ float log_prob(float z, float mf, float lh, float ll) {
  float dh, dl, s, e;
  two_sum(z, -mf, dh, dl);
  two_sum(dh, -lh, s, e);
  return __fadd_rn(s, __fadd_rn(e, __fsub_rn(dl, ll)));
}

// bf16 output only: the terms of a group of finite bf16 values z_i (one thread's kUnroll vectors)
// against the running max. When the group raises the max, the thread's sum is rescaled once, in
// double, by e^(m − g) (g the group max); then each term is e^(z − m) in fp32 (CUDA expf, <= 2 ulp)
// added in double. z − m is exact in fp32 unless |z − m| is large; its rounding then adds at most
// |z − m|·2^-24 <= 104·2^-24 to the term's relative error (below e^-104 expf underflows: the lost
// terms sum to < V·2^-149). A term z = m is exactly 1. So each term but the max ones carries a
// relative error < 2^-22 + 104·2^-24 < 2^-17.2, and S = c + Σ others (c >= 1 max terms, exact)
// is off by < 2^-17.2·(S − c) + 2^-43·S; as 1 − 1/S <= log S = L <= |y|, L and so y are off by
// < 2^-17.2·|y| + 2^-43: below one bf16 ulp of y for |y| >= 2^-34, so the bf16 outputs stay within
// the derived 1 ulp (opd_kl.h). A group holding Inf or NaN takes the exact double path instead.
// One double exp per 32 elements instead of one per element: the FP64 pipe is no longer the limit.
__device__ __forceinline__ void push_group_fast(Lse& p, const uint32_t (&w)[4 * kUnroll], int count) {
  float g = -CUDART_INF_F;
  bool finite = true;
#pragma unroll
  for (int i = 0; i < 4 * kUnroll; ++i) {
    if (i < 4 * count) {
      finite &= (w[i] & 0x7F80u) != 0x7F80u && (w[i] & 0x7F800000u) != 0x7F800000u;
      g = fmaxf(g, fmaxf(dev::bf16_lo(w[i]), dev::bf16_hi(w[i])));
    }
  }
  if (!finite || (isinf(p.m) && p.m > 0.0)) { // exact path, element by element in order
#pragma unroll
    for (int i = 0; i < 4 * kUnroll; ++i) {
      if (i < 4 * count) {
        push(p, double(dev::bf16_lo(w[i])));
        push(p, double(dev::bf16_hi(w[i])));
      }
    }
    return;
  }
  if (double(g) > p.m) {
    p.s = p.s == 0.0 ? 0.0 : __dmul_rn(p.s, exp(__dsub_rn(p.m, double(g))));
    p.m = g;
  }
  const float m = float(p.m); // a bf16 value: exact
#pragma unroll
  for (int i = 0; i < 4 * kUnroll; ++i) {
    if (i < 4 * count) {
      const float lo = dev::bf16_lo(w[i]), hi = dev::bf16_hi(w[i]);
      p.s = __dadd_rn(p.s, double(lo == m ? 1.0f : expf(__fsub_rn(lo, m))));
      p.s = __dadd_rn(p.s, double(hi == m ? 1.0f : expf(__fsub_rn(hi, m))));
    }
  }
}

// Number of vectors thread t owns in a row of `vectors`: t, t + kThreads, ...
__device__ __forceinline__ int owned(int vectors) {
  return int(threadIdx.x) < vectors ? (vectors - 1 - int(threadIdx.x)) / kThreads + 1 : 0;
}

// y: [rows, 8·vectors] (bf16 when kBf16Out, else fp32) · x: [rows, vectors] 16-byte vectors of
// bf16.
template <bool kBf16Out>
__global__ void __launch_bounds__(kThreads)
    log_softmax_kernel(void* __restrict__ y, const uint4* __restrict__ x, int vectors) {
  __shared__ Lse scratch[kWarps + 1];
  const int64_t row = blockIdx.x;
  const uint4* xr = x + row * vectors;
  const int n = owned(vectors);
  Lse acc = lse_empty();
  for (int k0 = 0; k0 < n; k0 += kUnroll) {
    uint4 v[kUnroll];
#pragma unroll
    for (int u = 0; u < kUnroll; ++u)
      v[u] = k0 + u < n ? __ldg(xr + threadIdx.x + (k0 + u) * kThreads) : make_uint4(0, 0, 0, 0);
    if constexpr (kBf16Out) {
      uint32_t w[4 * kUnroll];
#pragma unroll
      for (int u = 0; u < kUnroll; ++u) {
        w[4 * u] = v[u].x;
        w[4 * u + 1] = v[u].y;
        w[4 * u + 2] = v[u].z;
        w[4 * u + 3] = v[u].w;
      }
      push_group_fast(acc, w, n - k0 < kUnroll ? n - k0 : kUnroll);
    } else {
#pragma unroll
      for (int u = 0; u < kUnroll; ++u) {
        if (k0 + u < n) {
          const uint32_t w[4] = {v[u].x, v[u].y, v[u].z, v[u].w};
#pragma unroll
          for (int j = 0; j < 4; ++j) {
            push(acc, double(dev::bf16_lo(w[j])));
            push(acc, double(dev::bf16_hi(w[j])));
          }
        }
      }
    }
  }
  const Lse row_lse = block_merge(acc, scratch, lse_empty());
  const double log_sum = log(row_lse.s); // S >= 1 (the max contributes e^0): L >= 0
  const float mf = float(row_lse.m);     // a bf16 value: exact
  const float lh = float(log_sum), ll = float(__dsub_rn(log_sum, double(lh)));
  // Pass 2, newest vectors first.
  for (int k0 = n - 1; k0 >= 0; k0 -= kUnroll) {
    uint4 v[kUnroll];
#pragma unroll
    for (int u = 0; u < kUnroll; ++u)
      v[u] = k0 - u >= 0 ? __ldcs(xr + threadIdx.x + (k0 - u) * kThreads) : make_uint4(0, 0, 0, 0);
#pragma unroll
    for (int u = 0; u < kUnroll; ++u) {
      if (k0 - u < 0)
        continue;
      const int64_t idx = row * vectors + threadIdx.x + (k0 - u) * kThreads;
      const uint32_t w[4] = {v[u].x, v[u].y, v[u].z, v[u].w};
      float out[8];
#pragma unroll
      for (int j = 0; j < 4; ++j) {
        out[2 * j] = log_prob(dev::bf16_lo(w[j]), mf, lh, ll);
        out[2 * j + 1] = log_prob(dev::bf16_hi(w[j]), mf, lh, ll);
      }
      if constexpr (kBf16Out) {
        __stcs(static_cast<uint4*>(y) + idx,
               make_uint4(dev::pack_bf16x2(out[0], out[1]), dev::pack_bf16x2(out[2], out[3]),
                          dev::pack_bf16x2(out[4], out[5]), dev::pack_bf16x2(out[6], out[7])));
      } else {
        float4* yr = static_cast<float4*>(y) + 2 * idx;
        __stcs(yr, make_float4(out[0], out[1], out[2], out[3]));
        __stcs(yr + 1, make_float4(out[4], out[5], out[6], out[7]));
      }
    }
  }
}

// ---- reverse KL
// ----------------------------------------------------------------------------------- kl: [rows] ·
// grad: [rows, 4·vectors] or null · student, teacher: [rows, vectors] float4.
__global__ void __launch_bounds__(kThreads)
    opd_kl_kernel(float* __restrict__ kl, float* __restrict__ grad,
                  const float4* __restrict__ student, const float4* __restrict__ teacher,
                  int vectors) {
  __shared__ LseW s_scratch[kWarps + 1];
  __shared__ Lse t_scratch[kWarps + 1];
  const int64_t row = blockIdx.x;
  const float4* zs = student + row * vectors;
  const float4* zt = teacher + row * vectors;
  const int n = owned(vectors);
  LseW ps = lsew_empty();
  Lse pt = lse_empty();
  for (int k0 = 0; k0 < n; k0 += kUnroll) {
    float4 a[kUnroll], b[kUnroll];
#pragma unroll
    for (int u = 0; u < kUnroll; ++u) {
      const bool ok = k0 + u < n;
      const int i = threadIdx.x + (k0 + u) * kThreads;
      a[u] = ok ? __ldg(zs + i) : make_float4(0, 0, 0, 0);
      b[u] = ok ? __ldg(zt + i) : make_float4(0, 0, 0, 0);
    }
#pragma unroll
    for (int u = 0; u < kUnroll; ++u) {
      if (k0 + u >= n)
        continue;
      const float za[4] = {a[u].x, a[u].y, a[u].z, a[u].w},
                  zb[4] = {b[u].x, b[u].y, b[u].z, b[u].w};
#pragma unroll
      for (int j = 0; j < 4; ++j) {
        const double z = za[j], ze = zb[j];
        push(ps, z, __dsub_rn(z, ze));
        push(pt, ze);
      }
    }
  }
  const LseW s_row = block_merge(ps, s_scratch, lsew_empty());
  const Lse t_row = block_merge(pt, t_scratch, lse_empty());
  const double ls = log(s_row.s), lt = log(t_row.s);
  // d_v = (z_v − z_Ev) − C; KL = Σ p_v d_v = a/S_s − C because Σ p_v = 1.
  const double c = __dadd_rn(__dsub_rn(s_row.m, t_row.m), __dsub_rn(ls, lt));
  double kl_row = __dsub_rn(__ddiv_rn(s_row.a, s_row.s), c);
  kl_row = kl_row > 0.0 ? kl_row : 0.0; // below 0 only by rounding (KL >= 0); also maps −0 to +0
  if (threadIdx.x == 0)
    kl[row] = float(kl_row);
  if (grad == nullptr)
    return;
  const double e = __dadd_rn(c, kl_row); // grad_v = p_v·((z_v − z_Ev) − (C + KL))
  const double ms = s_row.m;
  float4* gr = reinterpret_cast<float4*>(grad) + row * vectors;
  for (int k0 = n - 1; k0 >= 0; k0 -= kUnroll) {
    float4 a[kUnroll], b[kUnroll];
#pragma unroll
    for (int u = 0; u < kUnroll; ++u) {
      const bool ok = k0 - u >= 0;
      const int i = threadIdx.x + (k0 - u) * kThreads;
      a[u] = ok ? __ldcs(zs + i) : make_float4(0, 0, 0, 0);
      b[u] = ok ? __ldcs(zt + i) : make_float4(0, 0, 0, 0);
    }
#pragma unroll
    for (int u = 0; u < kUnroll; ++u) {
      if (k0 - u < 0)
        continue;
      const float za[4] = {a[u].x, a[u].y, a[u].z, a[u].w},
                  zb[4] = {b[u].x, b[u].y, b[u].z, b[u].w};
      float g[4];
#pragma unroll
      for (int j = 0; j < 4; ++j) {
        const double z = za[j], ze = zb[j];
        const double p = exp(__dsub_rn(__dsub_rn(z, ms), ls));
        g[j] = float(__dmul_rn(p, __dsub_rn(__dsub_rn(z, ze), e)));
      }
      __stcs(gr + threadIdx.x + (k0 - u) * kThreads, make_float4(g[0], g[1], g[2], g[3]));
    }
  }
}

void check_shape(const char* name, int64_t rows, int64_t vocab, int lanes) {
  if (rows < 0 || vocab <= 0)
    throw std::invalid_argument(std::string(name) + ": rows must be >= 0 and vocab positive");
  if (vocab % lanes != 0) {
    throw std::invalid_argument(std::string(name) + ": the CUDA kernel needs vocab % " +
                                std::to_string(lanes) + " == 0");
  }
  if (rows > 0x7FFFFFFF || vocab / lanes > 0x7FFFFFFF / 2)
    throw std::invalid_argument(std::string(name) + ": too large");
}

template <bool kBf16Out>
void launch_log_softmax(void* y, const bf16* x, int64_t rows, int64_t vocab, cudaStream_t stream) {
  check_shape("log_softmax", rows, vocab, 8);
  if (rows == 0)
    return;
  log_softmax_kernel<kBf16Out><<<unsigned(rows), kThreads, 0, stream>>>(
      y, reinterpret_cast<const uint4*>(x), int(vocab / 8));
  V4_CUDA_CHECK_LAUNCH();
}

} // namespace

void log_softmax(bf16* y, const bf16* x, int64_t rows, int64_t vocab, cudaStream_t stream) {
  launch_log_softmax<true>(y, x, rows, vocab, stream);
}

void log_softmax(float* y, const bf16* x, int64_t rows, int64_t vocab, cudaStream_t stream) {
  launch_log_softmax<false>(y, x, rows, vocab, stream);
}

void opd_kl(float* kl, float* grad, const float* student, const float* teacher, int64_t rows,
            int64_t vocab, cudaStream_t stream) {
  check_shape("opd_kl", rows, vocab, 4);
  if (rows == 0)
    return;
  opd_kl_kernel<<<unsigned(rows), kThreads, 0, stream>>>(
      kl, grad, reinterpret_cast<const float4*>(student), reinterpret_cast<const float4*>(teacher),
      int(vocab / 4));
  V4_CUDA_CHECK_LAUNCH();
}

} // namespace v4::optimized
