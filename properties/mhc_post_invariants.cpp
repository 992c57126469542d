#include "properties/mhc_post_invariants.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "reference/formats.h"

namespace v4::properties {

using harness::PropertyOutcome;
using harness::Tensor;

namespace {

double bf16_at(const Tensor& t, int64_t i) {
  return reference::bf16_decode(t.data<bf16>()[i]);
}

// Spacing of bf16 values at magnitude m: 2^(floor(log2 m) - 7), 2^-133 among the subnormals.
double bf16_spacing(double m) {
  return m < 0x1p-126 ? 0x1p-133 : std::ldexp(1.0, std::ilogb(m) - 7);
}

} // namespace

PropertyOutcome check_post_formula(const Tensor& out, const Tensor& f, const Tensor& residual,
                                   const Tensor& post, const Tensor& comb) {
  constexpr double kU = 0x1p-24;
  PropertyOutcome o;
  o.bound = "|out - (post_k f + sum_j comb[j,k] X_j)| <= spacing(out)/2 + 9u sum|terms| (comb "
            "transposed)";
  const int64_t tokens = residual.dim(0), dim = residual.dim(2);
  int64_t bad = 0;
  for (int64_t t = 0; t < tokens; ++t) {
    const float* c = comb.data<float>() + t * 16;
    for (int64_t k = 0; k < 4; ++k) {
      for (int64_t i = 0; i < dim; ++i) {
        double exact = double(post.data<float>()[t * 4 + k]) * bf16_at(f, t * dim + i);
        double mass = std::fabs(exact);
        for (int64_t j = 0; j < 4; ++j) {
          const double term = double(c[j * 4 + k]) * bf16_at(residual, (t * 4 + j) * dim + i);
          exact += term;
          mass += std::fabs(term);
        }
        const double got = bf16_at(out, (t * 4 + k) * dim + i);
        const double allowed = bf16_spacing(std::fabs(got)) / 2 + 9.01 * kU * mass;
        const double excess = std::fabs(got - exact) / allowed;
        o.measured = std::max(o.measured, excess);
        if (excess > 1 && bad++ == 0) {
          o.detail = fmt::format("token {} stream {} element {}: {:g} vs exact {:.9g}", t, k, i,
                                 got, exact);
        }
      }
    }
  }
  o.bound_value = 1;
  o.passed = bad == 0;
  if (o.passed)
    o.detail = fmt::format("worst error {:.3g} of its bound over {} elements", o.measured,
                           tokens * 4 * dim);
  return o;
}

PropertyOutcome check_permutation_routing(const Tensor& out, const Tensor& residual,
                                          const Tensor& post, const Tensor& comb) {
  PropertyOutcome o;
  o.bound = "post = 0 and comb a permutation matrix: X'_k == X_j exactly where comb[j,k] = 1";
  const int64_t tokens = residual.dim(0), dim = residual.dim(2);
  int64_t bad = 0, found = 0;
  for (int64_t t = 0; t < tokens; ++t) {
    const float* c = comb.data<float>() + t * 16;
    const float* p = post.data<float>() + t * 4;
    if (!std::all_of(p, p + 4, [](float v) { return v == 0; }))
      continue;
    int source[4] = {-1, -1, -1, -1}; // source[k] = the j with comb[j, k] = 1
    bool permutation = std::all_of(c, c + 16, [](float v) { return v == 0 || v == 1; });
    for (int k = 0; k < 4 && permutation; ++k) {
      int ones = 0;
      for (int j = 0; j < 4; ++j) {
        if (c[j * 4 + k] == 1) {
          ++ones;
          source[k] = j;
        }
      }
      permutation = ones == 1;
    }
    if (!permutation)
      continue;
    ++found;
    for (int64_t k = 0; k < 4; ++k) {
      for (int64_t i = 0; i < dim; ++i) {
        const double got = bf16_at(out, (t * 4 + k) * dim + i),
                     want = bf16_at(residual, (t * 4 + source[k]) * dim + i);
        if (got != want && bad++ == 0) {
          o.detail = fmt::format("token {} stream {} element {}: {:g}, but stream {} holds {:g}", t,
                                 k, i, got, source[k], want);
        }
      }
    }
  }
  o.measured = double(bad);
  if (found == 0) {
    o.passed = false;
    o.detail = "no token with a permutation comb and zero post: the input generator must plant one";
    return o;
  }
  o.passed = bad == 0;
  if (o.passed)
    o.detail = fmt::format("{} permutation tokens routed exactly", found);
  return o;
}

} // namespace v4::properties
