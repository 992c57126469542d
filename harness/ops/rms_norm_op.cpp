// Registry entries: rms_norm (weighted, spec §5) and rms_norm_head (per-head, bf16 arithmetic),
// plus the two negative controls that prove the invariance checkers can fail:
//  - m_dispatch_control: a hidden M-dependent dispatch (rows > 64 take a low-precision path),
//    the failure mode of cuBLAS/DeepGEMM path selection (harness-lessons §1): batch-variant;
//  - racy_order_control: the sum of squares starts at a position taken from a global counter,
//    as atomics would order it: nondeterministic run to run.
// A control must be caught on every seed: bf16 partial sums alone can round to the same outputs
// by chance (RapidCheck found one: rows=5 dim=256 seed=666074 escaped the batch-invariance
// check), so the bad paths also divide by one element too many (an off-by-one tile count, as the
// CUDA split control does): a 1/(2·dim) relative change of every output, which moves some bf16
// rounding of a row of dim values with probability 1 - O(2^-dim).
// Domain properties (spec §5 invariants): zero input gives zero output, mean(y²) = ms/(ms + eps)
// for unit weight, and y(2^k x) ≈ y(x); the inputs plant the rows these need.
#include <atomic>
#include <cmath>

#include "harness/generators.h"
#include "harness/ops/op_util.h"
#include "harness/rng.h"
#include "properties/rms_norm_invariants.h"
#include "reference/rms_norm.h"

