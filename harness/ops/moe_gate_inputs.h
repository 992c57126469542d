// Input builders shared by the gate registrations (moe_gate, moe_gate_route and their CUDA
// backends): the tid2eid table slice, its vocabulary size and the route_scale case parameter.
#pragma once

#include <cstdint>

#include "harness/registry.h"

namespace v4::harness {

inline constexpr int64_t kGateVocab = 4096; // a tid2eid table slice: token ids are drawn below it

// A [vocab, k] int32 table of k distinct experts per token id (a seeded partial shuffle per row).
Tensor random_tid2eid(int64_t vocab, int64_t experts, int64_t k, uint64_t seed);

// The case parameter route_scale_x10 (default 15: Flash's 1.5; Pro 2.5) as the fp32 scale.
inline float gate_route_scale(const Case& c) {
  return float(c.i64_or("route_scale_x10", 15)) / 10.0f;
}

} // namespace v4::harness
