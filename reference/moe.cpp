#include "reference/moe.h"

#include <algorithm>
#include <string>
#include <vector>

#include "reference/require.h"

namespace v4::reference {

void moe_combine(bf16* y, const float* weights, const int32_t* indices, const bf16* x,
                 const MoeParams& p, int64_t tokens, int64_t dim) {
  const int64_t k = p.gate.k, experts = p.gate.experts;
  require(int64_t(p.experts.size()) == experts, "moe", "expert weights must match gate.experts");
  // Distinct experts per token: [C]'s y[idx] += ... would drop a repeated (token, expert) pair.
  for (int64_t t = 0; t < tokens; ++t)
    for (int64_t a = 0; a < k; ++a)
      for (int64_t b = a + 1; b < k; ++b)
        if (indices[t * k + a] == indices[t * k + b])
          require(false, "moe",
                  "token " + std::to_string(t) + " selects expert " +
                      std::to_string(indices[t * k + a]) + " twice");
  std::vector<float> acc(size_t(tokens * dim), 0.0f);
  std::vector<bf16> xs, out;
  std::vector<float> ws;
  std::vector<int64_t> rows;
  for (int64_t e = 0; e < experts; ++e) { // ascending expert id: the fixed summation order
    rows.clear();
    ws.clear();
    for (int64_t t = 0; t < tokens; ++t)
      for (int64_t j = 0; j < k; ++j)
        if (indices[t * k + j] == e)
          rows.push_back(t), ws.push_back(weights[t * k + j]);
    if (rows.empty())
      continue;
    const int64_t n = int64_t(rows.size());
    xs.assign(size_t(n * dim), bf16{});
    out.assign(size_t(n * dim), bf16{});
    for (int64_t i = 0; i < n; ++i)
      for (int64_t c = 0; c < dim; ++c)
        xs[size_t(i * dim + c)] = x[rows[size_t(i)] * dim + c];
    moe_expert(out.data(), xs.data(), ws.data(), p.experts[size_t(e)], n, p.swiglu_limit);
    for (int64_t i = 0; i < n; ++i)
      for (int64_t c = 0; c < dim; ++c) {
        float& a = acc[size_t(rows[size_t(i)] * dim + c)];
        a = a + bf16_decode(out[size_t(i * dim + c)]);
      }
  }
  if (p.has_shared) {
    out.assign(size_t(tokens * dim), bf16{});
    moe_expert(out.data(), x, nullptr, p.shared, tokens, p.swiglu_limit);
    for (int64_t i = 0; i < tokens * dim; ++i)
      acc[size_t(i)] = acc[size_t(i)] + bf16_decode(out[size_t(i)]);
  }
  for (int64_t i = 0; i < tokens * dim; ++i)
    y[i] = bf16_encode(acc[size_t(i)]);
}

void moe(bf16* y, float* gate_weights, int32_t* gate_indices, const bf16* x,
         const int64_t* token_ids, const MoeParams& p, int64_t tokens, int64_t dim) {
  std::vector<float> w(size_t(tokens * p.gate.k));
  std::vector<int32_t> idx(size_t(tokens * p.gate.k));
  moe_gate(w.data(), idx.data(), x, token_ids, p.gate, tokens, dim);
  moe_combine(y, w.data(), idx.data(), x, p, tokens, dim);
  if (gate_weights)
    std::copy(w.begin(), w.end(), gate_weights);
  if (gate_indices)
    std::copy(idx.begin(), idx.end(), gate_indices);
}

} // namespace v4::reference
