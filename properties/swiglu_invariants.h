// Invariants of the clamped SwiGLU (spec §16, §17, D2), shared by the moe_expert and swiglu ops.
#pragma once

#include "harness/registry.h"

namespace v4::properties {

// |h| <= |w_route|·99.9955·(1 + 3u)·(1 + 2^-8) per element of h [rows, inter] bf16:
// |silu(min(g, 10))| <= 9.99955 and |clamp(u)| <= 10; three fp32 roundings (silu, ·u, ·w) and the
// bf16 cast. route: [rows] fp32 or nullptr (weight 1). A kernel that skips a clamp exceeds it.
// Also requires some nonzero element (a kernel that writes zeros cannot pass).
harness::PropertyOutcome check_swiglu_clamp_bound(const harness::Tensor& h,
                                                  const harness::Tensor* route);

} // namespace v4::properties
