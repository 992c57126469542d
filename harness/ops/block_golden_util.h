// Helpers of the composite golden checkers (block, transformer, mtp_block): the full model
// config of a case, its tensors as a lookup for the weight views of block_inputs.h, the recorded
// index lists and their comparison as sets.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "harness/golden.h"
#include "harness/ops/block_inputs.h"
#include "reference/model_config.h"

namespace v4::harness {

// Every ModelConfig field from the case's config JSON (official ModelArgs names).
reference::ModelConfig golden_full_config(const GoldenCase& gc);

// Owns the tensors the reference views point into (a deque: views stay valid as it grows).
struct GoldenParams {
  std::deque<Tensor> keep;
  const Tensor& get(const GoldenCase& gc, const std::string& name);
  // The case's tensors by name, for the views of harness/ops/block_inputs.h (block_weights_view,
  // head_weights_view, ...): each tensor read is kept here.
  TensorLookup lookup(const GoldenCase& gc);
};

// Every element of a tensor as a double.
std::vector<double> tensor_values(const Tensor& t);

// An index trace as int32 values (empty when the case does not record it).
std::vector<int32_t> golden_indices(const GoldenCase& gc, const std::string& name);

// How many rows of `own` ([rows, ow]) differ from `official` ([rows, fw]) as sets of valid
// (>= 0) indices, and how many more only in order.
struct SelectionDiff {
  int64_t set_differs = 0, order_differs = 0;
};
SelectionDiff compare_selections(const std::vector<int32_t>& own, int64_t ow,
                                 const std::vector<int32_t>& official, int64_t fw, int64_t rows);

// A reported line with the sampled propagation's figures: the largest response (bf16 ulps of the
// token's ‖y‖∞), the tokens whose routing could flip within the local score bounds, and those
// whose routing changed in a sample.
struct BlockSequenceBounds;
GoldenLine sampling_line(const GoldenCase& gc, const std::string& item,
                         const BlockSequenceBounds& b, int64_t tokens);

} // namespace v4::harness
