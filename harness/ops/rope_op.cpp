// Registry entry: rope, interleaved partial RoPE with the layer's table (spec §6): ratio=0 →
// base 10000 without YaRN (window-only layers), ratio=4/128 → base 160000 with YaRN; inverse=1
// rotates by −θ (the attention output de-rotation). Rows are tokens; each has its own position.
//
// Domain properties (spec §6 invariants), with bounds derived from the rounding points:
//  - nope_untouched: dims [0, head_dim − 64) are copied bit for bit.
//  - pair_norm: |y_pair| vs |x_pair|: the exact rotation preserves the norm; cos/sin are within
//    0.5 ulp (their squares sum to 1 within 2u), the fp32 rounding adds ≤ u, each bf16 output
//    rounding ≤ 2^-8 relative per component (bf16 unit roundoff): ||y| − |x|| ≤ (2^-8 + 3u)·|x|.
//  - inverse_identity: RoPE⁻¹(RoPE(x)) vs x per element: the first rotation's error (a vector of
//    norm ≤ (2^-8 + 3u)|x_pair|) is rotated back unchanged in norm, the second adds the same
//    relative error of a pair of norm ≤ (1 + 2^-8)|x|: |Δ| ≤ 2·(2^-8 + 3u)·(1 + 2^-8)·|x_pair|.
#include <cmath>
#include <vector>

#include <fmt/format.h>

#include "harness/generators.h"
#include "harness/ops/op_util.h"
#include "reference/rope.h"

