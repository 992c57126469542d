// Muon with the hybrid Newton–Schulz iteration (spec §19, decision D13), in fp64.
//   M_t = μ·M_{t−1} + G_t                      (μ = 0.95, plain accumulation)
//   X   = μ·M_t + G_t                          (Nesterov input)
//   X   = X / (‖X‖_F + 1e-7)
//   10× X ← a·X + (b·A + c·A²)·X,  A = X·Xᵀ;  (a,b,c) = (3.4445, −4.7750, 2.0315) for steps 1..8,
//                                              (2, −1.5, 0.5) for steps 9, 10
//   O   = X · sqrt(max(n, m)) · 0.18
//   W_t = W_{t−1}·(1 − η·λ) − η·O              (decoupled weight decay, λ = 0.1)
// The iteration runs on the orientation with rows ≤ cols (Xᵀ when n > m) and is transposed back.
// On singular values the iteration is the scalar map φ = p₂∘p₂∘p₁^8 applied to σ_i/‖X‖_F.
#pragma once

#include <cstdint>

namespace v4::reference {

inline constexpr double kMuonMomentum = 0.95;
inline constexpr double kMuonNsEps = 1e-7; // D13
inline constexpr double kMuonUpdateRms = 0.18;
inline constexpr double kMuonWeightDecay = 0.1;
inline constexpr int kMuonJordanSteps = 8;
inline constexpr int kMuonPolishSteps = 2;
struct NsCoefficients {
  double a, b, c;
};
inline constexpr NsCoefficients kMuonJordan{3.4445, -4.7750, 2.0315};
inline constexpr NsCoefficients kMuonPolish{2.0, -1.5, 0.5};

// p(x) = a·x + b·x³ + c·x⁵.
double ns_polynomial(double x, NsCoefficients k);
// φ(σ): the 10-step composed scalar map on one normalized singular value.
double newton_schulz_scalar(double sigma);

// out: [n, m] fp64 (may alias x) · x: [n, m] fp64. Normalization and the 10 steps.
void newton_schulz(double* out, const double* x, int64_t n, int64_t m);

struct MuonOptions {
  double lr = 2.7e-4;                     // η (Flash peak; Pro 2.0e-4)
  double momentum = kMuonMomentum;        // μ
  double weight_decay = kMuonWeightDecay; // λ
  double update_rms = kMuonUpdateRms;
};

// One step for one matrix. w: [n, m] fp64, updated · momentum: [n, m] fp64, updated ·
// update: [n, m] fp64, receives O (may be nullptr) · grad: [n, m] fp64.
void muon_step(double* w, double* momentum, double* update, const double* grad, int64_t n,
               int64_t m, const MuonOptions& options);

} // namespace v4::reference
