// The checks every registered op gets: accuracy against the reference, run-to-run determinism
// (N reruns, bitwise, never retried) and bitwise batch invariance (rows alone vs inside batches
// of many sizes, at random positions, among random other rows), plus its domain
// properties. Each returns an outcome with the bound it used and a replay string.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "harness/compare.h"
#include "harness/registry.h"

namespace v4::harness {

struct CheckOutcome {
  std::string op, backend, case_key;
  std::string check;             // "accuracy.<output>", "determinism", "batch_invariance", "property.<name>"
  bool passed = false;
  bool negative_control = false; // passed means the checker caught the deliberately broken backend
  std::string bound;             // the bound used at decision time, as text
  double bound_value = 0;
  double measured = 0;           // worst ULP, failing batch sizes, ...
  std::string detail;            // first divergence, sizes swept, ...
  std::string dispatch_path;
  std::optional<CompareResult> compare;
  std::string output_digest;     // digest of the outputs this check looked at, where one applies

  std::string replay() const;    // "<case key> backend=<name> check=<check>"
};

// Rows compared in the invariance sweep: each alone, and at its own random position in every
// batch (the first one or two in batches of one or two rows).
inline constexpr int64_t kInvarianceTargets = 3;

// Batch sizes for the invariance sweep: 1, 2, 3, 127, 128, 129, 4095, 4096, 4097 and both sides
// of every declared dispatch threshold, capped at the op's max_invariance_rows.
std::vector<int64_t> invariance_batch_sizes(const OpSpec& op, const Backend& backend, const Case& c);

CheckOutcome check_accuracy(const OpSpec& op, const Backend& backend, const Case& c, const std::string& output,
                            const Tensor& actual, const Tensor& expected);
CheckOutcome check_determinism(const OpSpec& op, const Backend& backend, const Case& c, const TensorMap& inputs,
                               const TensorMap& first_outputs, int reruns);
CheckOutcome check_batch_invariance(const OpSpec& op, const Backend& backend, const Case& c,
                                    std::vector<int64_t> sizes = {});
CheckOutcome check_property(const OpSpec& op, const Backend& backend, const Case& c, const DomainProperty& p,
                            const TensorMap& inputs, const TensorMap& outputs);

// Builds a batch of `rows` rows from a pool: row `position` is pool row `target`, the others are
// the given pool rows. Shared (non-row) inputs are taken from the pool unchanged.
TensorMap assemble_batch(const OpSpec& op, const TensorMap& pool, const std::vector<int64_t>& pool_rows);

}  // namespace v4::harness
