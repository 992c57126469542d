#include "optimized/formats.h"

#include <cuda_fp4.h>

#include <stdexcept>

#include "optimized/cuda_runtime.h"
#include "optimized/formats.cuh"

namespace v4::optimized {
namespace {

constexpr int kThreads = 256;

unsigned grid_for(int64_t n) {
  const int64_t blocks = (n + kThreads - 1) / kThreads;
  return unsigned(blocks < 1 ? 1 : (blocks > 1 << 20 ? 1 << 20 : blocks));  // grid-stride beyond
}

template <class F>
__global__ void map_kernel(int64_t n, F f) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x) f(i);
}

template <class F>
void launch_map(int64_t n, cudaStream_t stream, F f) {
  if (n < 0) throw std::invalid_argument("formats: negative element count");
  if (n == 0) return;
  map_kernel<<<grid_for(n), kThreads, 0, stream>>>(n, f);
  V4_CUDA_CHECK_LAUNCH();
}

// Encoders: 8 fp32 per thread and step (two 16-byte loads), one 16-, 8- or 4-byte store; the
// tail (n % 8) element by element.
template <class Store>
__global__ void __launch_bounds__(kThreads) encode8_kernel(const float4* __restrict__ x, int64_t groups, Store store) {
  for (int64_t g = blockIdx.x * int64_t(kThreads) + threadIdx.x; g < groups; g += int64_t(gridDim.x) * kThreads) {
    const float4 a = __ldcs(x + 2 * g), b = __ldcs(x + 2 * g + 1);
    const float f[8] = {a.x, a.y, a.z, a.w, b.x, b.y, b.z, b.w};
    store(g, f);
  }
}

template <class Store, class One>
void launch_encode8(const float* x, int64_t n, cudaStream_t stream, Store store, One one) {
  if (n < 0) throw std::invalid_argument("formats: negative element count");
  const int64_t groups = n / 8;
  if (groups > 0) {
    if (reinterpret_cast<uintptr_t>(x) % 16 != 0) throw std::invalid_argument("formats: x must be 16-byte aligned");
    encode8_kernel<<<grid_for(groups), kThreads, 0, stream>>>(reinterpret_cast<const float4*>(x), groups, store);
    V4_CUDA_CHECK_LAUNCH();
  }
  if (n % 8) launch_map(n % 8, stream, [=] __device__(int64_t i) { one(groups * 8 + i); });
}

}  // namespace

