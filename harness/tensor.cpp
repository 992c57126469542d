#include "harness/tensor.h"

#include <cstring>
#include <stdexcept>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace v4::harness {

Tensor::Tensor(DType dtype, std::vector<int64_t> shape) : dtype_(dtype), shape_(std::move(shape)) {
  for (int64_t d : shape_) {
    if (d < 0) throw std::invalid_argument(fmt::format("negative dimension in shape [{}]", fmt::join(shape_, ",")));
  }
  for (int64_t d : shape_) numel_ *= d;
  bytes_.assign(size_t(numel_) * dtype_size(dtype_), std::byte{0});
}

size_t Tensor::row_bytes() const {
  if (shape_.empty() || shape_[0] == 0) return 0;
  return bytes_.size() / size_t(shape_[0]);
}

std::string Tensor::shape_string() const {
  return fmt::format("{}[{}]", dtype_name(dtype_), fmt::join(shape_, ","));
}

void Tensor::check_type(DType requested) const {
  if (requested != dtype_) {
    throw std::logic_error(fmt::format("tensor is {} but was accessed as {}", shape_string(),
                                       dtype_name(requested)));
  }
}

Tensor Tensor::slice_rows(int64_t begin, int64_t count) const {
  if (shape_.empty() || begin < 0 || count < 0 || begin + count > shape_[0]) {
    throw std::out_of_range(fmt::format("slice_rows({}, {}) of {}", begin, count, shape_string()));
  }
  std::vector<int64_t> shape = shape_;
  shape[0] = count;
  Tensor out(dtype_, shape);
  if (count > 0) std::memcpy(out.bytes(), bytes() + size_t(begin) * row_bytes(), out.nbytes());
  return out;
}

void Tensor::copy_row_from(int64_t dst_row, const Tensor& src, int64_t src_row) {
  if (src.dtype_ != dtype_ || src.row_bytes() != row_bytes() || dst_row < 0 || dst_row >= rows() ||
      src_row < 0 || src_row >= src.rows()) {
    throw std::out_of_range(fmt::format("copy_row_from: row {} of {} into row {} of {}", src_row,
                                        src.shape_string(), dst_row, shape_string()));
  }
  std::memcpy(bytes() + size_t(dst_row) * row_bytes(), src.bytes() + size_t(src_row) * src.row_bytes(),
              row_bytes());
}

bool Tensor::bitwise_equal(const Tensor& other) const {
  return dtype_ == other.dtype_ && shape_ == other.shape_ && bytes_ == other.bytes_;
}

const Tensor& require_tensor(const TensorMap& map, const std::string& name, const std::string& op) {
  auto it = map.find(name);
  if (it == map.end()) throw std::invalid_argument(fmt::format("{}: missing tensor '{}'", op, name));
  return it->second;
}

}  // namespace v4::harness
