// Golden checker for sparse_attn: [C]'s kernel.sparse_attn (the golden run used a pure-torch
// replacement with the kernel's semantics: chunks of 64 in list order, online softmax in fp32,
// P cast to bf16 before PV, sink added at the end). The case has rows with 100/70/64/65/1/30
// valid entries and −1 holes.
//
// Bound: properties::sparse_attn_bounds (derivation in properties/interval_invariants.h): the
// same rounding points and list order, other fp32 summation orders and libm. A bf16(P_j) flip is
// counted only where the chunk-relative fp32 p_j can reach a bf16 rounding point; the output
// bound is the farthest bf16 value its interval reaches.
#include <cmath>

#include "harness/ops/attention_golden_util.h"
#include "harness/ops/op_util.h"
#include "properties/interval_invariants.h"
#include "reference/sparse_attn.h"

namespace v4::harness {
namespace {

std::vector<GoldenLine> check_sparse_attn(const GoldenCase& gc) {
  const Tensor q4 = gc.tensor("in.q"), kv3 = gc.tensor("in.kv"), sink = gc.tensor("in.attn_sink");
  const Tensor idx3 = gc.tensor("in.topk_idxs"), official4 = gc.tensor("out.o");
  const int64_t rows = q4.dim(1), heads = q4.dim(2), dim = q4.dim(3), n_kv = kv3.dim(1),
                k = idx3.dim(2);
  const float scale = float(std::pow(double(dim), -0.5));
  Tensor o(DType::bf16, {rows, heads, dim});
  reference::sparse_attn(o.data<bf16>(), q4.data<bf16>(), kv3.data<bf16>(), sink.data<float>(),
                         idx3.data<int32_t>(), rows, heads, dim, n_kv, k, scale);
  const std::vector<double> bound =
      properties::sparse_attn_bounds(q4.data<bf16>(), {}, kv3.data<bf16>(), {}, sink.data<float>(),
                                     idx3.data<int32_t>(), rows, heads, dim, k, scale);
  return {golden_compare_bounded(
      gc, "out.o", o, reshaped(official4, {rows, heads, dim}), bound,
      "interval propagation: fp32 logits, exp, bf16(P) flips, PV and denominator sums")};
}

} // namespace
V4_REGISTER_GOLDEN("sparse_attn", check_sparse_attn);
} // namespace v4::harness
