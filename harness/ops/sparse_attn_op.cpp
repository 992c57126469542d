// Registry entry: sparse_attn, one softmax with a per-head sink over each query's index list
// (spec §11.2). Rows are queries (q and idx); kv and the sink are shared.
// Index lists hold distinct valid rows of kv and a `holes` percentage of −1 entries at random
// places (holes=100: every list empty, D9). Domain properties: properties/sparse_attn_invariants.
#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

#include "harness/generators.h"
#include "harness/ops/op_util.h"
#include "harness/rng.h"
#include "properties/sparse_attn_invariants.h"
#include "reference/sparse_attn.h"

namespace v4::harness {
namespace {

// idx: [rows, k] int32, row r: distinct values in [0, n_kv) with about holes% −1 entries.
Tensor random_index_lists(int64_t rows, int64_t k, int64_t n_kv, int64_t holes, uint64_t seed) {
  Tensor idx(DType::i32, {rows, k});
  const CounterRng rng(seed, "idx");
  std::vector<int32_t> perm(static_cast<size_t>(n_kv));
  for (int64_t r = 0; r < rows; ++r) {
    std::iota(perm.begin(), perm.end(), 0);
    uint64_t draw = uint64_t(r) << 32;
    for (int64_t j = 0; j < k; ++j) { // partial Fisher-Yates: the first k of a random permutation
      const int64_t pick = rng.uniform_int(draw++, j, n_kv - 1);
      std::swap(perm[size_t(j)], perm[size_t(pick)]);
      const bool hole = rng.uniform_int(draw++, 0, 99) < holes;
      idx.data<int32_t>()[r * k + j] = hole ? -1 : perm[size_t(j)];
    }
  }
  return idx;
}

TensorMap sparse_attn_inputs(const Case& c) {
  const int64_t rows = c.i64("rows"), heads = c.i64("heads"), dim = c.i64("dim"),
                n_kv = c.i64("n_kv"), k = c.i64("k");
  return {{"q", random_bf16({rows, heads, dim}, c.seed, "q")},
          {"kv", random_bf16({n_kv, dim}, c.seed, "kv")},
          {"sink", uniform_f32({heads}, c.seed, "sink", -2.0, 2.0)},
          {"idx", random_index_lists(rows, k, n_kv, c.i64("holes"), c.seed)}};
}

TensorMap sparse_attn_reference(const Case&, const TensorMap& in) {
  const Tensor &q = require_tensor(in, "q", "sparse_attn"),
               &kv = require_tensor(in, "kv", "sparse_attn");
  const Tensor &sink = require_tensor(in, "sink", "sparse_attn"),
               &idx = require_tensor(in, "idx", "sparse_attn");
  Tensor o(DType::bf16, q.shape());
  reference::sparse_attn(o.data<bf16>(), q.data<bf16>(), kv.data<bf16>(), sink.data<float>(),
                         idx.data<int32_t>(), q.dim(0), q.dim(1), q.dim(2), kv.dim(0), idx.dim(1),
                         float(std::pow(double(q.dim(2)), -0.5)));
  return {{"o", o}};
}

Case sparse_case(int64_t rows, int64_t heads, int64_t n_kv, int64_t k, int64_t holes) {
  return make_case(
      "sparse_attn",
      {{"rows", rows}, {"heads", heads}, {"dim", 512}, {"n_kv", n_kv}, {"k", k}, {"holes", holes}});
}

std::vector<Case> sparse_attn_cases(Suite suite) {
  switch (suite) {
  case Suite::smoke:
    return {sparse_case(3, 4, 160, 100, 20), sparse_case(2, 2, 300, 200, 50),
            sparse_case(2, 2, 64, 40, 100)};
  case Suite::standard: // Flash decode: 64 heads, window 128 + top-512 compressed entries
    return {sparse_case(16, 64, 8192 + 128, 640, 5), sparse_case(16, 64, 2048 + 128, 128 + 16, 0)};
  case Suite::full:
    return {sparse_case(64, 64, 65536 + 128, 640, 0),
            sparse_case(32, 128, 65536 + 128, 128 + 1024, 0)};
  }
  return {};
}

OpSpec make_sparse_attn_op() {
  OpSpec op;
  op.name = "sparse_attn";
  op.stem = "sparse_attn";
  op.summary = "sparse attention with a per-head sink, chunks of 64, bf16 P before PV (spec 11.2)";
  op.row_inputs = {"q", "idx"};
  op.cases = sparse_attn_cases;
  op.make_inputs = sparse_attn_inputs;
  // A candidate with the same rounding points differs where an fp32 p_j lands on the other side
  // of a bf16 rounding point: one ulp of P_j, 2^-7·w_j·|kv_jd| on o_d. Relative to outputs of
  // typical size (|o_d| ≈ Σ w_j |kv_jd| / 4) that is ≤ 4 bf16 ulp; outputs near zero need the
  // per-element bound properties::sparse_attn_error_bound (used by the golden checker).
  op.outputs = {
      {"o", ComparePolicy::ulps(
                4, "one bf16 ulp of P_j where fp32 orders differ; see sparse_attn_error_bound")}};
  op.properties = {
      {"norm_bound",
       [](const Case&, const TensorMap& in, const TensorMap& out) {
         return properties::check_sparse_attn_norm_bound(in, out);
       }},
      {"permutation_and_holes", properties::check_sparse_attn_permutation},
      {"single_valid",
       [](const Case& c, const TensorMap& in, const TensorMap&) {
         return properties::check_sparse_attn_single(c, in);
       }},
  };
  op.cost = [](const Case& c) {
    const double rows = double(c.i64("rows")), heads = double(c.i64("heads")),
                 dim = double(c.i64("dim"));
    const double k = double(c.i64("k")), valid = k * (1.0 - double(c.i64("holes")) / 100.0);
    return Cost{rows * heads * dim * 4 + rows * k * 4 + rows * valid * dim * 2,
                rows * heads * valid * dim * 4};
  };
  op.max_invariance_rows = 16;
  op.backends = {reference_backend(sparse_attn_reference)};
  return op;
}

} // namespace
V4_REGISTER_OP(make_sparse_attn_op);
} // namespace v4::harness
