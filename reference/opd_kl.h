// OPD: full-vocabulary reverse KL (spec §22, [P] §5.1.2 Eq. 29) and the log-softmax under it.
// Per position t over the whole vocabulary V (129 280 for V4):
//   log p = z − lse(z)       (student, logits z)      log q = z_E − lse(z_E)   (teacher)
//   KL_t  = Σ_v p_v (log p_v − log q_v)
//   ∂KL_t/∂z_v = p_v · ((log p_v − log q_v) − KL_t)
// Reference numerics: fp64 throughout, log p = (z − max) − log Σ e^(z − max), outputs rounded once.
// KL is evaluated as Σ_v p_v·(e^(−d_v) − 1 + d_v) with d = log p − log q, which equals the
// formula above because Σ p e^(−d) = Σ q = 1, and has non-negative terms: KL ≥ 0 always and
// KL = 0 exactly when the log-probabilities agree. Aggregation over positions and teachers
// (w_i, normalization, temperature) is undisclosed (§26 Q4) and not part of this component.
#pragma once

#include <cstdint>

#include "reference/formats.h"

namespace v4::reference {

inline constexpr int64_t kV4Vocab = 129280;

// [project] log_softmax takes bf16 logits and writes bf16 log-probabilities (the 4 B/element
// form of the performance targets) or fp32 ones (what the KL consumes; bf16 log-probs would
// swamp small KLs). y: [rows, vocab] · x: [rows, vocab] bf16 (finite).
void log_softmax(bf16* y, const bf16* x, int64_t rows, int64_t vocab);
void log_softmax(float* y, const bf16* x, int64_t rows, int64_t vocab);

// kl: [rows] fp32 · grad: [rows, vocab] fp32 ∂KL/∂z (may be nullptr) · student, teacher:
// [rows, vocab] fp32 logits (finite).
void opd_kl(float* kl, float* grad, const float* student, const float* teacher, int64_t rows,
            int64_t vocab);

// One row in fp64 (for finite-difference and property tests): returns KL; grad: [vocab] or nullptr.
double opd_kl_row(double* grad, const double* student, const double* teacher, int64_t vocab);

} // namespace v4::reference
