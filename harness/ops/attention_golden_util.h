// Helpers shared by the golden checkers of the attention components (rope, hadamard, compressor,
// indexer, sparse_attn, attention): config fields, reshaping, typed copies, and a comparison
// against a per-element absolute error bound derived from the computation (for outputs whose
// error is not a fixed number of ULPs of the output itself: cancellation in dot products,
// near-ties at a bf16 or quantization-grid rounding point).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "harness/golden.h"
#include "harness/ops/golden_bound.h"
#include "reference/model_config.h"

namespace v4::harness {

// The ModelConfig fields the attention checkers need, read from the case's config JSON
// (official ModelArgs names).
reference::ModelConfig golden_model_config(const GoldenCase& gc);

// The same bytes with another shape of equal element count (drops the golden files' batch dim).
Tensor reshaped(const Tensor& t, std::vector<int64_t> shape);

// A tensor holding `values` with `shape`.
template <class T> Tensor tensor_from(const std::vector<T>& values, std::vector<int64_t> shape) {
  Tensor t = make_tensor<T>(std::move(shape));
  std::copy(values.begin(), values.end(), t.data<T>());
  return t;
}
template <class T> std::vector<T> values_of(const Tensor& t) {
  return std::vector<T>(t.data<T>(), t.data<T>() + t.numel());
}
// Integer tensors (i32 or i64) as int32 values.
std::vector<int32_t> indices_of(const Tensor& t);

// golden_compare_bounded (per-element bounds): harness/ops/golden_bound.h.

// One bf16 ULP at |v| (the spacing of bf16 numbers around v; subnormal spacing below 2^-126).
double bf16_ulp(double v);
// One fp32 ULP at |v|.
double f32_ulp(double v);

} // namespace v4::harness
