// Registry entry: hadamard, the normalized Sylvester Hadamard-128 of the indexer (spec §7).
//
// Domain properties (spec §7 invariants), bounds from the rounding points (u = 2^-24): each output
// is bf16(fl32(fl32(S)·scale)) with S the exact sum: relative error ≤ 2^-8 + 2u per element (2^-8:
// the bf16 unit roundoff).
//  - norm: |‖y‖ − ‖x‖| ≤ (2^-8 + 2u)·‖x‖ (H/√n is orthonormal).
//  - self_inverse: y = Hx + r₁ with ‖r₁‖₂ ≤ ρ‖x‖₂ (ρ = 2^-8 + 2u, H orthonormal), and
//    H(y) = x + H r₁ + r₂ with ‖r₂‖₂ ≤ ρ‖y‖₂ ≤ ρ(1 + ρ)‖x‖₂: ‖H(H(x)) − x‖₂ ≤ 2ρ(1 + 2^-8)‖x‖₂.
//  - first_row: y_0 = Σx/√n within (2^-8 + 2u)|y_0| + 2^-133.
#include <cmath>
#include <vector>

#include <fmt/format.h>

#include "harness/generators.h"
#include "harness/ops/op_util.h"
#include "reference/hadamard.h"

namespace v4::harness {
namespace {

constexpr double kRel = 0x1p-8 + 2 * 0x1p-24;

TensorMap hadamard_reference(const Case&, const TensorMap& in) {
  const Tensor& x = require_tensor(in, "x", "hadamard");
  Tensor y(DType::bf16, x.shape());
  reference::hadamard(y.data<bf16>(), x.data<bf16>(), x.dim(0), x.dim(1));
  return {{"y", y}};
}

double norm2(const bf16* v, int64_t n) {
  double s = 0;
  for (int64_t i = 0; i < n; ++i)
    s += double(reference::bf16_decode(v[i])) * double(reference::bf16_decode(v[i]));
  return std::sqrt(s);
}

PropertyOutcome norm_preserved(const Case&, const TensorMap& in, const TensorMap& out) {
  const Tensor &x = in.at("x"), &y = out.at("y");
  const int64_t n = x.dim(1);
  PropertyOutcome r{true, "| |y| - |x| | <= (2^-8 + 2u)|x| per row", 1, 0, ""};
  for (int64_t row = 0; row < x.dim(0); ++row) {
    const double nx = norm2(x.data<bf16>() + row * n, n), ny = norm2(y.data<bf16>() + row * n, n);
    r.measured = std::max(r.measured, std::fabs(nx - ny) / (kRel * nx + 0x1p-133));
  }
  r.passed = r.measured <= 1;
  r.detail = fmt::format("max ratio to bound {:.3g}", r.measured);
  return r;
}

PropertyOutcome self_inverse(const Case&, const TensorMap& in, const TensorMap& out) {
  const Tensor &x = in.at("x"), &y = out.at("y");
  const int64_t rows = x.dim(0), n = x.dim(1);
  Tensor back(DType::bf16, x.shape());
  reference::hadamard(back.data<bf16>(), y.data<bf16>(), rows, n);
  PropertyOutcome r{true, "|H(H(x)) - x|_2 <= 2(2^-8 + 2u)(1 + 2^-8)|x|_2 per row", 1, 0, ""};
  for (int64_t row = 0; row < rows; ++row) {
    double d = 0;
    for (int64_t i = 0; i < n; ++i) {
      const double e = double(reference::bf16_decode(back.data<bf16>()[row * n + i])) -
                       double(reference::bf16_decode(x.data<bf16>()[row * n + i]));
      d += e * e;
    }
    const double bound = 2 * kRel * (1 + 0x1p-8) * norm2(x.data<bf16>() + row * n, n) + 0x1p-133;
    r.measured = std::max(r.measured, std::sqrt(d) / bound);
  }
  r.passed = r.measured <= 1;
  r.detail = fmt::format("max ratio to bound {:.3g}", r.measured);
  return r;
}

PropertyOutcome first_row(const Case&, const TensorMap& in, const TensorMap& out) {
  const Tensor &x = in.at("x"), &y = out.at("y");
  const int64_t n = x.dim(1);
  PropertyOutcome r{true, "|y_0 - sum(x)/sqrt(n)| <= (2^-8 + 2u)|y_0| + 2^-133", 1, 0, ""};
  for (int64_t row = 0; row < x.dim(0); ++row) {
    double s = 0;
    for (int64_t i = 0; i < n; ++i)
      s += reference::bf16_decode(x.data<bf16>()[row * n + i]);
    const double want = s / std::sqrt(double(n)),
                 got = reference::bf16_decode(y.data<bf16>()[row * n]);
    r.measured = std::max(r.measured, std::fabs(got - want) / (kRel * std::fabs(want) + 0x1p-133));
  }
  r.passed = r.measured <= 1;
  r.detail = fmt::format("max ratio to bound {:.3g}", r.measured);
  return r;
}

OpSpec make_hadamard_op() {
  OpSpec op;
  op.name = "hadamard";
  op.stem = "hadamard";
  op.summary = "normalized Sylvester Hadamard-128, fp32 math, bf16 out (spec 7)";
  op.row_inputs = {"x"};
  op.cases = [](Suite suite) -> std::vector<Case> {
    switch (suite) {
    case Suite::smoke:
      return {make_case("hadamard", {{"rows", 6}, {"n", 128}})};
    case Suite::standard:
      return {make_case("hadamard", {{"rows", 64 * 64}, {"n", 128}})};
    case Suite::full:
      return {make_case("hadamard", {{"rows", 8192 * 64}, {"n", 128}})}; // 268 MB
    }
    return {};
  };
  op.make_inputs = [](const Case& c) -> TensorMap {
    return {{"x", random_bf16({c.i64("rows"), c.i64("n")}, c.seed, "x")}};
  };
  op.outputs = {
      {"y",
       ComparePolicy::ulps(
           1, "fp32 sum of ±x in another order: within 128u of the sum, then one bf16 rounding")}};
  op.properties = {
      {"norm", norm_preserved}, {"self_inverse", self_inverse}, {"first_row", first_row}};
  op.cost = [](const Case& c) {
    const double n = double(c.i64("rows") * c.i64("n"));
    return Cost{n * 4, n * double(c.i64("n"))};
  };
  op.max_invariance_rows = 300;
  op.backends = {reference_backend(hadamard_reference)};
  return op;
}

} // namespace
V4_REGISTER_OP(make_hadamard_op);
} // namespace v4::harness
