#include "harness/safetensors.h"

#include <algorithm>
#include <cstring>
#include <fstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace v4::harness {

namespace {

size_t file_dtype_size(const std::string& d) {
  static const std::map<std::string, size_t> sizes = {
      {"BOOL", 1}, {"U8", 1}, {"I8", 1}, {"F8_E4M3", 1}, {"F8_E5M2", 1}, {"F8_E8M0", 1}, {"F4", 1},
      {"I16", 2}, {"U16", 2}, {"F16", 2}, {"BF16", 2}, {"I32", 4}, {"U32", 4}, {"F32", 4},
      {"I64", 8}, {"U64", 8}, {"F64", 8}};
  auto it = sizes.find(d);
  return it == sizes.end() ? 0 : it->second;
}

DType harness_dtype(const std::string& d) {
  if (d == "BF16") return DType::bf16;
  if (d == "F32") return DType::f32;
  if (d == "F64") return DType::f64;
  if (d == "I32") return DType::i32;
  if (d == "I64") return DType::i64;
  if (d == "U8" || d == "I8" || d == "BOOL") return DType::u8;
  if (d == "F8_E4M3") return DType::e4m3;
  if (d == "F8_E8M0") return DType::ue8m0;
  throw std::invalid_argument(fmt::format("dtype {} has no harness equivalent", d));
}

}  // namespace

SafetensorsFile SafetensorsFile::read(const std::string& path) {
  SafetensorsFile f;
  f.path_ = path;
  std::ifstream in(path, std::ios::binary);
  if (!in) throw SafetensorsError(fmt::format("{}: cannot open", path));
  f.data_.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  if (f.data_.size() < 8) throw SafetensorsError(fmt::format("{}: truncated: {} bytes, no header length", path, f.data_.size()));
  uint64_t header_len = 0;
  for (int i = 7; i >= 0; --i) header_len = header_len << 8 | f.data_[size_t(i)];
  if (header_len > f.data_.size() - 8) {
    throw SafetensorsError(fmt::format("{}: header length {} exceeds the file ({} bytes): truncated or not safetensors",
                                       path, header_len, f.data_.size()));
  }
  f.data_start_ = 8 + size_t(header_len);
  const uint64_t data_bytes = f.data_.size() - f.data_start_;
  nlohmann::json header;
  try {
    header = nlohmann::json::parse(f.data_.begin() + 8, f.data_.begin() + ptrdiff_t(f.data_start_));
  } catch (const nlohmann::json::exception& e) {
    throw SafetensorsError(fmt::format("{}: header is not valid JSON: {}", path, e.what()));
  }
  if (!header.is_object()) throw SafetensorsError(fmt::format("{}: header is not a JSON object", path));
  for (auto& [name, value] : header.items()) {
    if (name == "__metadata__") {
      if (!value.is_object()) throw SafetensorsError(fmt::format("{}: __metadata__ is not an object", path));
      for (auto& [k, v] : value.items()) f.metadata_[k] = v.is_string() ? v.get<std::string>() : v.dump();
      continue;
    }
    try {
      SafetensorsEntry e;
      e.name = name;
      e.dtype = value.at("dtype").get<std::string>();
      e.shape = value.at("shape").get<std::vector<int64_t>>();
      const auto offsets = value.at("data_offsets").get<std::vector<uint64_t>>();
      if (offsets.size() != 2) throw std::invalid_argument("data_offsets must have two entries");
      e.begin = offsets[0];
      e.end = offsets[1];
      const size_t esize = file_dtype_size(e.dtype);
      if (esize == 0) throw std::invalid_argument("unknown dtype " + e.dtype);
      uint64_t n = 1;
      for (int64_t d : e.shape) {
        if (d < 0) throw std::invalid_argument("negative dimension");
        n *= uint64_t(d);
      }
      if (e.begin > e.end || e.end > data_bytes) {
        throw std::invalid_argument(fmt::format("data_offsets [{}, {}] outside the {} data bytes (truncated file?)",
                                                e.begin, e.end, data_bytes));
      }
      if (e.end - e.begin != n * esize) {
        throw std::invalid_argument(fmt::format("shape needs {} bytes but data_offsets span {}", n * esize, e.end - e.begin));
      }
      f.entries_.push_back(std::move(e));
    } catch (const std::exception& ex) {
      throw SafetensorsError(fmt::format("{}: tensor '{}': {}", path, name, ex.what()));
    }
  }
  std::sort(f.entries_.begin(), f.entries_.end(), [](const auto& a, const auto& b) { return a.begin < b.begin; });
  return f;
}

bool SafetensorsFile::has(const std::string& name) const {
  for (const auto& e : entries_) {
    if (e.name == name) return true;
  }
  return false;
}

const SafetensorsEntry& SafetensorsFile::entry(const std::string& name) const {
  for (const auto& e : entries_) {
    if (e.name == name) return e;
  }
  throw SafetensorsError(fmt::format("{}: no tensor named '{}'", path_, name));
}

Tensor SafetensorsFile::tensor(const std::string& name) const {
  const SafetensorsEntry& e = entry(name);
  DType d;
  try {
    d = harness_dtype(e.dtype);
  } catch (const std::exception& ex) {
    throw SafetensorsError(fmt::format("{}: tensor '{}': {}", path_, name, ex.what()));
  }
  return tensor(name, d);
}

Tensor SafetensorsFile::tensor(const std::string& name, DType dtype) const {
  const SafetensorsEntry& e = entry(name);
  if (dtype_size(dtype) != file_dtype_size(e.dtype)) {
    throw SafetensorsError(fmt::format("{}: tensor '{}' is {} and cannot be read as {}", path_, name, e.dtype, dtype_name(dtype)));
  }
  Tensor t(dtype, e.shape);
  if (t.nbytes()) std::memcpy(t.bytes(), raw(e), t.nbytes());
  return t;
}

void write_safetensors(const std::string& path, const TensorMap& tensors, const std::map<std::string, std::string>& metadata,
                       const std::map<std::string, std::string>& storage_dtypes) {
  nlohmann::ordered_json header;
  if (!metadata.empty()) header["__metadata__"] = metadata;
  uint64_t offset = 0;
  for (const auto& [name, t] : tensors) {
    std::string d;
    switch (t.dtype()) {
      case DType::bf16: d = "BF16"; break;
      case DType::f32: d = "F32"; break;
      case DType::f64: d = "F64"; break;
      case DType::i32: d = "I32"; break;
      case DType::i64: d = "I64"; break;
      default: d = "U8"; break;
    }
    if (auto it = storage_dtypes.find(name); it != storage_dtypes.end()) d = it->second;
    header[name] = {{"dtype", d}, {"shape", t.shape()}, {"data_offsets", {offset, offset + t.nbytes()}}};
    offset += t.nbytes();
  }
  std::string json = header.dump();
  while ((json.size() + 8) % 8) json += ' ';  // align the data section to 8 bytes, as the format recommends
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) throw SafetensorsError(fmt::format("{}: cannot create", path));
  uint64_t n = json.size();
  for (int i = 0; i < 8; ++i) out.put(char(n >> (8 * i) & 0xFF));
  out.write(json.data(), std::streamsize(json.size()));
  for (const auto& [name, t] : tensors) out.write(reinterpret_cast<const char*>(t.bytes()), std::streamsize(t.nbytes()));
  if (!out) throw SafetensorsError(fmt::format("{}: write failed", path));
}

}  // namespace v4::harness
