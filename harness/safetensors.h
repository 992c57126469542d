// The safetensors format, read and written: an 8-byte little-endian header length N, N bytes of
// UTF-8 JSON {name: {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {...}},
// then the raw little-endian row-major data (offsets relative to the first byte after the
// header). Every malformed or truncated file is refused with a message naming the file and the
// problem; nothing is read out of bounds.
#pragma once

#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "harness/tensor.h"

namespace v4::harness {

class SafetensorsError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct SafetensorsEntry {
  std::string name, dtype;  // dtype as written in the file: BF16, F32, F16, F64, I32, I64, U8, I8, F8_E4M3, ...
  std::vector<int64_t> shape;
  uint64_t begin = 0, end = 0;
};

class SafetensorsFile {
 public:
  static SafetensorsFile read(const std::string& path);  // loads the whole file; throws SafetensorsError

  const std::string& path() const { return path_; }
  const std::map<std::string, std::string>& metadata() const { return metadata_; }
  const std::vector<SafetensorsEntry>& entries() const { return entries_; }  // in offset order
  bool has(const std::string& name) const;
  const SafetensorsEntry& entry(const std::string& name) const;  // throws, naming the file
  // The tensor as a harness Tensor. dtype_override reinterprets 1-byte storage (U8, F8_*):
  // e4m3, ue8m0 or e2m1x2 (then the shape is in bytes, as stored).
  Tensor tensor(const std::string& name) const;
  Tensor tensor(const std::string& name, DType dtype_override) const;
  const uint8_t* raw(const SafetensorsEntry& e) const { return data_.data() + data_start_ + e.begin; }

 private:
  std::string path_;
  std::vector<uint8_t> data_;
  size_t data_start_ = 0;
  std::vector<SafetensorsEntry> entries_;
  std::map<std::string, std::string> metadata_;
};

// Writes tensors in the same format (bf16 -> BF16, f32 -> F32, i32/i64, and the 1-byte formats as
// U8 unless `storage_dtypes` names another file dtype such as F8_E4M3 for a tensor).
void write_safetensors(const std::string& path, const TensorMap& tensors,
                       const std::map<std::string, std::string>& metadata = {},
                       const std::map<std::string, std::string>& storage_dtypes = {});

}  // namespace v4::harness
