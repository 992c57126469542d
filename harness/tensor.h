// Host tensors: a dtype, a shape and a byte buffer. Row-major. Dimension 0 is the "row" (token or
// batch element) dimension for every tensor that an op declares as a row input or output.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <type_traits>
#include <vector>

#include "harness/dtype.h"
#include "reference/formats.h"

namespace v4::harness {

template <class T>
constexpr DType dtype_of() {
  if constexpr (std::is_same_v<T, float>) return DType::f32;
  else if constexpr (std::is_same_v<T, double>) return DType::f64;
  else if constexpr (std::is_same_v<T, v4::bf16>) return DType::bf16;
  else if constexpr (std::is_same_v<T, v4::e4m3>) return DType::e4m3;
  else if constexpr (std::is_same_v<T, v4::e2m1x2>) return DType::e2m1x2;
  else if constexpr (std::is_same_v<T, v4::ue8m0>) return DType::ue8m0;
  else if constexpr (std::is_same_v<T, int32_t>) return DType::i32;
  else if constexpr (std::is_same_v<T, int64_t>) return DType::i64;
  else if constexpr (std::is_same_v<T, uint8_t>) return DType::u8;
  else static_assert(sizeof(T) == 0, "unsupported element type");
}

class Tensor {
 public:
  Tensor() = default;
  Tensor(DType dtype, std::vector<int64_t> shape);  // zero-filled

  DType dtype() const { return dtype_; }
  const std::vector<int64_t>& shape() const { return shape_; }
  int64_t dim(size_t i) const { return shape_.at(i); }
  int64_t numel() const { return numel_; }  // cached: loops over 10^8 elements test it per step
  size_t nbytes() const { return bytes_.size(); }
  int64_t rows() const { return shape_.empty() ? 1 : shape_[0]; }
  size_t row_bytes() const;  // bytes of one slice along dimension 0
  std::string shape_string() const;  // "bf16[4,128]"

  std::byte* bytes() { return bytes_.data(); }
  const std::byte* bytes() const { return bytes_.data(); }

  // Typed access; throws std::logic_error when T does not match the dtype.
  template <class T>
  T* data() {
    check_type(dtype_of<T>());
    return reinterpret_cast<T*>(bytes_.data());
  }
  template <class T>
  const T* data() const {
    check_type(dtype_of<T>());
    return reinterpret_cast<const T*>(bytes_.data());
  }

  // A new tensor holding rows [begin, begin + count) along dimension 0.
  Tensor slice_rows(int64_t begin, int64_t count) const;
  // Copies row src_row of src into row dst_row of this tensor (same dtype and row shape).
  void copy_row_from(int64_t dst_row, const Tensor& src, int64_t src_row);
  // Same dtype, shape and bytes.
  bool bitwise_equal(const Tensor& other) const;

 private:
  void check_type(DType requested) const;
  DType dtype_ = DType::u8;
  std::vector<int64_t> shape_;
  int64_t numel_ = 1;  // product of shape_ (1 for the empty shape)
  std::vector<std::byte> bytes_;
};

// Named tensors of one op call. std::map keeps names ordered, so iteration is deterministic.
using TensorMap = std::map<std::string, Tensor>;

template <class T>
Tensor make_tensor(std::vector<int64_t> shape) {
  return Tensor(dtype_of<T>(), std::move(shape));
}

// Looks a tensor up by name with a clear error naming the op.
const Tensor& require_tensor(const TensorMap& map, const std::string& name, const std::string& op);

}  // namespace v4::harness
