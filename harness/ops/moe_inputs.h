// Input builders shared by the MoE registrations (moe_expert, moe, anticipatory_routing):
// expert weights in each storage format and the reference views onto them.
#pragma once

#include <cstdint>
#include <string>

#include "harness/tensor.h"
#include "reference/linear.h"

namespace v4::harness {

// Weight formats of the case parameter fmt: 0 bf16 (the golden config), 1 e4m3 with 128×128
// scales (shared expert), 2 e2m1 with 1×32 scales (routed experts).
enum ExpertFmt : int64_t { kExpertBf16 = 0, kExpertFp8 = 1, kExpertFp4 = 2 };

// Adds "<name>" (and "<name>_s" for quantized formats) to `in`: `count` stacked [out, in_dim]
// weights drawn from N(0, 1/in_dim) fp32 masters, quantized as the checkpoint stores them; above
// 2^22 elements, quantized weights are drawn directly as codes and scales (CPU cost).
void add_weight(TensorMap& in, const std::string& name, int64_t fmt, int64_t count, int64_t out,
                int64_t in_dim, uint64_t seed);

// View of matrix `index` of a stacked weight written by add_weight.
reference::LinearWeight weight_view(const TensorMap& in, const std::string& name, int64_t fmt,
                                    int64_t index, int64_t out, int64_t in_dim);

} // namespace v4::harness
