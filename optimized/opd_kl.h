// Full-vocabulary log-softmax and the OPD reverse KL on the GPU (spec §22), as reference/opd_kl.h:
// same names and argument order plus the stream; device pointers.
//
// Kernels: one block of 256 threads per row; no row ever reads another row's data, and the split
// of a row over the threads is fixed (thread t owns vectors t, t + 256, ...), so a row's bits do
// not depend on the batch. Two passes over the row:
//  1. statistics: each thread keeps an online (max m, Σ e^(z − m)) pair in double over its own
//     elements in ascending order: for each z, t = e^(−|z − m|) (one exp per element) and either
//     s += t or, when z raises the max, s = s·t + 1. The 256 pairs merge in a fixed tree
//     (shfl_down within each warp, then the 8 warp results) by (m, s) ⊕ (m', s') = (m, s + s'·e^(m'
//     − m)), m >= m'. opd_kl carries a third sum a = Σ e^(z − m_s)·(z − z_E) rescaled with the
//     student's.
//  2. outputs, reading the row again (newest vectors first, which L2 is most likely to still hold).
// No atomics, no data-dependent order: deterministic and batch invariant by construction.
//
// Error model (u = 2^-53 for double, ulps of the output dtype for the outputs):
//  - Σ e^(z − m): positive terms, CUDA double exp (<= 1 ulp), arguments exact (z − m of two
//    fp32/bf16 values is exact in double), each thread's online chain <= 506 updates for V = 129280
//    plus 8 tree levels: relative error <= ~1100u < 2^-42 worst case (~2^-48 typical), so the
//    log-sum L = log S is off by < 2^-42 absolutely.
//  - log_softmax with bf16 output takes fp32 terms instead (push_group_fast in opd_kl.cu): each
//    term but the max ones is off by < 2^-17.2 relatively, so L and y are off by
//    < 2^-17.2·|y| + 2^-43, below one bf16 ulp of y for |y| >= 2^-34; the bound below stays 1 ulp.
//  - log_softmax: y = (z − m) − L is formed in fp32 double-float arithmetic (TwoSum for z − m and
//    for the subtraction of L = L_hi + L_lo; both terms are <= 0, so nothing cancels): the value
//    before the final rounding is within 2^-45·|y| + 2^-42 of the exact one for our S; the
//    reference's double is within V·2^-53 <= 2^-36 (its sequential sum, worst case) of the exact.
//    When 2^-35 is less than one fp32 ulp of y (|y| >= L >= 2^-11: the top logit holds at most
//    99.95 % of the mass) both round to fp32 values <= 1 ulp apart, and their bf16 roundings (the
//    reference rounds double -> fp32 -> bf16, as here) <= 1 bf16 ulp apart. Bound 1 ulp;
//    registered 2 (harness/ops/opd_kl_op.cpp).
//  - opd_kl: KL = Σ p_v·d_v, d_v = log p_v − log q_v, evaluated as a/S_s − C with
//    C = (m_s − m_t) + (L_s − L_t) (Σ p = 1); identical rows give a = 0, C = 0 and KL = +0 exactly,
//    and a gradient of exact zeros. KL's error is <= 2^-41·(E_p|z − z_E| + 2) absolutely (a few
//    1e-12 for the registered logits, KL ~ 9: far below 1 fp32 ulp); a negative KL can only be
//    rounding noise and is clamped to 0. grad_v = fl32(p_v·((z_v − z_Ev) − (C + KL))) in double,
//    p_v = e^((z_v − m_s) − L_s): relative error 2^-50 + δ/|d_v − KL| with δ the absolute error of
//    C + KL (and of the reference's own sums): see harness/ops/opd_kl_op.cpp for the budget.
//
// Napkin math (H200: 4.30 TB/s copy, 132 SMs x 64 DFMA/clk, F2F 16/clk/SM, 1.98 GHz):
//  - log_softmax bf16 -> bf16, 1024 x 129280: 530 MB minimal (2 + 2 B/elem), floor 123 us.
//    With a double exp per element, pass 1 costs ~22 FP64-pipe slots per element = 0.34
//    clk/elem/SM against 0.24 clk/elem/SM of bytes: measured 363.8 us (34 %). The fp32 terms cost
//    ~12 fp32 slots (0.1 clk), one F2F (1/16 clk) and one DADD (1/64 clk) per element, below the
//    bytes; pass 2 re-reads 2 B/elem (an L2 hit only in part): expect ~150-200 us. fp32 out
//    (6 B/elem, 512 rows, 397 MB, floor 92 us; double exps kept: fp32 terms would be 100 ulps
//    off): measured 215 us (43 %).
//  - opd_kl, 256 x 129280 fp32 (12 B/elem minimal: 397 MB, floor 92 us): pass 1 two exps (~46
//    FP64 slots), pass 2 one exp + conversions (~36): ~1.3 clk/elem/SM against 0.73 of bytes:
//    expect ~170 us (~55 %).
#pragma once

#include <cuda_runtime_api.h>

#include <cstdint>

#include "reference/formats.h"

namespace v4::optimized {

// y: [rows, vocab] bf16 or fp32 · x: [rows, vocab] bf16 (finite); vocab % 8 == 0.
void log_softmax(bf16* y, const bf16* x, int64_t rows, int64_t vocab, cudaStream_t stream);
void log_softmax(float* y, const bf16* x, int64_t rows, int64_t vocab, cudaStream_t stream);

// kl: [rows] fp32 · grad: [rows, vocab] fp32 or nullptr · student, teacher: [rows, vocab] fp32
// logits (finite); vocab % 4 == 0.
void opd_kl(float* kl, float* grad, const float* student, const float* teacher, int64_t rows,
            int64_t vocab, cudaStream_t stream);

} // namespace v4::optimized
