// Measured ceilings of the project's H200 (design/perf-targets.md), used for roofline fractions.
// Re-measured in each GPU run by the bundle script; these constants are the committed values.
#pragma once

namespace v4::harness {

inline constexpr double kHbmBytesPerSecond = 4.30e12;   // device-to-device copy, read + write
inline constexpr double kBf16FlopsPerSecond = 795e12;   // cuBLAS bf16 8192³

// Fraction of the roofline a GPU timing reaches: the floor max(bytes/BW, flops/FLOPS) over the
// measured median. Also names the binding ceiling.
struct Roofline {
  double fraction = 0;
  const char* ceiling = "";
};
inline Roofline roofline(double bytes, double flops, double median_seconds) {
  const double t_bytes = bytes / kHbmBytesPerSecond, t_flops = flops / kBf16FlopsPerSecond;
  if (median_seconds <= 0) return {};
  return t_bytes >= t_flops ? Roofline{t_bytes / median_seconds, "hbm 4.30 TB/s"}
                            : Roofline{t_flops / median_seconds, "bf16 795 TFLOP/s"};
}

}  // namespace v4::harness
