#include "properties/compressor_invariants.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include <fmt/format.h>

#include "properties/interval_invariants.h"
#include "reference/hadamard.h"
#include "reference/rms_norm.h"

namespace v4::properties {
namespace {

using harness::PropertyOutcome;
using harness::Tensor;
constexpr double kU = 0x1p-24;

// The pooling windows of every complete block of sequence `b` (decode-state layout).
struct Windows {
  std::vector<reference::CompressorState> w;
};
Windows block_windows(const reference::CompressorParams& p, const bf16* x, int64_t tokens) {
  const int64_t m = p.ratio, width = p.width();
  std::vector<float> kv(static_cast<size_t>(tokens * width)),
      score(static_cast<size_t>(tokens * width));
  std::vector<int64_t> pos(static_cast<size_t>(tokens));
  for (int64_t t = 0; t < tokens; ++t)
    pos[size_t(t)] = t;
  reference::compressor_project(kv.data(), score.data(), x, pos.data(), tokens, p);
  Windows out;
  for (int64_t i = 0; i < tokens / m; ++i) {
    reference::CompressorState s;
    reference::compressor_state_reset(s, p);
    const int64_t current = p.overlap() == 2 ? m : 0;
    for (int64_t t = 0; t < m; ++t) {
      for (int64_t ch = 0; ch < width; ++ch) {
        s.kv[size_t((current + t) * width + ch)] = kv[size_t((i * m + t) * width + ch)];
        s.score[size_t((current + t) * width + ch)] = score[size_t((i * m + t) * width + ch)];
        if (p.overlap() == 2 && i > 0) {
          s.kv[size_t(t * width + ch)] = kv[size_t(((i - 1) * m + t) * width + ch)];
          s.score[size_t(t * width + ch)] = score[size_t(((i - 1) * m + t) * width + ch)];
        }
      }
    }
    out.w.push_back(std::move(s));
  }
  return out;
}

// The (logit, value) pairs of channel ch in a window; absent slots (logit −∞) are skipped.
template <class F>
void for_each_entry(const reference::CompressorParams& p, const reference::CompressorState& s,
                    int64_t ch, F f) {
  const int64_t m = p.ratio, hd = p.head_dim, width = p.width();
  for (int64_t j = 0; j < p.slots(); ++j) {
    const int64_t col = j * width + (p.overlap() == 2 && j >= m ? hd + ch : ch);
    if (std::isinf(s.score[size_t(col)]))
      continue;
    f(double(s.score[size_t(col)]), double(s.kv[size_t(col)]));
  }
}

std::vector<bf16> run_prefill(const reference::CompressorParams& p, const bf16* x, int64_t tokens) {
  std::vector<bf16> e(static_cast<size_t>(tokens / p.ratio * p.head_dim));
  reference::compressor_prefill(e.data(), nullptr, x, tokens, p);
  return e;
}

} // namespace

reference::CompressorParams compressor_params_of(const harness::Case& c,
                                                 const harness::TensorMap& in) {
  reference::CompressorParams p;
  reference::ModelConfig cfg;
  p.dim = in.at("x").dim(2);
  p.head_dim = c.i64("hd");
  p.ratio = c.i64("ratio");
  p.rotate = c.i64("rotate") != 0;
  p.norm_eps = 1e-6f;
  p.rope = reference::rope_params_for_layer(cfg, p.ratio);
  p.wkv = in.at("wkv").data<float>();
  p.wgate = in.at("wgate").data<float>();
  p.ape = in.at("ape").data<float>();
  p.norm = in.at("norm").data<float>();
  return p;
}

PropertyOutcome check_compressor_convex(const harness::Case& c, const harness::TensorMap& in) {
  const reference::CompressorParams p = compressor_params_of(c, in);
  const Tensor& x = in.at("x");
  const int64_t tokens = x.dim(1);
  PropertyOutcome r{true, "min k - (slots+2)u max|k| <= C <= max k + (slots+2)u max|k| per channel",
                    1, 0, ""};
  std::vector<float> pooled(static_cast<size_t>(p.head_dim));
  for (int64_t b = 0; b < x.dim(0); ++b) {
    const Windows ws = block_windows(p, x.data<bf16>() + b * tokens * p.dim, tokens);
    for (const auto& w : ws.w) {
      reference::compressor_pool(pooled.data(), w.kv.data(), w.score.data(), p);
      for (int64_t ch = 0; ch < p.head_dim; ++ch) {
        double lo = INFINITY, hi = -INFINITY, mag = 0;
        for_each_entry(p, w, ch, [&](double, double k) {
          lo = std::min(lo, k), hi = std::max(hi, k), mag = std::max(mag, std::fabs(k));
        });
        const double slack = double(p.slots() + 2) * kU * mag + 0x1p-149;
        const double v = pooled[size_t(ch)];
        const double excess = std::max(lo - v, v - hi);
        r.measured = std::max(r.measured, excess > 0 ? excess / slack : 0.0);
      }
    }
  }
  r.passed = r.measured <= 1;
  r.detail = fmt::format("max excess over [min k, max k] / slack {:.3g}", r.measured);
  return r;
}

PropertyOutcome check_compressor_equal_logits(const harness::Case& c,
                                              const harness::TensorMap& in) {
  harness::TensorMap zero = in;
  std::fill(zero.at("wgate").data<float>(),
            zero.at("wgate").data<float>() + zero.at("wgate").numel(), 0.0f);
  std::fill(zero.at("ape").data<float>(), zero.at("ape").data<float>() + zero.at("ape").numel(),
            0.0f);
  const reference::CompressorParams p = compressor_params_of(c, zero);
  const Tensor& x = zero.at("x");
  const int64_t tokens = x.dim(1);
  PropertyOutcome r{true, "|C - mean k| <= (slots+2)u mean|k| + u|C| per channel", 1, 0, ""};
  std::vector<float> pooled(static_cast<size_t>(p.head_dim));
  for (int64_t b = 0; b < x.dim(0); ++b) {
    const Windows ws = block_windows(p, x.data<bf16>() + b * tokens * p.dim, tokens);
    for (const auto& w : ws.w) {
      reference::compressor_pool(pooled.data(), w.kv.data(), w.score.data(), p);
      for (int64_t ch = 0; ch < p.head_dim; ++ch) {
        double sum = 0, mag = 0, n = 0;
        for_each_entry(p, w, ch, [&](double, double k) { sum += k, mag += std::fabs(k), n += 1; });
        const double mean = sum / n, v = pooled[size_t(ch)];
        const double bound = double(p.slots() + 2) * kU * mag / n + kU * std::fabs(v) + 0x1p-149;
        r.measured = std::max(r.measured, std::fabs(v - mean) / bound);
      }
    }
  }
  r.passed = r.measured <= 1;
  r.detail = fmt::format("max |C - mean| / bound {:.3g}", r.measured);
  return r;
}

PropertyOutcome check_compressor_causal(const harness::Case& c, const harness::TensorMap& in,
                                        const harness::TensorMap& out) {
  const reference::CompressorParams p = compressor_params_of(c, in);
  const Tensor& x = in.at("x");
  const int64_t tokens = x.dim(1), dim = p.dim, hd = p.head_dim, keep = (tokens - 1) / p.ratio;
  int64_t changed = 0;
  for (int64_t b = 0; b < x.dim(0); ++b) {
    std::vector<bf16> xb(x.data<bf16>() + b * tokens * dim,
                         x.data<bf16>() + (b + 1) * tokens * dim);
    for (int64_t i = 0; i < dim; ++i) { // a different last token
      bf16& v = xb[size_t((tokens - 1) * dim + i)];
      v = reference::bf16_encode(-2.0f * reference::bf16_decode(v) + 0.5f);
    }
    const std::vector<bf16> e = run_prefill(p, xb.data(), tokens);
    const bf16* orig = out.at("entries").data<bf16>() + b * (tokens / p.ratio) * hd;
    for (int64_t i = 0; i < keep * hd; ++i)
      changed += e[size_t(i)].bits != orig[i].bits;
  }
  return {changed == 0, fmt::format("entries < (tokens-1)/m = {} unchanged bitwise", keep), 0,
          double(changed), fmt::format("{} elements changed", changed)};
}

PropertyOutcome check_compressor_prefill_decode(const harness::Case& c,
                                                const harness::TensorMap& in,
                                                const harness::TensorMap& out) {
  const reference::CompressorParams p = compressor_params_of(c, in);
  const Tensor& x = in.at("x");
  const int64_t tokens = x.dim(1), dim = p.dim, hd = p.head_dim, split = tokens / 2 + 1,
                n = tokens / p.ratio;
  int64_t differing = 0;
  for (int64_t b = 0; b < x.dim(0); ++b) {
    const bf16* xb = x.data<bf16>() + b * tokens * dim;
    std::vector<bf16> e(static_cast<size_t>(n * hd)), entry(static_cast<size_t>(hd));
    reference::CompressorState state;
    reference::compressor_prefill(e.data(), &state, xb, split, p);
    for (int64_t pos = split; pos < tokens; ++pos) {
      if (reference::compressor_decode(entry.data(), state, xb + pos * dim, pos, p)) {
        std::copy(entry.begin(), entry.end(), e.begin() + ((pos + 1) / p.ratio - 1) * hd);
      }
    }
    const bf16* orig = out.at("entries").data<bf16>() + b * n * hd;
    for (int64_t i = 0; i < n * hd; ++i)
      differing += e[size_t(i)].bits != orig[i].bits;
  }
  return {differing == 0, fmt::format("prefill({}) + decode == prefill({}) bitwise", split, tokens),
          0, double(differing), fmt::format("{} elements differ", differing)};
}

CompressorBounds compressor_bounds(const reference::CompressorParams& p, const bf16* x,
                                   int64_t tokens) {
  const int64_t m = p.ratio, hd = p.head_dim, width = p.width(), dim = p.dim, blocks = tokens / m;
  CompressorBounds b;
  b.kv.resize(static_cast<size_t>(tokens * width));
  b.score.resize(static_cast<size_t>(tokens * width));
  std::vector<float> kv(static_cast<size_t>(tokens * width)),
      score(static_cast<size_t>(tokens * width));
  std::vector<int64_t> pos(static_cast<size_t>(tokens));
  for (int64_t t = 0; t < tokens; ++t)
    pos[size_t(t)] = t;
  reference::compressor_project(kv.data(), score.data(), x, pos.data(), tokens, p);
  for (int64_t t = 0; t < tokens; ++t) {
    for (int64_t ch = 0; ch < width; ++ch) {
      double mk = 0, mz = 0;
      for (int64_t i = 0; i < dim; ++i) {
        const double xi = reference::bf16_decode(x[t * dim + i]);
        mk += std::fabs(double(p.wkv[ch * dim + i]) * xi);
        mz += std::fabs(double(p.wgate[ch * dim + i]) * xi);
      }
      b.kv[size_t(t * width + ch)] = double(dim + 1) * kU * mk;
      b.score[size_t(t * width + ch)] =
          double(dim + 1) * kU * mz + 2 * kU * std::fabs(double(score[size_t(t * width + ch)]));
    }
  }
  b.entries.resize(static_cast<size_t>(blocks * hd));
  const Windows ws = block_windows(p, x, tokens);
  std::vector<float> pooled(static_cast<size_t>(hd));
  std::vector<bf16> c(static_cast<size_t>(hd)), y(static_cast<size_t>(hd));
  for (int64_t i = 0; i < blocks; ++i) {
    const reference::CompressorState& w = ws.w[size_t(i)];
    reference::compressor_pool(pooled.data(), w.kv.data(), w.score.data(), p);
    // Radius of each pooled channel: slot j of the window is token (i − 1)·m + j or i·m + j − m.
    std::vector<double> e_c(static_cast<size_t>(hd));
    for (int64_t ch = 0; ch < hd; ++ch) {
      double zmax = -INFINITY, ez = 0;
      std::vector<std::pair<double, double>> entries; // (logit, k) of present slots
      std::vector<double> ek;
      for (int64_t j = 0; j < p.slots(); ++j) {
        const bool prev = p.overlap() == 2 && j < m;
        const int64_t token =
            p.overlap() == 2 ? (prev ? (i - 1) * m + j : i * m + j - m) : i * m + j;
        if (token < 0)
          continue; // block 0 of an overlapping compressor
        const int64_t col = p.overlap() == 2 && !prev ? hd + ch : ch;
        entries.push_back(
            {double(score[size_t(token * width + col)]), double(kv[size_t(token * width + col)])});
        ek.push_back(b.kv[size_t(token * width + col)]);
        ez = std::max(ez, b.score[size_t(token * width + col)]);
        zmax = std::max(zmax, entries.back().first);
      }
      double z = 0;
      for (const auto& [l, k] : entries)
        z += std::exp(l - zmax);
      double radius = 0;
      for (size_t j = 0; j < entries.size(); ++j) {
        const double wj = std::exp(entries[j].first - zmax) / z;
        radius += wj * (ek[j] + std::fabs(entries[j].second) *
                                    (2 * ez * (1 + 0x1p-6) + double(p.slots() + 8) * kU));
      }
      e_c[size_t(ch)] = bf16_spread(pooled[size_t(ch)], radius);
      c[size_t(ch)] = reference::bf16_encode(pooled[size_t(ch)]);
    }
    // norm(bf16(C)) → RoPE at i·m → quantization, each with its interval rule.
    std::vector<double> e = rms_norm_bounds(widen(c.data(), hd), e_c, p.norm, 1, hd, p.norm_eps);
    reference::rms_norm(y.data(), c.data(), p.norm, 1, hd, p.norm_eps);
    const int64_t position = i * m;
    e = rope_bounds(widen(y.data(), hd), e, &position, 1, 1, hd, p.rope, false);
    reference::rope_apply(y.data(), y.data(), &position, 1, 1, hd, p.rope, false);
    if (p.rotate) {
      e = hadamard_bounds(widen(y.data(), hd), e, 1, hd);
      reference::hadamard(y.data(), y.data(), 1, hd);
      e = quant_sim_bounds(widen(y.data(), hd), e, 1, hd, hd, 32, true);
    } else {
      e = quant_sim_bounds(widen(y.data(), hd), e, 1, hd, 448, 64, false);
    }
    std::copy(e.begin(), e.end(), b.entries.begin() + i * hd);
  }
  return b;
}

} // namespace v4::properties
