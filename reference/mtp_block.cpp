#include "reference/mtp_block.h"

#include <string>
#include <vector>

#include "reference/mhc_sinkhorn.h"
#include "reference/require.h"
#include "reference/rms_norm.h"

namespace v4::reference {
namespace {

void check_mtp(const ModelConfig& cfg, const MtpWeights& w, const char* function) {
  require(w.enorm && w.hnorm && w.embed && w.e_proj.data && w.h_proj.data, function,
          "e_proj, h_proj, enorm, hnorm and embed must be set");
  require(w.e_proj.out == cfg.dim && w.e_proj.in == cfg.dim && w.h_proj.out == cfg.dim &&
              w.h_proj.in == cfg.dim,
          function, "e_proj and h_proj must be [dim, dim]");
  require(w.e_proj.format != WeightFormat::f32 && w.h_proj.format != WeightFormat::f32, function,
          "e_proj and h_proj have bf16 output: bf16, e4m3 or e2m1 weights");
  require(w.block.layer >= cfg.n_layers, function,
          "the MTP block's layer id must be >= n_layers (got " + std::to_string(w.block.layer) +
              ")");
}

} // namespace

void mtp_input(bf16* x, const bf16* h, const int64_t* ids, int64_t tokens, const ModelConfig& cfg,
               const MtpWeights& w) {
  check_mtp(cfg, w, "mtp_input");
  const int64_t dim = cfg.dim, rows = tokens * kHcMult;
  const float eps = float(cfg.norm_eps);
  std::vector<bf16> e(static_cast<size_t>(tokens * kHcMult * dim)),
      en(static_cast<size_t>(tokens * dim)), ep(static_cast<size_t>(tokens * dim)),
      hn(static_cast<size_t>(rows * dim)), hp(static_cast<size_t>(rows * dim));
  // embed(ids) (one copy per token; embed_streams checks the ids), then enorm.
  embed_streams(e.data(), ids, w.embed, tokens, cfg);
  for (int64_t t = 0; t < tokens; ++t)
    std::copy(e.begin() + t * kHcMult * dim, e.begin() + (t * kHcMult + 1) * dim,
              en.begin() + t * dim);
  rms_norm(ep.data(), en.data(), w.enorm, tokens, dim, eps);
  linear(en.data(), ep.data(), w.e_proj, tokens);
  rms_norm(hn.data(), h, w.hnorm, rows, dim, eps); // per stream (the norm's last dim)
  linear(hp.data(), hn.data(), w.h_proj, rows);
  // bf16 + bf16 in torch: fp32 opmath sum, rounded to bf16.
  for (int64_t t = 0; t < tokens; ++t)
    for (int64_t j = 0; j < kHcMult; ++j)
      for (int64_t i = 0; i < dim; ++i) {
        const size_t s = size_t((t * kHcMult + j) * dim + i);
        x[s] = bf16_encode(bf16_decode(en[size_t(t * dim + i)]) + bf16_decode(hp[s]));
      }
}

void mtp_prefill(float* logits, BlockState& state, const bf16* h, const int64_t* ids,
                 int64_t tokens, const ModelConfig& cfg, const MtpWeights& w, MtpTrace* trace,
                 const IndexOverride* forced) {
  require(tokens > 0, "mtp_prefill", "tokens must be positive");
  const int64_t streams = kHcMult * cfg.dim;
  std::vector<bf16> x(static_cast<size_t>(tokens * streams)), y(x.size());
  mtp_input(x.data(), h, ids, tokens, cfg, w);
  block_prefill(y.data(), state, x.data(), ids, tokens, cfg, w.block,
                trace ? &trace->block : nullptr, forced);
  head_logits(logits, y.data() + (tokens - 1) * streams, cfg, w.head);
  if (trace) {
    trace->x = x;
    trace->out = y;
  }
}

void mtp_decode(float* logits, BlockState& state, const bf16* h, int64_t id, int64_t pos,
                const ModelConfig& cfg, const MtpWeights& w, MtpTrace* trace,
                const IndexOverride* forced) {
  std::vector<bf16> x(static_cast<size_t>(kHcMult * cfg.dim)), y(x.size());
  mtp_input(x.data(), h, &id, 1, cfg, w);
  block_decode(y.data(), state, x.data(), id, pos, cfg, w.block, trace ? &trace->block : nullptr,
               forced);
  head_logits(logits, y.data(), cfg, w.head);
  if (trace) {
    trace->x = x;
    trace->out = y;
  }
}

} // namespace v4::reference
