// Input generators for op cases. Element i of a tensor named `name` is drawn from
// CounterRng(seed, name) at index i, so inputs are a pure function of (case key, tensor name).
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "harness/tensor.h"

namespace v4::harness {

// Normal(mean, sigma) values rounded to bf16 / fp32.
Tensor random_bf16(std::vector<int64_t> shape, uint64_t seed, std::string_view name, double sigma = 1.0,
                   double mean = 0.0);
Tensor random_f32(std::vector<int64_t> shape, uint64_t seed, std::string_view name, double sigma = 1.0,
                  double mean = 0.0);
// Uniform values in [lo, hi) rounded to fp32.
Tensor uniform_f32(std::vector<int64_t> shape, uint64_t seed, std::string_view name, double lo, double hi);
// Uniform integers in [lo, hi].
Tensor uniform_i32(std::vector<int64_t> shape, uint64_t seed, std::string_view name, int64_t lo, int64_t hi);
Tensor uniform_i64(std::vector<int64_t> shape, uint64_t seed, std::string_view name, int64_t lo, int64_t hi);
// Uniform random bytes (any code of e4m3/e2m1x2/ue8m0/u8), masked by `mask`.
Tensor random_codes(DType dtype, std::vector<int64_t> shape, uint64_t seed, std::string_view name,
                    uint8_t mask = 0xFF);
// Heavy-tailed bf16 rows: per-row log-uniform magnitude in [2^lo_exp, 2^hi_exp] times N(0,1), so
// quantizer scales span many exponents.
Tensor random_bf16_wide(std::vector<int64_t> shape, uint64_t seed, std::string_view name, int lo_exp,
                        int hi_exp);

}  // namespace v4::harness
