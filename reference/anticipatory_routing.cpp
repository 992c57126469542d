#include "reference/anticipatory_routing.h"

#include <string>

#include "reference/moe_gate.h"
#include "reference/require.h"

namespace v4::reference {

void anticipatory_route(float* weights, int32_t* indices, const bf16* x,
                        const RouterParams& current, const RouterParams& snapshot, int64_t tokens,
                        int64_t dim, int64_t experts, int64_t k, float route_scale) {
  require(current.weight && snapshot.weight, "anticipatory_route", "router weights missing");
  std::vector<float> now(size_t(tokens * experts)), old(size_t(tokens * experts));
  moe_gate_scores(now.data(), x, current.weight, tokens, dim, experts);
  moe_gate_scores(old.data(), x, snapshot.weight, tokens, dim, experts);
  // Selection exactly as moe_gate_route does it, on the snapshot's biased scores.
  std::vector<float> ignored(size_t(tokens * k));
  moe_gate_route(ignored.data(), indices, old.data(), snapshot.bias, tokens, experts, k,
                 route_scale);
  moe_gate_weights(weights, now.data(), indices, tokens, experts, k, route_scale);
}

RouterHistory::RouterHistory(int64_t experts, int64_t dim, int64_t capacity)
    : experts_(experts), dim_(dim), capacity_(capacity) {
  require(experts > 0 && dim > 0 && capacity > 0, "RouterHistory", "bad shape or capacity");
}

void RouterHistory::push(int64_t step, const bf16* weight, const float* bias) {
  require(weights_.empty() || step == latest_step() + 1, "RouterHistory::push",
          "steps must increase by one");
  if (weights_.empty())
    first_step_ = step;
  weights_.emplace_back(weight, weight + experts_ * dim_);
  biases_.emplace_back();
  if (bias)
    biases_.back().assign(bias, bias + experts_);
  if (int64_t(weights_.size()) > capacity_) {
    weights_.pop_front();
    biases_.pop_front();
    ++first_step_;
  }
}

RouterParams RouterHistory::at(int64_t step) const {
  require(!weights_.empty() && step >= first_step_ && step <= latest_step(), "RouterHistory::at",
          "step " + std::to_string(step) + " is not held (held: " + std::to_string(first_step_) +
              ".." + std::to_string(latest_step()) + ")");
  const size_t i = size_t(step - first_step_);
  return {weights_[i].data(), biases_[i].empty() ? nullptr : biases_[i].data()};
}

void anticipatory_route_at(float* weights, int32_t* indices, const bf16* x,
                           const RouterHistory& history, int64_t delta_t, int64_t tokens,
                           int64_t dim, int64_t experts, int64_t k, float route_scale) {
  require(delta_t >= 0, "anticipatory_route_at", "delta_t must be >= 0");
  const int64_t t = history.latest_step();
  anticipatory_route(weights, indices, x, history.at(t), history.at(t - delta_t), tokens, dim,
                     experts, k, route_scale);
}

} // namespace v4::reference
