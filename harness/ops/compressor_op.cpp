// Registry entry: compressor, the KV compressor's prefill (spec §8) for CSA (ratio 4, overlap),
// HCA (ratio 128) and the indexer's rotating compressor (hd 128, rotate 1). Rows are sequences:
// x [batch, tokens, dim]; the weights are shared. Output: the compressed entries
// [batch, ⌊tokens/m⌋, hd]. Domain properties: properties/compressor_invariants.
#include <cmath>
#include <vector>

#include "harness/generators.h"
#include "harness/ops/op_util.h"
#include "properties/compressor_invariants.h"
#include "reference/compressor.h"

namespace v4::harness {
namespace {

TensorMap compressor_inputs(const Case& c) {
  const int64_t batch = c.i64("batch"), tokens = c.i64("tokens"), dim = c.i64("dim"),
                hd = c.i64("hd"), m = c.i64("ratio");
  const int64_t width = (m == 4 ? 2 : 1) * hd;
  const double w_sigma = 1.0 / std::sqrt(double(dim)); // k and z of order 1
  return {{"x", random_bf16({batch, tokens, dim}, c.seed, "x")},
          {"wkv", random_f32({width, dim}, c.seed, "wkv", w_sigma)},
          {"wgate", random_f32({width, dim}, c.seed, "wgate", w_sigma)},
          {"ape", random_f32({m, width}, c.seed, "ape", 0.5)},
          {"norm", random_f32({hd}, c.seed, "norm", 0.1, 1.0)}};
}

TensorMap compressor_reference(const Case& c, const TensorMap& in) {
  const reference::CompressorParams p = properties::compressor_params_of(c, in);
  const Tensor& x = require_tensor(in, "x", "compressor");
  const int64_t batch = x.dim(0), tokens = x.dim(1), n = tokens / p.ratio;
  Tensor entries(DType::bf16, {batch, n, p.head_dim});
  for (int64_t b = 0; b < batch; ++b) {
    reference::compressor_prefill(entries.data<bf16>() + b * n * p.head_dim, nullptr,
                                  x.data<bf16>() + b * tokens * p.dim, tokens, p);
  }
  return {{"entries", entries}};
}

Case compressor_case(int64_t batch, int64_t tokens, int64_t dim, int64_t hd, int64_t ratio,
                     int64_t rotate) {
  return make_case("compressor", {{"batch", batch},
                                  {"tokens", tokens},
                                  {"dim", dim},
                                  {"hd", hd},
                                  {"ratio", ratio},
                                  {"rotate", rotate}});
}

std::vector<Case> compressor_cases(Suite suite) {
  switch (suite) {
  case Suite::smoke:
    return {compressor_case(2, 27, 64, 512, 4, 0), compressor_case(1, 261, 32, 512, 128, 0),
            compressor_case(2, 23, 64, 128, 4, 1)};
  case Suite::standard: // Flash dims
    return {compressor_case(1, 64, 4096, 512, 4, 0), compressor_case(1, 256, 4096, 512, 128, 0),
            compressor_case(1, 64, 4096, 128, 4, 1)};
  case Suite::full:
    return {compressor_case(1, 512, 4096, 512, 4, 0), compressor_case(1, 512, 7168, 512, 128, 0)};
  }
  return {};
}

OpSpec make_compressor_op() {
  OpSpec op;
  op.name = "compressor";
  op.stem = "compressor";
  op.summary = "KV compressor prefill: gated softmax pooling, norm, RoPE at i*m, FP8 or "
               "Hadamard+FP4 sim (spec 8)";
  op.row_param = "batch";
  op.row_inputs = {"x"};
  op.cases = compressor_cases;
  op.make_inputs = compressor_inputs;
  // The output is quantized: where a candidate's fp32 pooling (other orders, libm exp) lands on
  // the other side of a bf16, e4m3 or e2m1 rounding point, the entry moves by one grid step of
  // its block: 16 bf16 ulp of an e4m3 normal value. Most entries must be bitwise equal.
  op.outputs = {
      {"entries",
       ComparePolicy::ulps(
           16,
           "one e4m3 grid step (2^-3 relative) where fp32 pooling straddles a rounding point")}};
  op.properties = {
      {"convex_combination",
       [](const Case& c, const TensorMap& in, const TensorMap&) {
         return properties::check_compressor_convex(c, in);
       }},
      {"equal_logits_mean",
       [](const Case& c, const TensorMap& in, const TensorMap&) {
         return properties::check_compressor_equal_logits(c, in);
       }},
      {"causal", properties::check_compressor_causal},
      {"prefill_equals_decode", properties::check_compressor_prefill_decode},
  };
  op.cost = [](const Case& c) {
    const double batch = double(c.i64("batch")), tokens = double(c.i64("tokens")),
                 dim = double(c.i64("dim"));
    const double width = double((c.i64("ratio") == 4 ? 2 : 1) * c.i64("hd"));
    return Cost{batch * tokens * dim * 2 + 2 * width * dim * 4 +
                    batch * tokens / double(c.i64("ratio")) * double(c.i64("hd")) * 2,
                batch * tokens * width * dim * 4};
  };
  op.max_invariance_rows = 3;
  op.backends = {reference_backend(compressor_reference)};
  return op;
}

} // namespace
V4_REGISTER_OP(make_compressor_op);
} // namespace v4::harness
