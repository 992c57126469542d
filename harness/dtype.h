// Element types of harness tensors. e2m1x2 is one byte holding two packed e2m1 codes; shapes of
// e2m1x2 tensors count bytes (so [rows, cols/2] for cols codes), as the spec writes them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace v4::harness {

enum class DType : uint8_t { f32, f64, bf16, e4m3, e2m1x2, ue8m0, i32, i64, u8 };

std::string_view dtype_name(DType t);
DType dtype_from_name(std::string_view name);  // throws std::invalid_argument
size_t dtype_size(DType t);
// Whether values of this dtype are floating point (compared in ULPs) or integers/indices.
bool dtype_is_float(DType t);

}  // namespace v4::harness