void bf16_encode(bf16* y, const float* x, int64_t n, cudaStream_t stream) {
  auto* out = reinterpret_cast<uint16_t*>(y);
  launch_encode8(
      x, n, stream,
      [=] __device__(int64_t g, const float(&f)[8]) {
        reinterpret_cast<uint4*>(out)[g] = make_uint4(dev::pack_bf16x2(f[0], f[1]), dev::pack_bf16x2(f[2], f[3]),
                                                      dev::pack_bf16x2(f[4], f[5]), dev::pack_bf16x2(f[6], f[7]));
      },
      [=] __device__(int64_t i) { out[i] = dev::float_to_bf16(x[i]); });
}
void bf16_decode(float* y, const bf16* x, int64_t n, cudaStream_t stream) {
  auto* in = reinterpret_cast<const uint16_t*>(x);
  launch_map(n, stream, [=] __device__(int64_t i) { y[i] = dev::bf16_to_float(in[i]); });
}
void e4m3_encode(e4m3* y, const float* x, int64_t n, cudaStream_t stream) {
  auto* out = reinterpret_cast<uint8_t*>(y);
  launch_encode8(
      x, n, stream,
      [=] __device__(int64_t g, const float(&f)[8]) {
        const uint32_t lo = uint32_t(dev::e4m3x2_encode(f[0], f[1])) | (uint32_t(dev::e4m3x2_encode(f[2], f[3])) << 16);
        const uint32_t hi = uint32_t(dev::e4m3x2_encode(f[4], f[5])) | (uint32_t(dev::e4m3x2_encode(f[6], f[7])) << 16);
        reinterpret_cast<uint2*>(out)[g] = make_uint2(lo, hi);
      },
      [=] __device__(int64_t i) { out[i] = dev::e4m3_encode(x[i]); });
}
void e4m3_decode(float* y, const e4m3* x, int64_t n, cudaStream_t stream) {
  auto* in = reinterpret_cast<const uint8_t*>(x);
  launch_map(n, stream, [=] __device__(int64_t i) { y[i] = dev::e4m3_decode(in[i]); });
}
void e2m1_encode(e2m1x2* y, const float* x, int64_t n, cudaStream_t stream) {
  if (n % 2) throw std::invalid_argument("e2m1_encode: n must be even (two codes per byte)");
  auto* out = reinterpret_cast<uint8_t*>(y);
  launch_encode8(
      x, n, stream,
      [=] __device__(int64_t g, const float(&f)[8]) {
        uint32_t packed = 0;
#pragma unroll
        for (int j = 0; j < 8; ++j) packed |= uint32_t(dev::e2m1_encode(f[j])) << (4 * j);
        reinterpret_cast<uint32_t*>(out)[g] = packed;
      },
      [=] __device__(int64_t i) {  // tail: one thread per pair (i even)
        if (i % 2 == 0) out[i / 2] = uint8_t(dev::e2m1_encode(x[i]) | (dev::e2m1_encode(x[i + 1]) << 4));
      });
}
void e2m1_decode(float* y, const e2m1x2* x, int64_t n, cudaStream_t stream) {
  if (n % 2) throw std::invalid_argument("e2m1_decode: n must be even (two codes per byte)");
  auto* in = reinterpret_cast<const uint8_t*>(x);
  launch_map(n, stream, [=] __device__(int64_t i) { y[i] = dev::e2m1_decode((in[i >> 1] >> ((i & 1) * 4)) & 0xF); });
}
void ue8m0_encode(ue8m0* y, const float* x, int64_t n, cudaStream_t stream) {
  auto* out = reinterpret_cast<uint8_t*>(y);
  launch_map(n, stream, [=] __device__(int64_t i) { out[i] = dev::ue8m0_encode_pow2(x[i]); });
}
void ue8m0_decode(float* y, const ue8m0* x, int64_t n, cudaStream_t stream) {
  auto* in = reinterpret_cast<const uint8_t*>(x);
  launch_map(n, stream, [=] __device__(int64_t i) { y[i] = dev::ue8m0_decode(in[i]); });
}

// ---- exhaustive checks -----------------------------------------------------------------------

void encode_bit_range(uint16_t* bf16_codes, uint8_t* e4m3_codes, uint8_t* e2m1_codes, uint32_t first,
                      uint32_t count, cudaStream_t stream) {
  launch_map(int64_t(count), stream, [=] __device__(int64_t i) {
    const float x = __uint_as_float(first + uint32_t(i));
    bf16_codes[i] = dev::float_to_bf16(x);
    e4m3_codes[i] = dev::e4m3_encode(x);
    e2m1_codes[i] = dev::e2m1_encode(x);
  });
}

namespace {

struct DeviceMismatches {
  unsigned long long bf16, e4m3, e2m1, e2m1_nan;
  unsigned first_bf16, first_e4m3, first_e2m1;
};

// Test-only counters: integer atomics, whose result does not depend on their order.
__global__ void compare_intrinsics_kernel(uint32_t first, uint32_t count, DeviceMismatches* out) {
  unsigned long long n_bf16 = 0, n_e4m3 = 0, n_e2m1 = 0, n_nan = 0;
  unsigned f_bf16 = 0xFFFFFFFFu, f_e4m3 = 0xFFFFFFFFu, f_e2m1 = 0xFFFFFFFFu;
  for (uint32_t i = blockIdx.x * blockDim.x + threadIdx.x; i < count; i += gridDim.x * blockDim.x) {
    const uint32_t bits = first + i;
    const float x = __uint_as_float(bits);
    const uint16_t ours_b = dev::float_to_bf16(x);
    const uint16_t ref_b = __bfloat16_as_ushort(__float2bfloat16_rn(x));
    const bool nan_b = (ours_b & 0x7FFF) > 0x7F80 && (ref_b & 0x7FFF) > 0x7F80;
    if (ours_b != ref_b && !nan_b) ++n_bf16, f_bf16 = min(f_bf16, bits);
    const uint8_t ours_q = dev::e4m3_encode(x);
    const uint8_t ref_q = uint8_t(__nv_cvt_float_to_fp8(x, __NV_SATFINITE, __NV_E4M3));
    if (ours_q != ref_q) ++n_e4m3, f_e4m3 = min(f_e4m3, bits);
    const uint8_t ours_f = dev::e2m1_encode(x);
    const uint8_t ref_f = uint8_t(__nv_cvt_float_to_fp4(x, __NV_E2M1, cudaRoundNearest));
    if (ours_f != ref_f) {
      if (x != x) ++n_nan;
      else ++n_e2m1, f_e2m1 = min(f_e2m1, bits);
    }
  }
  if (n_bf16) atomicAdd(&out->bf16, n_bf16), atomicMin(&out->first_bf16, f_bf16);
  if (n_e4m3) atomicAdd(&out->e4m3, n_e4m3), atomicMin(&out->first_e4m3, f_e4m3);
  if (n_e2m1) atomicAdd(&out->e2m1, n_e2m1), atomicMin(&out->first_e2m1, f_e2m1);
  if (n_nan) atomicAdd(&out->e2m1_nan, n_nan);
}

}  // namespace

