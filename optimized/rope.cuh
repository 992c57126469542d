// RoPE device helpers shared by the rope and compressor kernels: the reference's cos/sin and pair
// rotation (reference/rope.cpp) with its rounding points. Device code: include from .cu files.
#pragma once

#include <cuda_runtime.h>

#include <cstdint>

namespace v4::optimized::dev {

// The 32 fp32 frequencies of a table, computed on the host by reference::rope_freqs (bitwise the
// reference's: the host evaluates the same expressions) and passed by value.
struct RopeFreqs {
  float f[32];
};

// θ = fl32(fl32(p)·freq) (D15); cos, sin = fl32(cos/sin(double θ)). The device's double sincos is
// within 2 double ulp of the exact value (CUDA math API), the reference's within 1: both round to
// the same fp32 unless the exact value lies within ~3·2^-53 relative of an fp32 rounding point
// (probability ~2^-27 per value); then they are adjacent fp32 values.
__device__ __forceinline__ void rope_cos_sin(int64_t position, float freq, float& c, float& s) {
  const float angle = __fmul_rn(__ll2float_rn(position), freq);
  double sd, cd;
  sincos(double(angle), &sd, &cd);
  c = __double2float_rn(cd);
  s = __double2float_rn(sd);
}

// (re, im) = (fl32(a·c − b·s), fl32(a·s + b·c)) with the bf16·fp32 products exact in double, the
// sum rounded to double and then to fp32, as the reference. s is already −sin for the inverse.
__device__ __forceinline__ void rope_rotate(float a, float b, float c, float s, float& re,
                                            float& im) {
  re = __double2float_rn(
      __dsub_rn(__dmul_rn(double(a), double(c)), __dmul_rn(double(b), double(s))));
  im = __double2float_rn(
      __dadd_rn(__dmul_rn(double(a), double(s)), __dmul_rn(double(b), double(c))));
}

} // namespace v4::optimized::dev
