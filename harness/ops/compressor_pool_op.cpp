// Registry entries: compressor_pool (main compressor, hd 512, KV FP8 simulation) and
// compressor_pool_indexer (the indexer's, hd 128, Hadamard + FP4 simulation): the memory-bound
// half of the KV compressor's prefill (spec §8), reference::compressor_pool_blocks, which
// compressor_prefill calls after its projections. Rows are sequences: kv and score
// [batch, tokens, c·hd] fp32 (the projections' outputs, score including ape), norm [hd] fp32;
// output entries [batch, ⌊tokens/m⌋, hd] bf16. ratio 4 (CSA, overlapping windows) or 128 (HCA).
//
// Budgets. The CUDA kernel performs the reference's operations in its order (optimized/
// compressor.h); its values differ only after a rounding-point event: a libm exp value, or the
// mean of squares, within ~2^-50 relative of an fp32 rounding point. One such event moves a
// pooled channel or the rsqrt factor by one fp32 ulp, hence each normalized bf16 value by at most
// one bf16 ulp (fp32 values within 2^-22 relative straddle at most one bf16 rounding point), or,
// where Σ w·k cancels, by <= 2^-22·Σ|w·k|·inv·|norm| ~ 2^-16 absolute. Entries are unit-RMS
// vectors times norm weights N(1, 0.1): pair norms P < 8 and |entry| < 56.
//  main: RoPE dims: a pair whose inputs moved <= 1 ulp moves <= 2 ulp(P) + ulp(y) <= 2^-4 +
//    ulp(y): 17 ulp of y above |y| = 1/2, 17 ulp of 1/2 below. FP8 dims: the block's amax may
//    cross a power of two and double the scale; the two results are then on the finer grid
//    within 1.5 of its steps, i.e. one e4m3 step = 16 bf16 ulp, 32 where the step changes at a
//    binade edge; e4m3 subnormal codes (|q| < 2^-6, scale <= 2^-3) lie below 2^-9 with steps
//    <= 2^-11, under one ulp of 1/2. Budget: 32 ulp, counted in ulps of 1/2 below |y| = 1/2.
//  indexer: after the Hadamard every output moves by at most Σ|Δ_j|/√128 <= 2^-7·‖v‖ (< 0.1),
//    then FP4: one e2m1 step of a grid whose scale may double: <= |y| relative (256 bf16 ulp)
//    above the scale, <= 0.5·2s <= 1 absolute below it (scale <= 1: block amax < 6): budget
//    256 ulp, counted in ulps of 2 (2^-6) below |y| = 2 (64 ulp of 2 for the absolute part).
// These bound a single event; the events themselves have probability ~2^-28 per exp and the
// measured distance is expected to be 0 (the tests print it).
#include <cmath>

#include "harness/generators.h"
#include "harness/ops/op_util.h"
#include "reference/compressor.h"