IntrinsicMismatches compare_with_intrinsics(uint32_t first, uint32_t count, cudaStream_t stream) {
  DeviceBuffer buf(sizeof(DeviceMismatches));
  DeviceMismatches init{0, 0, 0, 0, 0xFFFFFFFFu, 0xFFFFFFFFu, 0xFFFFFFFFu};
  buf.upload(&init, sizeof init, stream);
  compare_intrinsics_kernel<<<132 * 16, 256, 0, stream>>>(first, count, buf.as<DeviceMismatches>());
  V4_CUDA_CHECK_LAUNCH();
  DeviceMismatches got{};
  buf.download(&got, sizeof got, stream);
  IntrinsicMismatches r;
  r.bf16 = got.bf16;
  r.e4m3 = got.e4m3;
  r.e2m1 = got.e2m1;
  r.e2m1_nan_inputs = got.e2m1_nan;
  r.first_bf16 = got.first_bf16;
  r.first_e4m3 = got.first_e4m3;
  r.first_e2m1 = got.first_e2m1;
  return r;
}

void decode_tables(float* ours, float* intrinsic, cudaStream_t stream) {
  launch_map(kDecodeTableSize, stream, [=] __device__(int64_t i) {
    if (i < 65536) {
      ours[i] = dev::bf16_to_float(uint16_t(i));
      __nv_bfloat16_raw raw;
      raw.x = uint16_t(i);
      intrinsic[i] = __bfloat162float(__nv_bfloat16(raw));
    } else if (i < 65536 + 256) {
      const uint8_t c = uint8_t(i - 65536);
      ours[i] = dev::e4m3_decode(c);
      __nv_fp8_e4m3 q;
      q.__x = c;
      intrinsic[i] = float(q);
    } else if (i < 65536 + 256 + 16) {
      const uint8_t c = uint8_t(i - 65536 - 256);
      ours[i] = dev::e2m1_decode(c);
      intrinsic[i] = __half2float(__half(__nv_cvt_fp4_to_halfraw(__nv_fp4_storage_t(c), __NV_E2M1)));
    } else {
      const uint8_t c = uint8_t(i - 65536 - 256 - 16);
      ours[i] = dev::ue8m0_decode(c);
      intrinsic[i] = __bfloat162float(__nv_bfloat16(__nv_cvt_e8m0_to_bf16raw(__nv_fp8_storage_t(c))));
    }
  });
}

void ue8m0_pow2_table(uint8_t* ours, uint8_t* intrinsic, cudaStream_t stream) {
  launch_map(255, stream, [=] __device__(int64_t i) {
    const int e = int(i) - 127;
    const float p = e >= -126 ? dev::exp2_normal(e) : __uint_as_float(0x00400000u);
    ours[i] = dev::ue8m0_encode_pow2(p);
    intrinsic[i] = uint8_t(__nv_cvt_float_to_e8m0(p, __NV_SATFINITE, cudaRoundZero));
  });
}

}  // namespace v4::optimized
