// The KV compressor's pooling and finish on the GPU (spec §8), as reference/compressor.h
// compressor_pool_blocks: given the projected kv and score (logits incl. ape) of every token,
// each complete block's entry = softmax-weighted pool over its window (CSA m = 4: the previous
// block's half a and the current block's half b, 8 slots; HCA m = 128: 128 slots), bf16,
// RMSNorm, RoPE at the block's first position, then the FP8 KV simulation (main, hd 512) or
// Hadamard-128 + FP4 simulation (indexer, hd 128, `rotate`).
//
// Numerics: one thread per channel runs the reference's compressor_pool loop for its channel:
// the max, e = fl32(exp(double(fl32(z − max)))), the double sum of e in slot order, the fp32
// division and product, the double sum of the products in slot order: the reference's operations
// in its order. Only exp differs (CUDA's double exp within 1 ulp, glibc's within 1 ulp): e is the
// reference's fp32 value unless exp's exact value lies within ~3·2^-53 relative of an fp32
// rounding point (~2^-28 of the slots). The finish mirrors compressor_finish: bf16, the sum of
// the exact bf16 squares in double (a warp xor butterfly and the warps in order: exact, hence
// equal to the reference's sequential sum, whenever the squares span <= 28 binades; otherwise
// within ~2^-44 relative, which changes fl32(mean) only within that distance of a rounding
// point), the reference's rsqrt and products; RoPE by optimized/rope.cuh (cos/sin as rope.h
// says); the quantizers as optimized/kv_fp8_sim.cu and optimized/fp4_act_quant.cu (bitwise);
// the Hadamard as a double butterfly in shared memory (exact: optimized/hadamard.h). So entries
// are bitwise the reference's except after one of those rare rounding-point events, whose
// effect the registered budgets bound (harness/ops/compressor_pool_op.cpp).
//
// Kernel: one block per (sequence, entry), hd threads (512 or 128), thread = channel. CSA keeps
// its 8 slots' logits, values and exponentials in registers; HCA re-reads its 128 logits (L2)
// and recomputes each exponential (bitwise the same value) in the weighting pass. Blocks are
// independent and never depend on the batch: batch invariant by construction, no threshold.
// Napkin math: every needed kv and score element is read once (8 B per token and channel of
// c·hd), 2 B per entry element written. CSA 8 x 4096 tokens x 1024 channels: 268 MB, floor 62 us
// at 4.30 TB/s, with 33.5 M double exps (~40 FP64 instructions each incl. the sum: ~80 us of the
// FP64 pipes, 16.7 T/s); HCA 8 x 8192 x 512: 268 MB, 62 us floor, 2 exps per slot (~160 us of
// FP64): FP64-bound. Indexer CSA hd 128, 16 x 8192 tokens: 268 MB, 62 us floor, ~80 us FP64.
#pragma once

#include <cuda_runtime_api.h>

#include <cstdint>

#include "reference/compressor.h"
#include "reference/formats.h"

namespace v4::optimized {

// entries: [⌊tokens/m⌋, hd] bf16 · kv, score: [tokens, c·hd] fp32 (compressor_project's outputs)
// · p: ratio 4 or 128, (head_dim, rotate) = (512, false) or (128, true), rope.rope_dim 64,
// norm: [hd] fp32 device pointer, norm_eps; the projection fields are unused.
void compressor_pool_blocks(bf16* entries, const float* kv, const float* score, int64_t tokens,
                            const reference::CompressorParams& p, cudaStream_t stream);

// The same for `batch` sequences of `tokens` tokens each in one launch: entries: [batch,
// ⌊tokens/m⌋, hd] · kv, score: [batch, tokens, c·hd].
void compressor_pool_blocks_batched(bf16* entries, const float* kv, const float* score,
                                    int64_t batch, int64_t tokens,
                                    const reference::CompressorParams& p, cudaStream_t stream);

} // namespace v4::optimized
