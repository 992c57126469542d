// rope on the GPU against the reference, within the registered budget (1 bf16 ulp; bitwise
// expected: optimized/rope.h), 20 reruns, batch invariant; the YaRN table (ratio 4 / 128) and
// the plain one (ratio 0), forward and inverse, large positions; rows of 17 and 64 heads; in place
// (y == x) bitwise equal to out of place.
#include <cstring>
#include <vector>

#include "harness/generators.h"
#include "tests/cuda_test_util.h"
#if V4_HAVE_CUDA
#include "optimized/rope.h"
#endif

namespace v4::harness {
namespace {

using testing::expect_cuda_checks;

Case rope_case(int64_t rows, int64_t heads, int64_t head_dim, int64_t ratio, int64_t inverse,
               int64_t max_pos, uint64_t seed) {
  return make_case("rope",
                   {{"rows", rows},
                    {"heads", heads},
                    {"head_dim", head_dim},
                    {"ratio", ratio},
                    {"inverse", inverse},
                    {"max_pos", max_pos}},
                   seed);
}

TEST(RopeCuda, YarnForwardWithinBudgetDeterministicInvariant) {
  V4_REQUIRE_GPU();
  expect_cuda_checks("rope", rope_case(129, 8, 512, 4, 0, 1 << 20, 31));
  testing::expect_full_invariance_sweep("rope", rope_case(16, 2, 128, 4, 0, 1 << 20, 32));
}

TEST(RopeCuda, InverseAndPlainTableWithinBudgetDeterministicInvariant) {
  V4_REQUIRE_GPU();
  expect_cuda_checks("rope", rope_case(130, 4, 512, 128, 1, 1 << 20, 33));
  expect_cuda_checks("rope", rope_case(127, 3, 128, 0, 1, 8192, 34));
  testing::expect_full_invariance_sweep("rope", rope_case(16, 1, 64, 0, 1, 8192, 35));
}

// 17 heads of 512 (1088 vectors per row: not a multiple of the block) and 64 heads.
TEST(RopeCuda, ManyHeadRowsWithinBudgetDeterministicInvariant) {
  V4_REQUIRE_GPU();
  expect_cuda_checks("rope", rope_case(40, 17, 512, 4, 0, 1 << 20, 36));
  expect_cuda_checks("rope", rope_case(20, 64, 512, 128, 1, 1 << 20, 37));
}

// rope_apply allows y == x (each vector is read, then written, by one thread): in place gives
// the out-of-place bits, over rows of many heads.
TEST(RopeCuda, InPlaceIsBitwiseOutOfPlace) {
  V4_REQUIRE_GPU();
#if V4_HAVE_CUDA
  const int64_t rows = 9, heads = 17, head_dim = 512, n = rows * heads * head_dim;
  const Tensor x = random_bf16({rows, heads, head_dim}, 38, "x");
  const Tensor pos = uniform_i64({rows}, 38, "positions", 0, 1 << 20);
  reference::ModelConfig cfg;
  cfg.rope_head_dim = 64;
  const reference::RopeParams p = reference::rope_params_for_layer(cfg, 4);
  optimized::DeviceBuffer dx(size_t(n) * 2), dy(size_t(n) * 2), dp(size_t(rows) * 8);
  dx.upload(x.data<bf16>(), size_t(n) * 2);
  dp.upload(pos.data<int64_t>(), size_t(rows) * 8);
  for (const bool inverse : {false, true}) {
    optimized::rope_apply(dy.as<bf16>(), dx.as<bf16>(), dp.as<int64_t>(), rows, heads, head_dim,
                          p, inverse, nullptr);
    std::vector<bf16> out(static_cast<size_t>(n)), in_place(static_cast<size_t>(n));
    dy.download(out.data(), size_t(n) * 2);
    dy.upload(x.data<bf16>(), size_t(n) * 2);
    optimized::rope_apply(dy.as<bf16>(), dy.as<bf16>(), dp.as<int64_t>(), rows, heads, head_dim,
                          p, inverse, nullptr);
    dy.download(in_place.data(), size_t(n) * 2);
    EXPECT_EQ(std::memcmp(out.data(), in_place.data(), size_t(n) * 2), 0) << "inverse " << inverse;
  }
#endif
}

} // namespace
} // namespace v4::harness
