// Device pieces shared by the mHC kernels (optimized/mhc_pre.cu, mhc_pre_fused.cu,
// mhc_boundary.cu): the gate sigmoid and the 4x4 Sinkhorn-Knopp of reference/mhc_sinkhorn.cpp,
// operation for operation, on one warp, and a fixed-tree warp reduction (device code: include
// from .cu files).
#pragma once

#include <cuda_runtime.h>

#include "optimized/formats.cuh"

namespace v4::optimized::dev {

// fl32(1 / (1 + e^-z)) evaluated in double, as reference::sigmoid_fp32.
__device__ __forceinline__ float hc_sigmoid(float z) {
  return float(1.0 / (1.0 + exp(-double(z))));
}

// Sum of the four values held by lanes first, first + stride, ... in that order, in double.
__device__ __forceinline__ double hc_sum4(float v, int first, int stride) {
  double s = double(__shfl_sync(0xFFFFFFFFu, v, first));
  s += double(__shfl_sync(0xFFFFFFFFu, v, first + stride));
  s += double(__shfl_sync(0xFFFFFFFFu, v, first + 2 * stride));
  s += double(__shfl_sync(0xFFFFFFFFu, v, first + 3 * stride));
  return s;
}

// Sinkhorn of reference/mhc_sinkhorn.cpp on a 4x4 matrix held one entry per lane (lane & 15 =
// 4j + k); all 32 lanes run it (lanes 16..31 mirror 0..15): row softmax + eps, column step, then
// iters - 1 x {row step, column step}; sums in double rounded once, IEEE fp32 divisions.
__device__ __forceinline__ float hc_sinkhorn_lane(float a, int iters, float eps) {
  const int l = threadIdx.x & 15, row = l >> 2, col = l & 3;
  float rmax = __shfl_sync(0xFFFFFFFFu, a, 4 * row);
  for (int c = 1; c < 4; ++c)
    rmax = fmaxf(rmax, __shfl_sync(0xFFFFFFFFu, a, 4 * row + c));
  const float e = float(exp(double(__fsub_rn(a, rmax))));
  float m = __fadd_rn(__fdiv_rn(e, float(hc_sum4(e, 4 * row, 1))), eps);
  m = __fdiv_rn(m, __fadd_rn(float(hc_sum4(m, col, 4)), eps));
  for (int it = 1; it < iters; ++it) {
    m = __fdiv_rn(m, __fadd_rn(float(hc_sum4(m, 4 * row, 1)), eps));
    m = __fdiv_rn(m, __fadd_rn(float(hc_sum4(m, col, 4)), eps));
  }
  return m;
}

// The reference's rsqrt factor of the mixes from a sum of squares over `count` values:
// fl32(1 / sqrt(double(fl32(sum / count) + eps))).
__device__ __forceinline__ float hc_rms_factor(double sum_sq, int count, float eps) {
  return float(1.0 / sqrt(double(__fadd_rn(float(sum_sq / double(count)), eps))));
}

// The hc_pre tail on one warp, for one token whose 24 mixes μ are held by lanes 0..23 (lanes 24..31
// hold anything finite): pre_j = σ(μ_j·s0 + b_j) + eps for lanes 0..3 (returned there), post_j =
// 2σ(μ_{4+j}·s1 + b_{4+j}) written by lanes 4..7, comb = Sinkhorn(μ_{8+i}·s2 + b_{8+i}) written
// by lanes 0..15; post_out / comb_out null: not written. Every lane must call it.
__device__ __forceinline__ float hc_gates(float mu, const float* base, const float* scale,
                                          int iters, float hc_eps, float* post_out,
                                          float* comb_out) {
  const int lane = threadIdx.x & 31;
  const float z = __fadd_rn(__fmul_rn(mu, scale[lane < 4 ? 0 : 1]), base[lane < 8 ? lane : 0]);
  const float g = hc_sigmoid(z);
  if (lane >= 4 && lane < 8 && post_out)
    post_out[lane - 4] = 2.0f * g;
  const float mu_c = __shfl_sync(0xFFFFFFFFu, mu, 8 + (lane & 15));
  const float a = __fadd_rn(__fmul_rn(mu_c, scale[2]), base[8 + (lane & 15)]);
  const float m = hc_sinkhorn_lane(a, iters, hc_eps);
  if (lane < 16 && comb_out)
    comb_out[lane] = m;
  return __fadd_rn(g, hc_eps);
}

// One level of the transpose-reduce: lanes l and l ^ o swap halves of v[0..2·HALF) and add.
template <int HALF, int N> __device__ __forceinline__ void hc_reduce_level(float (&v)[N], int o) {
  const bool upper = (threadIdx.x & o) != 0;
#pragma unroll
  for (int k = 0; k < HALF; ++k) {
    const float send = upper ? v[k] : v[k + HALF];
    const float keep = upper ? v[k + HALF] : v[k];
    v[k] = __fadd_rn(keep, __shfl_xor_sync(0xFFFFFFFFu, send, o));
  }
}
// Sums v[0..N) over the 32 lanes of the warp (N a multiple of 32); afterwards lane l holds the sums
// of logical indices N/32·l .. N/32·l + N/32 - 1 in v[0..N/32). Each level adds a lane's value and
// its partner's, which commutes, so every logical index gets the same tree (pairs by lane bit 4,
// then 3, ..., 0) whichever lane ends up holding it.
template <int N> __device__ __forceinline__ void hc_transpose_reduce(float (&v)[N]) {
  hc_reduce_level<N / 2>(v, 16);
  hc_reduce_level<N / 4>(v, 8);
  hc_reduce_level<N / 8>(v, 4);
  hc_reduce_level<N / 16>(v, 2);
  hc_reduce_level<N / 32>(v, 1);
}

// hc_post for the 8 dims of one 16-byte vector: out_k = bf16(fl32(post_k·f + Σ_j comb[j][k]·X_j)),
// with every product exact in double and the FMAs in the reference's order (post·f, then j = 0..3).
__device__ __forceinline__ void hc_post_bf16x8(uint4 (&out)[4], const uint4& fv, const uint4 (&rv)[4],
                                               const double (&pw)[4], const double (&cw)[4][4]) {
  uint32_t o[4][4];
#pragma unroll
  for (int h = 0; h < 4; ++h) {
    const uint32_t fw = (&fv.x)[h];
    const double fd[2] = {bf16_lo(fw), bf16_hi(fw)};
    double rd[4][2];
#pragma unroll
    for (int j = 0; j < 4; ++j) {
      const uint32_t w = (&rv[j].x)[h];
      rd[j][0] = bf16_lo(w);
      rd[j][1] = bf16_hi(w);
    }
#pragma unroll
    for (int k = 0; k < 4; ++k) {
      float res[2];
#pragma unroll
      for (int e = 0; e < 2; ++e) {
        double sum = pw[k] * fd[e]; // exact
#pragma unroll
        for (int j = 0; j < 4; ++j)
          sum = fma(cw[j][k], rd[j][e], sum); // exact product, one rounding
        res[e] = float(sum);
      }
      o[k][h] = pack_bf16x2(res[0], res[1]);
    }
  }
#pragma unroll
  for (int k = 0; k < 4; ++k)
    out[k] = make_uint4(o[k][0], o[k][1], o[k][2], o[k][3]);
}

// y = bf16(Σ_j p[j]·X_j) for the 8 bf16 values of one 16-byte vector of each of the 4 streams:
// fp32 FMAs in stream order, the order the budgets of harness/ops/mhc_policies.h cover.
__device__ __forceinline__ uint4 hc_weighted_sum_bf16x8(const float (&p)[4], const uint4 (&q)[4]) {
  uint32_t out[4];
#pragma unroll
  for (int e = 0; e < 4; ++e) {
    float o[2];
#pragma unroll
    for (int half = 0; half < 2; ++half) {
      float s = 0.0f;
#pragma unroll
      for (int j = 0; j < 4; ++j) {
        const uint32_t wd = (&q[j].x)[e];
        s = fmaf(p[j], half ? bf16_hi(wd) : bf16_lo(wd), s);
      }
      o[half] = s;
    }
    out[e] = pack_bf16x2(o[0], o[1]);
  }
  return make_uint4(out[0], out[1], out[2], out[3]);
}

} // namespace v4::optimized::dev
