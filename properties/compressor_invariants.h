// Invariants of the KV compressor (spec §8), shared by the RapidCheck properties and the OpSpec
// domain properties. Inputs are named as the compressor op's: x [batch, tokens, dim] bf16,
// wkv/wgate [c·hd, dim], ape [m, c·hd], norm [hd] fp32; case parameters ratio, hd, rotate.
#pragma once

#include <vector>

#include "harness/registry.h"
#include "reference/compressor.h"

namespace v4::properties {

// The parameters of a compressor op case, pointing into `in` (which must outlive the result).
reference::CompressorParams compressor_params_of(const harness::Case& c,
                                                 const harness::TensorMap& in);

// Per channel, each pooled C of every block lies within [min k, max k] over the block's window,
// widened by (slots + 2)·u·max|k| (fp32 weights sum to 1 within slots·u; one rounding per
// product and one for the sum).
harness::PropertyOutcome check_compressor_convex(const harness::Case& c,
                                                 const harness::TensorMap& in);

// With wgate = 0 and ape = 0 every logit is 0: C is the mean of the window's k values (4 for
// CSA block 0, 8 otherwise, 128 for HCA) within (slots + 2)·u·mean|k| + u·|C|.
harness::PropertyOutcome check_compressor_equal_logits(const harness::Case& c,
                                                       const harness::TensorMap& in);

// Changing the last token leaves entries 0 .. ⌊(tokens−1)/m⌋ − 1 bit for bit unchanged.
harness::PropertyOutcome check_compressor_causal(const harness::Case& c,
                                                 const harness::TensorMap& in,
                                                 const harness::TensorMap& out);

// Prefill of the first ⌊tokens/2⌋ + 1 tokens then token-by-token decode gives the prefill
// entries bit for bit (one pooling code path, D8 reset at the start).
harness::PropertyOutcome check_compressor_prefill_decode(const harness::Case& c,
                                                         const harness::TensorMap& in,
                                                         const harness::TensorMap& out);

// Bounds on |official − ours| for a prefill of `tokens` tokens (x exact, bf16), by interval
// propagation (properties/interval_invariants.h):
//   kv, score [tokens, c·hd]: the fp32 projections, (dim + 1)·u·Σ|w·x| (+ 2u|z| for the ape add);
//   pooled C: Σ_j w_j·ε_k,j + Σ_j w_j|k_j|·(2·max ε_z + (slots + 8)·u) (softmax weights move by
//     ≤ 2·max ε_z relative; exp within 2 ulp, the fp32 sum, division, products and final sum);
//   entries [⌊tokens/m⌋, hd]: then bf16, RMSNorm, RoPE at i·m, and the FP8 (dims [0, 448),
//     block 64) or Hadamard + FP4 (block 32) simulation, each through its interval rule.
struct CompressorBounds {
  std::vector<double> kv, score, entries;
};
CompressorBounds compressor_bounds(const reference::CompressorParams& p, const bf16* x,
                                   int64_t tokens);

} // namespace v4::properties
