// Registry entry: swiglu, the clamped SwiGLU between an expert's GEMMs (spec §16, §17, D2):
// h = bf16(w_route · silu(min(g, 10)) · clamp(u, ±10)) from the w1/w3 Linears' bf16 outputs g, u.
// routed=1: a routed expert (routing weight before w2); routed=0: the shared expert (no weight).
// scale: the standard deviation of g and u (4 puts ~1 % of the values beyond each clamp).
// specials=1: also plants, all over the tensor, the gates that leave the CUDA silu table
// (|g| >= 32, ±Inf, NaN), its edges (±31.75, ±0, subnormals) and non-finite ups.
// Domain property: the clamp bound (properties/swiglu_invariants.h).
#include <cmath>
#include <iterator>
#include <limits>

#include "harness/generators.h"
#include "harness/ops/op_util.h"
#include "properties/swiglu_invariants.h"
#include "reference/swiglu.h"

namespace v4::harness {
namespace {

// Every 37th gate and every 41st up (coprime strides: the specials meet every lane of a 16-byte
// vector, next to ordinary values, in every row) take the next value of a rotation of special
// values: out of the silu table (|g| >= 32, ±Inf, NaN: the double path), its edges (±31.75,
// ±0, a subnormal, the smallest normal), clamp edges, and Inf/NaN ups (NaN passes the clamp).
void plant_specials(Tensor& g, Tensor& u) {
  const float inf = std::numeric_limits<float>::infinity(), nan = std::nanf("");
  const float gs[] = {32.0f, -32.0f, 31.75f, -31.75f, 33.0f,   -100.0f, -1e4f, -3e38f,  inf,
                      -inf,  nan,    -nan,   0.0f,    -0.0f,   1e-40f,  -1e-40f, 0x1p-126f,
                      -0x1p-126f, 10.0f, 10.0625f, 9.9375f, -88.5f, 88.5f,  1e30f};
  const float us[] = {inf, -inf, nan, 1e30f, -1e30f, 0.0f, -0.0f, 1e-40f};
  const int64_t n = g.numel();
  for (int64_t i = 5, k = 0; i < n; i += 37, ++k)
    g.data<bf16>()[i] = reference::bf16_encode(gs[k % int64_t(std::size(gs))]);
  for (int64_t i = 3, k = 0; i < n; i += 41, ++k)
    u.data<bf16>()[i] = reference::bf16_encode(us[k % int64_t(std::size(us))]);
}

// g, u ~ N(0, scale²) in bf16; route ~ U[0.05, 1.5). Row 0 starts with planted clamp edges
// (exactly at, just beyond and far beyond ±10, a large negative gate, ±0).
TensorMap swiglu_inputs(const Case& c) {
  const int64_t rows = c.i64("rows"), inter = c.i64("inter");
  const double scale = double(c.i64_or("scale", 4));
  TensorMap in;
  Tensor g = random_bf16({rows, inter}, c.seed, "g", scale);
  Tensor u = random_bf16({rows, inter}, c.seed, "u", scale);
  if (rows >= 1 && inter >= 8) {
    const float gp[8] = {10.0f, 10.0625f, -10.0f, 30.0f, -200.0f, 0.0f, -0.0f, 1e-3f};
    const float up[8] = {10.0f, -10.0625f, 11.0f, -30.0f, 5.0f, 2.0f, 3.0f, -1.0f};
    for (int i = 0; i < 8; ++i) {
      g.data<bf16>()[i] = reference::bf16_encode(gp[i]);
      u.data<bf16>()[i] = reference::bf16_encode(up[i]);
    }
  }
  if (c.i64_or("specials", 0))
    plant_specials(g, u);
  in["g"] = std::move(g);
  in["u"] = std::move(u);
  if (c.i64("routed"))
    in["route"] = uniform_f32({rows}, c.seed, "route", 0.05, 1.5);
  return in;
}

TensorMap swiglu_reference(const Case&, const TensorMap& in) {
  const Tensor& g = require_tensor(in, "g", "swiglu");
  const Tensor& u = require_tensor(in, "u", "swiglu");
  Tensor h = make_tensor<bf16>(g.shape());
  reference::swiglu_clamp_bf16(h.data<bf16>(), g.data<bf16>(), u.data<bf16>(),
                               in.count("route") ? in.at("route").data<float>() : nullptr, g.dim(0),
                               g.dim(1), reference::kSwigluLimit);
  return {{"h", h}};
}

Case swiglu_case(int64_t rows, int64_t inter, int64_t routed) {
  return make_case("swiglu", {{"rows", rows}, {"inter", inter}, {"routed", routed}});
}

std::vector<Case> swiglu_cases(Suite suite) {
  switch (suite) {
  case Suite::smoke:
    return {swiglu_case(5, 256, 1), swiglu_case(3, 128, 0)};
  case Suite::standard: // Flash inter 2048, Pro 3072
    return {swiglu_case(1024, 2048, 1), swiglu_case(256, 3072, 0)};
  case Suite::full: // 302 MB and 264 MB
    return {swiglu_case(16384, 3072, 1), swiglu_case(14336, 3072, 0)};
  }
  return {};
}

OpSpec make_swiglu_op() {
  OpSpec op;
  op.name = "swiglu";
  op.stem = "swiglu";
  op.summary = "clamped SwiGLU of an expert: u in [-10,10], g <= 10, silu in double, routing "
               "weight before w2, bf16 out (spec 16, 17, D2)";
  op.row_inputs = {"g", "u", "route"};
  op.cases = swiglu_cases;
  op.make_inputs = swiglu_inputs;
  // silu's double quotient rounds to the reference's fp32 value or a neighbour (libm exp within
  // an ulp on both sides); adjacent silu values give fp32 products within 2^-22 relative, less
  // than one bf16 spacing (2^-8 relative): at most one bf16 rounding point between them.
  op.outputs = {{"h", ComparePolicy::ulps(1, "silu fp32 equal or adjacent (libm exp); products "
                                             "within 2^-22; one bf16 rounding")}};
  op.properties = {{"clamp_bound", [](const Case&, const TensorMap& in, const TensorMap& out) {
                      return properties::check_swiglu_clamp_bound(
                          out.at("h"), in.count("route") ? &in.at("route") : nullptr);
                    }}};
  op.cost = [](const Case& c) {
    const double rows = double(c.i64("rows")), n = rows * double(c.i64("inter"));
    return Cost{n * 6 + (c.i64("routed") ? rows * 4 : 0), n * 8};
  };
  op.backends = {reference_backend(swiglu_reference)};
  return op;
}

} // namespace
V4_REGISTER_OP(make_swiglu_op);
} // namespace v4::harness
