// Registry entry: linear, the §4.3 dispatch on the weight format (case parameter fmt):
//   fmt=0 bf16 weight (F.linear, fp32 accumulate, bf16 out)      e.g. weights_proj, wo_a
//   fmt=1 e4m3 weight, 128×128 scales (act_quant + fp8_gemm)      e.g. wq_a, wo_b, shared experts
//   fmt=2 e2m1 weight, 1×32 scales (act_quant + fp4_gemm)         routed experts
//   fmt=3 fp32 weight and input (F.linear in fp32, fp32 out)      compressor wkv/wgate, hc_*_fn,
//   head
#include <algorithm>
#include <cmath>
#include <cstring>

#include <fmt/format.h>

#include "harness/generators.h"
#include "harness/ops/golden_bound.h"
#include "harness/ops/moe_inputs.h"
#include "harness/ops/op_util.h"
#include "properties/gemm_invariants.h"
#include "reference/act_quant.h"
#include "reference/gemm.h"
#include "reference/linear.h"

namespace v4::harness {
namespace {

enum Fmt : int64_t { kBf16 = 0, kFp8 = 1, kFp4 = 2, kF32 = 3 };

TensorMap linear_inputs(const Case& c) {
  const int64_t rows = c.i64("rows"), in = c.i64("in"), out = c.i64("out"), fmt = c.i64("fmt");
  TensorMap m;
  if (fmt == kF32) {
    m["w"] = random_f32({out, in}, c.seed, "w", 1.0 / std::sqrt(double(in)));
  } else { // as the checkpoint stores them (harness/ops/moe_inputs.h), viewed as one [out, in]
           // matrix
    TensorMap w;
    add_weight(w, "w",
               fmt == kBf16  ? kExpertBf16
               : fmt == kFp8 ? kExpertFp8
                             : kExpertFp4,
               1, out, in, c.seed);
    for (auto& [name, t] : w) {
      Tensor r(t.dtype(), {t.dim(1), t.dim(2)});
      std::memcpy(r.bytes(), t.bytes(), t.nbytes());
      m[name == "w" ? "w" : "ws"] = r;
    }
  }
  m["x"] = fmt == kF32 ? random_f32({rows, in}, c.seed, "x") : random_bf16({rows, in}, c.seed, "x");
  return m;
}

TensorMap linear_reference(const Case& c, const TensorMap& in) {
  const Tensor &x = require_tensor(in, "x", "linear"), &w = require_tensor(in, "w", "linear");
  const int64_t rows = x.dim(0), k = x.dim(1), fmt = c.i64("fmt");
  const int64_t out = w.dim(0);
  if (fmt == kF32) {
    Tensor y = make_tensor<float>({rows, out});
    reference::linear_f32(y.data<float>(), x.data<float>(), w.data<float>(), rows, k, out);
    return {{"y", y}};
  }
  reference::LinearWeight lw;
  if (fmt == kBf16)
    lw = reference::LinearWeight::bf16_weight(w.data<bf16>(), out, k);
  else if (fmt == kFp8)
    lw = reference::LinearWeight::fp8_weight(w.data<e4m3>(), in.at("ws").data<ue8m0>(), out, k);
  else
    lw = reference::LinearWeight::fp4_weight(w.data<e2m1x2>(), in.at("ws").data<ue8m0>(), out, k);
  Tensor y = make_tensor<bf16>({rows, out});
  reference::linear(y.data<bf16>(), x.data<bf16>(), lw, rows);
  return {{"y", y}};
}

// Plain linears: |y − exact| <= (K + 1)·u·Σ|x w| + one ULP of the output dtype (fp32 sum in any
// order, then the output cast). Quantized linears: act_quant, then the GEMM bound on the
// quantized operands (properties/gemm_invariants.h).
PropertyOutcome linear_error(const Case& c, const TensorMap& in, const TensorMap& out) {
  const int64_t fmt = c.i64("fmt");
  const Tensor &x = in.at("x"), &w = in.at("w"), &y = out.at("y");
  const int64_t rows = x.dim(0), k = x.dim(1), n = w.dim(0);
  if (fmt == kFp8 || fmt == kFp4) {
    Tensor a = make_tensor<e4m3>({rows, k}), sa = make_tensor<ue8m0>({rows, k / 128});
    reference::act_quant(a.data<e4m3>(), sa.data<ue8m0>(), x.data<bf16>(), rows, k);
    return properties::check_gemm_error_bound(a, sa, w, in.at("ws"), y, fmt == kFp4);
  }
  PropertyOutcome o;
  o.bound = "|y - exact| <= (K + 1) u sum|x w| + 1 ulp of the output dtype";
  o.bound_value = 1;
  const DType dt = y.dtype();
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t j = 0; j < n; ++j) {
      double exact = 0, mag = 0;
      for (int64_t i = 0; i < k; ++i) {
        const double p = element_value(x, r * k + i) * element_value(w, j * k + i);
        exact += p;
        mag += std::fabs(p);
      }
      const double v = element_value(y, r * n + j);
      const double allowed = double(k + 1) * kFp32Unit * mag + ulp_spacing(dt, v);
      o.measured = std::max(o.measured, std::fabs(v - exact) / allowed);
    }
  o.passed = o.measured <= 1;
  o.detail = fmt::format("worst |y - exact| / allowed = {:.3g}", o.measured);
  return o;
}

std::vector<Case> linear_cases(Suite suite) {
  auto mk = [](int64_t fmt, int64_t rows, int64_t in, int64_t out) {
    return make_case("linear", {{"fmt", fmt}, {"rows", rows}, {"in", in}, {"out", out}});
  };
  switch (suite) {
  case Suite::smoke:
    return {mk(kBf16, 3, 256, 64), mk(kFp8, 3, 256, 130), mk(kFp4, 3, 256, 64),
            mk(kF32, 3, 128, 24)};
  case Suite::standard: // Flash: weights_proj, wq_a, expert w1, hc_pre fn
    return {mk(kBf16, 32, 4096, 64), mk(kFp8, 16, 4096, 1024), mk(kFp4, 16, 4096, 2048),
            mk(kF32, 16, 16384, 24)};
  case Suite::full: // Pro: gate, wo_b, expert w2, hc_pre fn
    return {mk(kBf16, 8, 7168, 384), mk(kFp8, 2, 16384, 7168), mk(kFp4, 4, 3072, 7168),
            mk(kF32, 8, 28672, 24)};
  }
  return {};
}

OpSpec make_linear_op() {
  OpSpec op;
  op.name = "linear";
  op.stem = "linear";
  op.summary = "Linear dispatch by weight format: bf16 / fp32 F.linear, act_quant + FP8 or FP4 "
               "GEMM (spec 4.3)";
  op.row_inputs = {"x"};
  op.cases = linear_cases;
  op.make_inputs = linear_inputs;
  op.outputs = {{"y", ComparePolicy::ulps(
                          2, "fp32 accumulation order (<< 1/2 ulp of the output unless the sum "
                             "cancels) + 1/2 ulp output rounding each side")}};
  op.properties = {{"error_vs_exact", linear_error}};
  op.cost = [](const Case& c) {
    const double rows = double(c.i64("rows")), in = double(c.i64("in")), out = double(c.i64("out"));
    const int64_t fmt = c.i64("fmt");
    const double wbytes = fmt == kFp4    ? out * in * 0.53
                          : fmt == kFp8  ? out * in
                          : fmt == kBf16 ? 2 * out * in
                                         : 4 * out * in;
    const double xb = fmt == kF32 ? 4 : 2;
    return Cost{rows * in * xb + wbytes + rows * out * xb, 2 * rows * in * out};
  };
  op.max_invariance_rows = 129;
  op.backends = {reference_backend(linear_reference)};
  return op;
}

} // namespace
V4_REGISTER_OP(make_linear_op);
} // namespace v4::harness
