#include "reference/moe_expert.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "reference/require.h"

namespace v4::reference {

void swiglu_clamp(float* h, const float* g, const float* u, const float* route_weight, int64_t rows,
                  int64_t inter, float limit) {
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t i = 0; i < inter; ++i) {
      float gate = g[r * inter + i], up = u[r * inter + i];
      if (limit > 0) {
        up = std::clamp(up, -limit, limit); // linear branch: both sides
        gate = std::min(gate, limit);       // gate branch: upper side only
      }
      const float silu = float(double(gate) / (1.0 + std::exp(-double(gate))));
      float v = silu * up;
      if (route_weight)
        v = route_weight[r] * v;
      h[r * inter + i] = v;
    }
  }
}

void moe_expert_hidden(bf16* h, const bf16* x, const float* route_weight, const ExpertWeights& w,
                       int64_t rows, float swiglu_limit) {
  const int64_t dim = w.dim(), inter = w.inter();
  require(w.w3.in == dim && w.w3.out == inter && w.w2.in == inter && w.w2.out == dim, "moe_expert",
          "w1/w3 must be [inter, dim] and w2 [dim, inter]");
  std::vector<bf16> g16(static_cast<size_t>(rows * inter)), u16(static_cast<size_t>(rows * inter));
  linear(g16.data(), x, w.w1, rows);
  linear(u16.data(), x, w.w3, rows);
  std::vector<float> g(g16.size()), u(u16.size()), hf(g16.size());
  for (size_t i = 0; i < g.size(); ++i) {
    g[i] = bf16_decode(g16[i]); // the Linear's bf16 output, widened (.float())
    u[i] = bf16_decode(u16[i]);
  }
  swiglu_clamp(hf.data(), g.data(), u.data(), route_weight, rows, inter, swiglu_limit);
  for (size_t i = 0; i < hf.size(); ++i)
    h[i] = bf16_encode(hf[i]);
}

void moe_expert(bf16* y, const bf16* x, const float* route_weight, const ExpertWeights& w,
                int64_t rows, float swiglu_limit) {
  std::vector<bf16> h(static_cast<size_t>(rows * w.inter()));
  moe_expert_hidden(h.data(), x, route_weight, w, rows, swiglu_limit);
  linear(y, h.data(), w.w2, rows);
}

} // namespace v4::reference
