#include "properties/interval_invariants.h"

#include <algorithm>
#include <bit>
#include <cmath>

#include "reference/block_quant.h"
#include "reference/rms_norm.h"

namespace v4::properties {
namespace {

double round_to_bf16(double v) {
  return double(reference::round_bf16(float(v)));
}

// The e4m3 / e2m1 simulation of one value at scale 2^e (the clamp never binds for bf16 input,
// but an endpoint of an interval may exceed the grid: the encoders saturate as the kernels do).
double quant_value(double v, int e, bool e2m1) {
  const float scaled = float(v) * reference::exp2_exact(-e);
  const float q = e2m1 ? reference::e2m1_decode(reference::e2m1_encode(scaled))
                       : reference::e4m3_decode(reference::e4m3_encode(scaled));
  return double(q) * std::ldexp(1.0, e);
}

} // namespace

double f32_ulp_of(double v) {
  const double a = std::fabs(v);
  if (a < 0x1p-126)
    return 0x1p-149;
  int e = 0;
  std::frexp(a, &e);
  return std::ldexp(1.0, e - 24);
}

double bf16_ulp_of(double v) {
  const double a = std::fabs(v);
  if (a < 0x1p-126)
    return 0x1p-133;
  int e = 0;
  std::frexp(a, &e);
  return std::ldexp(1.0, e - 8);
}

double bf16_spread(double center, double radius) {
  const double ours = round_to_bf16(center);
  if (radius <= 0)
    return 0;
  return std::max(std::fabs(round_to_bf16(center - radius) - ours),
                  std::fabs(round_to_bf16(center + radius) - ours));
}

std::vector<double> widen(const bf16* x, int64_t n) {
  std::vector<double> v(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i)
    v[size_t(i)] = reference::bf16_decode(x[i]);
  return v;
}

std::vector<double> linear_bf16_bounds(const std::vector<double>& x, const std::vector<double>& e,
                                       const bf16* w, int64_t rows, int64_t in, int64_t out) {
  std::vector<double> bound(static_cast<size_t>(rows * out));
  const std::vector<double> wv = widen(w, out * in);
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t o = 0; o < out; ++o) {
      double exact = 0, mag = 0, prop = 0;
      for (int64_t k = 0; k < in; ++k) {
        const double wk = wv[size_t(o * in + k)], xk = x[size_t(r * in + k)];
        exact += wk * xk;
        mag += std::fabs(wk * xk);
        prop += std::fabs(wk) * e[size_t(r * in + k)];
      }
      bound[size_t(r * out + o)] = bf16_spread(exact, prop + double(in) * kU32 * mag);
    }
  }
  return bound;
}

std::vector<double> rms_norm_bounds(const std::vector<double>& x, const std::vector<double>& e,
                                    const float* w, int64_t rows, int64_t dim, float eps) {
  std::vector<double> bound(static_cast<size_t>(rows * dim));
  for (int64_t r = 0; r < rows; ++r) {
    double sum_sq = 0, dsum = 0;
    for (int64_t i = 0; i < dim; ++i) {
      const double v = x[size_t(r * dim + i)], ev = e[size_t(r * dim + i)];
      sum_sq += v * v;
      dsum += 2 * std::fabs(v) * ev + ev * ev;
    }
    const float inv = reference::rms_rsqrt(sum_sq, dim, eps); // the reference's factor
    const double ms_eps = sum_sq / double(dim) + double(eps);
    const double rel_inv = dsum / double(dim) / (2 * ms_eps) + double(dim + 4) * kU32;
    for (int64_t i = 0; i < dim; ++i) {
      const double v = x[size_t(r * dim + i)];
      const float y = w[i] * (float(v) * inv); // the reference's fp32 value before bf16
      const double radius =
          std::fabs(double(w[i])) * double(inv) * e[size_t(r * dim + i)] * (1 + rel_inv) +
          std::fabs(double(y)) * (rel_inv + 4 * kU32);
      bound[size_t(r * dim + i)] = bf16_spread(y, radius);
    }
  }
  return bound;
}

