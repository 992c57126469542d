// Scans real DeepSeek-V4 checkpoint shards for FP4 expert weights and checks, per tensor, whether
// the FP4 → FP8 re-blocking of spec §3 (reference/fp4_to_fp8.h) is lossless (spec §26 Q8: "a
// harness check on the checkpoint; it is reported, not assumed").
//
// The released checkpoints store a routed expert weight as `<prefix>.weight`, dtype I8 (or U8),
// shape [out, in/2]: packed e2m1, element 2k in the low nibble; and its scales as `<prefix>.scale`,
// dtype F8_E8M0 (or U8), shape [out, in/32]. A weight of dtype F4 (shape [out, in] in elements) is
// accepted too; leading dimensions of stacked layouts are folded into the rows. Shards are read
// lazily (header, then one tensor at a time), so files of many GB need little memory.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "reference/fp4_to_fp8.h"

namespace v4::harness {

struct CheckpointScanOptions {
  reference::LosslessCheck check = reference::LosslessCheck::kBlockRatio2p14;
  int threads = 1;
  bool verify = true; // after converting, check dequant(W8, F) == dequant(W4, E) for every element
};

struct TensorScan {
  std::string name, file; // the weight tensor and the shard holding it
  std::string weight_dtype, scale_dtype;
  int64_t rows = 0, cols = 0;   // logical [out, in] (leading dimensions folded into out)
  int64_t blocks = 0;           // 128×128 blocks
  int worst_exponent_range = 0; // max over blocks of Emax − Emin: log2 of the worst sub-scale ratio
  int64_t blocks_over_2p11 = 0, blocks_over_2p14 = 0;
  int64_t failing_elements = 0; // non-zero codes with d < −8 (inexact even with subnormals)
  std::vector<reference::Fp4BlockViolation> violations; // under the chosen check, row-major
  bool lossless = false;                                // under the chosen check
  int64_t verify_mismatches = -1; // −1: not verified (not lossless, or verification off)
  std::string error;              // an unusable tensor (bad shape, NaN scale, missing data)
  bool ok() const { return error.empty() && lossless && verify_mismatches <= 0; }
};

struct UnreadableFile {
  std::string file, error;
};

struct CheckpointScan {
  std::vector<TensorScan> tensors; // FP4 tensors, in file order then offset order
  std::vector<UnreadableFile> unreadable;
  int64_t fp8_tensors = 0, other_tensors = 0;
  bool all_lossless() const;
};

CheckpointScan scan_checkpoint(const std::vector<std::string>& files,
                               const CheckpointScanOptions& options);

// One line per tensor ("OK"/"FAIL", name, shape, dtypes, blocks, worst ratio, counts, first
// violations).
std::string format_tensor_scan(const TensorScan& t, reference::LosslessCheck check);

} // namespace v4::harness
