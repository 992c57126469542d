// Registry entry: attention_indices, the window and HCA compressed index lists of a decode token
// (spec §10). Rows are decode positions. `window` is W; `ratio` is 128 (HCA lists) or 0 (window
// only); the compressed list is padded with −1 to the width of the case's largest position so
// every row has the same shape. Exact integer outputs: compared bitwise.
//
// Domain properties (the semantic sets of spec §10, which tests compare):
//  - decode_sets: the window list maps (slot → position) to exactly {max(0, p−W+1) .. p}, oldest
//    first; the compressed list is {W + j : j < ⌊(p+1)/m⌋} in order.
//  - prefill_sets: for a prefill of s tokens (s = min(max_pos + 1, 700)), every query row's window
//    and compressed entries are the same semantic sets in the prefill KV array layout
//    (raw row = position, compressed row = s + j).
#include <set>
#include <vector>

#include <fmt/format.h>

#include "harness/generators.h"
#include "harness/ops/op_util.h"
#include "reference/attention_indices.h"

namespace v4::harness {
namespace {

int64_t compressed_width(const Case& c) {
  return c.i64("ratio") ? (c.i64("max_pos") + 1) / c.i64("ratio") : 0;
}

TensorMap indices_reference(const Case& c, const TensorMap& in) {
  const Tensor& pos = require_tensor(in, "positions", "attention_indices");
  const int64_t rows = pos.dim(0), W = c.i64("window"), m = c.i64("ratio"),
                wc = compressed_width(c);
  Tensor window(DType::i32, {rows, W}), compressed(DType::i32, {rows, wc});
  for (int64_t r = 0; r < rows; ++r) {
    const int64_t p = pos.data<int64_t>()[r];
    reference::window_indices_decode(window.data<int32_t>() + r * W, p, W);
    int32_t* row = compressed.data<int32_t>() + r * wc;
    std::fill(row, row + wc, -1);
    if (m)
      reference::compressed_indices_decode(row, p, m, W);
  }
  return {{"window", window}, {"compressed", compressed}};
}

PropertyOutcome decode_sets(const Case& c, const TensorMap& in, const TensorMap& out) {
  const Tensor& pos = in.at("positions");
  const int64_t W = c.i64("window"), m = c.i64("ratio"), wc = compressed_width(c);
  int64_t bad = 0;
  std::string first;
  for (int64_t r = 0; r < pos.dim(0); ++r) {
    const int64_t p = pos.data<int64_t>()[r];
    std::vector<int64_t> got, want;
    for (int64_t j = 0; j < W; ++j) {
      const int32_t slot = out.at("window").data<int32_t>()[r * W + j];
      if (slot < 0)
        continue;
      // The ring slot of position q is q mod W; among the last W positions that is unique.
      got.push_back(p - ((p - slot) % W + W) % W);
    }
    for (int64_t q = std::max<int64_t>(0, p - W + 1); q <= p; ++q)
      want.push_back(q); // ascending = oldest first
    std::vector<int64_t> cgot, cwant;
    for (int64_t j = 0; j < wc; ++j) {
      if (const int32_t e = out.at("compressed").data<int32_t>()[r * wc + j]; e >= 0)
        cgot.push_back(e);
    }
    if (m)
      for (int64_t j = 0; j < (p + 1) / m; ++j)
        cwant.push_back(W + j);
    if (got != want || cgot != cwant) {
      if (!bad)
        first = fmt::format("position {}: window or compressed list is not the spec set", p);
      ++bad;
    }
  }
  return {bad == 0, "window = {max(0,p-W+1)..p} oldest first; compressed = {W + j : j < (p+1)/m}",
          0, double(bad), first};
}

PropertyOutcome prefill_sets(const Case& c, const TensorMap&, const TensorMap&) {
  const int64_t s = std::min<int64_t>(c.i64("max_pos") + 1, 700), W = c.i64("window"),
                m = c.i64("ratio");
  const int64_t ww = reference::window_width_prefill(s, W), wc = m ? s / m : 0;
  std::vector<int32_t> window(static_cast<size_t>(s * ww)), compressed(static_cast<size_t>(s * wc));
  reference::window_indices_prefill(window.data(), s, W);
  if (m)
    reference::compressed_indices_prefill(compressed.data(), s, m, s);
  int64_t bad = 0;
  for (int64_t p = 0; p < s; ++p) {
    std::set<int64_t> got, want, cgot, cwant;
    for (int64_t j = 0; j < ww; ++j)
      if (window[size_t(p * ww + j)] >= 0)
        got.insert(window[size_t(p * ww + j)]);
    for (int64_t q = std::max<int64_t>(0, p - W + 1); q <= p; ++q)
      want.insert(q);
    for (int64_t j = 0; j < wc; ++j)
      if (compressed[size_t(p * wc + j)] >= 0)
        cgot.insert(compressed[size_t(p * wc + j)]);
    if (m)
      for (int64_t j = 0; j < (p + 1) / m; ++j)
        cwant.insert(s + j);
    bad += got != want || cgot != cwant;
  }
  return {bad == 0, fmt::format("prefill of {} tokens: every row's sets as spec 10", s), 0,
          double(bad), fmt::format("{} rows differ", bad)};
}

Case indices_case(int64_t rows, int64_t window, int64_t ratio, int64_t max_pos) {
  return make_case("attention_indices",
                   {{"rows", rows}, {"window", window}, {"ratio", ratio}, {"max_pos", max_pos}});
}

OpSpec make_attention_indices_op() {
  OpSpec op;
  op.name = "attention_indices";
  op.stem = "attention_indices";
  op.summary = "window and HCA compressed index lists of decode tokens; prefill lists as a "
               "property (spec 10)";
  op.row_inputs = {"positions"};
  op.cases = [](Suite suite) -> std::vector<Case> {
    switch (suite) {
    case Suite::smoke:
      return {indices_case(8, 16, 128, 400), indices_case(6, 128, 0, 300)};
    case Suite::standard:
      return {indices_case(256, 128, 128, 65536), indices_case(64, 128, 0, 4096)};
    case Suite::full:
      return {indices_case(1024, 128, 128, 1 << 20)};
    }
    return {};
  };
  op.make_inputs = [](const Case& c) -> TensorMap {
    return {{"positions", uniform_i64({c.i64("rows")}, c.seed, "positions", 1, c.i64("max_pos"))}};
  };
  op.outputs = {{"window", ComparePolicy::bitwise("integer lists")},
                {"compressed", ComparePolicy::bitwise("integer lists")}};
  op.properties = {{"decode_sets", decode_sets}, {"prefill_sets", prefill_sets}};
  op.cost = [](const Case& c) {
    const double rows = double(c.i64("rows"));
    return Cost{rows * 8 + rows * 4 * double(c.i64("window") + compressed_width(c)), 0};
  };
  op.max_invariance_rows = 300;
  op.backends = {reference_backend(indices_reference)};
  return op;
}

} // namespace
V4_REGISTER_OP(make_attention_indices_op);
} // namespace v4::harness
