// mHC on the GPU: hc_post bitwise; hc_pre (fused cluster kernel `cuda` and the earlier two-pass
// `cuda_two_pass`), hc_head and the decode boundary (one cooperative launch `cuda`, three launches
// `cuda_two_pass`) within the budgets derived in harness/ops/mhc_policies.h; all deterministic over
// 20 reruns and batch invariant (the sweep covers 1..4097 tokens and both sides of each declared
// threshold: the two-pass tile switch at 64 tokens, the boundary's 16-token chunks).
#include "tests/cuda_test_util.h"

namespace v4::harness {
namespace {

using testing::expect_cuda_checks;

Case pre_case(int64_t tokens, int64_t dim, uint64_t seed) {
  return make_case("mhc_pre", {{"tokens", tokens}, {"dim", dim}, {"iters", 20}}, seed);
}
Case boundary_case(int64_t tokens, int64_t dim, uint64_t seed) {
  return make_case("mhc_boundary", {{"tokens", tokens}, {"dim", dim}, {"iters", 20}}, seed);
}

TEST(HcPostCuda, BitwiseDeterministicInvariant) {
  V4_REQUIRE_GPU();
  expect_cuda_checks("mhc_post", make_case("mhc_post", {{"tokens", 77}, {"dim", 4096}}, 71));
}

// Vectors with subnormals, signed zeros, the smallest normal and the largest finite value beside
// plain ones, in f and every residual stream: still bitwise (the double products stay exact).
TEST(HcPostCuda, SubnormalsZerosAndExtremesBitwise) {
  V4_REQUIRE_GPU();
  const OpSpec& op = Registry::instance().get("mhc_post");
  const Case c = make_case("mhc_post", {{"tokens", 3}, {"dim", 256}}, 79);
  TensorMap in = op.make_inputs(c);
  const uint16_t special[] = {0x0001, 0x807F, 0x0000, 0x8000, 0x0080, 0x7F7F, 0xFF7F, 0x0040};
  for (const char* name : {"f", "residual"}) {
    Tensor& x = in.at(name);
    for (int64_t i = 0; i < x.numel(); ++i) {
      if ((i / 8) % 3 != 1) x.data<bf16>()[i] = bf16{special[(i * 7 + (i / 8)) % 8]};
    }
  }
  const Tensor want = op.reference().run(c, in).at("out");
  const Tensor got = op.find_backend("cuda")->run(c, in).at("out");
  const CompareResult r = compare_tensors(got, want, ComparePolicy::bitwise());
  EXPECT_TRUE(r.passed) << r.summary();
}

TEST(HcPreCuda, WithinBudgetDeterministicInvariant) {
  V4_REQUIRE_GPU();
  expect_cuda_checks("mhc_pre", pre_case(100, 4096, 72));
  expect_cuda_checks("mhc_pre", pre_case(5, 7168, 73), "cuda", false);
  // dim 256: 32 dims per CTA, less than one 64-column step (half the lanes masked).
  expect_cuda_checks("mhc_pre", pre_case(37, 256, 76));
}

TEST(HcPreCuda, TwoPassWithinBudgetDeterministicInvariant) {
  V4_REQUIRE_GPU();
  expect_cuda_checks("mhc_pre", pre_case(100, 4096, 72), "cuda_two_pass");
  expect_cuda_checks("mhc_pre", pre_case(5, 7168, 73), "cuda_two_pass", false);
}

TEST(HcHeadCuda, WithinBudgetDeterministicInvariant) {
  V4_REQUIRE_GPU();
  expect_cuda_checks("mhc_head", make_case("mhc_head", {{"tokens", 70}, {"dim", 1024}}, 74));
}

TEST(HcBoundaryCuda, DecodeWithinBudgetDeterministic) {
  V4_REQUIRE_GPU();
  for (int64_t t : {1, 16})
    expect_cuda_checks("mhc_boundary", boundary_case(t, 7168, 75), "cuda", false);
}

TEST(HcBoundaryCuda, ChunksBatchInvariant) {
  V4_REQUIRE_GPU();
  expect_cuda_checks("mhc_boundary", boundary_case(20, 4096, 77)); // two chunks
  expect_cuda_checks("mhc_boundary", boundary_case(3, 256, 78));   // 4 CTAs, 4 tokens owned by each
}

TEST(HcBoundaryCuda, TwoPassDecodeWithinBudgetDeterministic) {
  V4_REQUIRE_GPU();
  for (int64_t t : {1, 16})
    expect_cuda_checks("mhc_boundary", boundary_case(t, 7168, 75), "cuda_two_pass", false);
}

} // namespace
} // namespace v4::harness