namespace v4::harness {
namespace {

reference::RopeParams params_of(const Case& c) {
  reference::ModelConfig
      cfg; // the preview tables: rope_theta 10000, compress_rope_theta 160000, YaRN 16/65536/32/1
  cfg.rope_head_dim = 64;
  return reference::rope_params_for_layer(cfg, c.i64("ratio"));
}

TensorMap rope_inputs(const Case& c) {
  const int64_t rows = c.i64("rows"), heads = c.i64("heads"), head_dim = c.i64("head_dim");
  return {{"x", random_bf16({rows, heads, head_dim}, c.seed, "x")},
          {"positions", uniform_i64({rows}, c.seed, "positions", 0, c.i64("max_pos"))}};
}

TensorMap rope_reference(const Case& c, const TensorMap& in) {
  const Tensor& x = require_tensor(in, "x", "rope");
  const Tensor& pos = require_tensor(in, "positions", "rope");
  Tensor y(DType::bf16, x.shape());
  reference::rope_apply(y.data<bf16>(), x.data<bf16>(), pos.data<int64_t>(), x.dim(0), x.dim(1),
                        x.dim(2), params_of(c), c.i64("inverse") != 0);
  return {{"y", y}};
}

PropertyOutcome nope_untouched(const Case&, const TensorMap& in, const TensorMap& out) {
  const Tensor &x = in.at("x"), &y = out.at("y");
  const int64_t head_dim = x.dim(2), nope = head_dim - 64;
  int64_t changed = 0;
  for (int64_t i = 0; i < x.numel(); ++i) {
    if (i % head_dim < nope)
      changed += x.data<bf16>()[i].bits != y.data<bf16>()[i].bits;
  }
  return {changed == 0, "nope dims bitwise unchanged", 0, double(changed),
          fmt::format("{} nope elements changed", changed)};
}

double pair_norm(const bf16* v) {
  return std::hypot(double(reference::bf16_decode(v[0])), double(reference::bf16_decode(v[1])));
}

PropertyOutcome pair_norm_preserved(const Case&, const TensorMap& in, const TensorMap& out) {
  const Tensor &x = in.at("x"), &y = out.at("y");
  const int64_t head_dim = x.dim(2), nope = head_dim - 64;
  const double rel = 0x1p-8 + 3 * 0x1p-24;
  PropertyOutcome r{true, "||y_pair| - |x_pair|| <= (2^-8 + 3u)|x_pair| + 2^-133", 1, 0, ""};
  for (int64_t i = 0; i < x.numel(); i += 2) {
    if (i % head_dim < nope)
      continue;
    const double nx = pair_norm(x.data<bf16>() + i), ny = pair_norm(y.data<bf16>() + i);
    r.measured = std::max(r.measured, std::fabs(nx - ny) / (rel * nx + 0x1p-133));
  }
  r.passed = r.measured <= 1;
  r.detail = fmt::format("max ratio to bound {:.3g}", r.measured);
  return r;
}

PropertyOutcome inverse_identity(const Case& c, const TensorMap& in, const TensorMap&) {
  const Tensor &x = in.at("x"), &pos = in.at("positions");
  const reference::RopeParams p = params_of(c);
  Tensor y(DType::bf16, x.shape()), back(DType::bf16, x.shape());
  reference::rope_apply(y.data<bf16>(), x.data<bf16>(), pos.data<int64_t>(), x.dim(0), x.dim(1),
                        x.dim(2), p, false);
  reference::rope_apply(back.data<bf16>(), y.data<bf16>(), pos.data<int64_t>(), x.dim(0), x.dim(1),
                        x.dim(2), p, true);
  const double rel = 2 * (0x1p-8 + 3 * 0x1p-24) * (1 + 0x1p-8);
  PropertyOutcome r{true, "|inverse(rope(x)) - x| <= 2(2^-8 + 3u)(1 + 2^-8)|x_pair| per element", 1,
                    0, ""};
  for (int64_t i = 0; i < x.numel(); ++i) {
    const double a = reference::bf16_decode(x.data<bf16>()[i]),
                 b = reference::bf16_decode(back.data<bf16>()[i]);
    const double bound = rel * pair_norm(x.data<bf16>() + (i & ~int64_t(1))) + 0x1p-133;
    r.measured = std::max(r.measured, std::fabs(a - b) / bound);
  }
  r.passed = r.measured <= 1;
  r.detail = fmt::format("max ratio to bound {:.3g}", r.measured);
  return r;
}

Case rope_case(int64_t rows, int64_t heads, int64_t head_dim, int64_t ratio, int64_t inverse,
               int64_t max_pos) {
  return make_case("rope", {{"rows", rows},
                            {"heads", heads},
                            {"head_dim", head_dim},
                            {"ratio", ratio},
                            {"inverse", inverse},
                            {"max_pos", max_pos}});
}

std::vector<Case> rope_cases(Suite suite) {
  switch (suite) {
  case Suite::smoke:
    return {rope_case(5, 4, 512, 4, 0, 5000), rope_case(4, 2, 128, 0, 1, 300)};
  case Suite::standard:
    return {rope_case(256, 64, 512, 4, 0, 1 << 20), rope_case(256, 64, 512, 0, 1, 4096),
            rope_case(256, 64, 128, 4, 0, 65536)};
  case Suite::full:
    // 268 MB each (input generation dominates the host time of a full run: ~2 M values/s)
    return {rope_case(2048, 64, 512, 4, 0, 1 << 20), rope_case(1024, 128, 512, 128, 1, 1 << 20)};
  }
  return {};
}

OpSpec make_rope_op() {
  OpSpec op;
  op.name = "rope";
  op.stem = "rope";
  op.summary = "interleaved partial RoPE on the last 64 dims, YaRN table on compressed layers, "
               "inverse (spec 6)";
  op.row_inputs = {"x", "positions"};
  op.cases = rope_cases;
  op.make_inputs = rope_inputs;
  op.outputs = {
      {"y", ComparePolicy::ulps(
                1, "fp32 pair product and cos/sin within a few fp32 ulp; one bf16 rounding")}};
  op.properties = {{"nope_untouched", nope_untouched},
                   {"pair_norm", pair_norm_preserved},
                   {"inverse_identity", inverse_identity}};
  op.cost = [](const Case& c) {
    const double rows = double(c.i64("rows")),
                 n = rows * double(c.i64("heads") * c.i64("head_dim"));
    return Cost{n * 4 + rows * 8, rows * double(c.i64("heads")) * 64 * 3};
  };
  op.max_invariance_rows = 300;
  op.backends = {reference_backend(rope_reference)};
  return op;
}

} // namespace
V4_REGISTER_OP(make_rope_op);
} // namespace v4::harness
