// Registry entries: rms_norm (weighted, spec §5) and rms_norm_head (per-head, bf16 arithmetic),
// plus the two negative controls that prove the invariance checkers can fail:
//  - m_dispatch_control: a hidden M-dependent dispatch (rows > 64 take a low-precision path),
//    the failure mode of cuBLAS/DeepGEMM path selection (harness-lessons §1): batch-variant;
//  - racy_order_control: the sum of squares starts at a position taken from a global counter,
//    as atomics would order it: nondeterministic run to run.
#include <atomic>
#include <cmath>

#include "harness/generators.h"
#include "harness/ops/op_util.h"
#include "reference/rms_norm.h"

namespace v4::harness {
namespace {

constexpr float kNormEps = 1e-6f;

TensorMap rms_norm_inputs(const Case& c) {
  const int64_t rows = c.i64("rows"), dim = c.i64("dim");
  return {{"x", random_bf16({rows, dim}, c.seed, "x")}, {"w", random_f32({dim}, c.seed, "w", 0.1, 1.0)}};
}

TensorMap rms_norm_reference(const Case&, const TensorMap& in) {
  const Tensor& x = require_tensor(in, "x", "rms_norm");
  const Tensor& w = require_tensor(in, "w", "rms_norm");
  Tensor y = make_tensor<bf16>(x.shape());
  reference::rms_norm(y.data<bf16>(), x.data<bf16>(), w.data<float>(), x.dim(0), x.dim(1), kNormEps);
  return {{"y", y}};
}

// Shared body of the two controls: the sum of squares is accumulated in bf16 (each partial
// rounded), starting at element `start` and wrapping around, so the result depends on `start`.
TensorMap rms_norm_with_bf16_sum(const TensorMap& in, const std::function<int64_t(int64_t row)>& start) {
  const Tensor& x = in.at("x");
  const int64_t rows = x.dim(0), dim = x.dim(1);
  Tensor y = make_tensor<bf16>(x.shape());
  for (int64_t r = 0; r < rows; ++r) {
    const bf16* xr = x.data<bf16>() + r * dim;
    float sum = 0;
    for (int64_t k = 0, i = start(r) % dim; k < dim; ++k, i = (i + 1) % dim) {
      const float v = reference::bf16_decode(xr[i]);
      sum = reference::round_bf16(sum + v * v);
    }
    const float inv = reference::rms_rsqrt(sum, dim, kNormEps);
    for (int64_t i = 0; i < dim; ++i) {
      y.data<bf16>()[r * dim + i] =
          reference::bf16_encode(in.at("w").data<float>()[i] * (reference::bf16_decode(xr[i]) * inv));
    }
  }
  return {{"y", y}};
}

Backend m_dispatch_control() {
  Backend b;
  b.name = "m_dispatch_control";
  b.device = "cpu";
  b.role = BackendRole::negative_control;
  b.must_fail_check = "batch_invariance";
  b.description = "NEGATIVE CONTROL: batches of more than 64 rows silently take a bf16-accumulating path";
  b.run = [](const Case& c, const TensorMap& in) {
    if (in.at("x").dim(0) <= 64) return rms_norm_reference(c, in);
    return rms_norm_with_bf16_sum(in, [](int64_t) { return 0; });
  };
  return b;
}

Backend racy_order_control() {
  Backend b;
  b.name = "racy_order_control";
  b.device = "cpu";
  b.role = BackendRole::negative_control;
  b.must_fail_check = "determinism";
  b.description = "NEGATIVE CONTROL: reduction order taken from a global counter, as atomics would";
  b.run = [](const Case&, const TensorMap& in) {
    static std::atomic<int64_t> calls{0};
    const int64_t call = calls.fetch_add(1);
    return rms_norm_with_bf16_sum(in, [call](int64_t r) { return 977 * call + 131 * r; });
  };
  return b;
}

std::vector<Case> rms_norm_cases(Suite suite) {
  switch (suite) {
    case Suite::smoke: return {make_case("rms_norm", {{"rows", 5}, {"dim", 256}})};
    case Suite::standard:
      return {make_case("rms_norm", {{"rows", 256}, {"dim", 4096}}), make_case("rms_norm", {{"rows", 64}, {"dim", 7168}})};
    case Suite::full:
      return {make_case("rms_norm", {{"rows", 16384}, {"dim", 4096}}), make_case("rms_norm", {{"rows", 16384}, {"dim", 7168}})};
  }
  return {};
}

OpSpec make_rms_norm_op() {
  OpSpec op;
  op.name = "rms_norm";
  op.stem = "rms_norm";
  op.summary = "weighted RMSNorm, fp32 math, bf16 out (spec 5)";
  op.row_inputs = {"x"};
  op.cases = rms_norm_cases;
  op.make_inputs = rms_norm_inputs;
  op.outputs = {{"y", ComparePolicy::ulps(1, "sum order moves rsqrt by a few fp32 ulp; one bf16 rounding")}};
  op.cost = [](const Case& c) {
    const double rows = double(c.i64("rows")), dim = double(c.i64("dim"));
    return Cost{rows * dim * 4 + dim * 4, rows * dim * 4};
  };
  op.max_invariance_rows = 4097;
  op.backends = {reference_backend(rms_norm_reference), m_dispatch_control(), racy_order_control()};
  return op;
}

TensorMap rms_norm_head_inputs(const Case& c) {
  return {{"x", random_bf16({c.i64("rows"), c.i64("heads"), c.i64("head_dim")}, c.seed, "x")}};
}

TensorMap rms_norm_head_reference(const Case&, const TensorMap& in) {
  const Tensor& x = require_tensor(in, "x", "rms_norm_head");
  Tensor y = make_tensor<bf16>(x.shape());
  reference::rms_norm_head(y.data<bf16>(), x.data<bf16>(), x.dim(0), x.dim(1), x.dim(2), kNormEps);
  return {{"y", y}};
}

OpSpec make_rms_norm_head_op() {
  OpSpec op;
  op.name = "rms_norm_head";
  op.stem = "rms_norm";
  op.summary = "weightless per-head RMSNorm of the queries in bf16 arithmetic (spec 5, 11.1)";
  op.row_param = "rows";
  op.row_inputs = {"x"};
  op.cases = [](Suite suite) -> std::vector<Case> {
    switch (suite) {
      case Suite::smoke: return {make_case("rms_norm_head", {{"rows", 3}, {"heads", 4}, {"head_dim", 512}})};
      case Suite::standard: return {make_case("rms_norm_head", {{"rows", 64}, {"heads", 64}, {"head_dim", 512}})};
      case Suite::full: return {make_case("rms_norm_head", {{"rows", 1024}, {"heads", 128}, {"head_dim", 512}})};
    }
    return {};
  };
  op.make_inputs = rms_norm_head_inputs;
  op.outputs = {{"y", ComparePolicy::ulps(1, "fp32 mean order can move the bf16 mean by one rounding")}};
  op.cost = [](const Case& c) {
    const double n = double(c.i64("rows")) * double(c.i64("heads")) * double(c.i64("head_dim"));
    return Cost{n * 4, n * 3};
  };
  op.max_invariance_rows = 512;
  op.backends = {reference_backend(rms_norm_head_reference)};
  return op;
}

}  // namespace
V4_REGISTER_OP(make_rms_norm_op);
V4_REGISTER_OP(make_rms_norm_head_op);
}  // namespace v4::harness