std::vector<double> rms_norm_head_bounds(const std::vector<double>& x, const std::vector<double>& e,
                                         int64_t groups, int64_t head_dim, float eps) {
  std::vector<double> bound(static_cast<size_t>(groups * head_dim));
  for (int64_t g = 0; g < groups; ++g) {
    double sum_sq = 0, e_sum = 0;
    for (int64_t i = 0; i < head_dim; ++i) {
      const double v = x[size_t(g * head_dim + i)], ev = e[size_t(g * head_dim + i)];
      const double sq = round_to_bf16(v * v); // exact square, rounded to bf16
      sum_sq += sq;
      e_sum += bf16_spread(v * v, 2 * std::fabs(v) * ev + ev * ev);
    }
    const double mean_exact = sum_sq / double(head_dim);
    const double mean = round_to_bf16(mean_exact);
    const double e_mean =
        bf16_spread(mean_exact, e_sum / double(head_dim) + double(head_dim) * kU32 * mean_exact);
    const double den_exact = double(float(mean) + eps), den = round_to_bf16(den_exact);
    const double e_den = bf16_spread(den_exact, e_mean + kU32 * den_exact);
    const double inv_exact = double(float(1.0 / std::sqrt(den))), inv = round_to_bf16(inv_exact);
    const double e_inv =
        bf16_spread(inv_exact, 0.5 * inv_exact / den * e_den * (1 + 0x1p-7) + 3 * kU32 * inv_exact);
    for (int64_t i = 0; i < head_dim; ++i) {
      const double v = x[size_t(g * head_dim + i)], ev = e[size_t(g * head_dim + i)];
      bound[size_t(g * head_dim + i)] =
          bf16_spread(v * inv, std::fabs(v) * e_inv + ev * (inv + e_inv));
    }
  }
  return bound;
}

std::vector<double> rope_bounds(const std::vector<double>& x, const std::vector<double>& e,
                                const int64_t* positions, int64_t rows, int64_t heads,
                                int64_t head_dim, const reference::RopeParams& p, bool inverse) {
  std::vector<double> bound = e;
  const int64_t pairs = p.rope_dim / 2, nope = head_dim - p.rope_dim;
  std::vector<float> freqs(static_cast<size_t>(pairs)), cs(static_cast<size_t>(2 * pairs));
  reference::rope_freqs(freqs.data(), p);
  for (int64_t r = 0; r < rows; ++r) {
    const int64_t pos = positions[r];
    reference::rope_cos_sin(cs.data(), pos, freqs.data(), pairs);
    for (int64_t h = 0; h < heads; ++h) {
      const int64_t base = (r * heads + h) * head_dim + nope;
      for (int64_t i = 0; i < pairs; ++i) {
        const double theta = double(float(pos) * freqs[size_t(i)]);
        const double d_theta =
            double(pos) * 8 * 0x1p-23 * double(freqs[size_t(i)]) + f32_ulp_of(theta);
        const double c = cs[size_t(2 * i)],
                     s = (inverse ? -1.0 : 1.0) * double(cs[size_t(2 * i + 1)]);
        const double dc = d_theta + 2.5 * f32_ulp_of(c), ds = d_theta + 2.5 * f32_ulp_of(s);
        const double a = x[size_t(base + 2 * i)], b = x[size_t(base + 2 * i + 1)];
        const double ea = e[size_t(base + 2 * i)], eb = e[size_t(base + 2 * i + 1)];
        const double re = a * c - b * s, im = a * s + b * c;
        const double r_re = ea * (std::fabs(c) + dc) + eb * (std::fabs(s) + ds) +
                            std::fabs(a) * dc + std::fabs(b) * ds +
                            2 * kU32 * (std::fabs(a * c) + std::fabs(b * s));
        const double r_im = ea * (std::fabs(s) + ds) + eb * (std::fabs(c) + dc) +
                            std::fabs(a) * ds + std::fabs(b) * dc +
                            2 * kU32 * (std::fabs(a * s) + std::fabs(b * c));
        bound[size_t(base + 2 * i)] = bf16_spread(re, r_re);
        bound[size_t(base + 2 * i + 1)] = bf16_spread(im, r_im);
      }
    }
  }
  return bound;
}

