// v4harness check-checkpoint <safetensors files>: for every FP4 expert weight in the shards
// (`*.weight` I8/U8/F4 packed e2m1 with a companion `*.scale` F8_E8M0 [out, in/32]), reports
// whether the FP4 → FP8 re-blocking of spec §3 is lossless, the worst sub-scale ratio, and the
// violating 128×128 blocks with their locations (spec §26 Q8). Exit 0: every tensor lossless;
// 1: some tensor is not (or cannot be re-blocked); 3: an unreadable file, or no FP4 tensor found.
#include <thread>

#include <fmt/format.h>

#include "harness/checkpoint_scan.h"
#include "harness/cli/command.h"

namespace v4::cli {
namespace {

std::function<int()> setup(CLI::App& app) {
  auto files = std::make_shared<std::vector<std::string>>();
  auto strict = std::make_shared<bool>(false);
  auto elementwise = std::make_shared<bool>(false);
  auto quiet = std::make_shared<bool>(false);
  auto threads = std::make_shared<int>(int(std::max(1u, std::thread::hardware_concurrency())));
  app.add_option("files", *files, "checkpoint shards (.safetensors)")->required();
  app.add_flag(
      "--strict", *strict,
      "bound the sub-scale ratio by 2^11 (e4m3 normals only, TileKernels) instead of 2^14");
  app.add_flag("--elementwise", *elementwise,
               "element-wise rule: every non-zero code has d >= -8 (zero codes ignored)");
  app.add_flag("--quiet", *quiet, "print only failing tensors and the summary");
  app.add_option("--threads", *threads, "tensors scanned in parallel")->capture_default_str();
  return [=] {
    harness::CheckpointScanOptions o;
    o.threads = *threads;
    o.check = *elementwise ? reference::LosslessCheck::kNonZeroElements
              : *strict    ? reference::LosslessCheck::kBlockRatio2p11
                           : reference::LosslessCheck::kBlockRatio2p14;
    const harness::CheckpointScan scan = harness::scan_checkpoint(*files, o);
    int worst = -1;
    int64_t failing = 0, blocks = 0, over11 = 0, over14 = 0;
    for (const harness::TensorScan& t : scan.tensors) {
      if (!*quiet || !t.ok())
        fmt::print("{}\n", harness::format_tensor_scan(t, o.check));
      failing += !t.ok();
      blocks += t.blocks;
      over11 += t.blocks_over_2p11;
      over14 += t.blocks_over_2p14;
      worst = std::max(worst, t.worst_exponent_range);
    }
    for (const auto& u : scan.unreadable)
      fmt::print("UNREADABLE {}: {}\n", u.file, u.error);
    fmt::print(
        "{} file(s), {} FP4 tensor(s) ({} blocks; {} FP8 and {} other tensors skipped), check {}: "
        "{} not lossless; "
        "worst sub-scale ratio 2^{}; blocks over 2^11: {}, over 2^14: {}; {} unreadable file(s)\n",
        files->size(), scan.tensors.size(), blocks, scan.fp8_tensors, scan.other_tensors,
        reference::lossless_check_name(o.check), failing, worst < 0 ? 0 : worst, over11, over14,
        scan.unreadable.size());
    if (!scan.unreadable.empty())
      return kExitError;
    if (scan.tensors.empty()) {
      fmt::print(
          "no FP4 expert tensors (*.weight I8/U8/F4 with a *.scale F8_E8M0 [out, in/32]) found\n");
      return kExitError;
    }
    return failing == 0 ? kExitOk : kExitFailed;
  };
}

} // namespace
V4_REGISTER_COMMAND("check-checkpoint",
                    "check that a checkpoint's FP4 expert weights re-block losslessly to FP8", 73,
                    setup);
} // namespace v4::cli
