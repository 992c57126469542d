// Registry entries: fp8_gemm and fp4_gemm (spec §4.1, §4.2) on act_quant activations and
// quantized random weights, and their exact-input variants (small integers and scales near 1,
// so every partial sum and accumulation is exact in fp32: kernel and reference must agree bitwise).
#include <cmath>
#include <cstring>

#include <fmt/format.h>

#include "harness/generators.h"
#include "harness/ops/moe_inputs.h"
#include "harness/ops/op_util.h"
#include "properties/gemm_invariants.h"
#include "reference/act_quant.h"
#include "reference/gemm.h"

namespace v4::harness {
namespace {

// Activations: act_quant of N(0,1) bf16 rows (A is always an act_quant output, §4).
void quantized_activations(TensorMap& in, const Case& c, int64_t m, int64_t k) {
  const Tensor x = random_bf16({m, k}, c.seed, "x");
  Tensor a = make_tensor<e4m3>({m, k}), sa = make_tensor<ue8m0>({m, k / 128});
  reference::act_quant(a.data<e4m3>(), sa.data<ue8m0>(), x.data<bf16>(), m, k);
  in["a"] = a;
  in["sa"] = sa;
}

// Small-integer operands: values in [-4, 4], scale exponents in [-1, 1]. Partial sums stay below
// 2^20 on a 2^-4 grid (fp8, K <= 4096) or below 2^19 on a 2^-3 grid (fp4): exact in fp32.
Tensor small_int_e4m3(std::vector<int64_t> shape, uint64_t seed, const char* name) {
  const Tensor ints = uniform_i32(shape, seed, name, -4, 4);
  Tensor t = make_tensor<e4m3>(shape);
  for (int64_t i = 0; i < t.numel(); ++i)
    t.data<e4m3>()[i] = reference::e4m3_encode(float(ints.data<int32_t>()[i]));
  return t;
}
Tensor small_scales(std::vector<int64_t> shape, uint64_t seed, const char* name) {
  const Tensor e = uniform_i32(shape, seed, name, -1, 1);
  Tensor t = make_tensor<ue8m0>(shape);
  for (int64_t i = 0; i < t.numel(); ++i)
    t.data<ue8m0>()[i] = reference::ue8m0_from_exponent(e.data<int32_t>()[i]);
  return t;
}

// [1, rows, cols] -> [rows, cols], same bytes.
Tensor drop_leading(const Tensor& t) {
  Tensor r(t.dtype(), {t.dim(1), t.dim(2)});
  std::memcpy(r.bytes(), t.bytes(), t.nbytes());
  return r;
}

TensorMap gemm_inputs(const Case& c, bool fp4) {
  const int64_t m = c.i64("m"), n = c.i64("n"), k = c.i64("k");
  TensorMap in;
  if (c.i64_or("exact", 0)) {
    in["a"] = small_int_e4m3({m, k}, c.seed, "a");
    in["sa"] = small_scales({m, k / 128}, c.seed, "sa");
    if (fp4) {
      in["b"] = random_codes(DType::e2m1x2, {n, k / 2}, c.seed, "b"); // every e2m1 code is finite
      in["sb"] = small_scales({n, k / 32}, c.seed, "sb");
    } else {
      in["b"] = small_int_e4m3({n, k}, c.seed, "b");
      in["sb"] = small_scales({(n + 127) / 128, k / 128}, c.seed, "sb");
    }
    return in;
  }
  quantized_activations(in, c, m, k);
  // Weights as the checkpoint stores them (harness/ops/moe_inputs.h), viewed as one [n, k] matrix.
  TensorMap w;
  add_weight(w, "b", fp4 ? kExpertFp4 : kExpertFp8, 1, n, k, c.seed);
  in["b"] = drop_leading(w.at("b"));
  in["sb"] = drop_leading(w.at("b_s"));
  return in;
}

TensorMap gemm_reference(const Case&, const TensorMap& in, bool fp4) {
  const Tensor &a = require_tensor(in, "a", "gemm"), &sa = require_tensor(in, "sa", "gemm"),
               &b = require_tensor(in, "b", "gemm"), &sb = require_tensor(in, "sb", "gemm");
  const int64_t m = a.dim(0), k = a.dim(1), n = b.dim(0);
  Tensor c = make_tensor<bf16>({m, n});
  if (fp4)
    reference::fp4_gemm(c.data<bf16>(), a.data<e4m3>(), sa.data<ue8m0>(), b.data<e2m1x2>(),
                        sb.data<ue8m0>(), m, n, k);
  else
    reference::fp8_gemm(c.data<bf16>(), a.data<e4m3>(), sa.data<ue8m0>(), b.data<e4m3>(),
                        sb.data<ue8m0>(), m, n, k);
  return {{"c", c}};
}

std::vector<Case> gemm_cases(const std::string& op, Suite suite, bool exact) {
  auto mk = [&](int64_t m, int64_t n, int64_t k) {
    return make_case(op, {{"m", m}, {"n", n}, {"k", k}});
  };
  if (exact) {
    switch (suite) {
    case Suite::smoke:
      return {mk(3, 256, 512)};
    case Suite::standard:
      return {mk(16, 512, 4096)};
    case Suite::full:
      return {mk(8, 2048, 4096)};
    }
  }
  switch (suite) {
  case Suite::smoke:
    return {mk(5, 256, 256), mk(3, 130, 384)}; // 130: a partial 128-block along N
  case Suite::standard:
    return {mk(64, 1024, 4096), mk(17, 512, 4096)};
  case Suite::full: // Flash wo_b [4096, 8192], Pro wo_b [7168, 16384] / expert w1 [3072, 7168]
    return {mk(4, 4096, 8192), mk(2, 7168, 16384), mk(8, 3072, 7168)};
  }
  return {};
}

OpSpec make_gemm_op(bool fp4, bool exact) {
  OpSpec op;
  op.name = fmt::format("{}_gemm{}", fp4 ? "fp4" : "fp8", exact ? "_exact" : "");
  op.stem = "gemm";
  op.summary = fmt::format(
      "{}{}",
      fp4 ? "FP8 x FP4 GEMM, 1x32 e2m1 weight scales, per-32 fp32 promotion (spec 4.2)"
          : "FP8 x FP8 GEMM, 1x128 / 128x128 ue8m0 scales, per-128 fp32 promotion (spec 4.1)",
      exact ? "; exact small-integer inputs (spec 4.4)" : "");
  op.row_param = std::string(1, 'm'); // (a std::string avoids a GCC 12 -Wrestrict false positive)
  op.row_inputs = {"a", "sa"};
  const std::string name = op.name;
  op.cases = [name, exact](Suite s) {
    auto cases = gemm_cases(name, s, exact);
    if (exact)
      for (Case& c : cases)
        c.set("exact", int64_t(1));
    return cases;
  };
  op.make_inputs = [fp4](const Case& c) { return gemm_inputs(c, fp4); };
  op.outputs = {
      {"c", exact ? ComparePolicy::bitwise("every partial sum exact in fp32; one bf16 rounding")
                  : ComparePolicy::ulps(
                        2, "block partials within (128-1) fp32 roundings of the "
                           "exact value: < 1/2 bf16 ulp of C unless C cancels to "
                           "below 2^-9 of sum|a b|; + 1/2 ulp output rounding each side")}};
  op.properties = {
      {"error_vs_exact", [fp4](const Case&, const TensorMap& in, const TensorMap& out) {
         return properties::check_gemm_error_bound(in.at("a"), in.at("sa"), in.at("b"), in.at("sb"),
                                                   out.at("c"), fp4);
       }}};
  if (exact) {
    op.properties.push_back(
        {"exact_result", [fp4](const Case&, const TensorMap& in, const TensorMap& out) {
           return properties::check_gemm_exact(in.at("a"), in.at("sa"), in.at("b"), in.at("sb"),
                                               out.at("c"), fp4);
         }});
  }
  op.cost = [fp4](const Case& c) {
    const double m = double(c.i64("m")), n = double(c.i64("n")), k = double(c.i64("k"));
    const double b_bytes = fp4 ? n * k / 2 + n * k / 32 : n * k + n * k / 16384;
    return Cost{m * k + m * k / 128 + b_bytes + 2 * m * n, 2 * m * n * k};
  };
  op.max_invariance_rows = 129;
  op.backends = {reference_backend(
      [fp4](const Case& c, const TensorMap& in) { return gemm_reference(c, in, fp4); })};
  return op;
}

} // namespace
V4_REGISTER_OP([] { return make_gemm_op(false, false); });
V4_REGISTER_OP([] { return make_gemm_op(true, false); });
V4_REGISTER_OP([] { return make_gemm_op(false, true); });
V4_REGISTER_OP([] { return make_gemm_op(true, true); });
} // namespace v4::harness
