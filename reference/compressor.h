// KV compressor (spec §8): gated softmax pooling of m consecutive tokens into one cache entry.
//   CSA m = 4 with overlap (c = 2): entry i pools, per channel ch < hd, the 8 logits
//       { z_t[ch] : t ∈ B_{i−1} } ∪ { z_t[hd + ch] : t ∈ B_i }     (half a = previous block,
//       half b = current block, [C]'s assignment) with the matching k values; B_{−1} is absent.
//   HCA m = 128 (c = 1): entry i pools z_t[ch], t ∈ B_i.
//   k_t = wkv·x_t (fp32), z_t = wgate·x_t + ape[t mod m] (fp32), x_t the bf16 layer input.
// Post-processing: norm(bf16(C)) → RoPE at position i·m → KV FP8 simulation on dims [0, 448)
// (main) or Hadamard + FP4 simulation (indexer, `rotate`).
//
// Both the prefill closed form and the token-by-token decode path pool through one function,
// compressor_pool, over the same [c·m, c·hd] window layout the decode state uses (previous block
// in slots [0, m), current block in slots [m, 2m)), so the two paths agree bit for bit.
// The decode state is reset at every sequence start (D8).
#pragma once

#include <cstdint>
#include <vector>

#include "reference/formats.h"
#include "reference/rope.h"

namespace v4::reference {

struct CompressorParams {
  int64_t dim = 0;        // model dim d: the input width
  int64_t head_dim = 512; // hd: 512 (main attention) or 128 (indexer)
  int64_t ratio = 4;      // m: 4 (CSA, with overlap) or 128 (HCA)
  bool rotate = false;    // indexer: Hadamard + FP4 simulation instead of the KV FP8 simulation
  float norm_eps = 1e-6f;
  RopeParams rope;              // the compressed-layer table (base 160000, YaRN)
  const float* wkv = nullptr;   // [c·hd, dim] fp32
  const float* wgate = nullptr; // [c·hd, dim] fp32
  const float* ape = nullptr;   // [m, c·hd] fp32
  const float* norm = nullptr;  // [hd] fp32

  int64_t overlap() const { return ratio == 4 ? 2 : 1; } // c: [C] overlaps exactly when m == 4
  int64_t width() const { return overlap() * head_dim; } // c·hd channels per token
  int64_t slots() const { return overlap() * ratio; }    // c·m token rows in the window
};

// The fp32 decode state of one sequence: kv and score windows, [c·m, c·hd] each.
struct CompressorState {
  std::vector<float> kv, score;
};
// kv ← 0, score ← −∞ (D8: at every sequence start).
void compressor_state_reset(CompressorState& state, const CompressorParams& p);

// kv, score: [tokens, c·hd] fp32 · x: [tokens, dim] bf16 · positions: [tokens].
// kv = fl32(wkv·x); score = fl32(fl32(wgate·x) + ape[position mod m]).
void compressor_project(float* kv, float* score, const bf16* x, const int64_t* positions,
                        int64_t tokens, const CompressorParams& p);

// pooled: [hd] fp32 · kv_window, score_window: [c·m, c·hd] in the decode-state layout.
// Per channel: w = softmax over the window's c·m logits (−∞ = absent, weight 0), C = Σ w·k.
// fp32 roundings as [C]: e = fl32(exp(fl32(z − max))), S = fl32(Σe), w = fl32(e/S),
// C = fl32(Σ fl32(w·k)); the sums are exact in double.
void compressor_pool(float* pooled, const float* kv_window, const float* score_window,
                     const CompressorParams& p);

// entry: [hd] bf16 · pooled: [hd] fp32. norm(bf16(pooled)) → RoPE at block·m → quantization.
void compressor_finish(bf16* entry, const float* pooled, int64_t block, const CompressorParams& p);

// The pooling half of the prefill: entries: [⌊tokens/m⌋, hd] bf16 · kv, score: [tokens, c·hd]
// fp32, compressor_project's outputs for positions 0 .. tokens − 1. Entry i pools the window of
// block i (and block i − 1 when overlapping; absent for i = 0) through compressor_pool and
// compressor_finish. Needs only ratio, head_dim, rotate, norm_eps, rope and norm of `p`.
void compressor_pool_blocks(bf16* entries, const float* kv, const float* score, int64_t tokens,
                            const CompressorParams& p);

// Prefill of tokens [0, tokens) (start_pos 0). entries: [⌊tokens/m⌋, hd] bf16. `state`, when not
// null, is reset and left as the decode path would hold it after these tokens.
void compressor_prefill(bf16* entries, CompressorState* state, const bf16* x, int64_t tokens,
                        const CompressorParams& p);

// One decode token at position `pos` (x: [dim] bf16). Returns true when it completes block
// (pos+1)/m − 1 and writes that entry ([hd] bf16); otherwise leaves `entry` untouched.
bool compressor_decode(bf16* entry, CompressorState& state, const bf16* x, int64_t pos,
                       const CompressorParams& p);

} // namespace v4::reference
