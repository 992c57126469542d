// kv_fp8_sim on the GPU: bitwise against the reference, deterministic, batch invariant, and the
// in-place form (y == x) gives the same bits.
#include <vector>

#include "harness/generators.h"
#include "tests/cuda_test_util.h"
#if V4_HAVE_CUDA
#include "optimized/kv_fp8_sim.h"
#include "reference/kv_fp8_sim.h"
#endif

namespace v4::harness {
namespace {

using testing::expect_cuda_checks;

TEST(KvFp8SimCuda, BitwiseDeterministicInvariant) {
  V4_REQUIRE_GPU();
  expect_cuda_checks("kv_fp8_sim", make_case("kv_fp8_sim", {{"rows", 300}, {"dim", 512}}, 21));
  expect_cuda_checks("kv_fp8_sim", make_case("kv_fp8_sim", {{"rows", 70}, {"dim", 512}, {"dist", 1}}, 22));
}

TEST(KvFp8SimCuda, InPlaceMatchesReference) {
  V4_REQUIRE_GPU();
#if V4_HAVE_CUDA
  const int64_t rows = 97, dim = 512;
  Tensor x = random_bf16({rows, dim}, 23, "x");
  Tensor want = make_tensor<bf16>({rows, dim});
  reference::kv_fp8_sim(want.data<bf16>(), x.data<bf16>(), rows, dim);
  optimized::DeviceBuffer buf(x.nbytes());
  buf.upload(x.bytes(), x.nbytes());
  optimized::kv_fp8_sim(buf.as<bf16>(), buf.as<bf16>(), rows, dim, nullptr);
  Tensor got = make_tensor<bf16>({rows, dim});
  buf.download(got.bytes(), got.nbytes());
  EXPECT_TRUE(got.bitwise_equal(want));
#endif
}

}  // namespace
}  // namespace v4::harness