std::vector<double> quant_sim_bounds(const std::vector<double>& x, const std::vector<double>& e,
                                     int64_t rows, int64_t row_width, int64_t dims, int64_t block,
                                     bool e2m1) {
  std::vector<double> bound = e;
  const reference::ScaleRule rule = e2m1 ? reference::kE2m1ScaleRule : reference::kE4m3ScaleRule;
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t b0 = 0; b0 < dims; b0 += block) {
      const int64_t first = r * row_width + b0;
      double amax = 0, amax_lo = 0, amax_hi = 0;
      for (int64_t j = 0; j < block; ++j) {
        const double v = std::fabs(x[size_t(first + j)]), ev = e[size_t(first + j)];
        amax = std::max(amax, v);
        amax_lo = std::max(amax_lo, std::max(v - ev, 0.0));
        amax_hi = std::max(amax_hi, v + ev);
      }
      const int e_ours = reference::pow2_scale_exponent(float(amax), rule);
      // Widened by one fp32 step each way so a conversion to float never drops a reachable scale.
      const int e_lo = reference::pow2_scale_exponent(std::nextafter(float(amax_lo), 0.0f), rule);
      const int e_hi =
          reference::pow2_scale_exponent(std::nextafter(float(amax_hi), INFINITY), rule);
      for (int64_t j = 0; j < block; ++j) {
        const double v = x[size_t(first + j)], ev = e[size_t(first + j)];
        const double ours = quant_value(v, e_ours, e2m1);
        double worst = 0;
        for (int s = e_lo; s <= e_hi; ++s) {
          worst = std::max({worst, std::fabs(quant_value(v - ev, s, e2m1) - ours),
                            std::fabs(quant_value(v + ev, s, e2m1) - ours)});
        }
        bound[size_t(first + j)] = worst;
      }
    }
  }
  return bound;
}

std::vector<double> hadamard_bounds(const std::vector<double>& x, const std::vector<double>& e,
                                    int64_t rows, int64_t n) {
  std::vector<double> bound(static_cast<size_t>(rows * n));
  const float scale = float(std::pow(double(n), -0.5));
  for (int64_t r = 0; r < rows; ++r) {
    double e_sum = 0, mag = 0;
    for (int64_t j = 0; j < n; ++j)
      e_sum += e[size_t(r * n + j)], mag += std::fabs(x[size_t(r * n + j)]);
    for (int64_t i = 0; i < n; ++i) {
      double sum = 0;
      for (int64_t j = 0; j < n; ++j)
        sum += (std::popcount(uint64_t(i & j)) & 1) ? -x[size_t(r * n + j)] : x[size_t(r * n + j)];
      const double y = double(float(sum) * scale); // the reference's fp32 value
      const double radius =
          double(scale) * (e_sum + double(n) * kU32 * mag) + 2 * kU32 * std::fabs(y);
      bound[size_t(r * n + i)] = bf16_spread(y, radius);
    }
  }
  return bound;
}

