#include "harness/generators.h"

#include <cmath>

#include "harness/rng.h"

namespace v4::harness {

Tensor random_bf16(std::vector<int64_t> shape, uint64_t seed, std::string_view name, double sigma,
                   double mean) {
  Tensor t = make_tensor<bf16>(std::move(shape));
  const CounterRng rng(seed, name);
  bf16* p = t.data<bf16>();
  for (int64_t i = 0; i < t.numel(); ++i) p[i] = reference::bf16_encode(float(mean + sigma * rng.normal(i)));
  return t;
}

Tensor random_f32(std::vector<int64_t> shape, uint64_t seed, std::string_view name, double sigma,
                  double mean) {
  Tensor t = make_tensor<float>(std::move(shape));
  const CounterRng rng(seed, name);
  float* p = t.data<float>();
  for (int64_t i = 0; i < t.numel(); ++i) p[i] = float(mean + sigma * rng.normal(i));
  return t;
}

Tensor uniform_f32(std::vector<int64_t> shape, uint64_t seed, std::string_view name, double lo, double hi) {
  Tensor t = make_tensor<float>(std::move(shape));
  const CounterRng rng(seed, name);
  float* p = t.data<float>();
  for (int64_t i = 0; i < t.numel(); ++i) p[i] = float(lo + (hi - lo) * rng.uniform(i));
  return t;
}

Tensor uniform_i32(std::vector<int64_t> shape, uint64_t seed, std::string_view name, int64_t lo, int64_t hi) {
  Tensor t = make_tensor<int32_t>(std::move(shape));
  const CounterRng rng(seed, name);
  int32_t* p = t.data<int32_t>();
  for (int64_t i = 0; i < t.numel(); ++i) p[i] = int32_t(rng.uniform_int(i, lo, hi));
  return t;
}

Tensor uniform_i64(std::vector<int64_t> shape, uint64_t seed, std::string_view name, int64_t lo, int64_t hi) {
  Tensor t = make_tensor<int64_t>(std::move(shape));
  const CounterRng rng(seed, name);
  int64_t* p = t.data<int64_t>();
  for (int64_t i = 0; i < t.numel(); ++i) p[i] = rng.uniform_int(i, lo, hi);
  return t;
}

Tensor random_codes(DType dtype, std::vector<int64_t> shape, uint64_t seed, std::string_view name, uint8_t mask) {
  Tensor t(dtype, std::move(shape));
  const CounterRng rng(seed, name);
  for (size_t i = 0; i < t.nbytes(); ++i) t.bytes()[i] = std::byte(uint8_t(rng.bits32(i)) & mask);
  return t;
}

Tensor random_bf16_wide(std::vector<int64_t> shape, uint64_t seed, std::string_view name, int lo_exp,
                        int hi_exp) {
  Tensor t = make_tensor<bf16>(std::move(shape));
  const CounterRng rng(seed, name), row_rng(seed, std::string(name) + ".row_scale");
  const int64_t rows = t.rows(), per_row = rows ? t.numel() / rows : 0;
  bf16* p = t.data<bf16>();
  for (int64_t r = 0; r < rows; ++r) {
    const double scale = std::exp2(lo_exp + (hi_exp - lo_exp) * row_rng.uniform(r));
    for (int64_t j = 0; j < per_row; ++j) {
      p[r * per_row + j] = reference::bf16_encode(float(scale * rng.normal(r * per_row + j)));
    }
  }
  return t;
}

}  // namespace v4::harness
