// The fp32 filter of the CUDA gate routing (optimized/moe_gate_bound.cuh), on the CPU:
// (a) the enclosure lo <= s <= hi of the reference score over a dense sweep of fp32 logits in
//     [-120, 120] and edge values, with exp and log1p pushed to CUDA's documented worst errors
//     (expf 2 ulp, log1pf 1 ulp): glibc's are smaller, so the unperturbed values alone would not
//     exercise the device's envelope; the margin E must exceed 8x the worst observed error;
// (b) the kernel's selection scheme (T = k-th largest klo, candidates khi >= T, exact scores of
//     the candidates only, D4 top-k among them) mirrored per token on the host, bitwise against
//     reference::moe_gate_from_logits on random and adversarial tokens.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <random>
#include <vector>

#include "optimized/moe_gate_bound.cuh"
#include "reference/moe_gate.h"

namespace v4::optimized::gate_bound {
namespace {

float step_ulps(float x, int n) {
  for (; n > 0; --n)
    x = std::nextafter(x, INFINITY);
  for (; n < 0; ++n)
    x = std::nextafter(x, -INFINITY);
  return x;
}

// exp and log1p moved by fixed ulp counts (the worst corners: scores are monotone in both).
struct ShiftedMath {
  int exp_ulps, log1p_ulps;
  float exp(float x) const { return std::max(0.0f, step_ulps(std::exp(x), exp_ulps)); }
  float log1p(float x) const { return std::max(0.0f, step_ulps(std::log1p(x), log1p_ulps)); }
};

// exp and log1p moved by random ulp counts within CUDA's documented maxima.
struct RandomMath {
  std::mt19937_64* rng;
  float exp(float x) const {
    return std::max(0.0f, step_ulps(std::exp(x), int((*rng)() % 5) - 2));
  }
  float log1p(float x) const {
    return std::max(0.0f, step_ulps(std::log1p(x), int((*rng)() % 3) - 1));
  }
};

float from_bits(uint32_t u) {
  float f;
  std::memcpy(&f, &u, sizeof f);
  return f;
}

// The worst |a - s| / E(a) for one logit over the unperturbed and both corner maths, after
// checking the enclosure itself.
double worst_ratio(float l) {
  const float s = reference::sqrt_softplus(l);
  double worst = 0.0;
  for (const ShiftedMath m : {ShiftedMath{0, 0}, ShiftedMath{-2, -1}, ShiftedMath{2, 1}}) {
    const float a = approx_score(l, m);
    EXPECT_LE(score_lo(a), s) << "logit " << l;
    EXPECT_GE(score_hi(a), s) << "logit " << l;
    const double e = double(kRel) * a + double(kAbs);
    worst = std::max(worst, std::fabs(double(a) - double(s)) / e);
  }
  return worst;
}

TEST(MoeGateBound, EnclosesReferenceScoreOverDenseSweep) {
  // Every 131st fp32 value of [-120, 120] (17.1 M logits), both signs, plus edge values.
  constexpr uint32_t kStride = 131, kTop = 0x42F00000u; // 120.0f
  double worst = 0.0;
  float worst_at = 0.0f;
  for (uint32_t sign : {0u, 0x80000000u}) {
    for (uint32_t u = 0; u <= kTop; u += kStride) {
      const float l = from_bits(sign | u);
      const double r = worst_ratio(l);
      if (r > worst) {
        worst = r;
        worst_at = l;
      }
    }
  }
  const float edges[] = {0.0f,        -0.0f,        1e-45f,       -1e-45f,      1.17549435e-38f,
                         20.0f,       19.999998f,   20.000002f,   21.0f,        15.0f,
                         16.635532f,  -87.33654f,   -87.33655f,   -103.27893f,  -103.97208f,
                         -104.0f,     -150.0f,      88.72283f,    89.0f,        1e10f,
                         -1e30f,      3.4028235e38f, -3.4028235e38f, 1e-30f,   -1e-30f};
  for (float l : edges)
    worst = std::max(worst, worst_ratio(l));
  std::printf("[ moe_gate_bound ] worst |a - s| / E = %.3g (at logit %.9g): E is %.0fx the worst\n",
              worst, double(worst_at), 1.0 / worst);
  EXPECT_LE(worst, 1.0 / 8.0);
}

TEST(MoeGateBound, OrderedMapsFloatOrderAndZeros) {
  const float v[] = {-INFINITY, -3.4e38f, -1.0f, -1e-45f, -0.0f, 0.0f, 1e-45f, 1.0f, INFINITY};
  for (float x : v) {
    EXPECT_GE(ordered(x), 0x007FFFFFu);
    for (float y : v) {
      EXPECT_EQ(ordered(x) < ordered(y), x < y) << x << " " << y;
      EXPECT_EQ(ordered(x) == ordered(y), x == y) << x << " " << y;
    }
  }
  const float b[1] = {0.0f};
  EXPECT_FALSE(filterable(NAN, nullptr, 0));
  EXPECT_FALSE(filterable(INFINITY, nullptr, 0));
  EXPECT_FALSE(filterable(-INFINITY, b, 0));
  const float bad[1] = {NAN};
  EXPECT_FALSE(filterable(1.0f, bad, 0));
  EXPECT_TRUE(filterable(1.0f, b, 0));
}


// ---- (b) the selection scheme ------------------------------------------------------------------

constexpr int kMaxCand = 32; // optimized/moe_gate.cu: more candidates take the exact path

struct Row {
  std::vector<float> logits, bias; // bias empty: no bias
  const float* b() const { return bias.empty() ? nullptr : bias.data(); }
};

// route_filter_kernel for one token, on the host: returns the number of candidates (kMaxCand + 1
// when the exact path ran). Exact scores are computed for the candidates only.
template <class Math>
int filter_route(float* w, int32_t* idx, const Row& r, int k, float rs, const Math& m) {
  const int n = int(r.logits.size());
  const float* bias = r.b();
  bool ok = true;
  std::vector<uint32_t> lo(static_cast<size_t>(n)), hi(static_cast<size_t>(n));
  for (int e = 0; e < n; ++e) {
    ok = ok && filterable(r.logits[size_t(e)], bias, e);
    const float a = approx_score(r.logits[size_t(e)], m);
    lo[size_t(e)] = ordered(key_of(score_lo(a), bias, e));
    hi[size_t(e)] = ordered(key_of(score_hi(a), bias, e));
  }
  std::vector<int32_t> cand;
  if (ok) {
    std::vector<uint32_t> sorted = lo;
    std::sort(sorted.begin(), sorted.end(), std::greater<>());
    const uint32_t t = sorted[size_t(k - 1)]; // the k-th largest klo
    for (int e = 0; e < n; ++e) {
      if (hi[size_t(e)] >= t)
        cand.push_back(e); // expert order
    }
  }
  if (!ok || int(cand.size()) > kMaxCand) { // the exact path: every score in double
    reference::GateParams p;
    p.experts = n;
    p.k = k;
    p.bias = bias;
    p.route_scale = rs;
    reference::moe_gate_from_logits(w, idx, r.logits.data(), nullptr, p, 1);
    return kMaxCand + 1;
  }
  std::vector<float> s(cand.size()), key(cand.size());
  for (size_t c = 0; c < cand.size(); ++c) {
    s[c] = reference::sqrt_softplus(r.logits[size_t(cand[c])]);
    key[c] = key_of(s[c], bias, cand[c]);
  }
  std::vector<int32_t> pos(static_cast<size_t>(k));
  reference::topk_lower_index_wins(pos.data(), key.data(), int64_t(cand.size()), k);
  double sum = 0.0;
  for (int j = 0; j < k; ++j)
    sum += s[size_t(pos[size_t(j)])];
  const float total = float(sum);
  for (int j = 0; j < k; ++j) {
    idx[j] = cand[size_t(pos[size_t(j)])];
    w[j] = s[size_t(pos[size_t(j)])] / total * rs;
  }
  return int(cand.size());
}

struct Stats {
  int64_t tokens = 0, filtered = 0, candidates = 0, max_candidates = 0;
};

// Every token against the reference, bitwise, under the plain, both corner and random maths.
void expect_bitwise(const Row& r, int k, float rs, std::mt19937_64& rng, Stats& st) {
  std::vector<float> w_ref(static_cast<size_t>(k)), w(static_cast<size_t>(k));
  std::vector<int32_t> i_ref(static_cast<size_t>(k)), i(static_cast<size_t>(k));
  reference::GateParams p;
  p.experts = int64_t(r.logits.size());
  p.k = k;
  p.bias = r.b();
  p.route_scale = rs;
  reference::moe_gate_from_logits(w_ref.data(), i_ref.data(), r.logits.data(), nullptr, p, 1);
  auto check = [&](int n) {
    ++st.tokens;
    if (n <= kMaxCand) {
      ++st.filtered;
      st.candidates += n;
      st.max_candidates = std::max<int64_t>(st.max_candidates, n);
    }
    EXPECT_EQ(i, i_ref);
    EXPECT_EQ(0, std::memcmp(w.data(), w_ref.data(), w.size() * sizeof(float)));
  };
  for (const ShiftedMath m : {ShiftedMath{0, 0}, ShiftedMath{-2, -1}, ShiftedMath{2, 1}})
    check(filter_route(w.data(), i.data(), r, k, rs, m));
  check(filter_route(w.data(), i.data(), r, k, rs, RandomMath{&rng}));
}

Row random_row(std::mt19937_64& rng, int experts, double sigma, double bias_sigma, bool bias) {
  std::normal_distribution<double> nl(0.0, sigma), nb(0.0, bias_sigma);
  Row r;
  for (int e = 0; e < experts; ++e) {
    r.logits.push_back(float(nl(rng)));
    if (bias)
      r.bias.push_back(float(nb(rng)));
  }
  return r;
}

TEST(MoeGateBound, FilteredSelectionIsBitwiseReferenceOnRandomTokens) {
  std::mt19937_64 rng(7);
  Stats st;
  for (int experts : {16, 256, 384}) {
    for (int k : {1, 6, 8}) {
      for (int t = 0; t < 200; ++t) {
        const double sigma = t % 3 == 0 ? 0.5 : t % 3 == 1 ? 2.0 : 8.0;
        expect_bitwise(random_row(rng, experts, sigma, 0.1, t % 5 != 0), k, 1.5f, rng, st);
      }
    }
  }
  std::printf("[ moe_gate_bound ] random: %lld of %lld tokens filtered, %.2f candidates on "
              "average, at most %lld\n",
              (long long)st.filtered, (long long)st.tokens,
              double(st.candidates) / double(std::max<int64_t>(st.filtered, 1)),
              (long long)st.max_candidates);
  EXPECT_EQ(st.filtered, st.tokens); // no exact-path fallback on plain random tokens
}

TEST(MoeGateBound, FilteredSelectionIsBitwiseReferenceOnAdversarialTokens) {
  std::mt19937_64 rng(11);
  std::uniform_int_distribution<int> ulps(-3, 3), pick(0, 383);
  Stats st;
  for (int t = 0; t < 300; ++t) {
    const int experts = t % 2 ? 384 : 256, k = 6;
    Row r = random_row(rng, experts, 2.0, 0.1, true);
    switch (t % 6) {
    case 0: // near-ties: the biased keys of 40 experts within a few ulps of 1.0
      for (int j = 0; j < 40; ++j) {
        const int e = pick(rng) % experts;
        r.bias[size_t(e)] = step_ulps(1.0f - reference::sqrt_softplus(r.logits[size_t(e)]),
                                      ulps(rng));
      }
      break;
    case 1: // exact ties: 3..12 experts share the top logit and bias, D4 decides
      for (int j = 0, n = 3 + t % 10; j < n; ++j) {
        const int e = pick(rng) % experts;
        r.logits[size_t(e)] = 6.0f;
        r.bias[size_t(e)] = 0.05f;
      }
      break;
    case 2: // the harness's tie grid: logits multiples of 1/4 in [-2, 2], biases of 1/8
      for (int e = 0; e < experts; ++e) {
        r.logits[size_t(e)] = std::fmin(std::fmax(std::nearbyint(r.logits[size_t(e)] * 2) / 4, -2.f), 2.f);
        r.bias[size_t(e)] = std::nearbyint(r.bias[size_t(e)] * 8) / 8;
      }
      break;
    case 3: // large and tiny biases: large ones absorb the score, so keys tie exactly
      for (int e = 0; e < experts; ++e)
        r.bias[size_t(e)] = e % 7 == 0 ? 1024.0f * float(1 + e % 3) : e % 7 == 1 ? 1e-30f : 0.0f;
      break;
    case 4: // extreme logits: above the threshold, at it, and deep underflow of exp
      for (int e = 0; e < experts; ++e) {
        const float v[] = {20.0f, 19.999998f, 20.000002f, 21.0f, 1e10f, -100.0f, -1e30f, -87.4f};
        if (e % 3 == 0)
          r.logits[size_t(e)] = v[(e / 3) % 8];
      }
      break;
    default: // no bias, near-equal scores: logits a few ulps around 3.0
      r.bias.clear();
      for (int e = 0; e < experts; ++e)
        r.logits[size_t(e)] = step_ulps(3.0f, ulps(rng) * (e % 4 == 0));
      break;
    }
    expect_bitwise(r, k, 2.5f, rng, st);
  }
  std::printf("[ moe_gate_bound ] adversarial: %lld of %lld tokens filtered (%.2f candidates on "
              "average, at most %lld), the rest on the exact path\n",
              (long long)st.filtered, (long long)st.tokens,
              double(st.candidates) / double(std::max<int64_t>(st.filtered, 1)),
              (long long)st.max_candidates);
  EXPECT_GT(st.filtered, 0);
}

} // namespace
} // namespace v4::optimized::gate_bound
