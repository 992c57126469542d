// compressor_pool / compressor_pool_indexer on the GPU: within the registered budgets (bitwise
// expected: optimized/compressor.h), 20 reruns, batch invariant; CSA (overlap, block 0 without a
// previous block) and HCA windows, tokens beyond the last complete block, both finishes.
#include "tests/cuda_test_util.h"

namespace v4::harness {
namespace {

using testing::expect_cuda_checks;

Case pool_case(const std::string& op, int64_t batch, int64_t tokens, int64_t ratio, uint64_t seed) {
  const bool indexer = op == "compressor_pool_indexer";
  return make_case(op,
                   {{"batch", batch},
                    {"tokens", tokens},
                    {"hd", indexer ? 128 : 512},
                    {"ratio", ratio},
                    {"rotate", indexer ? 1 : 0}},
                   seed);
}

TEST(CompressorPoolCuda, MainCsaAndHcaWithinBudgetDeterministicInvariant) {
  V4_REQUIRE_GPU();
  expect_cuda_checks("compressor_pool", pool_case("compressor_pool", 3, 131, 4, 61));
  expect_cuda_checks("compressor_pool", pool_case("compressor_pool", 2, 300, 128, 62));
  // A row is a whole sequence (8 tokens x 1024 channels x 2 fp32 arrays here): the sweep stops
  // at 129 sequences to keep the host's input generation to a second.
  const OpSpec& op = Registry::instance().get("compressor_pool");
  ASSERT_NE(op.find_backend("cuda"), nullptr);
  const CheckOutcome inv =
      check_batch_invariance(op, *op.find_backend("cuda"),
                             pool_case("compressor_pool", 1, 8, 4, 63), {1, 2, 3, 127, 128, 129});
  EXPECT_TRUE(inv.passed) << inv.replay() << ": " << inv.detail;
}

TEST(CompressorPoolCuda, IndexerWithinBudgetDeterministicInvariant) {
  V4_REQUIRE_GPU();
  expect_cuda_checks("compressor_pool_indexer",
                     pool_case("compressor_pool_indexer", 3, 130, 4, 64));
  expect_cuda_checks("compressor_pool_indexer",
                     pool_case("compressor_pool_indexer", 1, 257, 128, 65));
  testing::expect_full_invariance_sweep("compressor_pool_indexer",
                                        pool_case("compressor_pool_indexer", 1, 4, 4, 66));
}

} // namespace
} // namespace v4::harness
