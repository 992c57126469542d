// Input generators shared by the mHC op registrations, with the magnitudes of the model and of
// the golden files (../shared/golden/hc_*.safetensors): residual streams bf16 N(0, 1);
// fn ~ N(0, 1/sqrt(4·dim)) (golden: sd 0.062 at 4·dim = 256), so every mix μ is about N(0, 1);
// base ~ U(-1, 1) (golden: -0.95 to 0.99); scale ~ U(0.5, 1) (golden: 0.50 to 0.99).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string_view>

#include "harness/generators.h"
#include "harness/registry.h"
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

// f (the sublayer output) and the residual streams ~ N(0, 1) in bf16; post and comb as the model
// makes them: hc_split_sinkhorn of N(0, 1) mixes with model-like base and scale. Token 0 is
// planted (with 2 tokens or more): post = 0 and comb the 4-cycle comb[j, (j + 1) % 4] = 1, so
// X'_k must be exactly X_(k-1); a transposed comb gives X_(k+1).
inline TensorMap mhc_post_inputs(const Case& c) {
  const int64_t tokens = c.i64("tokens"), dim = c.i64("dim");
  const Tensor mixes = random_f32({tokens, reference::kHcMixes}, c.seed, "mixes");
  const Tensor base = mhc_base(reference::kHcMixes, c.seed, "base"), scale = mhc_scale(3, c.seed, "scale");
  Tensor pre = make_tensor<float>({tokens, reference::kHcMult}), post = make_tensor<float>({tokens, reference::kHcMult}),
         comb = make_tensor<float>({tokens, reference::kHcMult, reference::kHcMult});
  reference::hc_split_sinkhorn(pre.data<float>(), post.data<float>(), comb.data<float>(),
                               mixes.data<float>(), base.data<float>(), scale.data<float>(), tokens,
                               kHcSinkhornIters, kHcEps);
  if (tokens >= 2) {
    std::fill(post.data<float>(), post.data<float>() + 4, 0.0f);
    float* c0 = comb.data<float>();
    for (int j = 0; j < 4; ++j)
      for (int k = 0; k < 4; ++k)
        c0[j * 4 + k] = k == (j + 1) % 4 ? 1.0f : 0.0f;
  }
  return {{"f", random_bf16({tokens, dim}, c.seed, "f")},
          {"residual", mhc_streams(tokens, dim, c.seed, "residual")},
          {"post", post},
          {"comb", comb}};
}

} // namespace v4::harness
