// Sparse attention with a per-head sink (spec §11.2), one query row and one head at a time:
//   ℓ_j = scale · (q_h · kv_j)   over the index list J (−1 entries dropped)
//   o_h = Σ_j e^{ℓ_j} kv_j / ( Σ_j e^{ℓ_j} + e^{sink_h} )
// Kernel numerics ([C] kernel.py, followed here rounding point by rounding point):
//   the list is walked in chunks of 64 in list order with an online softmax in fp32;
//   s_j = fl32(fl32(q·kv_j) · scale);  m' = max(m, max_j s_j);  α = fl32(exp(m − m'));
//   p_j = fl32(exp(s_j − m'));  Z ← fl32(fl32(Z·α) + fl32(Σ_j p_j));
//   acc ← fl32(fl32(acc·α) + Σ_j bf16(p_j)·kv_j)      (P is cast to bf16 before PV only)
//   at the end Z ← fl32(Z + fl32(exp(sink − m))), o = bf16(fl32(acc / Z)).
// Dot products and sums are exact in double, rounded once. Chunks holding no valid index before
// the first valid one are skipped (the kernel would produce NaN); an empty list gives o = 0 (D9).
#pragma once

#include <cstdint>

#include "reference/formats.h"

namespace v4::reference {

inline constexpr int64_t kSparseAttnChunk = 64;

// o: [rows, heads, dim] bf16 · q: [rows, heads, dim] bf16 · kv: [n_kv, dim] bf16 (shared by all
// rows: K = V) · sink: [heads] fp32 · idx: [rows, k] int32, each −1 or in [0, n_kv).
void sparse_attn(bf16* o, const bf16* q, const bf16* kv, const float* sink, const int32_t* idx,
                 int64_t rows, int64_t heads, int64_t dim, int64_t n_kv, int64_t k, float scale);

} // namespace v4::reference
