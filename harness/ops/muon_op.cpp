// Registry entry: muon, one Muon step on one matrix (spec §19, D13), fp64 reference.
// spectrum=c (c > 0): the gradient is U·diag(σ)·Vᵀ with σ log-spaced over [10^-c, 1], full rank,
// and zero momentum, so the Newton–Schulz input's normalized singular values are known and the
// update's singular values must lie in the band φ([σ_min/‖σ‖, σ_max/‖σ‖]) (spec §19 table);
// spectrum=0: a Gaussian gradient and momentum (no band claim).
#include <cmath>

#include "harness/generators.h"
#include "harness/ops/op_util.h"
#include "properties/muon_invariants.h"
#include "reference/muon.h"

namespace v4::harness {
namespace {

std::vector<double> designed_sigma(const Case& c) {
  const int64_t r = std::min(c.i64("n"), c.i64("m")), decades = c.i64("spectrum");
  std::vector<double> s(static_cast<size_t>(r));
  for (int64_t i = 0; i < r; ++i)
    s[size_t(i)] =
        std::pow(10.0, -double(decades) * double(i) / double(std::max<int64_t>(r - 1, 1)));
  return s;
}

TensorMap muon_inputs(const Case& c) {
  const int64_t n = c.i64("n"), m = c.i64("m");
  TensorMap in;
  in["w"] = random_f32({n, m}, c.seed, "w", 0.02);
  if (c.i64("spectrum") > 0) {
    const std::vector<double> g = properties::matrix_with_spectrum(designed_sigma(c), n, m, c.seed);
    Tensor t = make_tensor<float>({n, m});
    for (int64_t i = 0; i < n * m; ++i)
      t.data<float>()[i] = float(g[size_t(i)]);
    in["grad"] = t;
    in["momentum"] = make_tensor<float>({n, m});
  } else {
    in["grad"] = random_f32({n, m}, c.seed, "grad");
    in["momentum"] = random_f32({n, m}, c.seed, "momentum");
  }
  return in;
}

TensorMap muon_reference(const Case& c, const TensorMap& in) {
  const Tensor& g = require_tensor(in, "grad", "muon");
  const int64_t n = g.dim(0), m = g.dim(1), count = n * m;
  std::vector<double> w(static_cast<size_t>(count)), mom(static_cast<size_t>(count)),
      grad(static_cast<size_t>(count)), upd(static_cast<size_t>(count));
  for (int64_t i = 0; i < count; ++i) {
    w[size_t(i)] = in.at("w").data<float>()[i];
    mom[size_t(i)] = in.at("momentum").data<float>()[i];
    grad[size_t(i)] = g.data<float>()[i];
  }
  reference::MuonOptions o;
  o.lr = double(c.i64_or("lr_x1e6", 270)) * 1e-6;
  reference::muon_step(w.data(), mom.data(), upd.data(), grad.data(), n, m, o);
  Tensor wt = make_tensor<float>({n, m}), mt = make_tensor<float>({n, m}),
         ut = make_tensor<float>({n, m});
  for (int64_t i = 0; i < count; ++i) {
    wt.data<float>()[i] = float(w[size_t(i)]);
    mt.data<float>()[i] = float(mom[size_t(i)]);
    ut.data<float>()[i] = float(upd[size_t(i)]);
  }
  return {{"w", wt}, {"momentum", mt}, {"update", ut}};
}

// The band: x_i = σ_i/‖σ‖₂ moved by at most 2^-24 (the fp32 rounding of the gradient perturbs
// singular values by ≤ ‖ΔG‖_F ≤ 2^-24‖G‖_F, Weyl). Tolerance: the fp32 rounding of the update
// (‖ΔO‖₂ ≤ 2^-24‖O‖_F = 2^-24·sqrt(r) in units of the band) + 1e-12 for fp64 iteration and
// eigen-solver error.
PropertyOutcome singular_band(const Case& c, const TensorMap&, const TensorMap& out) {
  if (c.i64("spectrum") <= 0) {
    PropertyOutcome o;
    o.bound = "designed-spectrum cases only";
    o.detail = "Gaussian input: no band claim";
    return o;
  }
  const std::vector<double> s = designed_sigma(c);
  double norm = 0;
  for (double v : s)
    norm += v * v;
  norm = std::sqrt(norm);
  const double lo = s.back() / norm - 0x1p-24, hi = s.front() / norm + 0x1p-24;
  const int64_t n = c.i64("n"), m = c.i64("m");
  const Tensor& u = out.at("update");
  std::vector<double> upd(u.data<float>(), u.data<float>() + u.numel());
  const double tol = 2 * 0x1p-24 * std::sqrt(double(s.size())) + 1e-12;
  return properties::check_singular_band(upd, n, m, properties::ns_band(lo, hi), tol);
}

std::vector<Case> muon_cases(Suite suite) {
  auto mk = [](int64_t n, int64_t m, int64_t spectrum) {
    return make_case("muon", {{"n", n}, {"m", m}, {"spectrum", spectrum}});
  };
  switch (suite) {
  case Suite::smoke:
    return {mk(24, 64, 3), mk(48, 32, 4), mk(16, 40, 0)};
  case Suite::standard:
    return {mk(256, 4096, 4), mk(24, 16384, 3),
            mk(64, 4096, 0)}; // Flash gate, hc_pre fn, weights_proj
  case Suite::full:
    return {mk(384, 7168, 4), mk(24, 28672, 4)}; // Pro gate, hc_pre fn
  }
  return {};
}

OpSpec make_muon_op() {
  OpSpec op;
  op.name = "muon";
  op.stem = "muon";
  op.summary = "Muon step: Nesterov momentum, 8+2 hybrid Newton-Schulz on rows<=cols, 0.18 "
               "sqrt(max(n,m)), decoupled wd (spec 19)";
  op.row_param = std::string(1, 'n'); // (a std::string avoids a GCC 12 -Wrestrict false positive)
  op.cases = muon_cases;
  op.make_inputs = muon_inputs;
  op.outputs = {
      {"update",
       ComparePolicy::ulps(64, "bf16/fp32 kernel Newton-Schulz vs fp64: the spec leaves the "
                               "tolerance open; 64 fp32 ulp = 2^-18 relative")},
      {"w",
       ComparePolicy::ulps(2, "lr 2.7e-4 scales the update error below 1 ulp of w; + rounding")},
      {"momentum", ComparePolicy::ulps(1, "one fp32 rounding of mu M + G")}};
  op.properties = {{"singular_band", singular_band}};
  op.cost = [](const Case& c) {
    const double n = double(c.i64("n")), m = double(c.i64("m")), r = std::min(n, m),
                 cc = std::max(n, m);
    return Cost{4 * n * m * 6, 10 * (4 * r * r * cc + 2 * r * r * r)};
  };
  op.backends = {reference_backend(muon_reference)};
  return op;
}

} // namespace
V4_REGISTER_OP(make_muon_op);
} // namespace v4::harness
