// 64-bit digests (xxh3) of tensors and tensor maps: names, dtypes, shapes and bytes. Two runs
// whose outputs have the same digest produced bitwise-identical outputs.
#pragma once

#include <cstdint>
#include <string>

#include "harness/tensor.h"

namespace v4::harness {

uint64_t digest(const Tensor& t);
uint64_t digest(const TensorMap& tensors);
std::string digest_hex(uint64_t d);  // 16 lowercase hex digits

}  // namespace v4::harness
