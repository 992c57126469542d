#include "reference/moe_expert.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "reference/require.h"

namespace v4::reference {

void moe_expert_hidden(bf16* h, const bf16* x, const float* route_weight, const ExpertWeights& w,
                       int64_t rows, float swiglu_limit) {
  const int64_t dim = w.dim(), inter = w.inter();
  require(w.w3.in == dim && w.w3.out == inter && w.w2.in == inter && w.w2.out == dim, "moe_expert",
          "w1/w3 must be [inter, dim] and w2 [dim, inter]");
  std::vector<bf16> g16(static_cast<size_t>(rows * inter)), u16(static_cast<size_t>(rows * inter));
  linear(g16.data(), x, w.w1, rows);
  linear(u16.data(), x, w.w3, rows);
  swiglu_clamp_bf16(h, g16.data(), u16.data(), route_weight, rows, inter, swiglu_limit);
}

void moe_expert(bf16* y, const bf16* x, const float* route_weight, const ExpertWeights& w,
                int64_t rows, float swiglu_limit) {
  std::vector<bf16> h(static_cast<size_t>(rows * w.inter()));
  moe_expert_hidden(h.data(), x, route_weight, w, rows, swiglu_limit);
  linear(y, h.data(), w.w2, rows);
}

} // namespace v4::reference
