// Registry entry: indexer, the lightning indexer's prefill (spec §9): scores of every visible
// compressed block and the top-k selection. Rows are sequences: x [batch, tokens, dim] and
// qr [batch, tokens, q_lora]; weights shared. Outputs: idx [batch, tokens, min(topk, tokens/4)]
// (block indices t, offset 0, −1 padding) and scores [batch, tokens, tokens/4] bf16 (−∞ where
// not visible).
//
// Domain properties (spec §9 invariants):
//  - selection: each row's list is exactly the D4 top-k of its visible scores: no t ≥ n_valid,
//    min(topk, n_valid) entries, scores descending with ties by ascending t, every unselected
//    visible t ranks below the last selected one; −1 only after the valid entries.
//  - all_visible_when_few: n_valid ≤ topk selects exactly {0 .. n_valid − 1}.
//  - masked_never_selected: invisible blocks given the largest scores are still never selected.
#include <cmath>
#include <limits>
#include <set>
#include <vector>

#include <fmt/format.h>

#include "harness/generators.h"
#include "harness/ops/op_util.h"
#include "reference/indexer.h"

namespace v4::harness {
namespace {

reference::IndexerParams params_of(const Case& c, const TensorMap& in) {
  reference::ModelConfig cfg;
  reference::IndexerParams p;
  p.dim = c.i64("dim");
  p.q_lora_rank = c.i64("q_lora");
  p.n_heads = c.i64("heads");
  p.head_dim = 128;
  p.topk = c.i64("topk");
  p.ratio = 4;
  p.rope = reference::rope_params_for_layer(cfg, 4);
  p.wq_b = in.at("wq_b").data<bf16>();
  p.weights_proj = in.at("weights_proj").data<bf16>();
  p.compressor.dim = p.dim;
  p.compressor.head_dim = 128;
  p.compressor.ratio = 4;
  p.compressor.rotate = true;
  p.compressor.rope = p.rope;
  p.compressor.wkv = in.at("c_wkv").data<float>();
  p.compressor.wgate = in.at("c_wgate").data<float>();
  p.compressor.ape = in.at("c_ape").data<float>();
  p.compressor.norm = in.at("c_norm").data<float>();
  return p;
}

TensorMap indexer_inputs(const Case& c) {
  const int64_t batch = c.i64("batch"), tokens = c.i64("tokens"), dim = c.i64("dim"),
                ql = c.i64("q_lora"), heads = c.i64("heads");
  return {{"x", random_bf16({batch, tokens, dim}, c.seed, "x")},
          {"qr", random_bf16({batch, tokens, ql}, c.seed, "qr")},
          {"wq_b", random_bf16({heads * 128, ql}, c.seed, "wq_b", 1.0 / std::sqrt(double(ql)))},
          {"weights_proj",
           random_bf16({heads, dim}, c.seed, "weights_proj", 1.0 / std::sqrt(double(dim)))},
          {"c_wkv", random_f32({256, dim}, c.seed, "c_wkv", 1.0 / std::sqrt(double(dim)))},
          {"c_wgate", random_f32({256, dim}, c.seed, "c_wgate", 1.0 / std::sqrt(double(dim)))},
          {"c_ape", random_f32({4, 256}, c.seed, "c_ape", 0.5)},
          {"c_norm", random_f32({128}, c.seed, "c_norm", 0.1, 1.0)}};
}

int64_t width_of(const Case& c) {
  return std::min(c.i64("topk"), c.i64("tokens") / 4);
}

TensorMap indexer_reference(const Case& c, const TensorMap& in) {
  const reference::IndexerParams p = params_of(c, in);
  const Tensor &x = require_tensor(in, "x", "indexer"), &qr = require_tensor(in, "qr", "indexer");
  const int64_t batch = x.dim(0), tokens = x.dim(1), n_keys = tokens / 4, width = width_of(c);
  Tensor idx(DType::i32, {batch, tokens, width}), scores(DType::bf16, {batch, tokens, n_keys});
  std::vector<bf16> keys(static_cast<size_t>(n_keys * 128));
  for (int64_t b = 0; b < batch; ++b) {
    reference::indexer_prefill(idx.data<int32_t>() + b * tokens * width, keys.data(), nullptr,
                               scores.data<bf16>() + b * tokens * n_keys,
                               x.data<bf16>() + b * tokens * p.dim,
                               qr.data<bf16>() + b * tokens * p.q_lora_rank, tokens, 0, p);
  }
  return {{"idx", idx}, {"scores", scores}};
}

// Checks one row's list against its scores: returns "" or the first violation.
std::string check_row(const int32_t* idx, int64_t width, const bf16* scores, int64_t n_valid,
                      int64_t topk) {
  const int64_t want = std::min(topk, n_valid);
  std::set<int32_t> chosen;
  for (int64_t j = 0; j < width; ++j) {
    const int32_t t = idx[j];
    if (j >= want) {
      if (t != -1)
        return fmt::format("entry {} is {} after the {} valid entries", j, t, want);
      continue;
    }
    if (t < 0 || t >= n_valid)
      return fmt::format("entry {} = {} is not a visible block (n_valid {})", j, t, n_valid);
    if (!chosen.insert(t).second)
      return fmt::format("block {} selected twice", t);
    if (j > 0) {
      const float a = reference::bf16_decode(scores[idx[j - 1]]),
                  b = reference::bf16_decode(scores[t]);
      if (a < b || (a == b && idx[j - 1] > t))
        return fmt::format("entries {} and {} out of D4 order", j - 1, j);
    }
  }
  if (want == 0)
    return "";
  const int32_t last = idx[want - 1];
  const float s_last = reference::bf16_decode(scores[last]);
  for (int32_t t = 0; t < n_valid; ++t) {
    if (chosen.count(t))
      continue;
    const float s = reference::bf16_decode(scores[t]);
    if (s > s_last || (s == s_last && t < last))
      return fmt::format("unselected block {} outranks selected block {}", t, last);
  }
  return "";
}

PropertyOutcome selection(const Case& c, const TensorMap&, const TensorMap& out) {
  const Tensor &idx = out.at("idx"), &scores = out.at("scores");
  const int64_t batch = idx.dim(0), tokens = idx.dim(1), width = idx.dim(2), n_keys = scores.dim(2);
  int64_t bad = 0;
  std::string first;
  for (int64_t b = 0; b < batch; ++b) {
    for (int64_t p = 0; p < tokens; ++p) {
      const std::string why = check_row(idx.data<int32_t>() + (b * tokens + p) * width, width,
                                        scores.data<bf16>() + (b * tokens + p) * n_keys,
                                        reference::indexer_visible(p, 4), c.i64("topk"));
      if (!why.empty() && bad++ == 0)
        first = fmt::format("row {}: {}", p, why);
    }
  }
  return {bad == 0, "every row is the D4 top-k of its visible scores", 0, double(bad), first};
}

PropertyOutcome all_visible_when_few(const Case& c, const TensorMap&, const TensorMap& out) {
  const Tensor& idx = out.at("idx");
  const int64_t tokens = idx.dim(1), width = idx.dim(2);
  int64_t bad = 0, rows = 0;
  for (int64_t b = 0; b < idx.dim(0); ++b) {
    for (int64_t p = 0; p < tokens; ++p) {
      const int64_t n_valid = reference::indexer_visible(p, 4);
      if (n_valid > c.i64("topk"))
        continue;
      ++rows;
      std::set<int32_t> got, want;
      for (int64_t j = 0; j < width; ++j)
        if (int32_t t = idx.data<int32_t>()[(b * tokens + p) * width + j]; t >= 0)
          got.insert(t);
      for (int32_t t = 0; t < n_valid; ++t)
        want.insert(t);
      bad += got != want;
    }
  }
  return {bad == 0, "n_valid <= topk selects {0..n_valid-1}", 0, double(bad),
          fmt::format("{} of {} such rows differ", bad, rows)};
}

PropertyOutcome masked_never_selected(const Case& c, const TensorMap&, const TensorMap& out) {
  Tensor scores = out.at("scores");
  const int64_t batch = scores.dim(0), tokens = scores.dim(1), n_keys = scores.dim(2),
                width = width_of(c);
  const bf16 huge = reference::bf16_encode(std::numeric_limits<float>::max());
  std::vector<int64_t> n_valid(static_cast<size_t>(tokens));
  for (int64_t p = 0; p < tokens; ++p)
    n_valid[size_t(p)] = reference::indexer_visible(p, 4);
  int64_t bad = 0;
  for (int64_t b = 0; b < batch; ++b) {
    bf16* s = scores.data<bf16>() + b * tokens * n_keys;
    for (int64_t p = 0; p < tokens; ++p) {
      for (int64_t t = n_valid[size_t(p)]; t < n_keys; ++t)
        s[p * n_keys + t] = huge;
    }
    std::vector<int32_t> idx(static_cast<size_t>(tokens * width));
    reference::indexer_topk(idx.data(), s, n_valid.data(), tokens, n_keys, width, 0);
    for (int64_t i = 0; i < tokens * width; ++i)
      bad += idx[size_t(i)] != out.at("idx").data<int32_t>()[b * tokens * width + i];
  }
  return {bad == 0, "invisible blocks with the largest scores never change the selection", 0,
          double(bad), fmt::format("{} entries changed", bad)};
}

Case indexer_case(int64_t batch, int64_t tokens, int64_t dim, int64_t q_lora, int64_t heads,
                  int64_t topk) {
  return make_case("indexer", {{"batch", batch},
                               {"tokens", tokens},
                               {"dim", dim},
                               {"q_lora", q_lora},
                               {"heads", heads},
                               {"topk", topk}});
}

OpSpec make_indexer_op() {
  OpSpec op;
  op.name = "indexer";
  op.stem = "indexer";
  op.summary =
      "lightning indexer prefill: FP4-simulated q and keys, bf16 scores, D4 top-k (spec 9)";
  op.row_param = "batch";
  op.row_inputs = {"x", "qr"};
  op.cases = [](Suite suite) -> std::vector<Case> {
    switch (suite) {
    case Suite::smoke:
      return {indexer_case(2, 40, 64, 32, 4, 8), indexer_case(1, 21, 64, 32, 2, 8)};
    case Suite::standard:
      return {indexer_case(1, 256, 4096, 1024, 64, 32)};
    case Suite::full:
      return {indexer_case(1, 2304, 4096, 1024, 64, 512)};
    }
    return {};
  };
  op.make_inputs = indexer_inputs;
  op.outputs = {
      {"idx",
       ComparePolicy::index_set("bf16 scores tie often; the selection is compared as a set")},
      {"scores", ComparePolicy::ulps(
                     2, "a one-ulp flip of a bf16 head term, then the bf16 sum's own rounding")},
  };
  op.properties = {{"selection", selection},
                   {"all_visible_when_few", all_visible_when_few},
                   {"masked_never_selected", masked_never_selected}};
  op.cost = [](const Case& c) {
    const double b = double(c.i64("batch")), s = double(c.i64("tokens")),
                 h = double(c.i64("heads"));
    const double dim = double(c.i64("dim")), ql = double(c.i64("q_lora"));
    return Cost{b * s * (dim + ql) * 2 + h * 128 * ql * 2 + b * s * s / 4 * 2,
                b * s * (h * 128 * ql * 2 + 256 * dim * 4 + h * dim * 2 + h * s / 4 * 128 * 2)};
  };
  op.max_invariance_rows = 3;
  op.backends = {reference_backend(indexer_reference)};
  return op;
}

} // namespace
V4_REGISTER_OP(make_indexer_op);
} // namespace v4::harness
