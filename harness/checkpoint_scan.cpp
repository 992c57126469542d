#include "harness/checkpoint_scan.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "reference/formats.h"

namespace v4::harness {

namespace {

struct Entry {
  std::string name, dtype;
  std::vector<int64_t> shape;
  uint64_t begin = 0, end = 0; // absolute file offsets
  size_t file = 0;
};

// Bytes of `count` elements of a file dtype; 0 for an unknown dtype. F4 packs two per byte.
uint64_t dtype_bytes(const std::string& d, uint64_t count) {
  static const std::map<std::string, uint64_t> sizes = {
      {"BOOL", 1}, {"U8", 1},  {"I8", 1},  {"F8_E4M3", 1}, {"F8_E5M2", 1}, {"F8_E8M0", 1},
      {"I16", 2},  {"U16", 2}, {"F16", 2}, {"BF16", 2},    {"I32", 4},     {"U32", 4},
      {"F32", 4},  {"I64", 8}, {"U64", 8}, {"F64", 8}};
  if (d == "F4")
    return (count + 1) / 2;
  const auto it = sizes.find(d);
  return it == sizes.end() ? 0 : it->second * count;
}

// Reads and validates the header of one shard; throws std::runtime_error naming the problem.
std::vector<Entry> read_header(const std::string& path, size_t file_index) {
  std::error_code ec;
  const uint64_t size = std::filesystem::file_size(path, ec);
  if (ec)
    throw std::runtime_error("cannot stat: " + ec.message());
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw std::runtime_error("cannot open");
  if (size < 8)
    throw std::runtime_error(fmt::format("truncated: {} bytes, no header length", size));
  unsigned char len_bytes[8];
  in.read(reinterpret_cast<char*>(len_bytes), 8);
  uint64_t header_len = 0;
  for (int i = 7; i >= 0; --i)
    header_len = header_len << 8 | len_bytes[i];
  if (header_len > size - 8) {
    throw std::runtime_error(
        fmt::format("header length {} exceeds the file ({} bytes): truncated or not safetensors",
                    header_len, size));
  }
  std::string text(header_len, '\0');
  in.read(text.data(), std::streamsize(header_len));
  if (!in)
    throw std::runtime_error("cannot read the header");
  nlohmann::json header;
  try {
    header = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    throw std::runtime_error(std::string("header is not valid JSON: ") + e.what());
  }
  if (!header.is_object())
    throw std::runtime_error("header is not a JSON object");
  const uint64_t data_start = 8 + header_len, data_bytes = size - data_start;
  std::vector<Entry> entries;
  for (auto& [name, v] : header.items()) {
    if (name == "__metadata__")
      continue;
    try {
      Entry e;
      e.name = name;
      e.file = file_index;
      e.dtype = v.at("dtype").get<std::string>();
      e.shape = v.at("shape").get<std::vector<int64_t>>();
      const auto off = v.at("data_offsets").get<std::vector<uint64_t>>();
      if (off.size() != 2 || off[0] > off[1])
        throw std::runtime_error("bad data_offsets");
      uint64_t count = 1;
      for (int64_t d : e.shape) {
        if (d < 0)
          throw std::runtime_error("negative dimension");
        count *= uint64_t(d);
      }
      const uint64_t need = dtype_bytes(e.dtype, count);
      if (need == 0 && count != 0)
        throw std::runtime_error("unknown dtype " + e.dtype);
      if (off[1] > data_bytes) {
        throw std::runtime_error(
            fmt::format("data [{}, {}) beyond the {} data bytes (truncated file?)", off[0], off[1],
                        data_bytes));
      }
      if (off[1] - off[0] != need)
        throw std::runtime_error(
            fmt::format("shape needs {} bytes, offsets span {}", need, off[1] - off[0]));
      e.begin = data_start + off[0];
      e.end = data_start + off[1];
      entries.push_back(std::move(e));
    } catch (const std::exception& ex) {
      throw std::runtime_error(fmt::format("tensor '{}': {}", name, ex.what()));
    }
  }
  std::sort(entries.begin(), entries.end(),
            [](const Entry& a, const Entry& b) { return a.begin < b.begin; });
  return entries;
}

std::vector<uint8_t> read_bytes(const std::string& path, const Entry& e) {
  std::vector<uint8_t> bytes(size_t(e.end - e.begin));
  std::ifstream in(path, std::ios::binary);
  in.seekg(std::streamoff(e.begin));
  in.read(reinterpret_cast<char*>(bytes.data()), std::streamsize(bytes.size()));
  if (!in)
    throw std::runtime_error(fmt::format("cannot read tensor '{}' ({} bytes at offset {})", e.name,
                                         bytes.size(), e.begin));
  return bytes;
}

bool is_scale_dtype(const std::string& d) {
  return d == "F8_E8M0" || d == "U8";
}

// Whether (w, s) is an FP4 weight with 1×32 scales; sets rows/cols (logical elements).
bool fp4_pair(const Entry& w, const Entry& s, int64_t& rows, int64_t& cols) {
  if (w.shape.size() < 2 || w.shape.size() != s.shape.size() || !is_scale_dtype(s.dtype))
    return false;
  for (size_t i = 0; i + 1 < w.shape.size(); ++i)
    if (w.shape[i] != s.shape[i])
      return false;
  const int64_t last = w.shape.back(), slast = s.shape.back();
  if (w.dtype == "I8" || w.dtype == "U8")
    cols = last * 2;
  else if (w.dtype == "F4")
    cols = last;
  else
    return false;
  if (slast * 32 != cols)
    return false;
  rows = 1;
  for (size_t i = 0; i + 1 < w.shape.size(); ++i)
    rows *= w.shape[i];
  return true;
}

void scan_tensor(TensorScan& t, const std::string& w_path, const std::string& s_path,
                 const Entry& w, const Entry& s, const CheckpointScanOptions& o) {
  if (t.rows % 128 != 0 || t.cols % 128 != 0) {
    t.error = fmt::format("shape [{}, {}] is not a multiple of 128x128: cannot be re-blocked",
                          t.rows, t.cols);
    return;
  }
  const std::vector<uint8_t> wb = read_bytes(w_path, w), sb = read_bytes(s_path, s);
  const auto* w4 = reinterpret_cast<const e2m1x2*>(wb.data());
  const auto* e = reinterpret_cast<const ue8m0*>(sb.data());
  for (size_t i = 0; i < sb.size(); ++i) {
    if (sb[i] == 0xFF) {
      t.error = fmt::format("sub-scale {} (row {}, column block {}) is NaN (0xFF)", i,
                            int64_t(i) / (t.cols / 32), int64_t(i) % (t.cols / 32));
      return;
    }
  }
  // Per-block exponent ranges and element-wise failures, independent of the chosen check.
  const int64_t sub = t.cols / 32;
  for (int64_t br = 0; br < t.rows / 128; ++br)
    for (int64_t bc = 0; bc < t.cols / 128; ++bc) {
      int lo = 255, hi = 0;
      for (int64_t r = br * 128; r < (br + 1) * 128; ++r)
        for (int64_t j = bc * 4; j < bc * 4 + 4; ++j)
          lo = std::min(lo, int(sb[size_t(r * sub + j)])),
          hi = std::max(hi, int(sb[size_t(r * sub + j)]));
      t.blocks_over_2p11 += hi - lo > 11;
      t.blocks_over_2p14 += hi - lo > 14;
      const int f = std::max(hi - 6, 0);
      if (hi - lo > 14) {
        for (int64_t r = br * 128; r < (br + 1) * 128; ++r)
          for (int64_t c = bc * 128; c < (bc + 1) * 128; ++c)
            t.failing_elements += (reference::e2m1_get(w4, r * t.cols + c) & 0x7) != 0 &&
                                  int(sb[size_t(r * sub + c / 32)]) - f < -8;
      }
    }
  std::vector<e4m3> w8(static_cast<size_t>(t.rows * t.cols));
  std::vector<ue8m0> f(static_cast<size_t>(t.rows / 128 * (t.cols / 128)));
  reference::Fp4ToFp8Options opt;
  opt.check = o.check;
  const reference::Fp4ToFp8Report rep =
      reference::fp4_to_fp8(w8.data(), f.data(), w4, e, t.rows, t.cols, opt);
  t.blocks = rep.blocks;
  t.worst_exponent_range = rep.worst_exponent_range;
  t.violations = rep.violations;
  t.lossless = rep.lossless();
  if (!rep.written || !o.verify)
    return;
  // Proof of losslessness: every element dequantizes to the same value (both sides exact in
  // double).
  t.verify_mismatches = 0;
  for (int64_t r = 0; r < t.rows; ++r)
    for (int64_t c = 0; c < t.cols; ++c) {
      const double v4 =
          std::ldexp(double(reference::e2m1_decode(reference::e2m1_get(w4, r * t.cols + c))),
                     reference::ue8m0_exponent(e[r * sub + c / 32]));
      const double v8 =
          std::ldexp(double(reference::e4m3_decode(w8[size_t(r * t.cols + c)])),
                     reference::ue8m0_exponent(f[size_t((r / 128) * (t.cols / 128) + c / 128)]));
      t.verify_mismatches += v4 != v8;
    }
}

} // namespace

bool CheckpointScan::all_lossless() const {
  return std::all_of(tensors.begin(), tensors.end(), [](const TensorScan& t) { return t.ok(); });
}

CheckpointScan scan_checkpoint(const std::vector<std::string>& files,
                               const CheckpointScanOptions& options) {
  CheckpointScan scan;
  std::vector<Entry> all;
  for (size_t i = 0; i < files.size(); ++i) {
    try {
      std::vector<Entry> entries = read_header(files[i], i);
      all.insert(all.end(), entries.begin(), entries.end());
    } catch (const std::exception& e) {
      scan.unreadable.push_back({files[i], e.what()});
    }
  }
  std::map<std::string, const Entry*> by_name; // a weight's scale may sit in another shard
  for (const Entry& e : all)
    by_name[e.name] = &e;
  struct Job {
    const Entry* w;
    const Entry* s;
  };
  std::vector<Job> jobs;
  for (const Entry& e : all) {
    const std::string suffix = ".weight";
    if (e.name.size() <= suffix.size() ||
        e.name.compare(e.name.size() - suffix.size(), suffix.size(), suffix) != 0) {
      if (e.name.size() < 6 || e.name.compare(e.name.size() - 6, 6, ".scale") != 0)
        ++scan.other_tensors;
      continue;
    }
    const auto s = by_name.find(e.name.substr(0, e.name.size() - suffix.size()) + ".scale");
    int64_t rows = 0, cols = 0;
    if (s != by_name.end() && fp4_pair(e, *s->second, rows, cols)) {
      jobs.push_back({&e, s->second});
      TensorScan t;
      t.name = e.name;
      t.file = files[e.file];
      t.weight_dtype = e.dtype;
      t.scale_dtype = s->second->dtype;
      t.rows = rows;
      t.cols = cols;
      scan.tensors.push_back(std::move(t));
    } else if (e.dtype == "F8_E4M3") {
      ++scan.fp8_tensors;
    } else {
      ++scan.other_tensors;
    }
  }
  std::atomic<size_t> next{0};
  auto worker = [&] {
    for (size_t i = next++; i < jobs.size(); i = next++) {
      TensorScan& t = scan.tensors[i];
      try {
        scan_tensor(t, files[jobs[i].w->file], files[jobs[i].s->file], *jobs[i].w, *jobs[i].s,
                    options);
      } catch (const std::exception& e) {
        t.error = e.what();
      }
    }
  };
  const int n = std::max(1, std::min<int>(options.threads, int(jobs.size())));
  std::vector<std::thread> pool;
  for (int i = 1; i < n; ++i)
    pool.emplace_back(worker);
  worker();
  for (auto& th : pool)
    th.join();
  return scan;
}

std::string format_tensor_scan(const TensorScan& t, reference::LosslessCheck check) {
  if (!t.error.empty())
    return fmt::format("FAIL {} [{}, {}] {}+{}: {}", t.name, t.rows, t.cols, t.weight_dtype,
                       t.scale_dtype, t.error);
  std::string s = fmt::format(
      "{} {} [{}, {}] {}+{} {} blocks, worst sub-scale ratio 2^{}; over 2^11: {}, over 2^14: {}, "
      "inexact non-zero codes: {}",
      t.ok() ? "OK  " : "FAIL", t.name, t.rows, t.cols, t.weight_dtype, t.scale_dtype, t.blocks,
      t.worst_exponent_range, t.blocks_over_2p11, t.blocks_over_2p14, t.failing_elements);
  if (t.verify_mismatches >= 0)
    s += fmt::format("; verified: {} mismatches", t.verify_mismatches);
  if (!t.violations.empty()) {
    s += fmt::format("; {} block(s) violate {}:", t.violations.size(),
                     reference::lossless_check_name(check));
    for (size_t i = 0; i < t.violations.size() && i < 8; ++i) {
      const auto& v = t.violations[i];
      s += fmt::format(" rows {}..{} cols {}..{} (ratio 2^{})", v.block_row * 128,
                       v.block_row * 128 + 127, v.block_col * 128, v.block_col * 128 + 127,
                       v.exponent_range);
    }
    if (t.violations.size() > 8)
      s += " ...";
  }
  return s;
}

} // namespace v4::harness
