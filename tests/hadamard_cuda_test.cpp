// hadamard on the GPU: bitwise against the reference (exact double butterflies), 20 reruns,
// batch invariant; signed zeros and exactly cancelling rows give the reference's +0.
#include <cmath>

#include "tests/cuda_test_util.h"

namespace v4::harness {
namespace {

using testing::expect_cuda_checks;

TEST(HadamardCuda, BitwiseDeterministicInvariant) {
  V4_REQUIRE_GPU();
  const Case c = make_case("hadamard", {{"rows", 301}, {"n", 128}}, 21);
  expect_cuda_checks("hadamard", c);
  testing::expect_full_invariance_sweep("hadamard", c);
}

// Row 0: all −0; row 1: ±0 alternating; row 2: all ones (every output but the first cancels to
// exactly 0); row 3: magnitudes 2^-20 .. 2^10 with mixed signs (a 30-binade span: still exact).
TEST(HadamardCuda, ZerosCancellationAndWideRowsBitwise) {
  V4_REQUIRE_GPU();
  const OpSpec& op = Registry::instance().get("hadamard");
  const Case c = make_case("hadamard", {{"rows", 4}, {"n", 128}}, 22);
  Tensor x = make_tensor<bf16>({4, 128});
  for (int j = 0; j < 128; ++j) {
    x.data<bf16>()[j] = bf16{0x8000};
    x.data<bf16>()[128 + j] = bf16{uint16_t(j % 2 ? 0x8000 : 0x0000)};
    x.data<bf16>()[256 + j] = reference::bf16_encode(1.0f);
    x.data<bf16>()[384 + j] =
        reference::bf16_encode(float(std::ldexp(j % 3 ? 1.5 : -1.25, j % 31 - 20)));
  }
  const TensorMap in = {{"x", x}};
  const Tensor want = op.reference().run(c, in).at("y");
  const Tensor got = op.find_backend("cuda")->run(c, in).at("y");
  const CompareResult r = compare_tensors(got, want, ComparePolicy::bitwise());
  EXPECT_TRUE(r.passed) << r.summary();
}

} // namespace
} // namespace v4::harness
