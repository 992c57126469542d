// Window and compressed index lists (spec §10) on small worked examples, and the registered checks.
#include <gtest/gtest.h>

#include <vector>

#include "reference/attention_indices.h"
#include "tests/attention_test_util.h"

namespace v4::reference {
namespace {

TEST(AttentionIndices, PrefillWindow) {
  // W = 4, s = 6: row p lists max(0, p−3) .. p, then −1, width min(s, W) = 4.
  std::vector<int32_t> idx(6 * 4);
  window_indices_prefill(idx.data(), 6, 4);
  const std::vector<int32_t> want = {0, -1, -1, -1, 0, 1, -1, -1, 0, 1, 2, -1,
                                     0, 1,  2,  3,  1, 2, 3,  4,  2, 3, 4, 5};
  EXPECT_EQ(idx, want);
  std::vector<int32_t> narrow(2 * 2);
  window_indices_prefill(narrow.data(), 2, 4); // width min(2, 4) = 2
  EXPECT_EQ(narrow, (std::vector<int32_t>{0, -1, 0, 1}));
}

TEST(AttentionIndices, DecodeWindowRing) {
  std::vector<int32_t> idx(4);
  window_indices_decode(idx.data(), 1, 4); // p < W − 1: 0..p, then −1
  EXPECT_EQ(idx, (std::vector<int32_t>{0, 1, -1, -1}));
  window_indices_decode(idx.data(), 3, 4); // p = W − 1: slots 0..3
  EXPECT_EQ(idx, (std::vector<int32_t>{0, 1, 2, 3}));
  window_indices_decode(idx.data(), 9, 4); // slot 9 mod 4 = 1: oldest (slot 2 = position 6) first
  EXPECT_EQ(idx, (std::vector<int32_t>{2, 3, 0, 1}));
}

TEST(AttentionIndices, Compressed) {
  // m = 4, s = 9, offset 9: query p sees blocks j < ⌊(p+1)/4⌋ (D10), width ⌊9/4⌋ = 2.
  std::vector<int32_t> idx(9 * 2);
  compressed_indices_prefill(idx.data(), 9, 4, 9);
  const std::vector<int32_t> want = {-1, -1, -1, -1, -1, -1, 9,  -1, 9,
                                     -1, 9,  -1, 9,  -1, 9,  10, 9,  10};
  EXPECT_EQ(idx, want);
  std::vector<int32_t> d(3);
  EXPECT_EQ(compressed_indices_decode(d.data(), 11, 4, 128), 3); // block 2 completes at p = 11
  EXPECT_EQ(d, (std::vector<int32_t>{128, 129, 130}));
  EXPECT_EQ(compressed_indices_decode(d.data(), 10, 4, 128), 2);
}

TEST(AttentionIndices, RegisteredChecks) {
  harness::testing::expect_smoke_checks_pass("attention_indices");
}

} // namespace
} // namespace v4::reference
