#include "properties/sparse_attn_invariants.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "harness/rng.h"
#include "reference/sparse_attn.h"

namespace v4::properties {
namespace {

using harness::PropertyOutcome;
using harness::Tensor;
using reference::bf16_decode;

constexpr double kU = 0x1p-24;

double bf16_ulp_at(double v) {
  const double a = std::fabs(v);
  if (a < 0x1p-126)
    return 0x1p-133;
  int e = 0;
  std::frexp(a, &e);
  return std::ldexp(1.0, e - 8);
}

float softmax_scale(const Tensor& q) {
  return float(std::pow(double(q.dim(2)), -0.5));
}

// Runs the reference on (q, kv, sink) with another index list.
Tensor run_with(const harness::TensorMap& in, const std::vector<int32_t>& idx, int64_t k) {
  const Tensor &q = in.at("q"), &kv = in.at("kv"), &sink = in.at("sink");
  Tensor o(harness::DType::bf16, q.shape());
  reference::sparse_attn(o.data<bf16>(), q.data<bf16>(), kv.data<bf16>(), sink.data<float>(),
                         idx.data(), q.dim(0), q.dim(1), q.dim(2), kv.dim(0), k, softmax_scale(q));
  return o;
}

} // namespace

std::vector<double> sparse_attn_error_bound(const bf16* q, const bf16* kv, const float* sink,
                                            const int32_t* idx, const bf16* o, int64_t rows,
                                            int64_t heads, int64_t dim, int64_t k, float scale) {
  std::vector<double> bound(static_cast<size_t>(rows * heads * dim), 0.0);
  std::vector<double> logit(static_cast<size_t>(k)), weighted(static_cast<size_t>(dim));
  const double chunks = double((k + 63) / 64);
  const double gamma = (64 + 2 * chunks + 2) * kU;
  for (int64_t r = 0; r < rows; ++r) {
    const int32_t* list = idx + r * k;
    for (int64_t h = 0; h < heads; ++h) {
      const bf16* qh = q + (r * heads + h) * dim;
      double max_logit = -INFINITY, e_max = 0;
      for (int64_t j = 0; j < k; ++j) {
        if (list[j] < 0)
          continue;
        double dot = 0, mag = 0;
        for (int64_t d = 0; d < dim; ++d) {
          const double t = double(bf16_decode(qh[d])) * double(bf16_decode(kv[list[j] * dim + d]));
          dot += t;
          mag += std::fabs(t);
        }
        logit[size_t(j)] = double(scale) * dot;
        max_logit = std::max(max_logit, logit[size_t(j)]);
        e_max = std::max(e_max, double(scale) * double(dim) * kU * mag +
                                    4 * kU * std::fabs(logit[size_t(j)]));
      }
      if (max_logit == -INFINITY)
        continue; // empty list: o = 0 exactly (D9)
      double z = std::exp(double(sink[h]) - max_logit);
      for (int64_t j = 0; j < k; ++j) {
        if (list[j] >= 0)
          z += std::exp(logit[size_t(j)] - max_logit);
      }
      std::fill(weighted.begin(), weighted.end(), 0.0);
      for (int64_t j = 0; j < k; ++j) {
        if (list[j] < 0)
          continue;
        const double w = std::exp(logit[size_t(j)] - max_logit) / z;
        for (int64_t d = 0; d < dim; ++d)
          weighted[size_t(d)] += w * std::fabs(bf16_decode(kv[list[j] * dim + d]));
      }
      const double eta = 2 * e_max + 8 * 0x1p-23;
      for (int64_t d = 0; d < dim; ++d) {
        const double od = bf16_decode(o[(r * heads + h) * dim + d]);
        bound[size_t((r * heads + h) * dim + d)] =
            (1.01 * 0x1p-7 + eta + gamma) * weighted[size_t(d)] + (eta + gamma) * std::fabs(od) +
            bf16_ulp_at(od);
      }
    }
  }
  return bound;
}

PropertyOutcome check_sparse_attn_norm_bound(const harness::TensorMap& in,
                                             const harness::TensorMap& out) {
  const Tensor &kv = in.at("kv"), &o = out.at("o");
  float kv_max = 0;
  for (int64_t i = 0; i < kv.numel(); ++i)
    kv_max = std::max(kv_max, std::fabs(bf16_decode(kv.data<bf16>()[i])));
  float o_max = 0;
  for (int64_t i = 0; i < o.numel(); ++i)
    o_max = std::max(o_max, std::fabs(bf16_decode(o.data<bf16>()[i])));
  PropertyOutcome r;
  r.bound_value = double(kv_max) * (1 + 0x1p-8) * (1 + 0x1p-8) * (1 + 0x1p-20);
  r.bound = fmt::format("max|o| <= (1 + 2^-8)^2 (1 + 2^-20) max|kv| = {:.6g}", r.bound_value);
  r.measured = o_max;
  r.passed = double(o_max) <= r.bound_value;
  r.detail = fmt::format("max|o| {:.6g}, max|kv| {:.6g}", o_max, kv_max);
  return r;
}

PropertyOutcome check_sparse_attn_permutation(const harness::Case& c, const harness::TensorMap& in,
                                              const harness::TensorMap& out) {
  const Tensor &q = in.at("q"), &kv = in.at("kv"), &sink = in.at("sink"), &idx = in.at("idx");
  const int64_t rows = idx.dim(0), k = idx.dim(1),
                k2 = k + 70; // 70 extra −1 entries: a new chunk split
  const harness::CounterRng rng(c.seed, "sparse_attn/permutation");
  uint64_t draw = 0;
  std::vector<int32_t> permuted(static_cast<size_t>(rows * k2), -1);
  for (int64_t r = 0; r < rows; ++r) {
    std::vector<int32_t> row(idx.data<int32_t>() + r * k, idx.data<int32_t>() + (r + 1) * k);
    row.resize(size_t(k2), -1);
    for (int64_t i = k2 - 1; i > 0; --i)
      std::swap(row[size_t(i)], row[size_t(rng.uniform_int(draw++, 0, i))]);
    std::copy(row.begin(), row.end(), permuted.begin() + r * k2);
  }
  const Tensor o2 = run_with(in, permuted, k2);
  const Tensor& o = out.at("o");
  const std::vector<double> bound = sparse_attn_error_bound(
      q.data<bf16>(), kv.data<bf16>(), sink.data<float>(), idx.data<int32_t>(), o.data<bf16>(),
      rows, q.dim(1), q.dim(2), k, softmax_scale(q));
  PropertyOutcome r;
  r.bound = "per element |o(permuted, +70 holes) - o| <= sparse_attn_error_bound";
  r.bound_value = 1;
  int64_t outside = 0;
  for (int64_t i = 0; i < o.numel(); ++i) {
    const double d =
        std::fabs(double(bf16_decode(o.data<bf16>()[i])) - double(bf16_decode(o2.data<bf16>()[i])));
    const double ratio = bound[size_t(i)] > 0 ? d / bound[size_t(i)] : (d > 0 ? INFINITY : 0);
    r.measured = std::max(r.measured, ratio);
    outside += ratio > 1;
  }
  r.passed = outside == 0;
  r.detail = fmt::format("max |d|/bound {:.3g}, {} elements outside", r.measured, outside);
  return r;
}

PropertyOutcome check_sparse_attn_single(const harness::Case& c, const harness::TensorMap& in) {
  const Tensor &q = in.at("q"), &kv = in.at("kv"), &sink = in.at("sink"), &idx = in.at("idx");
  const int64_t rows = q.dim(0), heads = q.dim(1), dim = q.dim(2), k = idx.dim(1);
  // Each row keeps only its first valid index, moved to the middle of the list.
  std::vector<int32_t> single(static_cast<size_t>(rows * k), -1);
  std::vector<int32_t> chosen(static_cast<size_t>(rows), -1);
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t j = 0; j < k && chosen[size_t(r)] < 0; ++j)
      chosen[size_t(r)] = idx.data<int32_t>()[r * k + j];
    single[size_t(r * k + (k - 1) / 2)] = chosen[size_t(r)];
  }
  const Tensor o = run_with(in, single, k);
  const float scale = softmax_scale(q);
  PropertyOutcome res;
  res.bound = "|o - sigma(l - sink) kv| <= |kv| sigma (2u|l| + u|sink - l| + 4u) + 1/2 bf16 ulp";
  res.bound_value = 1;
  int64_t outside = 0;
  for (int64_t r = 0; r < rows; ++r) {
    const int32_t j = chosen[size_t(r)];
    for (int64_t h = 0; h < heads; ++h) {
      for (int64_t d = 0; d < dim; ++d) {
        const double got = bf16_decode(o.data<bf16>()[(r * heads + h) * dim + d]);
        if (j < 0) { // D9: an empty list gives exactly 0
          outside += got != 0;
          continue;
        }
        double dot = 0;
        for (int64_t e = 0; e < dim; ++e) {
          dot += double(bf16_decode(q.data<bf16>()[(r * heads + h) * dim + e])) *
                 double(bf16_decode(kv.data<bf16>()[j * dim + e]));
        }
        const double l = double(scale) * dot,
                     s = 1 / (1 + std::exp(double(sink.data<float>()[h]) - l));
        const double kvd = bf16_decode(kv.data<bf16>()[j * dim + d]);
        const double want = s * kvd;
        const double sink_arg = std::fabs(double(sink.data<float>()[h]) - l);
        const double b = std::fabs(kvd) * s * (2 * kU * std::fabs(l) + kU * sink_arg + 4 * kU) +
                         0.5 * bf16_ulp_at(want);
        const double ratio = std::fabs(got - want) / b;
        res.measured = std::max(res.measured, ratio);
        outside += ratio > 1;
      }
    }
  }
  res.passed = outside == 0;
  res.detail = fmt::format("max |d|/bound {:.3g}, {} elements outside", res.measured, outside);
  return res;
}

} // namespace v4::properties
