#include "harness/checks.h"

#include <algorithm>
#include <set>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "harness/digest.h"
#include "harness/rng.h"

namespace v4::harness {

std::string CheckOutcome::replay() const { return fmt::format("{} backend={} check={}", case_key, backend, check); }

namespace {
CheckOutcome start(const OpSpec& op, const Backend& b, const Case& c, std::string check) {
  CheckOutcome o;
  o.op = op.name;
  o.backend = b.name;
  o.case_key = c.key();
  o.check = std::move(check);
  return o;
}
}  // namespace

std::vector<int64_t> invariance_batch_sizes(const OpSpec& op, const Backend& backend, const Case& c) {
  std::set<int64_t> declared;  // both sides of every declared threshold: always swept
  if (backend.dispatch_thresholds) {
    for (int64_t t : backend.dispatch_thresholds(c)) {
      for (int64_t s : {t - 1, t, t + 1}) {
        if (s >= 1) declared.insert(s);
      }
    }
  }
  std::set<int64_t> sizes = {1, 2, 3, 127, 128, 129, 4095, 4096, 4097};
  sizes.insert(declared.begin(), declared.end());
  // A CPU backend is a plain loop over rows with no size-dependent path; the large sizes are there
  // for the dispatch thresholds of device kernels and only cost time on the CPU (minutes for a
  // GEMM-shaped op at 4097 rows). A CPU backend keeps a size while one batch of it stays within
  // kCpuSweepFlops of the op's cost model; the sizes used are stored with every check (its bound).
  constexpr double kCpuSweepFlops = 2e9;
  const bool cpu_budget = backend.device == "cpu" && op.cost && !op.row_param.empty();
  std::vector<int64_t> out;
  for (int64_t s : sizes) {
    if (s > op.max_invariance_rows) continue;
    if (cpu_budget && s > 3 && !declared.count(s) && op.cost(c.with(op.row_param, s)).flops > kCpuSweepFlops)
      continue;
    out.push_back(s);
  }
  return out;
}

CheckOutcome check_accuracy(const OpSpec& op, const Backend& backend, const Case& c, const std::string& output,
                            const Tensor& actual, const Tensor& expected) {
  CheckOutcome o = start(op, backend, c, "accuracy." + output);
  const ComparePolicy& policy = op.outputs.at(output);
  CompareResult r = compare_tensors(actual, expected, policy);
  o.passed = r.passed;
  o.bound = policy.describe(expected.dtype()) + (policy.rationale.empty() ? "" : " (" + policy.rationale + ")");
  o.bound_value = policy.max_ulp;
  o.measured = policy.kind == ComparePolicy::Kind::index_set ? double(r.mismatches) : r.max_ulp;
  o.detail = r.summary();
  o.output_digest = digest_hex(digest(actual));
  o.compare = std::move(r);
  return o;
}

CheckOutcome check_determinism(const OpSpec& op, const Backend& backend, const Case& c, const TensorMap& inputs,
                               const TensorMap& first_outputs, int reruns) {
  CheckOutcome o = start(op, backend, c, "determinism");
  o.bound = fmt::format("{} reruns bitwise, no retries", reruns);
  o.bound_value = 0;
  o.output_digest = digest_hex(digest(first_outputs));
  int differing = 0;
  for (int i = 1; i <= reruns; ++i) {
    const TensorMap again = backend.run(c, inputs);
    for (const auto& [name, t] : first_outputs) {
      const Tensor& u = require_tensor(again, name, op.name);
      if (u.bitwise_equal(t)) continue;
      ++differing;
      if (o.detail.empty()) {
        const CompareResult r = compare_tensors(u, t, ComparePolicy::bitwise());
        o.detail = fmt::format("rerun {} output '{}' differs from run 0: {}", i, name, r.summary());
      }
      break;
    }
  }
  o.measured = differing;
  o.passed = differing == 0;
  if (o.passed) o.detail = fmt::format("{} reruns identical to run 0 (digest {})", reruns, o.output_digest);
  return o;
}

TensorMap assemble_batch(const OpSpec& op, const TensorMap& pool, const std::vector<int64_t>& pool_rows) {
  TensorMap batch;
  for (const auto& [name, t] : pool) {
    if (!op.row_inputs.count(name)) {
      batch.emplace(name, t);
      continue;
    }
    std::vector<int64_t> shape = t.shape();
    shape[0] = int64_t(pool_rows.size());
    Tensor b(t.dtype(), shape);
    for (size_t i = 0; i < pool_rows.size(); ++i) b.copy_row_from(int64_t(i), t, pool_rows[i]);
    batch.emplace(name, std::move(b));
  }
  return batch;
}

CheckOutcome check_batch_invariance(const OpSpec& op, const Backend& backend, const Case& c,
                                    std::vector<int64_t> sizes) {
  CheckOutcome o = start(op, backend, c, "batch_invariance");
  if (sizes.empty()) sizes = invariance_batch_sizes(op, backend, c);
  const int64_t largest = *std::max_element(sizes.begin(), sizes.end());
  const int64_t pool_rows = std::max<int64_t>(largest, 2);
  const Case pool_case = c.with(op.row_param, pool_rows);
  const TensorMap pool = op.make_inputs(pool_case);
  const CounterRng rng(c.seed, "batch_invariance/" + backend.name);
  uint64_t draw = 0;
  // Several target rows, not one: a single target can be a row on which a variant path cannot
  // differ (an all-zero row normalizes to zero on every path), and then even a negative control
  // escapes (RapidCheck found rms_norm's batch-variant control uncaught when the target was the
  // generator's planted zero row).
  const int64_t n_targets = std::min<int64_t>(kInvarianceTargets, pool_rows);
  std::vector<int64_t> targets;
  while (int64_t(targets.size()) < n_targets) {
    const int64_t t = rng.uniform_int(draw++, 0, pool_rows - 1);
    if (std::find(targets.begin(), targets.end(), t) == targets.end()) targets.push_back(t);
  }
  const auto is_target = [&](int64_t r) { return std::find(targets.begin(), targets.end(), r) != targets.end(); };
  std::vector<TensorMap> solos;
  for (int64_t t : targets) solos.push_back(backend.run(c.with(op.row_param, 1), assemble_batch(op, pool, {t})));
  o.output_digest = digest_hex(digest(solos.front()));
  o.bound = fmt::format("bitwise, batch sizes {{{}}}, {} rows at random positions among random other rows",
                        fmt::join(sizes, ","), n_targets);

  std::vector<std::string> paths;
  int failing_sizes = 0;
  for (int64_t b : sizes) {
    const int64_t placed = std::min(b, n_targets);  // batches of 1 or 2 rows hold the first targets
    std::vector<int64_t> positions;
    while (int64_t(positions.size()) < placed) {
      const int64_t p = rng.uniform_int(draw++, 0, b - 1);
      if (std::find(positions.begin(), positions.end(), p) == positions.end()) positions.push_back(p);
    }
    std::vector<int64_t> rows(static_cast<size_t>(b));
    for (int64_t i = 0; i < b; ++i) {
      int64_t r = rng.uniform_int(draw++, 0, pool_rows - 1);
      while (pool_rows > n_targets && is_target(r)) r = rng.uniform_int(draw++, 0, pool_rows - 1);
      rows[size_t(i)] = r;  // any pool row but the targets (when the pool has others)
    }
    for (int64_t j = 0; j < placed; ++j) rows[size_t(positions[size_t(j)])] = targets[size_t(j)];
    const Case batch_case = c.with(op.row_param, b);
    if (backend.dispatch_path) {
      const std::string p = backend.dispatch_path(batch_case, b);
      if (std::find(paths.begin(), paths.end(), p) == paths.end()) paths.push_back(p);
    }
    const TensorMap out = backend.run(batch_case, assemble_batch(op, pool, rows));
    bool differs = false;
    for (int64_t j = 0; j < placed && !differs; ++j) {
      for (const auto& [name, expected] : solos[size_t(j)]) {
        if (!op.is_row_output(name)) continue;
        const Tensor got = require_tensor(out, name, op.name).slice_rows(positions[size_t(j)], 1);
        if (got.bitwise_equal(expected)) continue;
        differs = true;
        if (o.detail.empty()) {
          const CompareResult r = compare_tensors(got, expected, ComparePolicy::bitwise());
          o.detail = fmt::format("row {} alone vs at position {} of a batch of {}: output '{}' differs: {}",
                                 targets[size_t(j)], positions[size_t(j)], b, name, r.summary());
          o.compare = r;
        }
        break;
      }
    }
    if (differs) ++failing_sizes;
  }
  o.measured = failing_sizes;
  o.passed = failing_sizes == 0;
  o.dispatch_path = fmt::format("{}", fmt::join(paths, ","));
  if (o.passed) {
    o.detail = fmt::format("rows {{{}}} identical alone and in {} batch sizes", fmt::join(targets, ","), sizes.size());
  }
  return o;
}

CheckOutcome check_property(const OpSpec& op, const Backend& backend, const Case& c, const DomainProperty& p,
                            const TensorMap& inputs, const TensorMap& outputs) {
  CheckOutcome o = start(op, backend, c, "property." + p.name);
  PropertyOutcome r = p.check(c, inputs, outputs);
  o.passed = r.passed;
  o.bound = r.bound;
  o.bound_value = r.bound_value;
  o.measured = r.measured;
  o.detail = r.detail;
  return o;
}

}  // namespace v4::harness
