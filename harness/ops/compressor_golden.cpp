// Golden checkers for compressor_r4_main, compressor_r128_main and compressor_r4_indexer:
// [C]'s Compressor.forward, prefill of S = 300 tokens then T = 86 decode tokens.
//
// Bounds: properties::compressor_bounds, interval propagation through every rounding point
// (derivation in properties/compressor_invariants.h and properties/interval_invariants.h):
// the fp32 projections within (dim + 1)·u·Σ|w·x|, the softmax pooling, then bf16, RMSNorm,
// RoPE and the FP8 / FP4 grids. An entry element's bound is 0 unless its value can actually sit
// on the other side of a rounding point; then it is the distance to the farthest reachable
// grid value (one e4m3 or e2m1 step, or a bf16 ulp in the RoPE dims). The decode path's
// entries are bounded by the closed form's (ours is bitwise the same, checked below).
#include <cmath>
#include <vector>

#include "harness/ops/attention_golden_util.h"
#include "harness/ops/op_util.h"
#include "properties/compressor_invariants.h"
#include "reference/compressor.h"

namespace v4::harness {
namespace {

std::vector<GoldenLine> check_compressor(const GoldenCase& gc, int64_t ratio, bool rotate) {
  const reference::ModelConfig cfg = golden_model_config(gc);
  const Tensor wkv = gc.tensor("wkv.weight"), wgate = gc.tensor("wgate.weight"),
               ape = gc.tensor("ape"), norm = gc.tensor("norm.weight");
  reference::CompressorParams p;
  p.dim = cfg.dim;
  p.head_dim = norm.dim(0);
  p.ratio = ratio;
  p.rotate = rotate;
  p.norm_eps = float(cfg.norm_eps);
  p.rope = reference::rope_params_for_layer(cfg, ratio);
  p.wkv = wkv.data<float>();
  p.wgate = wgate.data<float>();
  p.ape = ape.data<float>();
  p.norm = norm.data<float>();
  const int64_t hd = p.head_dim;

  const Tensor xp = gc.tensor("in.x_prefill"), xd = gc.tensor("in.x_decode");
  const int64_t S = xp.dim(1), T = xd.dim(1), dim = cfg.dim;
  std::vector<GoldenLine> lines;

  // Prefill entries and the state they leave.
  std::vector<bf16> cache(static_cast<size_t>((S + T) / ratio * hd));
  reference::CompressorState state;
  reference::compressor_prefill(cache.data(), &state, xp.data<bf16>(), S, p);
  const Tensor prefill = tensor_from(
      std::vector<bf16>(cache.begin(), cache.begin() + S / ratio * hd), {S / ratio, hd});
  // Bounds over the whole sequence S + T (the closed form; prefill(S) entries are its prefix).
  std::vector<bf16> x_all(static_cast<size_t>((S + T) * dim));
  std::copy(xp.data<bf16>(), xp.data<bf16>() + S * dim, x_all.begin());
  std::copy(xd.data<bf16>(), xd.data<bf16>() + T * dim, x_all.begin() + S * dim);
  const properties::CompressorBounds bounds = properties::compressor_bounds(p, x_all.data(), S + T);
  const std::string why =
      "interval propagation: fp32 projections, pooling, bf16, norm, RoPE, quantization grid";
  lines.push_back(golden_compare_bounded(
      gc, "out.prefill", prefill, reshaped(gc.tensor("out.prefill"), {S / ratio, hd}),
      std::vector<double>(bounds.entries.begin(), bounds.entries.begin() + S / ratio * hd), why));
  // State after prefill: previous-block slots hold tokens cutoff − m .., current slots the rest.
  const int64_t width = p.width(), cutoff = S / ratio * ratio,
                current = p.overlap() == 2 ? ratio : 0;
  std::vector<double> kv_bound(static_cast<size_t>(p.slots() * width), 0.0), score_bound = kv_bound;
  const auto map_slots = [&](int64_t slot, int64_t token, int64_t count) {
    for (int64_t i = 0; i < count * width; ++i) {
      kv_bound[size_t(slot * width + i)] = bounds.kv[size_t(token * width + i)];
      score_bound[size_t(slot * width + i)] = bounds.score[size_t(token * width + i)];
    }
  };
  if (p.overlap() == 2 && cutoff >= ratio)
    map_slots(0, cutoff - ratio, ratio);
  map_slots(current, cutoff, S - cutoff);
  lines.push_back(golden_compare_bounded(gc, "trace.kv_state_after_prefill",
                                         tensor_from(state.kv, {p.slots(), width}),
                                         gc.tensor("trace.kv_state_after_prefill"), kv_bound,
                                         "(dim+1)u sum|w x|: fp32 projection in another order"));
  lines.push_back(golden_compare_bounded(
      gc, "trace.score_state_after_prefill", tensor_from(state.score, {p.slots(), width}),
      gc.tensor("trace.score_state_after_prefill"), score_bound,
      "(dim+1)u sum|w x| + 2u|z|: fp32 projection, ape add; -inf slots exact"));

  // Decode tokens S..S+T-1.
  std::vector<bf16> emitted;
  std::vector<int64_t> emitted_pos;
  std::vector<bf16> entry(static_cast<size_t>(hd));
  for (int64_t t = 0; t < T; ++t) {
    const int64_t pos = S + t;
    if (reference::compressor_decode(entry.data(), state, xd.data<bf16>() + t * dim, pos, p)) {
      emitted.insert(emitted.end(), entry.begin(), entry.end());
      emitted_pos.push_back(pos);
      std::copy(entry.begin(), entry.end(), cache.begin() + ((pos + 1) / ratio - 1) * hd);
    }
  }
  const int64_t n = int64_t(emitted_pos.size());
  lines.push_back(golden_compare(gc, "out.decode_emitted_pos", tensor_from(emitted_pos, {n}),
                                 gc.tensor("out.decode_emitted_pos"),
                                 ComparePolicy::bitwise("emission rule")));
  std::vector<double> emitted_bound;
  for (const int64_t pos : emitted_pos) {
    const int64_t block = (pos + 1) / ratio - 1;
    emitted_bound.insert(emitted_bound.end(), bounds.entries.begin() + block * hd,
                         bounds.entries.begin() + (block + 1) * hd);
  }
  lines.push_back(golden_compare_bounded(gc, "out.decode_emitted", tensor_from(emitted, {n, hd}),
                                         reshaped(gc.tensor("out.decode_emitted"), {n, hd}),
                                         emitted_bound, why));
  lines.push_back(golden_compare_bounded(gc, "out.kv_cache",
                                         tensor_from(cache, {(S + T) / ratio, hd}),
                                         gc.tensor("out.kv_cache"), bounds.entries, why));

  // Our own prefill(S+T) must equal prefill(S) + decode bit for bit (one pooling code path).
  std::vector<bf16> all(static_cast<size_t>((S + T) / ratio * hd)),
      x(static_cast<size_t>((S + T) * dim));
  std::copy(xp.data<bf16>(), xp.data<bf16>() + S * dim, x.begin());
  std::copy(xd.data<bf16>(), xd.data<bf16>() + T * dim, x.begin() + S * dim);
  reference::compressor_prefill(all.data(), nullptr, x.data(), S + T, p);
  GoldenLine self = golden_compare(
      gc, "reference prefill(S+T) vs prefill(S)+decode", tensor_from(all, {(S + T) / ratio, hd}),
      tensor_from(cache, {(S + T) / ratio, hd}), ComparePolicy::bitwise("one pooling path"));
  lines.push_back(self);
  return lines;
}

} // namespace
V4_REGISTER_GOLDEN("compressor_r4_main",
                   [](const GoldenCase& gc) { return check_compressor(gc, 4, false); });
V4_REGISTER_GOLDEN("compressor_r128_main",
                   [](const GoldenCase& gc) { return check_compressor(gc, 128, false); });
V4_REGISTER_GOLDEN("compressor_r4_indexer",
                   [](const GoldenCase& gc) { return check_compressor(gc, 4, true); });
} // namespace v4::harness
