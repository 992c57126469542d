// The fp4_to_fp8 case parameters `check` and `lossy` as converter options, shared by the
// reference registration and every backend so that they read a case the same way.
#pragma once

#include "harness/registry.h"
#include "reference/fp4_to_fp8.h"

namespace v4::harness {

// check = 0: block ratio <= 2^14 (default), 1: <= 2^11 ([TK]), 2: element-wise; lossy = 1 writes
// anyway and counts inexact elements.
inline reference::Fp4ToFp8Options fp4_to_fp8_options(const Case& c) {
  reference::Fp4ToFp8Options o;
  switch (c.i64_or("check", 0)) {
  case 1:
    o.check = reference::LosslessCheck::kBlockRatio2p11;
    break;
  case 2:
    o.check = reference::LosslessCheck::kNonZeroElements;
    break;
  default:
    o.check = reference::LosslessCheck::kBlockRatio2p14;
  }
  o.lossy = c.i64_or("lossy", 0) == 1;
  return o;
}

} // namespace v4::harness
