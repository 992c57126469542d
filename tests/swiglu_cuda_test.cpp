// swiglu on the GPU against the reference: within 1 bf16 ulp (bitwise expected: the double silu
// as the reference; optimized/swiglu.h), 20 reruns, batch invariant; routed and shared, with the
// planted clamp edges of row 0 and ~1 % of the values beyond each clamp. Both kernel paths: the
// direct double silu (small launches) and the shared-memory silu table (from
// swiglu_table_threshold rows on; the invariance sweep crosses it), with the special gates that
// leave the table (|g| >= 32, ±Inf, NaN) planted all over. The table path is bitwise the direct
// path on every bf16 gate code, and the table holds the reference's silu.
#include <cmath>
#include <cstring>
#include <vector>

#include "harness/compare.h"
#include "harness/generators.h"
#include "tests/cuda_test_util.h"
#if V4_HAVE_CUDA
#include "optimized/swiglu.h"
#include "optimized/swiglu_table.cuh"
#endif
#include "reference/swiglu.h"

namespace v4::harness {
namespace {

using testing::expect_cuda_checks;

TEST(SwigluCuda, RoutedWithinBudgetDeterministicInvariant) {
  V4_REQUIRE_GPU();
  expect_cuda_checks("swiglu",
                     make_case("swiglu", {{"rows", 257}, {"inter", 2048}, {"routed", 1}}, 41));
  testing::expect_full_invariance_sweep(
      "swiglu", make_case("swiglu", {{"rows", 8}, {"inter", 64}, {"routed", 1}}, 42));
}

TEST(SwigluCuda, SharedWithinBudgetDeterministicInvariant) {
  V4_REQUIRE_GPU();
  expect_cuda_checks("swiglu",
                     make_case("swiglu", {{"rows", 129}, {"inter", 3072}, {"routed", 0}}, 43));
  testing::expect_full_invariance_sweep(
      "swiglu", make_case("swiglu", {{"rows", 8}, {"inter", 64}, {"routed", 0}}, 44));
}

// Above the table threshold (1024 rows of 2048, 683 of 3072), with the special gates and ups
// planted every 37th / 41st element; the invariance sweep takes both sides of the threshold.
TEST(SwigluCuda, TablePathWithSpecialsWithinBudgetDeterministicInvariant) {
  V4_REQUIRE_GPU();
  expect_cuda_checks("swiglu", make_case("swiglu",
                                         {{"rows", 1100}, {"inter", 2048}, {"routed", 1},
                                          {"specials", 1}},
                                         45));
  expect_cuda_checks("swiglu", make_case("swiglu",
                                         {{"rows", 700}, {"inter", 3072}, {"routed", 0},
                                          {"specials", 1}},
                                         46));
  // The direct path with the same specials (below the threshold).
  expect_cuda_checks("swiglu", make_case("swiglu",
                                         {{"rows", 100}, {"inter", 3072}, {"routed", 1},
                                          {"specials", 1}},
                                         47));
}

#if V4_HAVE_CUDA
// One launch over all rows (table path) against launches of fewer rows than the threshold
// (direct path), bitwise: gate codes i·40503 mod 2^16 (an odd multiplier: every code once in each
// run of 65536 elements, 34 times in all, in every lane position), random ups (1.0 for the first
// 65536, so silu itself reaches the bf16 output), with and without the routing weight, for the
// op's clamp, no clamp, and a limit that is not a bf16 value.
void expect_table_equals_direct(float limit, bool routed) {
  const int64_t inter = 2048, threshold = optimized::swiglu_table_threshold(inter);
  const int64_t rows = threshold + 64, n = rows * inter;
  ASSERT_EQ(n % 65536, 0);
  const size_t count = static_cast<size_t>(n);
  std::vector<bf16> g(count), h_table(count), h_direct(count), h_ref(count);
  const Tensor ut = random_bf16({rows, inter}, 48, "u", 4);
  std::vector<bf16> u(ut.data<bf16>(), ut.data<bf16>() + n);
  for (int64_t i = 0; i < n; ++i)
    g[size_t(i)].bits = uint16_t(uint32_t(i) * 40503u);
  for (int64_t i = 0; i < 65536; ++i)
    u[size_t(i)] = reference::bf16_encode(1.0f);
  const Tensor route = uniform_f32({rows}, 48, "route", 0.05, 1.5);
  optimized::DeviceBuffer dg(size_t(n) * 2), du(size_t(n) * 2), dr(size_t(rows) * 4),
      dt(size_t(n) * 2), dd(size_t(n) * 2);
  dg.upload(g.data(), size_t(n) * 2);
  du.upload(u.data(), size_t(n) * 2);
  dr.upload(route.data<float>(), size_t(rows) * 4);
  const float* w = routed ? dr.as<float>() : nullptr;
  optimized::swiglu_clamp_bf16(dt.as<bf16>(), dg.as<bf16>(), du.as<bf16>(), w, rows, inter, limit,
                               nullptr);
  for (int64_t r0 = 0; r0 < rows; r0 += threshold - 1) {
    const int64_t r = std::min(threshold - 1, rows - r0);
    optimized::swiglu_clamp_bf16(dd.as<bf16>() + r0 * inter, dg.as<bf16>() + r0 * inter,
                                 du.as<bf16>() + r0 * inter, w ? w + r0 : nullptr, r, inter, limit,
                                 nullptr);
  }
  V4_CUDA_CHECK(cudaDeviceSynchronize());
  dt.download(h_table.data(), size_t(n) * 2);
  dd.download(h_direct.data(), size_t(n) * 2);
  int64_t differing = 0, first = -1;
  for (int64_t i = 0; i < n; ++i) {
    if (h_table[size_t(i)].bits != h_direct[size_t(i)].bits && first < 0)
      first = i;
    differing += h_table[size_t(i)].bits != h_direct[size_t(i)].bits;
  }
  EXPECT_EQ(differing, 0) << "limit " << limit << " routed " << routed << ": first at " << first
                          << " (gate code 0x" << std::hex << g[size_t(std::max<int64_t>(first, 0))].bits
                          << ")";
  // And the registered budget against the reference (bitwise expected; NaN where it is NaN).
  reference::swiglu_clamp_bf16(h_ref.data(), g.data(), u.data(),
                               routed ? route.data<float>() : nullptr, rows, inter, limit);
  Tensor actual = make_tensor<bf16>({rows, inter}), expected = make_tensor<bf16>({rows, inter});
  std::memcpy(actual.data<bf16>(), h_table.data(), size_t(n) * 2);
  std::memcpy(expected.data<bf16>(), h_ref.data(), size_t(n) * 2);
  const CompareResult r = compare_tensors(
      actual, expected, Registry::instance().get("swiglu").outputs.at("h"));
  EXPECT_TRUE(r.passed) << r.summary();
  std::printf("  limit %g routed %d: table vs direct %lld differing; vs reference %s\n", limit,
              int(routed), (long long)differing, r.summary().c_str());
}
#endif

TEST(SwigluCuda, TablePathIsBitwiseTheDirectPathOnEveryCode) {
  V4_REQUIRE_GPU();
#if V4_HAVE_CUDA
  for (const float limit : {reference::kSwigluLimit, 0.0f, 7.3f}) {
    expect_table_equals_direct(limit, true);
    expect_table_equals_direct(limit, false);
  }
#endif
}

// The table is published after the first table-path launch and holds, for every code, the
// reference's fp32 silu or (libm exp within an ulp on both sides: quotients within ~3 double
// ulps) an adjacent fp32 value.
TEST(SwigluCuda, SiluTableHoldsTheReferenceSilu) {
  V4_REQUIRE_GPU();
#if V4_HAVE_CUDA
  const int64_t inter = 64, rows = optimized::swiglu_table_threshold(inter);
  optimized::DeviceBuffer d(size_t(rows * inter) * 2 * 3);
  V4_CUDA_CHECK(cudaMemset(d.get(), 0, d.bytes()));
  bf16* base = d.as<bf16>();
  optimized::swiglu_clamp_bf16(base, base + rows * inter, base + 2 * rows * inter, nullptr, rows,
                               inter, reference::kSwigluLimit, nullptr);
  std::vector<float> table(optimized::kSiluTableSize);
  ASSERT_TRUE(optimized::swiglu_table_download(table.data()));
  int64_t equal = 0, adjacent = 0;
  for (uint32_t slot = 0; slot < optimized::kSiluTableSize; ++slot) {
    const float gate = optimized::silu_table_gate(optimized::silu_table_code(slot));
    const float want = float(double(gate) / (1.0 + std::exp(-double(gate))));
    const float got = table[slot];
    uint32_t a, b;
    std::memcpy(&a, &got, 4);
    std::memcpy(&b, &want, 4);
    if (a == b) {
      ++equal;
      continue;
    }
    ++adjacent;
    EXPECT_TRUE((a ^ b) >> 31 == 0 && (a > b ? a - b : b - a) == 1)
        << "gate " << gate << ": device " << got << " reference " << want;
  }
  std::printf("  silu table: %lld of %u equal to the reference, %lld one fp32 ulp away\n",
              (long long)equal, optimized::kSiluTableSize, (long long)adjacent);
#endif
}

} // namespace
} // namespace v4::harness
