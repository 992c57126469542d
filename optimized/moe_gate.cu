#include "optimized/moe_gate.h"

#include <stdexcept>

#include "optimized/cuda_runtime.h"
#include "optimized/formats.cuh"
#include "optimized/moe_gate_bound.cuh"

namespace v4::optimized {
namespace {

constexpr unsigned kFull = 0xFFFFFFFFu;

// reference::sqrt_softplus: the double softplus (torch's threshold 20) rounded to fp32, then the
// correctly rounded square root rounded to fp32.
__device__ __forceinline__ float sqrt_softplus(float l) {
  const float sp = l > 20.0f ? l : __double2float_rn(log1p(exp(double(l))));
  return __double2float_rn(__dsqrt_rn(double(sp)));
}

// ---- projection + score function: FP64 SIMT GEMM ------------------------------------------------
constexpr int kTile = 64; // tokens and experts per block
constexpr int kTileK = 16;
constexpr int kGemmThreads = 256;

// Thread (ty, tx) = (tid / 16, tid % 16) owns tokens t0 + ty + 16i and experts e0 + tx + 16j,
// i, j < 4; every logit is one thread's fma chain over k = 0 .. dim − 1 in order.
__global__ void __launch_bounds__(kGemmThreads)
    gate_scores_kernel(float* __restrict__ scores, const uint16_t* __restrict__ x,
                       const uint16_t* __restrict__ w, int64_t tokens, int dim, int experts) {
  __shared__ double xs[kTileK][kTile];
  __shared__ double ws[kTileK][kTile];
  const int tid = threadIdx.x, ty = tid >> 4, tx = tid & 15;
  const int64_t t0 = int64_t(blockIdx.x) * kTile;
  const int e0 = int(blockIdx.y) * kTile;
  // Loader: tile row r, columns kq .. kq + 3 of each k-chunk (one 8-byte load per operand).
  const int r = tid >> 2, kq = (tid & 3) * 4;
  const bool x_ok = t0 + r < tokens, w_ok = e0 + r < experts;
  const uint2* xrow = reinterpret_cast<const uint2*>(x + (x_ok ? (t0 + r) * dim : 0) + kq);
  const uint2* wrow = reinterpret_cast<const uint2*>(w + (w_ok ? int64_t(e0 + r) * dim : 0) + kq);
  double acc[4][4];
#pragma unroll
  for (int i = 0; i < 4; ++i) {
#pragma unroll
    for (int j = 0; j < 4; ++j)
      acc[i][j] = 0.0; // +0, as the reference's dot
  }
  for (int k0 = 0; k0 < dim; k0 += kTileK) {
    const uint2 xv = x_ok ? __ldg(xrow + k0 / 4) : make_uint2(0, 0);
    const uint2 wv = w_ok ? __ldg(wrow + k0 / 4) : make_uint2(0, 0);
    __syncthreads(); // every thread is done with the previous chunk
    xs[kq + 0][r] = dev::bf16_lo(xv.x);
    xs[kq + 1][r] = dev::bf16_hi(xv.x);
    xs[kq + 2][r] = dev::bf16_lo(xv.y);
    xs[kq + 3][r] = dev::bf16_hi(xv.y);
    ws[kq + 0][r] = dev::bf16_lo(wv.x);
    ws[kq + 1][r] = dev::bf16_hi(wv.x);
    ws[kq + 2][r] = dev::bf16_lo(wv.y);
    ws[kq + 3][r] = dev::bf16_hi(wv.y);
    __syncthreads();
#pragma unroll
    for (int kk = 0; kk < kTileK; ++kk) {
      double a[4], b[4];
#pragma unroll
      for (int i = 0; i < 4; ++i) {
        a[i] = xs[kk][ty + 16 * i];
        b[i] = ws[kk][tx + 16 * i];
      }
#pragma unroll
      for (int i = 0; i < 4; ++i) {
#pragma unroll
        for (int j = 0; j < 4; ++j)
          acc[i][j] = __fma_rn(a[i], b[j], acc[i][j]); // exact product: = acc + x·w
      }
    }
  }
#pragma unroll
  for (int i = 0; i < 4; ++i) {
    const int64_t t = t0 + ty + 16 * i;
    if (t >= tokens)
      continue;
#pragma unroll
    for (int j = 0; j < 4; ++j) {
      const int e = e0 + tx + 16 * j;
      if (e < experts)
        scores[t * experts + e] = sqrt_softplus(__double2float_rn(acc[i][j]));
    }
  }
}

// ---- routing: one warp per token ----------------------------------------------------------------
constexpr int kRouteThreads = 256;
constexpr int kWarps = kRouteThreads / 32;
constexpr int kPerLane = int(kGateMaxExperts / 32);

// Does candidate a rank before b in the D4 order (value descending, expert id ascending)? Index −1
// marks "no candidate" and ranks last. Comparisons as reference::topk_lower_index_wins.
__device__ __forceinline__ bool d4_before(float av, int ai, float bv, int bi) {
  return ai >= 0 && (bi < 0 || av > bv || (av == bv && ai < bi));
}

// The k selections of one token as a warp makes them: their scores summed in double in selection
// order (the reference's moe_gate_weights), lane j keeping selection j, then lanes j < k write
// weight_j = fl32(s_j / fl32(sum))·route_scale and index_j.
struct RouteSelections {
  double sum = 0.0;
  float my_s = 0.0f;
  int my_e = -1;
  __device__ __forceinline__ void add(int j, int lane, float score, int expert) {
    sum = __dadd_rn(sum, double(score));
    if (lane == j) {
      my_s = score;
      my_e = expert;
    }
  }
  __device__ __forceinline__ void write(float* weights, int32_t* indices, int64_t t, int k, int lane,
                                        float route_scale) const {
    const float total = __double2float_rn(sum);
    if (lane < k) {
      weights[t * k + lane] = __fmul_rn(__fdiv_rn(my_s, total), route_scale);
      indices[t * k + lane] = my_e;
    }
  }
};

// Score routing of one token by one warp. Lane l holds experts l + 32i; k rounds of: the lane's
// best untaken candidate, then the warp's best by xor butterfly (a total order: every lane gets the
// same winner), whose owner marks it taken. The selected scores are summed in double in selection
// order, as the reference's moe_gate_weights; lane j writes selection j. From logits this is the
// exact path: every score in double (tokens the fp32 filter cannot serve).
template <bool kLogits>
__device__ __forceinline__ void route_exact_warp(float* __restrict__ weights,
                                                 int32_t* __restrict__ indices,
                                                 const float* __restrict__ row,
                                                 const float* __restrict__ bias, int64_t t,
                                                 int experts, int k, float route_scale) {
  const int lane = threadIdx.x & 31;
  float s[kPerLane], b[kPerLane];
#pragma unroll
  for (int i = 0; i < kPerLane; ++i) {
    const int e = lane + 32 * i;
    s[i] = 0.0f;
    b[i] = 0.0f;
    if (e < experts) {
      const float v = row[e];
      s[i] = kLogits ? sqrt_softplus(v) : v;
      b[i] = bias ? __fadd_rn(s[i], bias[e]) : s[i]; // fl32(s + bias), for selection only
    }
  }
  uint32_t taken = 0;
  RouteSelections sel;
  for (int j = 0; j < k; ++j) {
    float bv = 0.0f, bs = 0.0f;
    int bi = -1;
#pragma unroll
    for (int i = 0; i < kPerLane; ++i) {
      const int e = lane + 32 * i;
      if (e < experts && !((taken >> i) & 1u) && d4_before(b[i], e, bv, bi)) {
        bv = b[i];
        bi = e;
        bs = s[i];
      }
    }
#pragma unroll
    for (int o = 16; o > 0; o >>= 1) {
      const float ov = __shfl_xor_sync(kFull, bv, o), os = __shfl_xor_sync(kFull, bs, o);
      const int oi = __shfl_xor_sync(kFull, bi, o);
      if (d4_before(ov, oi, bv, bi)) {
        bv = ov;
        bi = oi;
        bs = os;
      }
    }
    if (bi >= 0 && (bi & 31) == lane)
      taken |= 1u << (bi >> 5);
    sel.add(j, lane, bs, bi);
  }
  sel.write(weights, indices, t, k, lane, route_scale);
}

// Score routing from scores: the exact path (no score function to save).
__global__ void __launch_bounds__(kRouteThreads)
    route_kernel(float* __restrict__ weights, int32_t* __restrict__ indices,
                 const float* __restrict__ scores, const float* __restrict__ bias, int64_t tokens,
                 int experts, int k, float route_scale) {
  const int64_t t = int64_t(blockIdx.x) * kWarps + (threadIdx.x >> 5);
  if (t >= tokens)
    return; // a whole warp
  route_exact_warp<false>(weights, indices, scores + t * experts, bias, t, experts, k,
                          route_scale);
}

// Score routing from logits through the fp32 filter (optimized/moe_gate_bound.cuh has the bound
// and the proof). One warp per token, lane l holding experts l + 32i:
//  1. a = approx_score(l) in fp32, the key enclosure [klo, khi] as order-preserving uint32;
//  2. T = the k-th largest klo: k rounds of a warp max (redux.sync) over the lanes' maxima, the
//     lowest lane holding it drops one instance and recomputes its maximum;
//  3. candidates = {khi >= T}, compacted in expert order into shared memory (lane-ascending
//     ballots, slot-major: position order is expert order);
//  4. lane c < n evaluates candidate c exactly (the double path, unchanged) and forms its key;
//  5. k rounds of D4 arg-max: warp max of the key, the lowest lane holding it (lowest expert:
//     D4's tie-break), its score shuffled to all lanes and summed in double in selection order.
// A token with a non-finite logit or bias, or more than 32 candidates (massive exact ties), takes
// route_exact_warp<true>. Each warp reads its own token only: batch invariant, deterministic.
constexpr int kMaxCand = 32;

// Steps 2 and 3 of route_filter_kernel: T, then the candidates {khi >= T} written in expert
// order to cand_l / cand_e (the first kMaxCand of them); returns their number (>= k).
__device__ __forceinline__ int filter_candidates(float* cand_l, int* cand_e,
                                                 const float (&l)[kPerLane],
                                                 uint32_t (&klo)[kPerLane],
                                                 const uint32_t (&khi)[kPerLane], int k) {
  const int lane = threadIdx.x & 31;
  // 2. T: k >= 1 and at least k experts hold a klo > 0, so T > 0.
  uint32_t m = 0, T = 0;
#pragma unroll
  for (int i = 0; i < kPerLane; ++i)
    m = max(m, klo[i]);
  for (int r = 0; r < k; ++r) {
    T = __reduce_max_sync(kFull, m);
    if (lane == __ffs(__ballot_sync(kFull, m == T)) - 1) {
      bool dropped = false;
      m = 0;
#pragma unroll
      for (int i = 0; i < kPerLane; ++i) {
        if (!dropped && klo[i] == T) {
          klo[i] = 0;
          dropped = true;
        }
        m = max(m, klo[i]);
      }
    }
  }
  // 3. candidates in expert order.
  const uint32_t below = (1u << lane) - 1u;
  int n = 0; // warp-uniform
#pragma unroll
  for (int i = 0; i < kPerLane; ++i) {
    const bool c = khi[i] >= T; // khi = 0 (no expert) < T
    const uint32_t bal = __ballot_sync(kFull, c);
    const int pos = n + __popc(bal & below);
    if (c && pos < kMaxCand) {
      cand_l[pos] = l[i];
      cand_e[pos] = lane + 32 * i;
    }
    n += __popc(bal);
  }
  return n;
}

__global__ void __launch_bounds__(kRouteThreads)
    route_filter_kernel(float* __restrict__ weights, int32_t* __restrict__ indices,
                        const float* __restrict__ logits, const float* __restrict__ bias,
                        int64_t tokens, int experts, int k, float route_scale) {
  namespace gb = gate_bound;
  __shared__ float cand_l[kWarps][kMaxCand];
  __shared__ int cand_e[kWarps][kMaxCand];
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  const int64_t t = int64_t(blockIdx.x) * kWarps + warp;
  if (t >= tokens)
    return; // a whole warp
  const float* row = logits + t * experts;
  float l[kPerLane];
  uint32_t klo[kPerLane], khi[kPerLane]; // 0: no expert
  bool ok = true;
#pragma unroll
  for (int i = 0; i < kPerLane; ++i) {
    const int e = lane + 32 * i;
    l[i] = 0.0f;
    klo[i] = 0;
    khi[i] = 0;
    if (e < experts) {
      l[i] = row[e];
      ok = ok && gb::filterable(l[i], bias, e);
      const float a = gb::approx_score(l[i]);
      klo[i] = gb::ordered(gb::key_of(gb::score_lo(a), bias, e));
      khi[i] = gb::ordered(gb::key_of(gb::score_hi(a), bias, e));
    }
  }
  int n = kMaxCand + 1; // candidates (warp-uniform); > kMaxCand: the exact path
  if (__all_sync(kFull, ok))
    n = filter_candidates(cand_l[warp], cand_e[warp], l, klo, khi, k);
  if (n > kMaxCand) { // one call site: the exact path is inlined once
    route_exact_warp<true>(weights, indices, row, bias, t, experts, k, route_scale);
    return;
  }
  __syncwarp();
  // 4. exact scores and keys of the candidates (n >= k).
  float s = 0.0f;
  int e = -1;
  uint32_t key = 0; // 0: no candidate or taken
  if (lane < n) {
    e = cand_e[warp][lane];
    s = sqrt_softplus(cand_l[warp][lane]);
    key = gb::ordered(gb::key_of(s, bias, e));
  }
  // 5. D4 rounds: >= k - j untaken candidates remain in round j, all with key > 0.
  RouteSelections sel;
  for (int j = 0; j < k; ++j) {
    const uint32_t best = __reduce_max_sync(kFull, key);
    const int w = __ffs(__ballot_sync(kFull, key == best)) - 1;
    const float bs = __shfl_sync(kFull, s, w);
    const int bi = __shfl_sync(kFull, e, w);
    if (lane == w)
      key = 0;
    sel.add(j, lane, bs, bi);
  }
  sel.write(weights, indices, t, k, lane, route_scale);
}

// Hash routing: lane j < k reads tid2eid[id][j] and that expert's score; the double sum of the k
// scores in table order (shuffled from lane j, j = 0 .. k − 1), as the reference.
template <bool kLogits>
__global__ void __launch_bounds__(kRouteThreads)
    hash_kernel(float* __restrict__ weights, int32_t* __restrict__ indices,
                const float* __restrict__ in, const int32_t* __restrict__ tid2eid,
                const int64_t* __restrict__ token_ids, int64_t tokens, int experts, int k,
                int64_t vocab, float route_scale) {
  const int lane = threadIdx.x & 31;
  const int64_t t = int64_t(blockIdx.x) * kWarps + (threadIdx.x >> 5);
  if (t >= tokens)
    return; // a whole warp
  const int64_t id = token_ids[t];
  const bool id_ok = id >= 0 && id < vocab;
  const int e = lane < k && id_ok ? tid2eid[id * k + lane] : -1;
  const bool e_ok = e >= 0 && e < experts;
  const bool ok = id_ok && __all_sync(kFull, lane >= k || e_ok);
  float s = 0.0f;
  if (lane < k && e_ok) {
    const float v = in[t * experts + e];
    s = kLogits ? sqrt_softplus(v) : v;
  }
  double sum = 0.0;
  for (int j = 0; j < k; ++j)
    sum = __dadd_rn(sum, double(__shfl_sync(kFull, s, j)));
  const float total = __double2float_rn(sum);
  if (lane < k) {
    weights[t * k + lane] =
        ok ? __fmul_rn(__fdiv_rn(s, total), route_scale) : __uint_as_float(0x7FC00000u);
    indices[t * k + lane] = e;
  }
}

void check_routing(const char* name, int64_t tokens, int64_t experts, int64_t k) {
  if (tokens < 0 || experts <= 0 || experts > kGateMaxExperts || k < 1 || k > kGateMaxK ||
      k > experts) {
    throw std::invalid_argument(
        std::string(name) + ": the CUDA kernel needs experts <= 384 and 1 <= k <= min(8, experts)");
  }
}

unsigned route_grid(int64_t tokens) {
  const int64_t blocks = (tokens + kWarps - 1) / kWarps;
  if (blocks > 0x7FFFFFFF)
    throw std::invalid_argument("moe_gate: too many tokens for one launch");
  return unsigned(blocks);
}

template <bool kLogits>
void launch_route(float* weights, int32_t* indices, const float* in, const float* bias,
                  int64_t tokens, int64_t experts, int64_t k, float route_scale,
                  cudaStream_t stream) {
  check_routing("moe_gate_route", tokens, experts, k);
  if (tokens == 0)
    return;
  if (kLogits) {
    route_filter_kernel<<<route_grid(tokens), kRouteThreads, 0, stream>>>(
        weights, indices, in, bias, tokens, int(experts), int(k), route_scale);
  } else {
    route_kernel<<<route_grid(tokens), kRouteThreads, 0, stream>>>(
        weights, indices, in, bias, tokens, int(experts), int(k), route_scale);
  }
  V4_CUDA_CHECK_LAUNCH();
}

template <bool kLogits>
void launch_hash(float* weights, int32_t* indices, const float* in, const int32_t* tid2eid,
                 const int64_t* token_ids, int64_t tokens, int64_t experts, int64_t k,
                 int64_t vocab, float route_scale, cudaStream_t stream) {
  check_routing("moe_gate_hash", tokens, experts, k);
  if (tokens == 0)
    return;
  hash_kernel<kLogits><<<route_grid(tokens), kRouteThreads, 0, stream>>>(
      weights, indices, in, tid2eid, token_ids, tokens, int(experts), int(k), vocab, route_scale);
  V4_CUDA_CHECK_LAUNCH();
}

} // namespace

void moe_gate_scores(float* scores, const bf16* x, const bf16* w, int64_t tokens, int64_t dim,
                     int64_t experts, cudaStream_t stream) {
  if (tokens < 0 || dim <= 0 || experts <= 0)
    throw std::invalid_argument("moe_gate_scores: bad shape");
  if (dim % kTileK != 0 || dim > 0x7FFFFFFF || experts > 0xFFFF * int64_t(kTile)) {
    throw std::invalid_argument("moe_gate_scores: the CUDA kernel needs dim % 16 == 0");
  }
  if ((reinterpret_cast<uintptr_t>(x) | reinterpret_cast<uintptr_t>(w)) % 8 != 0) {
    throw std::invalid_argument("moe_gate_scores: x and w must be 8-byte aligned");
  }
  if (tokens == 0)
    return;
  const int64_t token_tiles = (tokens + kTile - 1) / kTile;
  if (token_tiles > 0x7FFFFFFF)
    throw std::invalid_argument("moe_gate_scores: too many tokens for one launch");
  const dim3 grid(unsigned(token_tiles), unsigned((experts + kTile - 1) / kTile));
  gate_scores_kernel<<<grid, kGemmThreads, 0, stream>>>(
      scores, reinterpret_cast<const uint16_t*>(x), reinterpret_cast<const uint16_t*>(w), tokens,
      int(dim), int(experts));
  V4_CUDA_CHECK_LAUNCH();
}

void moe_gate_route(float* weights, int32_t* indices, const float* scores, const float* bias,
                    int64_t tokens, int64_t experts, int64_t k, float route_scale,
                    cudaStream_t stream) {
  launch_route<false>(weights, indices, scores, bias, tokens, experts, k, route_scale, stream);
}

void moe_gate_hash(float* weights, int32_t* indices, const float* scores, const int32_t* tid2eid,
                   const int64_t* token_ids, int64_t tokens, int64_t experts, int64_t k,
                   int64_t vocab, float route_scale, cudaStream_t stream) {
  launch_hash<false>(weights, indices, scores, tid2eid, token_ids, tokens, experts, k, vocab,
                     route_scale, stream);
}

void moe_gate_from_logits(float* weights, int32_t* indices, const float* logits,
                          const int64_t* token_ids, const reference::GateParams& p, int64_t tokens,
                          cudaStream_t stream) {
  if (p.tid2eid) {
    if (!token_ids)
      throw std::invalid_argument("moe_gate_from_logits: hash routing needs token ids");
    launch_hash<true>(weights, indices, logits, p.tid2eid, token_ids, tokens, p.experts, p.k,
                      p.vocab, p.route_scale, stream);
  } else {
    launch_route<true>(weights, indices, logits, p.bias, tokens, p.experts, p.k, p.route_scale,
                       stream);
  }
}

} // namespace v4::optimized
