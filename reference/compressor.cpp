#include "reference/compressor.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "reference/dense_linear.h"
#include "reference/fp4_act_quant.h"
#include "reference/hadamard.h"
#include "reference/kv_fp8_sim.h"
#include "reference/require.h"
#include "reference/rms_norm.h"

namespace v4::reference {
namespace {

constexpr float kNegInf = -std::numeric_limits<float>::infinity();

// What pooling and finishing need (compressor_pool_blocks); check_params adds the projections.
void check_pool_params(const CompressorParams& p, const char* function) {
  require(p.ratio == 4 || p.ratio == 128, function, "ratio must be 4 or 128");
  require(p.head_dim > p.rope.rope_dim, function, "head_dim must exceed rope_dim");
  require(p.norm != nullptr, function, "the norm weight must be set");
  // The main compressor's FP8 simulation covers exactly the 448 nope dims of a 512-d entry.
  require(p.rotate || p.head_dim - p.rope.rope_dim == kKvSimDims, function,
          "main compressor needs head_dim - rope_dim == 448");
  require(!p.rotate || p.head_dim % kFp4Block == 0, function,
          "indexer head_dim must be a multiple of 32");
}

void check_params(const CompressorParams& p, const char* function) {
  check_pool_params(p, function);
  require(p.dim > 0, function, "dim must be positive");
  require(p.wkv && p.wgate && p.ape, function, "weights must be set");
}

// Copies token rows [first, first + count) of a [tokens, width] array into window slots
// [slot, slot + count).
void copy_rows(std::vector<float>& window, int64_t slot, const float* rows, int64_t first,
               int64_t count, int64_t width) {
  std::copy(rows + first * width, rows + (first + count) * width, window.begin() + slot * width);
}

} // namespace

void compressor_state_reset(CompressorState& state, const CompressorParams& p) {
  const size_t n = size_t(p.slots() * p.width());
  state.kv.assign(n, 0.0f);
  state.score.assign(n, kNegInf);
}

void compressor_project(float* kv, float* score, const bf16* x, const int64_t* positions,
                        int64_t tokens, const CompressorParams& p) {
  check_params(p, "compressor_project");
  const int64_t width = p.width();
  dense_linear_f32(kv, x, p.wkv, tokens, p.dim, width);
  dense_linear_f32(score, x, p.wgate, tokens, p.dim, width);
  for (int64_t t = 0; t < tokens; ++t) {
    const float* ape = p.ape + (positions[t] % p.ratio) * width;
    for (int64_t ch = 0; ch < width; ++ch)
      score[t * width + ch] += ape[ch]; // fp32 add
  }
}

void compressor_pool(float* pooled, const float* kv_window, const float* score_window,
                     const CompressorParams& p) {
  const int64_t m = p.ratio, hd = p.head_dim, width = p.width(), slots = p.slots();
  std::vector<float> e(static_cast<size_t>(slots));
  for (int64_t ch = 0; ch < hd; ++ch) {
    // Slot j reads channel ch of half a (previous block, j < m) or half b (current block).
    const auto column = [&](int64_t j) {
      return j * width + (p.overlap() == 2 && j >= m ? hd + ch : ch);
    };
    float max_logit = kNegInf;
    for (int64_t j = 0; j < slots; ++j)
      max_logit = std::max(max_logit, score_window[column(j)]);
    double sum = 0;
    for (int64_t j = 0; j < slots; ++j) {
      const float shifted = score_window[column(j)] - max_logit; // −∞ for absent slots
      e[size_t(j)] = float(std::exp(double(shifted)));
      sum += e[size_t(j)];
    }
    const float denominator = float(sum);
    double acc = 0;
    for (int64_t j = 0; j < slots; ++j) {
      const float weight = e[size_t(j)] / denominator;
      acc += double(weight * kv_window[column(j)]); // fp32 product, exact sum
    }
    pooled[ch] = float(acc);
  }
}

void compressor_finish(bf16* entry, const float* pooled, int64_t block, const CompressorParams& p) {
  const int64_t hd = p.head_dim;
  std::vector<bf16> c(static_cast<size_t>(hd));
  for (int64_t ch = 0; ch < hd; ++ch)
    c[size_t(ch)] = bf16_encode(pooled[ch]);
  rms_norm(entry, c.data(), p.norm, 1, hd, p.norm_eps);
  const int64_t position = block * p.ratio; // the block's first token
  rope_apply(entry, entry, &position, 1, 1, hd, p.rope, false);
  if (p.rotate) {
    hadamard(entry, entry, 1, hd);
    fp4_act_quant_sim(entry, entry, 1, hd);
  } else {
    kv_fp8_sim(entry, entry, 1, hd);
  }
}

void compressor_pool_blocks(bf16* entries, const float* kv, const float* score, int64_t tokens,
                            const CompressorParams& p) {
  check_pool_params(p, "compressor_pool_blocks");
  require(tokens >= 0, "compressor_pool_blocks", "tokens must be non-negative");
  const int64_t m = p.ratio, width = p.width(), blocks = tokens / m;
  CompressorState window;
  std::vector<float> pooled(static_cast<size_t>(p.head_dim));
  for (int64_t i = 0; i < blocks; ++i) {
    compressor_state_reset(window, p); // block 0 of an overlapping compressor: no previous block
    const int64_t current = p.overlap() == 2 ? m : 0;
    if (p.overlap() == 2 && i > 0) {
      copy_rows(window.kv, 0, kv, (i - 1) * m, m, width);
      copy_rows(window.score, 0, score, (i - 1) * m, m, width);
    }
    copy_rows(window.kv, current, kv, i * m, m, width);
    copy_rows(window.score, current, score, i * m, m, width);
    compressor_pool(pooled.data(), window.kv.data(), window.score.data(), p);
    compressor_finish(entries + i * p.head_dim, pooled.data(), i, p);
  }
}

void compressor_prefill(bf16* entries, CompressorState* state, const bf16* x, int64_t tokens,
                        const CompressorParams& p) {
  check_params(p, "compressor_prefill");
  require(tokens >= 0, "compressor_prefill", "tokens must be non-negative");
  const int64_t m = p.ratio, width = p.width(), blocks = tokens / m;
  std::vector<float> kv(static_cast<size_t>(tokens * width)),
      score(static_cast<size_t>(tokens * width));
  std::vector<int64_t> positions(static_cast<size_t>(tokens));
  for (int64_t t = 0; t < tokens; ++t)
    positions[size_t(t)] = t;
  compressor_project(kv.data(), score.data(), x, positions.data(), tokens, p);
  compressor_pool_blocks(entries, kv.data(), score.data(), tokens, p);

  if (!state)
    return;
  // What the decode path holds after `tokens` tokens: the last complete block in the previous
  // slots (overlap only) and the incomplete block's tokens in the current slots.
  compressor_state_reset(*state, p);
  const int64_t cutoff = blocks * m, remainder = tokens - cutoff;
  const int64_t current = p.overlap() == 2 ? m : 0;
  if (p.overlap() == 2 && blocks > 0) {
    copy_rows(state->kv, 0, kv.data(), cutoff - m, m, width);
    copy_rows(state->score, 0, score.data(), cutoff - m, m, width);
  }
  copy_rows(state->kv, current, kv.data(), cutoff, remainder, width);
  copy_rows(state->score, current, score.data(), cutoff, remainder, width);
}

bool compressor_decode(bf16* entry, CompressorState& state, const bf16* x, int64_t pos,
                       const CompressorParams& p) {
  check_params(p, "compressor_decode");
  const int64_t m = p.ratio, width = p.width();
  require(pos >= 0, "compressor_decode", "pos must be non-negative");
  require(int64_t(state.kv.size()) == p.slots() * width && state.score.size() == state.kv.size(),
          "compressor_decode", "state not initialised (compressor_state_reset)");
  const int64_t slot = (p.overlap() == 2 ? m : 0) + pos % m;
  compressor_project(state.kv.data() + slot * width, state.score.data() + slot * width, x, &pos, 1,
                     p);
  if ((pos + 1) % m != 0)
    return false;
  std::vector<float> pooled(static_cast<size_t>(p.head_dim));
  compressor_pool(pooled.data(), state.kv.data(), state.score.data(), p);
  if (p.overlap() == 2) { // the current block becomes the previous one
    std::copy(state.kv.begin() + m * width, state.kv.end(), state.kv.begin());
    std::copy(state.score.begin() + m * width, state.score.end(), state.score.begin());
  }
  compressor_finish(entry, pooled.data(), (pos + 1) / m - 1, p);
  return true;
}

} // namespace v4::reference
