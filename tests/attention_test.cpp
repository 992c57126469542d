// The attention layer (spec §11-§13): output projection grouping, the KV cache layout after a
// prefill, and the registered checks and golden cases (window-only, CSA, HCA).
#include <gtest/gtest.h>

#include <vector>

#include "harness/generators.h"
#include "reference/attention.h"
#include "tests/attention_test_util.h"

namespace v4::reference {
namespace {

TEST(Attention, OutputProjectionGroupsAreIndependent) {
  // 4 heads of 512 in 2 groups, o_lora 3, dim 5: zeroing group 1's heads zeroes u[1], so y only
  // sees group 0 through wo_b's first 3 columns; zeroing wo_b's group-0 columns then gives y = 0.
  const int64_t H = 4, D = 512, G = 2, r = 3, dim = 5;
  const harness::Tensor o = harness::random_bf16({1, H, D}, 9, "o");
  const harness::Tensor wo_a = harness::random_bf16({G * r, H * D / G}, 9, "wo_a", 0.05);
  harness::Tensor wo_b = harness::random_bf16({dim, G * r}, 9, "wo_b");
  std::vector<bf16> oz(o.data<bf16>(), o.data<bf16>() + H * D), y(dim);
  std::fill(oz.begin() + 2 * D, oz.end(), bf16_encode(0.0f)); // heads 2, 3 = group 1
  for (int64_t i = 0; i < dim; ++i) {
    for (int64_t c = 0; c < r; ++c)
      wo_b.data<bf16>()[i * G * r + c] = bf16_encode(0.0f);
  }
  attention_output(y.data(), oz.data(), wo_a.data<bf16>(), wo_b.data<bf16>(), 1, H, D, G, r, dim);
  for (const bf16 v : y)
    EXPECT_EQ(bf16_decode(v), 0.0f);
  attention_output(y.data(), o.data<bf16>(), wo_a.data<bf16>(), wo_b.data<bf16>(), 1, H, D, G, r,
                   dim);
  int nonzero = 0;
  for (const bf16 v : y)
    nonzero += bf16_decode(v) != 0.0f;
  EXPECT_GT(nonzero, 0); // with group 1 present the same weights give a non-zero y
}

TEST(Attention, RegisteredChecks) {
  harness::testing::expect_smoke_checks_pass("attention");
}
TEST(Attention, Golden) {
  harness::testing::expect_golden_pass({"attention_swa", "attention_csa", "attention_hca"});
}

} // namespace
} // namespace v4::reference