namespace v4::harness {
namespace {

int64_t width_of(const Case& c) {
  return (c.i64("ratio") == 4 ? 2 : 1) * c.i64("hd");
}

TensorMap pool_inputs(const Case& c) {
  const int64_t batch = c.i64("batch"), tokens = c.i64("tokens"), width = width_of(c);
  return {{"kv", random_f32({batch, tokens, width}, c.seed, "kv")},
          {"score", random_f32({batch, tokens, width}, c.seed, "score")},
          {"norm", random_f32({c.i64("hd")}, c.seed, "norm", 0.1, 1.0)}};
}

// The fields compressor_pool_blocks reads; the same table as the compressor op (preview config).
reference::CompressorParams pool_params(const Case& c, const TensorMap& in) {
  reference::CompressorParams p;
  p.head_dim = c.i64("hd");
  p.ratio = c.i64("ratio");
  p.rotate = c.i64("rotate") != 0;
  p.norm_eps = 1e-6f;
  p.rope = reference::rope_params_for_layer(reference::ModelConfig{}, p.ratio);
  p.norm = in.at("norm").data<float>();
  return p;
}

TensorMap pool_reference(const Case& c, const TensorMap& in) {
  const Tensor& kv = require_tensor(in, "kv", "compressor_pool");
  const Tensor& score = require_tensor(in, "score", "compressor_pool");
  const reference::CompressorParams p = pool_params(c, in);
  const int64_t batch = kv.dim(0), tokens = kv.dim(1), width = kv.dim(2), n = tokens / p.ratio;
  Tensor entries(DType::bf16, {batch, n, p.head_dim});
  for (int64_t b = 0; b < batch; ++b) {
    reference::compressor_pool_blocks(entries.data<bf16>() + b * n * p.head_dim,
                                      kv.data<float>() + b * tokens * width,
                                      score.data<float>() + b * tokens * width, tokens, p);
  }
  return {{"entries", entries}};
}

Case pool_case(const std::string& op, int64_t batch, int64_t tokens, int64_t ratio) {
  const bool indexer = op == "compressor_pool_indexer";
  return make_case(op, {{"batch", batch},
                        {"tokens", tokens},
                        {"hd", indexer ? 128 : 512},
                        {"ratio", ratio},
                        {"rotate", indexer ? 1 : 0}});
}

OpSpec make_pool_op(const std::string& name, bool indexer) {
  OpSpec op;
  op.name = name;
  op.stem = "compressor";
  op.summary = indexer
                   ? "indexer compressor pooling + finish: softmax pool, norm, RoPE at i*m, "
                     "Hadamard + FP4 sim, from projected kv/score (spec 8)"
                   : "KV compressor pooling + finish: softmax pool, norm, RoPE at i*m, FP8 sim, "
                     "from projected kv/score (spec 8)";
  op.row_param = "batch";
  op.row_inputs = {"kv", "score"};
  op.cases = [name, indexer](Suite suite) -> std::vector<Case> {
    switch (suite) {
    case Suite::smoke:
      return indexer ? std::vector<Case>{pool_case(name, 2, 23, 4), pool_case(name, 1, 259, 128)}
                     : std::vector<Case>{pool_case(name, 2, 27, 4), pool_case(name, 1, 261, 128)};
    case Suite::standard:
      return indexer
                 ? std::vector<Case>{pool_case(name, 4, 1024, 4)}
                 : std::vector<Case>{pool_case(name, 4, 1024, 4), pool_case(name, 2, 1024, 128)};
    case Suite::full: // 268 MB of kv + score each
      return indexer
                 ? std::vector<Case>{pool_case(name, 16, 8192, 4)}
                 : std::vector<Case>{pool_case(name, 8, 4096, 4), pool_case(name, 8, 8192, 128)};
    }
    return {};
  };
  op.make_inputs = pool_inputs;
  op.outputs = {
      {"entries",
       indexer ? ComparePolicy::ulps_floor(256, 2.0,
                                           "one rounding-point event: Hadamard spreads <= 2^-7|v|, "
                                           "then one e2m1 step of a possibly doubled scale")
               : ComparePolicy::ulps_floor(32, 0.5,
                                           "one rounding-point event: one e4m3 step (16 ulp, 32 at "
                                           "a binade edge); RoPE dims <= 2 ulp of the pair norm")}};
  op.cost = [](const Case& c) {
    const double batch = double(c.i64("batch")), m = double(c.i64("ratio")),
                 hd = double(c.i64("hd"));
    const double blocks = std::floor(double(c.i64("tokens")) / m);
    // kv and score elements some window reads: CSA half b of every block's tokens and half a of
    // every block's but the last; HCA every complete block's tokens.
    const double used = m == 4 ? (blocks > 0 ? (2 * blocks - 1) * m * hd : 0) : blocks * m * hd;
    return Cost{batch * (used * 8 + blocks * hd * 2) + hd * 4, batch * used * 12};
  };
  op.max_invariance_rows = 3; // full-suite rows are whole sequences of 4096-8192 tokens
  op.backends = {reference_backend(pool_reference)};
  return op;
}

OpSpec make_compressor_pool_op() {
  return make_pool_op("compressor_pool", false);
}
OpSpec make_compressor_pool_indexer_op() {
  return make_pool_op("compressor_pool_indexer", true);
}

} // namespace
V4_REGISTER_OP(make_compressor_pool_op);
V4_REGISTER_OP(make_compressor_pool_indexer_op);
} // namespace v4::harness