namespace v4::harness {
namespace {

constexpr float kNormEps = 1e-6f;

// x ~ N(0, 1) in bf16, w ~ N(1, 0.1) in fp32 (bf16 checkpoint values held in fp32). With 4 rows or
// more, the first rows are planted for the domain properties: row 0 is all ±0 (random signs),
// row 2 is row 1 times 2^k with k in [-6, 6] \ {0} (exact in bf16), row 3 is row 1 times 2^-40 so
// that mean(x²) << eps.
TensorMap rms_norm_inputs(const Case& c) {
  const int64_t rows = c.i64("rows"), dim = c.i64("dim");
  Tensor x = random_bf16({rows, dim}, c.seed, "x");
  if (rows >= 4) {
    const CounterRng rng(c.seed, "x.planted");
    int k = int(rng.uniform_int(0, -6, 5));
    if (k >= 0)
      ++k;
    bf16* p = x.data<bf16>();
    for (int64_t i = 0; i < dim; ++i) {
      p[i] = bf16{uint16_t((rng.bits32(1 + uint64_t(i)) & 1) ? 0x8000 : 0x0000)};
      p[2 * dim + i] = reference::bf16_encode(std::ldexp(reference::bf16_decode(p[dim + i]), k));
      p[3 * dim + i] = reference::bf16_encode(std::ldexp(reference::bf16_decode(p[dim + i]), -40));
    }
  }
  return {{"x", x}, {"w", random_f32({dim}, c.seed, "w", 0.1, 1.0)}};
}

TensorMap rms_norm_reference(const Case&, const TensorMap& in) {
  const Tensor& x = require_tensor(in, "x", "rms_norm");
  const Tensor& w = require_tensor(in, "w", "rms_norm");
  Tensor y = make_tensor<bf16>(x.shape());
  reference::rms_norm(y.data<bf16>(), x.data<bf16>(), w.data<float>(), x.dim(0), x.dim(1),
                      kNormEps);
  return {{"y", y}};
}

// Shared body of the two controls: the sum of squares is accumulated in bf16 (each partial
// rounded), starting at element `start` and wrapping around, so the result depends on `start`;
// the mean divides by dim + extra_count.
TensorMap rms_norm_with_bf16_sum(const TensorMap& in, const std::function<int64_t(int64_t row)>& start,
                                 int64_t extra_count) {
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
    const float inv = reference::rms_rsqrt(sum, dim + extra_count, kNormEps);
    for (int64_t i = 0; i < dim; ++i) {
      y.data<bf16>()[r * dim + i] = reference::bf16_encode(in.at("w").data<float>()[i] *
                                                           (reference::bf16_decode(xr[i]) * inv));
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
  b.description =
      "NEGATIVE CONTROL: batches of more than 64 rows silently take a bf16-accumulating path with an "
      "off-by-one count";
  b.run = [](const Case& c, const TensorMap& in) {
    if (in.at("x").dim(0) <= 64)
      return rms_norm_reference(c, in);
    return rms_norm_with_bf16_sum(in, [](int64_t) { return 0; }, 1);
  };
  return b;
}

Backend racy_order_control() {
  Backend b;
  b.name = "racy_order_control";
  b.device = "cpu";
  b.role = BackendRole::negative_control;
  b.must_fail_check = "determinism";
  b.description =
      "NEGATIVE CONTROL: reduction order (and, every other call, an off-by-one count) taken from a global "
      "counter, as atomics would";
  b.run = [](const Case&, const TensorMap& in) {
    static std::atomic<int64_t> calls{0};
    const int64_t call = calls.fetch_add(1);
    return rms_norm_with_bf16_sum(in, [call](int64_t r) { return 977 * call + 131 * r; }, call & 1);
  };
  return b;
}

std::vector<Case> rms_norm_cases(Suite suite) {
  switch (suite) {
  case Suite::smoke:
    return {make_case("rms_norm", {{"rows", 5}, {"dim", 256}})};
  case Suite::standard:
    return {make_case("rms_norm", {{"rows", 256}, {"dim", 4096}}),
            make_case("rms_norm", {{"rows", 64}, {"dim", 7168}})};
  case Suite::full:
    return {make_case("rms_norm", {{"rows", 16384}, {"dim", 4096}}),
            make_case("rms_norm", {{"rows", 8192}, {"dim", 7168}})};
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
  // An fp32 sum of dim <= 2^16 positive squares in any order is within (dim - 1)u of the exact
  // one, so rsqrt moves by <= dim·u/2 + 4u (rsqrtf 2 ULP) <= 2^-9 relative, and with two more
  // fp32 roundings the implementation's fp32 value is within 2^-9 of the reference's. A bf16
  // spacing exceeds 2^-8·|v|, so at most one bf16 rounding boundary lies between them: 1 ULP.
  op.outputs = {
      {"y", ComparePolicy::ulps(
                1, "fp32 values within 2^-9 relative (dim u/2 + 6u), one bf16 boundary between")}};
  op.properties = {
      {"zero_rows",
       [](const Case& c, const TensorMap& in, const TensorMap& out) {
         return properties::check_zero_rows(in.at("x"), out.at("y"), in.at("w").data<float>(),
                                            c.i64("dim"));
       }},
      {"unit_rms",
       [](const Case& c, const TensorMap& in, const TensorMap& out) {
         return properties::check_unit_rms(in.at("x"), out.at("y"), in.at("w").data<float>(),
                                           c.i64("dim"), kNormEps);
       }},
      {"scale_invariance",
       [](const Case& c, const TensorMap& in, const TensorMap& out) {
         return properties::check_scale_pairs(in.at("x"), out.at("y"), c.i64("dim"), kNormEps);
       }},
  };
  op.cost = [](const Case& c) {
    const double rows = double(c.i64("rows")), dim = double(c.i64("dim"));
    return Cost{rows * dim * 4 + dim * 4, rows * dim * 4};
  };
  op.max_invariance_rows = 4097;
  op.backends = {reference_backend(rms_norm_reference), m_dispatch_control(), racy_order_control()};
  return op;
}

// x ~ N(0, 1) in bf16; head 0 of row 0 is all ±0 when there are at least two heads in all.
TensorMap rms_norm_head_inputs(const Case& c) {
  const int64_t rows = c.i64("rows"), heads = c.i64("heads"), head_dim = c.i64("head_dim");
  Tensor x = random_bf16({rows, heads, head_dim}, c.seed, "x");
  if (rows * heads >= 2) {
    const CounterRng rng(c.seed, "x.planted");
    for (int64_t i = 0; i < head_dim; ++i)
      x.data<bf16>()[i] = bf16{uint16_t((rng.bits32(uint64_t(i)) & 1) ? 0x8000 : 0)};
  }
  return {{"x", x}};
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
    case Suite::smoke:
      return {make_case("rms_norm_head", {{"rows", 3}, {"heads", 4}, {"head_dim", 512}})};
    case Suite::standard:
      return {make_case("rms_norm_head", {{"rows", 64}, {"heads", 64}, {"head_dim", 512}})};
    case Suite::full:
      return {make_case("rms_norm_head", {{"rows", 4096}, {"heads", 128}, {"head_dim", 512}})};
    }
    return {};
  };
  op.make_inputs = rms_norm_head_inputs;
  // The fp32 mean's order can move the bf16 mean by one rounding (2^-8 relative); the rsqrt then
  // moves by <= 2^-9 relative and, rounded to bf16, by at most one ULP (<= 2^-7 relative). The
  // product q·inv is exact in fp32, so the two products differ by < 2 bf16 spacings before
  // their rounding: at most 2 ULPs.
  op.outputs = {
      {"y", ComparePolicy::ulps(
                2, "bf16 mean may round differently: inv moves 1 bf16 ulp, the product 2")}};
  op.properties = {
      {"zero_heads",
       [](const Case& c, const TensorMap& in, const TensorMap& out) {
         return properties::check_zero_rows(in.at("x"), out.at("y"), nullptr, c.i64("head_dim"));
       }},
      {"unit_rms",
       [](const Case& c, const TensorMap& in, const TensorMap& out) {
         return properties::check_unit_rms_head(in.at("x"), out.at("y"), c.i64("head_dim"),
                                                kNormEps);
       }},
  };
  op.cost = [](const Case& c) {
    const double n = double(c.i64("rows")) * double(c.i64("heads")) * double(c.i64("head_dim"));
    return Cost{n * 4, n * 3};
  };
  op.max_invariance_rows = 512;
  op.backends = {reference_backend(rms_norm_head_reference)};
  return op;
}

} // namespace
V4_REGISTER_OP(make_rms_norm_op);
V4_REGISTER_OP(make_rms_norm_head_op);
} // namespace v4::harness
