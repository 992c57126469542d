// The fp32 filter of the MoE gate's score routing from logits (optimized/moe_gate.cu): a cheap
// fp32 score a ≈ s = sqrt_softplus(l) with a rigorous enclosure [lo, hi] ∋ s of the exact score
// the kernel's double path computes, the selection-key enclosure, and an order-preserving key
// map. Host and device: a .cpp test includes it without CUDA (the host path uses std:: math).
//
// Error bound. s = fl32(sqrt(fl32(sp))), sp = l (l > 20) or log1p(exp(l)) in double;
// a = l > 20 ? sqrtf(l) : sqrtf(log1pf(expf(l))). For l > 20 both are the correctly rounded
// sqrt of l (a double sqrt rounded to fp32 is correctly rounded: 53 >= 2·24 + 2): a == s.
// For l <= 20, with S = sqrt(log1p(e^l)) exact and CUDA's documented maxima (Programming Guide,
// Mathematical Functions: expf 2 ulp, log1pf 1 ulp, sqrtf 0 ulp; exp, log1p 1 ulp, __dsqrt_rn 0):
//   expf(l) = e^l (1 + d1) + n1, |d1| <= 2^-22, |n1| <= 2^-148 (2 subnormal ulps);
//   log1p has relative condition y / ((1 + y) log1p(y)) <= 1, so log1p(expf(l)) keeps |d1| (to
//   first order; 1.01·2^-22 covers the rest) and the absolute n1; log1pf adds 2^-23 and 2^-149;
//   the square root halves a relative error and maps an absolute n to <= sqrt(n); sqrtf adds
//   2^-24:  |a - S| <= (1.01·2^-23 + 2^-24 + 2^-24 + 2^-40) S + 2^-73 <= 2.1·2^-23 S + 2^-73.
//   The double path: exp and log1p within ~2.1·2^-52 relative, fl32(sp) 2^-24 (or 2^-150 once
//   subnormal), the sqrt halves it, fl32 again 2^-24:  |s - S| <= 1.6·2^-24 S + 2^-75.
// So |a - s| <= 2.9·2^-23 S + 2^-72 <= 2^-21.4 a + 2^-72 (S <= a (1 + 2^-21)). Flushing
// subnormals to zero anywhere would add at most sqrt(2^-126) = 2^-63 absolute.
// E(a) = 2^-11 a + 2^-60 is 1400x that relative bound and 4096x the absolute one; the fp32
// roundings in lo = fl(fl(a - 2^-11 a) - 2^-60) and hi move them by <= 2^-24 a + 2^-73, far inside
// the margin, so lo <= s <= hi for every finite l (tests/moe_gate_bound_test.cpp measures it).
//
// Selection. The kernel's key is fl32(s + b) (bias b) or s; x -> fl32(x + b) is monotone
// (round-to-nearest is), so klo = fl32(lo + b) <= key <= khi = fl32(hi + b). Let T be the k-th
// largest klo (with multiplicity). At least k experts have key >= klo >= T; any expert with
// khi < T has key < T, strictly below k others, so it is outside the top k whatever the D4
// tie-break. Hence the top k (and its order) among the candidates {khi >= T} is the top k of all
// experts: exact scores are needed for the candidates only, which include the k experts that set
// T. Any T' <= T is also sound (more candidates). Non-finite logits or biases: the exact path.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>

#ifdef __CUDACC__
#define V4_GATE_HD __host__ __device__ __forceinline__
#else
#define V4_GATE_HD inline
#endif

namespace v4::optimized::gate_bound {

inline constexpr float kRel = 0x1p-11f; // relative part of E(a)
inline constexpr float kAbs = 0x1p-60f; // absolute part of E(a)

// The fp32 math of the filter: CUDA's expf / log1pf / sqrtf on the device (no fast-math; the
// project compiles with IEEE sqrt and without flush-to-zero), std:: on the host.
struct Fp32Math {
  V4_GATE_HD float exp(float x) const {
#ifdef __CUDA_ARCH__
    return expf(x);
#else
    return std::exp(x);
#endif
  }
  V4_GATE_HD float log1p(float x) const {
#ifdef __CUDA_ARCH__
    return log1pf(x);
#else
    return std::log1p(x);
#endif
  }
};

V4_GATE_HD float sqrt_f(float x) {
#ifdef __CUDA_ARCH__
  return sqrtf(x); // IEEE, correctly rounded (-prec-sqrt=true)
#else
  return std::sqrt(x);
#endif
}

// a ≈ sqrt_softplus(l) in fp32, torch's threshold kept (l > 20: the correctly rounded sqrt(l)).
// `m` supplies exp and log1p (tests inject CUDA's worst-case errors through it).
template <class Math = Fp32Math>
V4_GATE_HD float approx_score(float l, const Math& m = Math{}) {
  return l > 20.0f ? sqrt_f(l) : sqrt_f(m.log1p(m.exp(l)));
}

// The enclosure lo <= s <= hi of the exact score (see the bound above).
V4_GATE_HD float score_lo(float a) { return (a - a * kRel) - kAbs; }
V4_GATE_HD float score_hi(float a) { return (a + a * kRel) + kAbs; }

// The selection key as the kernel forms it: fl32(s + b), or s without a bias. The same function
// gives klo and khi from lo and hi.
V4_GATE_HD float key_of(float s, const float* bias, int e) {
#ifdef __CUDA_ARCH__
  return bias ? __fadd_rn(s, bias[e]) : s;
#else
  return bias ? s + bias[e] : s;
#endif
}

// A map of non-NaN floats to uint32 preserving the order, with -0 and +0 sent to the same value:
// ordered(x) == ordered(y) iff x == y, ordered(x) < ordered(y) iff x < y. Every non-NaN float maps
// to >= 0x007FFFFF (-inf), so 0 is free as a "no value" marker.
V4_GATE_HD uint32_t ordered(float x) {
#ifdef __CUDA_ARCH__
  uint32_t u = __float_as_uint(x);
#else
  uint32_t u;
  std::memcpy(&u, &x, sizeof u);
#endif
  if (u == 0x80000000u)
    u = 0; // -0 -> +0
  return (u & 0x80000000u) ? ~u : (u | 0x80000000u);
}

// Can the filter serve this expert? Else the whole token takes the exact path.
V4_GATE_HD bool filterable(float logit, const float* bias, int e) {
#ifdef __CUDA_ARCH__
  return isfinite(logit) && (!bias || isfinite(bias[e]));
#else
  return std::isfinite(logit) && (!bias || std::isfinite(bias[e]));
#endif
}

} // namespace v4::optimized::gate_bound
