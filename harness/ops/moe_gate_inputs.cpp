#include "harness/ops/moe_gate_inputs.h"

#include <numeric>
#include <vector>

#include "harness/rng.h"

namespace v4::harness {

Tensor random_tid2eid(int64_t vocab, int64_t experts, int64_t k, uint64_t seed) {
  Tensor t = make_tensor<int32_t>({vocab, k});
  const CounterRng rng(seed, "tid2eid");
  std::vector<int32_t> perm(static_cast<size_t>(experts));
  for (int64_t v = 0; v < vocab; ++v) {
    std::iota(perm.begin(), perm.end(), 0);
    for (int64_t j = 0; j < k; ++j) {
      const int64_t pick = rng.uniform_int(uint64_t(v * k + j), j, experts - 1);
      std::swap(perm[size_t(j)], perm[size_t(pick)]);
      t.data<int32_t>()[v * k + j] = perm[size_t(j)];
    }
  }
  return t;
}

} // namespace v4::harness
