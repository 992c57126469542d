#include "reference/opd_kl.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "reference/grpo.h"
#include "reference/require.h"

namespace v4::reference {

namespace {

// lp[v] = z[v] − lse(z), in double; z finite. Formed as (z[v] − max) − log Σ e^(z − max): z − max
// is exact for fp32/bf16 logits, so adding a constant to z (exactly) leaves lp bit for bit.
void log_softmax_row(double* lp, const double* z, int64_t vocab) {
  double mx = z[0];
  for (int64_t v = 1; v < vocab; ++v)
    mx = std::max(mx, z[v]);
  double sum = 0.0;
  for (int64_t v = 0; v < vocab; ++v)
    sum += std::exp(z[v] - mx);
  const double log_sum = std::log(sum);
  for (int64_t v = 0; v < vocab; ++v)
    lp[v] = (z[v] - mx) - log_sum;
}

void decode_row(double* out, const bf16* x, int64_t vocab, int64_t row, const char* function) {
  for (int64_t v = 0; v < vocab; ++v) {
    out[v] = bf16_decode(x[v]);
    if (!std::isfinite(out[v]))
      require(false, function,
              "logit (" + std::to_string(row) + ", " + std::to_string(v) + ") is not finite");
  }
}

} // namespace

void log_softmax(bf16* y, const bf16* x, int64_t rows, int64_t vocab) {
  require(rows >= 0 && vocab > 0, "log_softmax", "bad shape");
  std::vector<double> z(static_cast<size_t>(vocab)), lp(static_cast<size_t>(vocab));
  for (int64_t r = 0; r < rows; ++r) {
    decode_row(z.data(), x + r * vocab, vocab, r, "log_softmax");
    log_softmax_row(lp.data(), z.data(), vocab);
    for (int64_t v = 0; v < vocab; ++v)
      y[r * vocab + v] = bf16_encode(float(lp[size_t(v)]));
  }
}

void log_softmax(float* y, const bf16* x, int64_t rows, int64_t vocab) {
  require(rows >= 0 && vocab > 0, "log_softmax", "bad shape");
  std::vector<double> z(static_cast<size_t>(vocab)), lp(static_cast<size_t>(vocab));
  for (int64_t r = 0; r < rows; ++r) {
    decode_row(z.data(), x + r * vocab, vocab, r, "log_softmax");
    log_softmax_row(lp.data(), z.data(), vocab);
    for (int64_t v = 0; v < vocab; ++v)
      y[r * vocab + v] = float(lp[size_t(v)]);
  }
}

double opd_kl_row(double* grad, const double* student, const double* teacher, int64_t vocab) {
  std::vector<double> lp(static_cast<size_t>(vocab)), lq(static_cast<size_t>(vocab));
  log_softmax_row(lp.data(), student, vocab);
  log_softmax_row(lq.data(), teacher, vocab);
  double kl = 0.0;
  for (int64_t v = 0; v < vocab; ++v) {
    const double d = lp[size_t(v)] - lq[size_t(v)];
    kl += std::exp(lp[size_t(v)]) * k3_divergence(-d); // e^(−d) − 1 + d ≥ 0
  }
  if (grad) {
    for (int64_t v = 0; v < vocab; ++v) {
      const double d = lp[size_t(v)] - lq[size_t(v)];
      grad[v] = std::exp(lp[size_t(v)]) * (d - kl);
    }
  }
  return kl;
}

void opd_kl(float* kl, float* grad, const float* student, const float* teacher, int64_t rows,
            int64_t vocab) {
  require(rows >= 0 && vocab > 0, "opd_kl", "bad shape");
  std::vector<double> z(static_cast<size_t>(vocab)), ze(static_cast<size_t>(vocab)),
      g(static_cast<size_t>(vocab));
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t v = 0; v < vocab; ++v) {
      z[size_t(v)] = student[r * vocab + v];
      ze[size_t(v)] = teacher[r * vocab + v];
      if (!(std::isfinite(z[size_t(v)]) && std::isfinite(ze[size_t(v)])))
        require(false, "opd_kl",
                "logit (" + std::to_string(r) + ", " + std::to_string(v) + ") is not finite");
    }
    kl[r] = float(opd_kl_row(grad ? g.data() : nullptr, z.data(), ze.data(), vocab));
    if (grad)
      for (int64_t v = 0; v < vocab; ++v)
        grad[r * vocab + v] = float(g[size_t(v)]);
  }
}

} // namespace v4::reference
