// v4harness formats-dump <dir>: writes the reference's conversions of spec §1 in a form other
// tools can check exhaustively (scripts/crosscheck_formats.py compares them with ml_dtypes and
// torch):
//   <fmt>_decode.f32   every code decoded, little-endian fp32 (bf16: 65536, e4m3: 256, e2m1: 16,
//                      ue8m0: 256 codes)
//   <fmt>_encode.rle   the encoder over all 2^32 fp32 bit patterns, run-length encoded: pairs of
//                      little-endian u32 (first bit pattern of a run, code), one per change of
//                      code in bit-pattern order; NaN results are written as one canonical code
//                      (bf16 0x7FC0, e4m3 0x7F) since payloads and NaN signs are not compared
//                      (spec §1.1)
//   ue8m0_encode.tbl   pairs (u32 bits of 2^e, code) for e = -127..127 (exact powers only)
// `--step N` visits every N-th bit pattern only (a quick look; the files then say so in
// manifest.json and are not exhaustive).
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "harness/cli/command.h"
#include "reference/formats.h"

namespace v4::cli {
namespace {

namespace ref = v4::reference;

float from_bits(uint32_t u) {
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}
uint32_t to_bits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  return u;
}

template <class T>
void write_vector(const std::filesystem::path& path, const std::vector<T>& v) {
  std::ofstream f(path, std::ios::binary);
  f.write(reinterpret_cast<const char*>(v.data()), std::streamsize(v.size() * sizeof(T)));
  if (!f) throw std::runtime_error(fmt::format("cannot write '{}'", path.string()));
}

using Encoder = uint32_t (*)(float);

uint32_t enc_bf16(float x) {
  const uint16_t c = ref::bf16_encode(x).bits;
  return ((c & 0x7F80) == 0x7F80 && (c & 0x7F)) ? 0x7FC0u : c;
}
uint32_t enc_e4m3(float x) {
  const uint8_t c = ref::e4m3_encode(x).bits;
  return (c & 0x7F) == 0x7F ? 0x7Fu : c;
}
uint32_t enc_e2m1(float x) { return ref::e2m1_encode(x); }

// Run-length encoding of `enc` over bit patterns 0, step, 2·step, ... < 2^32, on all cores.
std::vector<uint32_t> rle(Encoder enc, uint64_t step) {
  const unsigned n_threads = std::max(1u, std::thread::hardware_concurrency());
  const uint64_t count = ((uint64_t(1) << 32) + step - 1) / step;
  std::vector<std::vector<uint32_t>> parts(n_threads);
  std::vector<std::thread> threads;
  for (unsigned t = 0; t < n_threads; ++t) {
    threads.emplace_back([&, t] {
      const uint64_t lo = count * t / n_threads, hi = count * (t + 1) / n_threads;
      uint32_t prev = 0xFFFFFFFFu;
      for (uint64_t i = lo; i < hi; ++i) {
        const uint32_t bits = uint32_t(i * step);
        const uint32_t c = enc(from_bits(bits));
        if (c != prev || i == lo) parts[t].insert(parts[t].end(), {bits, c});
        prev = c;
      }
    });
  }
  for (auto& th : threads) th.join();
  std::vector<uint32_t> out;
  for (const auto& p : parts) {
    for (size_t i = 0; i < p.size(); i += 2) {
      if (!out.empty() && out.back() == p[i + 1]) continue;  // a run continuing across threads
      out.insert(out.end(), {p[i], p[i + 1]});
    }
  }
  return out;
}

std::function<int()> setup(CLI::App& app) {
  auto dir = std::make_shared<std::string>();
  auto step = std::make_shared<uint64_t>(1);
  app.add_option("dir", *dir, "output directory (created)")->required();
  app.add_option("--step", *step, "visit every N-th fp32 bit pattern (1: all 2^32)")->capture_default_str();
  return [=] {
    const std::filesystem::path out(*dir);
    std::filesystem::create_directories(out);
    std::vector<float> bf(65536), e4(256), e2(16), e8(256);
    for (uint32_t c = 0; c < 65536; ++c) bf[c] = ref::bf16_decode(bf16{uint16_t(c)});
    for (uint32_t c = 0; c < 256; ++c) e4[c] = ref::e4m3_decode(e4m3{uint8_t(c)});
    for (uint32_t c = 0; c < 16; ++c) e2[c] = ref::e2m1_decode(uint8_t(c));
    for (uint32_t c = 0; c < 256; ++c) e8[c] = ref::ue8m0_decode(ue8m0{uint8_t(c)});
    write_vector(out / "bf16_decode.f32", bf);
    write_vector(out / "e4m3_decode.f32", e4);
    write_vector(out / "e2m1_decode.f32", e2);
    write_vector(out / "ue8m0_decode.f32", e8);
    std::vector<uint32_t> pow2;
    for (int e = -127; e <= 127; ++e) {
      const float p = ref::exp2_exact(e);
      pow2.insert(pow2.end(), {to_bits(p), ref::ue8m0_encode(p).bits});
    }
    write_vector(out / "ue8m0_encode.tbl", pow2);
    const std::pair<const char*, Encoder> encoders[] = {{"bf16", enc_bf16}, {"e4m3", enc_e4m3}, {"e2m1", enc_e2m1}};
    for (const auto& [name, enc] : encoders) {
      const auto runs = rle(enc, *step);
      write_vector(out / fmt::format("{}_encode.rle", name), runs);
      fmt::print("{}_encode: {} runs\n", name, runs.size() / 2);
    }
    std::ofstream manifest(out / "manifest.json");
    manifest << fmt::format("{{\"step\": {}, \"exhaustive\": {}}}\n", *step, *step == 1 ? "true" : "false");
    return kExitOk;
  };
}

}  // namespace
V4_REGISTER_COMMAND("formats-dump", "write the reference's format conversions for external cross-checks", 60, setup);
}  // namespace v4::cli
