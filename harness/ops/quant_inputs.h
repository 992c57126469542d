// Quantizer inputs that sit on the rounding edges, shared by the quantizer registrations
// ("dist=2" cases). Each block of `block` consecutive values in a row gets a scale 2^e (e drawn
// per block in [lo_exp, hi_exp]) and an anchor element whose magnitude is a grid value in
// (Q/2, Q]·2^e, so the block's scale is exactly 2^e. The other elements are ±0, grid values,
// exact rounding midpoints (ties), midpoints ± 1 bf16 ulp, values far below the grid, or
// N(0, Q/3)·2^e clipped to the block range, all times 2^e and exact in bf16.
#pragma once

#include <cmath>
#include <string>
#include <string_view>
#include <vector>

#include "harness/rng.h"
#include "harness/tensor.h"
#include "reference/formats.h"

namespace v4::harness {

// The non-negative finite values of e4m3 (q_max 448) or e2m1 (q_max 6), ascending.
inline std::vector<double> quant_grid(double q_max) {
  std::vector<double> grid;
  if (q_max == 6.0) {
    for (int c = 0; c < 8; ++c)
      grid.push_back(reference::e2m1_decode(uint8_t(c)));
  } else {
    for (int c = 0; c <= 0x7E; ++c)
      grid.push_back(reference::e4m3_decode(e4m3{uint8_t(c)}));
  }
  return grid;
}

inline Tensor random_bf16_quant_edges(std::vector<int64_t> shape, uint64_t seed,
                                      std::string_view name, int64_t block, double q_max,
                                      int lo_exp, int hi_exp) {
  Tensor t = make_tensor<bf16>(std::move(shape));
  const std::vector<double> grid = quant_grid(q_max);
  const int64_t n_grid = int64_t(grid.size());
  const CounterRng rng(seed, name), block_rng(seed, std::string(name) + ".block");
  bf16* p = t.data<bf16>();
  for (int64_t base = 0; base < t.numel(); base += block) {
    const int64_t blk = base / block;
    const int e = int(block_rng.uniform_int(3 * blk, lo_exp, hi_exp));
    const int64_t anchor = block_rng.uniform_int(3 * blk + 1, 0, block - 1);
    for (int64_t j = 0; j < block && base + j < t.numel(); ++j) {
      const uint64_t i = uint64_t(base + j);
      const double sign = (rng.bits64(3 * i) & 1) ? -1.0 : 1.0;
      const int64_t g = rng.uniform_int(3 * i + 1, 0, n_grid - 2); // a grid interval [g, g+1]
      double v;
      if (j == anchor) {
        v = grid[size_t(rng.uniform_int(3 * i + 1, 1, n_grid - 1))]; // non-zero
        while (v <= q_max / 2)
          v *= 2; // into (Q/2, Q]; doubling a grid value stays on the grid
      } else {
        switch (rng.uniform_int(3 * i + 2, 0, 9)) {
        case 0:
          v = 0;
          break;
        case 1:
          v = grid[size_t(g)];
          break;
        case 2:
        case 3:
          v = (grid[size_t(g)] + grid[size_t(g) + 1]) / 2;
          break; // a tie
        case 4: {
          const double mid = (grid[size_t(g)] + grid[size_t(g) + 1]) / 2;
          const double ulp = std::ldexp(1.0, std::ilogb(mid) - 7); // bf16 ulp of mid
          v = mid + ((rng.bits64(3 * i) & 2) ? ulp : -ulp);
          break;
        }
        case 5:
          v = std::ldexp(1.0 + rng.uniform(3 * i + 2), -int(rng.uniform_int(3 * i, 12, 40)));
          break;
        default:
          v = std::min(std::fabs(rng.normal(3 * i + 2)) * q_max / 3, q_max);
          break;
        }
      }
      p[i] = reference::bf16_encode(float(sign * std::ldexp(v, e)));
    }
  }
  return t;
}

} // namespace v4::harness