std::vector<double> sparse_attn_bounds(const bf16* q, const std::vector<double>& e_q,
                                       const bf16* kv, const std::vector<double>& e_kv,
                                       const float* sink, const int32_t* idx, int64_t rows,
                                       int64_t heads, int64_t dim, int64_t k, float scale) {
  std::vector<double> bound(static_cast<size_t>(rows * heads * dim), 0.0);
  const auto eq = [&](int64_t i) { return e_q.empty() ? 0.0 : e_q[size_t(i)]; };
  const auto ekv = [&](int64_t i) { return e_kv.empty() ? 0.0 : e_kv[size_t(i)]; };
  const double chunks = double((k + 63) / 64), gamma = (64 + 2 * chunks + 2) * kU32;
  std::vector<double> logit(static_cast<size_t>(k)), radius(static_cast<size_t>(k)),
      flip_rel(static_cast<size_t>(k));
  std::vector<float> s_f(static_cast<size_t>(k));
  std::vector<double> o_radius(static_cast<size_t>(dim));
  for (int64_t r = 0; r < rows; ++r) {
    const int32_t* list = idx + r * k;
    for (int64_t h = 0; h < heads; ++h) {
      const int64_t qbase = (r * heads + h) * dim;
      double max_logit = -INFINITY, e_max = 0;
      for (int64_t j = 0; j < k; ++j) {
        if (list[j] < 0)
          continue;
        double dot = 0, mag = 0, prop = 0;
        for (int64_t d = 0; d < dim; ++d) {
          const double qd = reference::bf16_decode(q[qbase + d]),
                       kd = reference::bf16_decode(kv[list[j] * dim + d]);
          dot += qd * kd;
          mag += std::fabs(qd * kd);
          prop += std::fabs(qd) * ekv(list[j] * dim + d) +
                  eq(qbase + d) * (std::fabs(kd) + ekv(list[j] * dim + d));
        }
        logit[size_t(j)] = double(scale) * dot;
        s_f[size_t(j)] = float(dot) * scale; // the reference's fp32 logit
        radius[size_t(j)] = double(scale) * (prop + double(dim) * kU32 * mag) +
                            4 * kU32 * std::fabs(logit[size_t(j)]);
        max_logit = std::max(max_logit, logit[size_t(j)]);
        e_max = std::max(e_max, radius[size_t(j)]);
      }
      if (max_logit == -INFINITY)
        continue; // empty list: o = 0 on both sides (D9)
      // A flip of bf16(p_j): the chunk-relative fp32 p_j the reference computes, against the
      // official one within (E_j + E_max + 3 ulp) relative.
      float running = -INFINITY;
      for (int64_t c0 = 0; c0 < k; c0 += 64) {
        const int64_t n = std::min<int64_t>(64, k - c0);
        float chunk_max = running;
        for (int64_t j = c0; j < c0 + n; ++j)
          if (list[j] >= 0)
            chunk_max = std::max(chunk_max, s_f[size_t(j)]);
        for (int64_t j = c0; j < c0 + n; ++j) {
          if (list[j] < 0)
            continue;
          const float p = float(std::exp(double(s_f[size_t(j)] - chunk_max)));
          const double pr = double(p) * ((radius[size_t(j)] + e_max) * (1 + 0x1p-6) + 3 * 0x1p-23);
          flip_rel[size_t(j)] = p > 0 ? bf16_spread(p, pr) / double(p) : 0.0;
        }
        if (chunk_max != -INFINITY)
          running = chunk_max;
      }
      // The reference's own fp32 output (the same online softmax, chunk by chunk): the center.
      float m_run = -INFINITY, denominator = 0;
      std::vector<float> acc(static_cast<size_t>(dim), 0.0f);
      for (int64_t c0 = 0; c0 < k; c0 += 64) {
        const int64_t n = std::min<int64_t>(64, k - c0);
        float chunk_max = m_run;
        for (int64_t j = c0; j < c0 + n; ++j)
          if (list[j] >= 0)
            chunk_max = std::max(chunk_max, s_f[size_t(j)]);
        if (chunk_max == -INFINITY)
          continue;
        const float alpha = float(std::exp(double(m_run - chunk_max)));
        double chunk_sum = 0;
        std::vector<double> pv(static_cast<size_t>(dim), 0.0);
        for (int64_t j = c0; j < c0 + n; ++j) {
          if (list[j] < 0)
            continue;
          const float pj = float(std::exp(double(s_f[size_t(j)] - chunk_max)));
          chunk_sum += pj;
          const double pb = round_to_bf16(pj);
          for (int64_t d = 0; d < dim; ++d)
            pv[size_t(d)] += pb * double(reference::bf16_decode(kv[list[j] * dim + d]));
        }
        denominator = denominator * alpha + float(chunk_sum);
        for (int64_t d = 0; d < dim; ++d)
          acc[size_t(d)] = float(double(acc[size_t(d)] * alpha) + pv[size_t(d)]);
        m_run = chunk_max;
      }
      denominator += float(std::exp(double(sink[h] - m_run)));
      // The official deviation: softmax weights w_j (double) move by flip_j + η + γ relative.
      double z = std::exp(double(sink[h]) - max_logit);
      for (int64_t j = 0; j < k; ++j)
        if (list[j] >= 0)
          z += std::exp(logit[size_t(j)] - max_logit);
      const double eta = 2 * e_max * (1 + 0x1p-6) + 8 * 0x1p-23;
      std::fill(o_radius.begin(), o_radius.end(), 0.0);
      for (int64_t j = 0; j < k; ++j) {
        if (list[j] < 0)
          continue;
        const double w =
            std::exp(logit[size_t(j)] - max_logit) / z * (1 + 0x1p-8); // ≥ the bf16(P) weight
        for (int64_t d = 0; d < dim; ++d) {
          const double kd = reference::bf16_decode(kv[list[j] * dim + d]);
          o_radius[size_t(d)] +=
              w * (std::fabs(kd) * (flip_rel[size_t(j)] + eta + gamma) + ekv(list[j] * dim + d));
        }
      }
      for (int64_t d = 0; d < dim; ++d) {
        const double center = double(acc[size_t(d)] / denominator);
        bound[size_t(qbase + d)] =
            bf16_spread(center, o_radius[size_t(d)] + std::fabs(center) * (eta + gamma));
      }
    }
  }
  return bound;
}

} // namespace v4::properties
