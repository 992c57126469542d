// KV compressor (spec §8): the pooling windows and [C]'s half assignment, emission, the state
// reset (D8), prefill/decode state agreement, and the registered checks and golden cases.
#include <gtest/gtest.h>

#include <cmath>
#include <tuple>
#include <vector>

#include "harness/generators.h"
#include "reference/compressor.h"
#include "tests/attention_test_util.h"

namespace v4::reference {
namespace {

// A CSA compressor with random fp32 weights, d = 16, hd = 512 (main) unless `indexer`.
struct Fixture {
  harness::Tensor wkv, wgate, ape, norm, x;
  CompressorParams p;
  Fixture(int64_t ratio, bool indexer, int64_t tokens) {
    ModelConfig cfg;
    p.dim = 16;
    p.head_dim = indexer ? 128 : 512;
    p.ratio = ratio;
    p.rotate = indexer;
    p.rope = rope_params_for_layer(cfg, ratio);
    const int64_t width = p.width();
    wkv = harness::random_f32({width, p.dim}, 3, "wkv", 0.25);
    wgate = harness::random_f32({width, p.dim}, 3, "wgate", 0.25);
    ape = harness::random_f32({ratio, width}, 3, "ape", 0.5);
    norm = harness::uniform_f32({p.head_dim}, 3, "norm", 0.5, 1.5);
    x = harness::random_bf16({tokens, p.dim}, 3, "x");
    p.wkv = wkv.data<float>();
    p.wgate = wgate.data<float>();
    p.ape = ape.data<float>();
    p.norm = norm.data<float>();
  }
};

TEST(Compressor, PoolingUsesHalfAForThePreviousBlock) {
  // [C]: channel ch of entry i pools z[ch] of the previous block's tokens (slots 0..3) and
  // z[hd + ch] of the current block's (slots 4..7).
  const Fixture f(4, false, 8);
  const int64_t hd = 512, width = 1024;
  CompressorState w;
  compressor_state_reset(w, f.p);
  for (int64_t j = 0; j < 8; ++j) {
    for (int64_t ch = 0; ch < width; ++ch) {
      w.kv[size_t(j * width + ch)] = float(j + 1) + float(ch) / 4096.0f;
      w.score[size_t(j * width + ch)] = 0.0f;
    }
  }
  std::vector<float> c(hd);
  compressor_pool(c.data(), w.kv.data(), w.score.data(), f.p);
  // Equal logits: the mean of slot values; slot j, column col holds j + 1 + col/4096, and slots
  // 4..7 are read in half b (col = hd + ch): mean = 4.5 + (4·ch + 4·(hd + ch))/4096/8.
  const auto mean = [&](int64_t ch) {
    return 4.5f + float(4 * ch + 4 * (hd + ch)) / 4096.0f / 8.0f;
  };
  EXPECT_NEAR(c[0], mean(0), 1e-5f);
  // A dominant logit in slot 1, half a (channel 7) selects slot 1's half-a value ...
  w.score[size_t(1 * width + 7)] = 100.0f;
  // ... while a dominant logit in slot 1, half b (channel hd + 9) is ignored by entry channel 9.
  w.score[size_t(1 * width + hd + 9)] = 100.0f;
  // and in slot 6, half b (channel hd + 11), selects slot 6's half-b value for channel 11.
  w.score[size_t(6 * width + hd + 11)] = 100.0f;
  compressor_pool(c.data(), w.kv.data(), w.score.data(), f.p);
  EXPECT_NEAR(c[7], 2.0f + 7.0f / 4096.0f, 1e-5f);
  EXPECT_NEAR(c[9], mean(9), 1e-5f);
  EXPECT_NEAR(c[11], 7.0f + float(hd + 11) / 4096.0f, 1e-5f);
}

TEST(Compressor, EmitsAtTheEndOfEachBlock) {
  const Fixture f(4, false, 13);
  CompressorState state;
  compressor_state_reset(state, f.p);
  std::vector<bf16> entry(512);
  for (int64_t pos = 0; pos < 13; ++pos) {
    EXPECT_EQ(compressor_decode(entry.data(), state, f.x.data<bf16>() + pos * 16, pos, f.p),
              (pos + 1) % 4 == 0)
        << pos;
  }
}

TEST(Compressor, ShortPrefillThenDecodeMatchesPrefill) {
  // D8: a prefill shorter than m leaves no stale previous block; block 0 pools only its 4 tokens.
  for (const bool indexer : {false, true}) {
    const Fixture f(4, indexer, 12);
    const int64_t hd = f.p.head_dim;
    std::vector<bf16> full(static_cast<size_t>(3 * hd)), mixed(static_cast<size_t>(3 * hd)),
        entry(static_cast<size_t>(hd));
    compressor_prefill(full.data(), nullptr, f.x.data<bf16>(), 12, f.p);
    CompressorState state;
    compressor_prefill(mixed.data(), &state, f.x.data<bf16>(), 2, f.p);
    for (int64_t pos = 2; pos < 12; ++pos) {
      if (compressor_decode(entry.data(), state, f.x.data<bf16>() + pos * 16, pos, f.p)) {
        std::copy(entry.begin(), entry.end(), mixed.begin() + ((pos + 1) / 4 - 1) * hd);
      }
    }
    for (size_t i = 0; i < full.size(); ++i)
      ASSERT_EQ(full[i].bits, mixed[i].bits) << "indexer=" << indexer << " i=" << i;
  }
}

TEST(Compressor, PrefillStateEqualsDecodeState) {
  for (const int64_t ratio : {4, 128}) {
    const int64_t tokens = ratio == 4 ? 14 : 300;
    const Fixture f(ratio, false, tokens);
    std::vector<bf16> e(size_t(tokens / ratio * 512)), entry(512);
    CompressorState a, b;
    compressor_prefill(e.data(), &a, f.x.data<bf16>(), tokens, f.p);
    compressor_prefill(e.data(), &b, f.x.data<bf16>(), 5, f.p);
    for (int64_t pos = 5; pos < tokens; ++pos)
      compressor_decode(entry.data(), b, f.x.data<bf16>() + pos * 16, pos, f.p);
    // Current-block slots beyond the tokens seen hold stale rows on the decode side; [C] never
    // reads them before overwriting, so compare the slots that carry state.
    const int64_t width = f.p.width(), live = (ratio == 4 ? 4 : 0) + tokens % ratio;
    for (int64_t i = 0; i < live * width; ++i) {
      ASSERT_EQ(a.kv[size_t(i)], b.kv[size_t(i)]) << ratio << " " << i;
      ASSERT_EQ(a.score[size_t(i)], b.score[size_t(i)]) << ratio << " " << i;
    }
  }
}

TEST(Compressor, RegisteredChecks) {
  harness::testing::expect_smoke_checks_pass("compressor");
  harness::testing::expect_smoke_checks_pass("compressor_pool");
  harness::testing::expect_smoke_checks_pass("compressor_pool_indexer");
}

// The pooling op's reference is the prefill after its projections: projected kv/score through
// compressor_pool_blocks give the prefill's entries bit for bit (CSA, HCA, indexer, with a tail).
TEST(Compressor, PoolBlocksAfterProjectionIsThePrefill) {
  for (const auto& [ratio, indexer, tokens] :
       {std::tuple{int64_t(4), false, int64_t(14)}, std::tuple{int64_t(128), false, int64_t(300)},
        std::tuple{int64_t(4), true, int64_t(13)}}) {
    const Fixture f(ratio, indexer, tokens);
    const int64_t n = tokens / ratio, width = f.p.width();
    std::vector<bf16> want(size_t(n * f.p.head_dim)), got(want.size());
    compressor_prefill(want.data(), nullptr, f.x.data<bf16>(), tokens, f.p);
    std::vector<float> kv(size_t(tokens * width)), score(kv.size());
    std::vector<int64_t> positions(static_cast<size_t>(tokens));
    for (int64_t t = 0; t < tokens; ++t) positions[size_t(t)] = t;
    compressor_project(kv.data(), score.data(), f.x.data<bf16>(), positions.data(), tokens, f.p);
    CompressorParams pool = f.p; // the pooling half needs no projection weights
    pool.wkv = pool.wgate = pool.ape = nullptr;
    pool.dim = 0;
    compressor_pool_blocks(got.data(), kv.data(), score.data(), tokens, pool);
    for (size_t i = 0; i < want.size(); ++i) ASSERT_EQ(want[i].bits, got[i].bits) << ratio << " " << i;
  }
}
TEST(Compressor, Golden) {
  harness::testing::expect_golden_pass(
      {"compressor_r4_main", "compressor_r128_main", "compressor_r4_indexer"});
}

} // namespace
} // namespace v4::reference
