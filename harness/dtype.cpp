#include "harness/dtype.h"

#include <stdexcept>
#include <string>

namespace v4::harness {

namespace {
struct DTypeInfo {
  DType type;
  std::string_view name;
  size_t size;
  bool is_float;
};
constexpr DTypeInfo kInfo[] = {
    {DType::f32, "f32", 4, true},       {DType::f64, "f64", 8, true},
    {DType::bf16, "bf16", 2, true},     {DType::e4m3, "e4m3", 1, true},
    {DType::e2m1x2, "e2m1x2", 1, true}, {DType::ue8m0, "ue8m0", 1, true},
    {DType::i32, "i32", 4, false},      {DType::i64, "i64", 8, false},
    {DType::u8, "u8", 1, false},
};
const DTypeInfo& info(DType t) { return kInfo[static_cast<size_t>(t)]; }
}  // namespace

std::string_view dtype_name(DType t) { return info(t).name; }
size_t dtype_size(DType t) { return info(t).size; }
bool dtype_is_float(DType t) { return info(t).is_float; }

DType dtype_from_name(std::string_view name) {
  for (const DTypeInfo& i : kInfo) {
    if (i.name == name) return i.type;
  }
  throw std::invalid_argument("unknown dtype '" + std::string(name) + "'");
}

}  // namespace v4::harness
