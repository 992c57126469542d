#include "optimized/fp4_act_quant.h"

#include <stdexcept>

#include "optimized/cuda_runtime.h"
#include "optimized/formats.cuh"
#include "optimized/fp4_codec.cuh"
#include "optimized/launch_util.cuh"

namespace v4::optimized {
namespace {

constexpr int kThreads = 256;
constexpr int kUnroll = 2;

// One 16-byte vector (8 bf16) per lane and unrolled step; vector v is in block v / 4.
template <bool kSim>
__global__ void __launch_bounds__(kThreads) fp4_act_kernel(uint32_t* __restrict__ q, uint8_t* __restrict__ s,
                                                          uint4* y_out, const uint4* x, int64_t vectors) {
  const int64_t stride = int64_t(gridDim.x) * kThreads * kUnroll;
  for (int64_t base = int64_t(blockIdx.x) * kThreads * kUnroll + threadIdx.x; base - (threadIdx.x & 31) < vectors;
       base += stride) {
    uint4 in[kUnroll];
#pragma unroll
    for (int u = 0; u < kUnroll; ++u) {
      const int64_t v = base + u * kThreads;
      in[u] = v < vectors ? (kSim ? x[v] : dev::load_stream(x + v)) : make_uint4(0, 0, 0, 0);
    }
#pragma unroll
    for (int u = 0; u < kUnroll; ++u) {
      const int64_t v = base + u * kThreads;
      if constexpr (!kSim) {
        // Codes straight from the bf16 bits (fp4::e2m1_codes8_from_bf16, ~6 instructions per
        // element); the amax is the integer max of the magnitudes, the same float as the max of
        // the |x|, so the scale byte is the fp32 path's.
        const uint32_t w[4] = {in[u].x, in[u].y, in[u].z, in[u].w};
        uint32_t amax = fp4::bf16x8_amax_bits(w);
#pragma unroll
        for (int o = 1; o < 4; o <<= 1) amax = max(amax, __shfl_xor_sync(0xFFFFFFFFu, amax, o));
        const int e = dev::pow2_scale_exponent(__uint_as_float(amax), dev::kE2m1RecipQ, dev::kE2m1Floor);
        if (v >= vectors) continue;
        __stcs(q + v, fp4::e2m1_codes8_from_bf16(w, e));
        if ((threadIdx.x & 3) == 0) s[v >> 2] = uint8_t(e + 127);
      } else {
        float f[8];
        float amax = dev::unpack_bf16x8_amax(in[u], f);
        amax = dev::group_max<4>(amax);
        const int e = dev::pow2_scale_exponent(amax, dev::kE2m1RecipQ, dev::kE2m1Floor);
        const float inv = dev::exp2_normal(-e);
        // x = v·2^-e exactly (a subnormal product rounds, but then |x| < 2^-126 and the code is
        // ±0 either way); a = min(|x|, 6), the reference's clamp (for bf16 inputs |x| <= 6 already,
        // tests/fp4_codec_test.cpp); the sign is bit 31 of x, as std::signbit in the reference.
        float a[8];
        uint32_t sign[8];
#pragma unroll
        for (int j = 0; j < 8; ++j) {
          const float scaled = __fmul_rn(f[j], inv);
          a[j] = fminf(fabsf(scaled), 6.0f);
          sign[j] = __float_as_uint(scaled) & 0x80000000u;
        }
        if (v >= vectors) continue;
        // e2m1 value · 2^e is exact in fp32 (down to 2^-127, a subnormal) and in bf16.
        const float scale = e >= -126 ? dev::exp2_normal(e) : __uint_as_float(0x00400000u);
        float y[8];
#pragma unroll
        for (int j = 0; j < 8; ++j)
          y[j] = __fmul_rn(__uint_as_float(__float_as_uint(fp4::e2m1_round_abs(a[j])) | sign[j]), scale);
        uint32_t out[4];
#pragma unroll
        for (int i = 0; i < 4; ++i) out[i] = dev::pack_bf16x2(y[2 * i], y[2 * i + 1]);
        y_out[v] = make_uint4(out[0], out[1], out[2], out[3]);
      }
    }
  }
}

void check_args(const char* name, int64_t rows, int64_t cols) {
  if (rows < 0 || cols <= 0 || cols % 32 != 0) {
    throw std::invalid_argument(std::string(name) + ": cols must be a positive multiple of 32");
  }
}

}  // namespace

int64_t fp4_act_quant_schedule_threshold(int64_t cols) {
  const int64_t per_pass = int64_t(132 * 32) * kThreads * kUnroll;
  return cols >= 8 ? per_pass / (cols / 8) : 0;
}

void fp4_act_quant(e2m1x2* q, ue8m0* s, const bf16* x, int64_t rows, int64_t cols, cudaStream_t stream) {
  check_args("fp4_act_quant", rows, cols);
  const int64_t vectors = rows * cols / 8;
  if (vectors == 0) return;
  fp4_act_kernel<false><<<dev::stride_grid(vectors, kThreads * kUnroll), kThreads, 0, stream>>>(
      reinterpret_cast<uint32_t*>(q), reinterpret_cast<uint8_t*>(s), nullptr, reinterpret_cast<const uint4*>(x),
      vectors);
  V4_CUDA_CHECK_LAUNCH();
}

void fp4_act_quant_sim(bf16* y, const bf16* x, int64_t rows, int64_t cols, cudaStream_t stream) {
  check_args("fp4_act_quant_sim", rows, cols);
  const int64_t vectors = rows * cols / 8;
  if (vectors == 0) return;
  fp4_act_kernel<true><<<dev::stride_grid(vectors, kThreads * kUnroll), kThreads, 0, stream>>>(
      nullptr, nullptr, reinterpret_cast<uint4*>(y), reinterpret_cast<const uint4*>(x), vectors);
  V4_CUDA_CHECK_LAUNCH();
}

}  // namespace v4::optimized
