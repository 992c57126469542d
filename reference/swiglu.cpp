#include "reference/swiglu.h"

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

void swiglu_clamp_bf16(bf16* h, const bf16* g, const bf16* u, const float* route_weight,
                       int64_t rows, int64_t inter, float limit) {
  require(rows >= 0 && inter > 0, "swiglu_clamp_bf16", "rows must be >= 0 and inter positive");
  const size_t n = size_t(rows * inter);
  std::vector<float> gf(n), uf(n), hf(n);
  for (size_t i = 0; i < n; ++i) {
    gf[i] = bf16_decode(g[i]); // the Linear's bf16 output, widened (.float())
    uf[i] = bf16_decode(u[i]);
  }
  swiglu_clamp(hf.data(), gf.data(), uf.data(), route_weight, rows, inter, limit);
  for (size_t i = 0; i < n; ++i)
    h[i] = bf16_encode(hf[i]);
}

} // namespace v4::reference
