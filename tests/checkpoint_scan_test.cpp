// The checkpoint scanner and `v4harness check-checkpoint` (spec §3, §26 Q8) on small shards
// written here in the released layout (I8 packed e2m1 weights, F8_E8M0 [out, in/32] scales):
// in range, out of range (with the violating block's location), a scale in another shard, and
// corrupt or truncated files.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "harness/checkpoint_scan.h"
#include "harness/generators.h"
#include "harness/safetensors.h"

namespace v4::harness {
namespace {

namespace fs = std::filesystem;

struct TempDir {
  fs::path path;
  TempDir()
      : path(fs::temp_directory_path() /
             ("v4_ckpt_" + std::to_string(::getpid()) + "_" + std::to_string(counter()++))) {
    fs::create_directories(path);
  }
  ~TempDir() { fs::remove_all(path); }
  std::string file(const std::string& name) const { return (path / name).string(); }
  static int& counter() {
    static int c = 0;
    return c;
  }
};

// One expert weight [rows, cols] with sub-scale exponents in [base, base + spread].
TensorMap expert(const std::string& prefix, int64_t rows, int64_t cols, int base, int spread,
                 uint64_t seed) {
  Tensor w = random_codes(DType::u8, {rows, cols / 2}, seed, prefix + "w");
  const Tensor e = uniform_i32({rows, cols / 32}, seed, prefix + "e", base, base + spread);
  Tensor s = make_tensor<ue8m0>({rows, cols / 32});
  for (int64_t i = 0; i < s.numel(); ++i)
    s.data<ue8m0>()[i] = ue8m0{uint8_t(e.data<int32_t>()[i])};
  return {{prefix + ".weight", w}, {prefix + ".scale", s}};
}

std::map<std::string, std::string> storage(const TensorMap& m) {
  std::map<std::string, std::string> d;
  for (const auto& [name, t] : m)
    d[name] = t.dtype() == DType::e4m3 ? "F8_E4M3" : t.dtype() == DType::ue8m0 ? "F8_E8M0" : "I8";
  return d;
}

void write(const std::string& path, const TensorMap& m) {
  write_safetensors(path, m, {{"format", "pt"}}, storage(m));
}

int run_cli(const std::string& args, std::string* out = nullptr) {
  FILE* p =
      popen((std::string(V4HARNESS_EXE) + " check-checkpoint " + args + " 2>&1").c_str(), "r");
  std::string text;
  char buf[1024];
  while (fgets(buf, sizeof buf, p))
    text += buf;
  if (out)
    *out = text;
  return WEXITSTATUS(pclose(p));
}

TEST(CheckpointScan, InRangeTensorsAreLosslessAndVerified) {
  TempDir d;
  TensorMap m = expert("layers.3.ffn.experts.0.w1", 256, 512, 115, 11, 1);
  m.merge(expert("layers.3.ffn.experts.0.w2", 128, 256, 120, 14, 2));
  m["layers.3.attn.wq_a.weight"] = random_codes(DType::e4m3, {128, 128}, 3, "fp8", 0x77);
  write(d.file("a.safetensors"), m);
  const CheckpointScan s = scan_checkpoint({d.file("a.safetensors")}, {});
  ASSERT_EQ(s.tensors.size(), 2u);
  EXPECT_TRUE(s.all_lossless());
  EXPECT_EQ(s.fp8_tensors, 1);
  EXPECT_EQ(s.tensors[0].rows, 256);
  EXPECT_EQ(s.tensors[0].cols, 512);
  EXPECT_EQ(s.tensors[0].blocks, 8);
  EXPECT_LE(s.tensors[0].worst_exponent_range, 11);
  EXPECT_EQ(s.tensors[1].worst_exponent_range, 14); // 2^14 is still lossless with subnormals...
  EXPECT_EQ(s.tensors[0].verify_mismatches, 0);
  CheckpointScanOptions strict;
  strict.check = reference::LosslessCheck::kBlockRatio2p11;
  const CheckpointScan t = scan_checkpoint({d.file("a.safetensors")}, strict);
  EXPECT_TRUE(t.tensors[0].ok());
  EXPECT_FALSE(t.tensors[1].ok()); // ...but not in the normal-only (TileKernels) mode
  EXPECT_EQ(run_cli(d.file("a.safetensors") + " --quiet"), 0);
  EXPECT_EQ(run_cli(d.file("a.safetensors") + " --strict"), 1);
}

TEST(CheckpointScan, OutOfRangeBlocksAreReportedWithTheirLocation) {
  TempDir d;
  TensorMap m = expert("layers.5.ffn.experts.7.w3", 256, 256, 120, 4, 4);
  // Block (1, 1): rows 128..255, columns 128..255 (sub-scale columns 4..7). One sub-scale 2^20
  // lower.
  m.at("layers.5.ffn.experts.7.w3.scale").data<ue8m0>()[200 * 8 + 6] = ue8m0{100};
  write(d.file("b.safetensors"), m);
  const CheckpointScan s = scan_checkpoint({d.file("b.safetensors")}, {});
  ASSERT_EQ(s.tensors.size(), 1u);
  const TensorScan& t = s.tensors[0];
  EXPECT_FALSE(t.ok());
  ASSERT_EQ(t.violations.size(), 1u);
  EXPECT_EQ(t.violations[0].block_row, 1);
  EXPECT_EQ(t.violations[0].block_col, 1);
  EXPECT_GE(t.worst_exponent_range, 20);
  EXPECT_EQ(t.blocks_over_2p14, 1);
  EXPECT_EQ(t.verify_mismatches, -1); // nothing converted, nothing written
  std::string out;
  EXPECT_EQ(run_cli(d.file("b.safetensors"), &out), 1);
  EXPECT_NE(out.find("rows 128..255 cols 128..255"), std::string::npos) << out;
}

TEST(CheckpointScan, FindsAScaleInAnotherShard) {
  TempDir d;
  const TensorMap m = expert("mtp.0.ffn.experts.1.w1", 128, 128, 118, 9, 5);
  write(d.file("w.safetensors"),
        {{"mtp.0.ffn.experts.1.w1.weight", m.at("mtp.0.ffn.experts.1.w1.weight")}});
  write(d.file("s.safetensors"),
        {{"mtp.0.ffn.experts.1.w1.scale", m.at("mtp.0.ffn.experts.1.w1.scale")}});
  const CheckpointScan s = scan_checkpoint({d.file("w.safetensors"), d.file("s.safetensors")}, {});
  ASSERT_EQ(s.tensors.size(), 1u);
  EXPECT_TRUE(s.tensors[0].ok()) << format_tensor_scan(s.tensors[0],
                                                       reference::LosslessCheck::kBlockRatio2p14);
}

TEST(CheckpointScan, CorruptAndTruncatedFilesAreUnreadable) {
  TempDir d;
  write(d.file("good.safetensors"), expert("layers.9.ffn.experts.2.w2", 128, 256, 120, 3, 6));
  fs::copy_file(d.file("good.safetensors"), d.file("truncated.safetensors"));
  fs::resize_file(d.file("truncated.safetensors"),
                  fs::file_size(d.file("good.safetensors")) - 1000);
  {
    std::ofstream bad(d.file("garbage.safetensors"), std::ios::binary);
    bad << "\x10\x00\x00\x00\x00\x00\x00\x00{not json at all";
  }
  const CheckpointScan s = scan_checkpoint(
      {d.file("good.safetensors"), d.file("truncated.safetensors"), d.file("garbage.safetensors")},
      {});
  EXPECT_EQ(s.unreadable.size(), 2u);
  EXPECT_EQ(s.tensors.size(), 1u);
  std::string out;
  EXPECT_EQ(run_cli(d.file("good.safetensors") + " " + d.file("truncated.safetensors"), &out), 3);
  EXPECT_NE(out.find("UNREADABLE"), std::string::npos) << out;
  EXPECT_EQ(run_cli(d.file("missing.safetensors")), 3);
}

TEST(CheckpointScan, NoFp4TensorsIsAnError) {
  TempDir d;
  write(d.file("fp8.safetensors"),
        {{"layers.0.attn.wq_a.weight", random_codes(DType::e4m3, {128, 128}, 7, "x", 0x77)}});
  EXPECT_EQ(run_cli(d.file("fp8.safetensors")), 3);
}

} // namespace
} // namespace v4::harness
