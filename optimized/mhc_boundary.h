// The mHC layer boundary at decode (spec §14, op mhc_boundary): hc_post of one sublayer followed
// by hc_pre of the next, in ONE cooperative launch.
//
// Grid: NB = dim/64 CTAs (64 at d = 4096, 112 at d = 7168), all resident (cooperative launch);
// CTA b owns dims [64b, 64b + 64) of the 4 streams (256 columns of x̂). It loads its fn slice
// (24 x 256 fp32, 24 KB) once, then per chunk of up to 16 tokens:
//  1. hc_post for its dims, in double exactly as optimized/mhc_post.cu (bitwise the reference):
//     residual_out to global and, as bf16, to shared memory;
//  2. the partial 24 mixes and sum of squares over its 256 columns: lane l takes dims 2l, 2l + 1 of
//     streams 0..3 (an 8-term fp32 FMA chain), then a xor butterfly over the 32 lanes (commutative
//     adds: every lane gets the same bits) -> global scratch [NB][16][32];
//  3. grid barrier; token r of the chunk is owned by CTA r % NB: its warp w sums the partials of
//     CTAs b = w, w + 8, ... in ascending b, then one warp adds the 8 warp sums in ascending w (an
//     order fixed by NB alone), then μ, the gates and the Sinkhorn as the reference
//     (optimized/mhc_common.cuh): post_next, comb_next to global, pre to scratch;
//  4. grid barrier; every CTA reads the chunk's pre and writes y for its dims (4-term fp32 chain).
// A token's sums depend only on dim (not on T, the chunk or its slot in it): deterministic and
// batch invariant; no atomics (the grid barrier's arrival counter is an integer). Budgets: those of
// mhc_post (residual_out, bitwise here) and mhc_pre (harness/ops/mhc_policies.h; the fp32 mixes are
// what harness/ops/mhc_budgets.h budgets).
//
// Napkin math (decode, T <= 16): bytes 28·d·T + fn 384·d = 2.75 MB at d = 7168 (< 1 us at full
// bandwidth, but latency-bound): one launch (~3 us as timed), fn and the streams loaded together
// (~1.5 us, 24 KB per CTA in flight), partials (~0.5 us), barrier (~1 us), owner sums + Sinkhorn
// (40 dependent half-steps of shuffles, double adds and an IEEE division: ~2.5 us), barrier (~1
// us), y (~0.5 us): 9-11 us expected against the 15 us target. Larger T loop over chunks of 16
// (about 6 us each): correct, but hc_pre's cluster kernel is the prefill path.
// Measured on the H200 (benchmarks/mhc_boundary_phases.cpp, CTA 0's SM clock at each phase; L2
// swept before each launch; results/h200/wave9_boundary_phases.json), T = 1, d = 4096: 14.3 us
// event-timed = launch and drain 3.2 + hc_post 1.6 + partials 0.8 + barrier 1.1 + owner 6.2 (of
// which the 20 Sinkhorn iterations 3.6: ~90 ns per dependent half-step) + barrier 1.0 + y 0.4.
// What brought it from 18.6 us: the partial loads of the owner issued together (4 L2 round trips
// had become 1: -1.5 us), the partials in 8-token passes with fn and x loaded once per warp (the
// predicated-off tokens of a 16-token pass still issued ~2600 instructions: -2 us).
#pragma once

#include <cuda_runtime_api.h>

#include <cstdint>

#include "reference/formats.h"

namespace v4::optimized {

// residual_out: [T, 4, dim] bf16 · y: [T, dim] bf16 · post_next: [T, 4] · comb_next: [T, 4, 4] ·
// f: [T, dim] bf16 · residual: [T, 4, dim] bf16 · post: [T, 4] · comb: [T, 4, 4] (this sublayer's)
// · fn: [24, 4·dim] · base: [24] · scale: [3] (the next sublayer's); dim % 256 == 0, dim <= 8192.
void hc_boundary(bf16* residual_out, bf16* y, float* post_next, float* comb_next, const bf16* f,
                 const bf16* residual, const float* post, const float* comb, const float* fn,
                 const float* base, const float* scale, int64_t tokens, int64_t dim,
                 int sinkhorn_iters, float hc_eps, float norm_eps, cudaStream_t stream);

// The same launch with phase stamps: stamps ([kBoundaryPhases] uint64, device) receives the SM
// clock (clock64) of CTA 0 at kernel start, after hc_post, after the partials, after the first
// barrier, after the owner's sums and Sinkhorn, after the second barrier, and at the end (first
// chunk only). For the latency breakdown of benchmarks/mhc_boundary_phases.cpp.
constexpr int kBoundaryPhases = 7;
void hc_boundary_traced(bf16* residual_out, bf16* y, float* post_next, float* comb_next,
                        const bf16* f, const bf16* residual, const float* post, const float* comb,
                        const float* fn, const float* base, const float* scale, int64_t tokens,
                        int64_t dim, int sinkhorn_iters, float hc_eps, float norm_eps,
                        uint64_t* stamps, cudaStream_t stream);

} // namespace v4::optimized
