// Anticipatory routing (spec §20, [project] model of [P] §4.2.3): at step t the routing INDICES
// come from the router snapshot θ_{t−Δt} (computed in an early forward pass and cached), the
// routing WEIGHTS from the current router θ_t gathered at those indices:
//   idx = top_k(s(x; W_{t−Δt}) + bias_{t−Δt})              (D4 tie-break)
//   w   = renormalize(s(x; W_t)[idx]) · route_scale         (the router still gets gradients)
// Δt = 0 reproduces standard routing (moe_gate_route) bit for bit: the same code path.
// Δt, the loss-spike detector and the duration are undisclosed (§26 Q6): Δt is a parameter.
#pragma once

#include <cstdint>
#include <deque>
#include <vector>

#include "reference/formats.h"

namespace v4::reference {

struct RouterParams {
  const bf16* weight = nullptr; // [experts, dim]
  const float* bias = nullptr;  // [experts] or nullptr
};

// weights, indices: [tokens, k] · x: [tokens, dim] bf16.
void anticipatory_route(float* weights, int32_t* indices, const bf16* x,
                        const RouterParams& current, const RouterParams& snapshot, int64_t tokens,
                        int64_t dim, int64_t experts, int64_t k, float route_scale);

// The router parameters of the last `capacity` steps, for routing with θ_{t−Δt}.
class RouterHistory {
public:
  RouterHistory(int64_t experts, int64_t dim, int64_t capacity);
  // Records θ_step (steps must increase by one).
  void push(int64_t step, const bf16* weight, const float* bias);
  // θ_step; throws std::invalid_argument when that step is not held.
  RouterParams at(int64_t step) const;
  int64_t latest_step() const { return first_step_ + int64_t(weights_.size()) - 1; }

private:
  int64_t experts_, dim_, capacity_, first_step_ = 0;
  std::deque<std::vector<bf16>> weights_;
  std::deque<std::vector<float>> biases_;
};

// Routing at the history's latest step t with indices from step t − delta_t (delta_t >= 0).
void anticipatory_route_at(float* weights, int32_t* indices, const bf16* x,
                           const RouterHistory& history, int64_t delta_t, int64_t tokens,
                           int64_t dim, int64_t experts, int64_t k, float route_scale);

} // namespace v4::reference
