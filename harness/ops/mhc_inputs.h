// Input generators shared by the mHC op registrations, with the magnitudes of the model and of
// the golden files (../shared/golden/hc_*.safetensors): residual streams bf16 N(0, 1);
// fn ~ N(0, 1/sqrt(4·dim)) (golden: sd 0.062 at 4·dim = 256), so every mix μ is about N(0, 1);
// base ~ U(-1, 1) (golden: -0.95 to 0.99); scale ~ U(0.5, 1) (golden: 0.50 to 0.99).
#pragma once

#include <cmath>
#include <cstdint>
#include <string_view>

#include "harness/generators.h"
#include "reference/mhc_sinkhorn.h"

namespace v4::harness {

inline constexpr int kHcSinkhornIters = 20; // hc_sinkhorn_iters of both models
inline constexpr float kHcEps = 1e-6f;      // hc_eps
inline constexpr float kNormEps = 1e-6f;    // norm_eps
inline constexpr int kMhcSites = 120;       // about 2 per block × 61 blocks in Pro

inline Tensor mhc_streams(int64_t tokens, int64_t dim, uint64_t seed, std::string_view name) {
  return random_bf16({tokens, reference::kHcMult, dim}, seed, name);
}
inline Tensor mhc_fn(int64_t mixes, int64_t dim, uint64_t seed, std::string_view name) {
  return random_f32({mixes, reference::kHcMult * dim}, seed, name,
                    1.0 / std::sqrt(double(reference::kHcMult * dim)));
}
inline Tensor mhc_base(int64_t n, uint64_t seed, std::string_view name) {
  return uniform_f32({n}, seed, name, -1.0, 1.0);
}
inline Tensor mhc_scale(int64_t n, uint64_t seed, std::string_view name) {
  return uniform_f32({n}, seed, name, 0.5, 1.0);
}

// The gate argument as the official torch code rounds it: fl(fl(μ·scale) + base).
inline float mhc_gate_arg(float mu, float scale, float base) {
  return mu * scale + base;
}

} // namespace v4::harness
