#include "harness/generators.h"

#include <algorithm>
#include <cmath>
#include <thread>
#include <vector>

#include "harness/rng.h"

namespace v4::harness {
namespace {

// fill(i) for i in [0, n). Every element depends on its index alone (a counter-based RNG), so
// splitting the range over threads gives the same bits as one loop; large tensors (the full
// suite's >= 256 MB cases) are generated on every core.
template <class Fill> void for_each_index(int64_t n, Fill fill) {
  constexpr int64_t kSerialBelow = int64_t(1) << 20;
  const int64_t threads = std::min<int64_t>(std::max(1u, std::thread::hardware_concurrency()), 32);
  if (n < kSerialBelow || threads == 1) {
    for (int64_t i = 0; i < n; ++i) fill(i);
    return;
  }
  std::vector<std::thread> pool;
  const int64_t chunk = (n + threads - 1) / threads;
  for (int64_t t = 0; t < threads; ++t) {
    const int64_t begin = t * chunk, end = std::min(n, begin + chunk);
    if (begin >= end) break;
    pool.emplace_back([&fill, begin, end] {
      for (int64_t i = begin; i < end; ++i) fill(i);
    });
  }
  for (auto& th : pool) th.join();
}

}  // namespace

Tensor random_bf16(std::vector<int64_t> shape, uint64_t seed, std::string_view name, double sigma,
                   double mean) {
  Tensor t = make_tensor<bf16>(std::move(shape));
  const CounterRng rng(seed, name);
  bf16* p = t.data<bf16>();
  for_each_index(t.numel(), [&](int64_t i) { p[i] = reference::bf16_encode(float(mean + sigma * rng.normal(i))); });
  return t;
}

Tensor random_f32(std::vector<int64_t> shape, uint64_t seed, std::string_view name, double sigma,
                  double mean) {
  Tensor t = make_tensor<float>(std::move(shape));
  const CounterRng rng(seed, name);
  float* p = t.data<float>();
  for_each_index(t.numel(), [&](int64_t i) { p[i] = float(mean + sigma * rng.normal(i)); });
  return t;
}

Tensor uniform_f32(std::vector<int64_t> shape, uint64_t seed, std::string_view name, double lo, double hi) {
  Tensor t = make_tensor<float>(std::move(shape));
  const CounterRng rng(seed, name);
  float* p = t.data<float>();
  for_each_index(t.numel(), [&](int64_t i) { p[i] = float(lo + (hi - lo) * rng.uniform(i)); });
  return t;
}

Tensor uniform_i32(std::vector<int64_t> shape, uint64_t seed, std::string_view name, int64_t lo, int64_t hi) {
  Tensor t = make_tensor<int32_t>(std::move(shape));
  const CounterRng rng(seed, name);
  int32_t* p = t.data<int32_t>();
  for_each_index(t.numel(), [&](int64_t i) { p[i] = int32_t(rng.uniform_int(i, lo, hi)); });
  return t;
}

Tensor uniform_i64(std::vector<int64_t> shape, uint64_t seed, std::string_view name, int64_t lo, int64_t hi) {
  Tensor t = make_tensor<int64_t>(std::move(shape));
  const CounterRng rng(seed, name);
  int64_t* p = t.data<int64_t>();
  for_each_index(t.numel(), [&](int64_t i) { p[i] = rng.uniform_int(i, lo, hi); });
  return t;
}

Tensor random_codes(DType dtype, std::vector<int64_t> shape, uint64_t seed, std::string_view name, uint8_t mask) {
  Tensor t(dtype, std::move(shape));
  const CounterRng rng(seed, name);
  for_each_index(int64_t(t.nbytes()), [&](int64_t i) { t.bytes()[i] = std::byte(uint8_t(rng.bits32(uint64_t(i))) & mask); });
  return t;
}

Tensor random_bf16_wide(std::vector<int64_t> shape, uint64_t seed, std::string_view name, int lo_exp,
                        int hi_exp) {
  Tensor t = make_tensor<bf16>(std::move(shape));
  const CounterRng rng(seed, name), row_rng(seed, std::string(name) + ".row_scale");
  const int64_t rows = t.rows(), per_row = rows ? t.numel() / rows : 0;
  bf16* p = t.data<bf16>();
  std::vector<double> scale(static_cast<size_t>(rows));
  for (int64_t r = 0; r < rows; ++r) scale[size_t(r)] = std::exp2(lo_exp + (hi_exp - lo_exp) * row_rng.uniform(r));
  for_each_index(rows * per_row, [&](int64_t i) {
    p[i] = reference::bf16_encode(float(scale[size_t(i / per_row)] * rng.normal(i)));
  });
  return t;
}

}  // namespace v4::harness
