#include "optimized/swiglu.h"

#include <algorithm>
#include <mutex>
#include <stdexcept>
#include <vector>

#include "optimized/cuda_runtime.h"
#include "optimized/formats.cuh"
#include "optimized/swiglu_table.cuh"

namespace v4::optimized {
namespace {

constexpr int kDirectThreads = 256;
constexpr int kTableThreads = 1024;
constexpr size_t kTableBytes = size_t(kSiluTableSize) * sizeof(float); // 135168 B = 132 KiB
constexpr uint32_t kTableReady = 0x51A0C0DEu; // anything but the zero of a fresh module
// Largest vector count of the table kernel: its 32-bit indices then never wrap (v < 2^31 plus a
// stride < 2^31).
constexpr int64_t kTableMaxVectors = int64_t(1) << 31;
static_assert(kSiluTableSize % 4 == 0, "the table is copied in 16-byte pieces");
static_assert(kTableBytes <= 227 * 1024, "an sm_90 block has at most 227 KiB of shared memory");

// The silu table (swiglu_table.cuh), per device: a module variable, built by silu_table_build and
// published by silu_table_publish (ready = kTableReady, a release after the whole table is
// written). A fresh module (first use, or after a device reset) reads 0: not ready.
__device__ float g_silu_table[kSiluTableSize];
__device__ uint32_t g_silu_table_ready;

// fl32(g/(1 + e^−g)) in double, the reference's silu. The ONLY silu expression of this file: the
// table entries and every element computed directly go through it, so the table path is bitwise
// the direct path by construction (same instructions, same inputs; __ddiv_rn/__dadd_rn forbid
// contraction).
__device__ __forceinline__ float silu_double(float gate) {
  const double g = gate;
  return __double2float_rn(__ddiv_rn(g, __dadd_rn(1.0, exp(-g))));
}

// std::clamp(up, -limit, limit) with the reference's comparisons (NaN stays NaN).
__device__ __forceinline__ float clamp_up(float up, float limit) {
  return limit > 0.0f ? (up < -limit ? -limit : (limit < up ? limit : up)) : up;
}

// reference::swiglu_clamp for one element, with its operations and comparisons in its order.
__device__ __forceinline__ float swiglu_one(float gate, float up, float limit) {
  up = clamp_up(up, limit);
  gate = silu_gate_clamped(gate, limit) ? limit : gate;
  return __fmul_rn(silu_double(gate), up);
}

// ---- Direct path: one thread per 8 elements, silu in double per element. ----

__global__ void __launch_bounds__(kDirectThreads)
    swiglu_direct_kernel(uint4* __restrict__ h, const uint4* __restrict__ g,
                         const uint4* __restrict__ u, const float* __restrict__ route_weight,
                         int64_t vectors, int64_t row_vectors, float limit) {
  const int64_t v = int64_t(blockIdx.x) * kDirectThreads + threadIdx.x;
  if (v >= vectors)
    return;
  const uint4 gv = __ldcs(g + v), uv = __ldcs(u + v);
  const float w = route_weight ? route_weight[v / row_vectors] : 0.0f;
  const uint32_t gw[4] = {gv.x, gv.y, gv.z, gv.w}, uw[4] = {uv.x, uv.y, uv.z, uv.w};
  uint32_t out[4];
#pragma unroll
  for (int i = 0; i < 4; ++i) {
    float lo = swiglu_one(dev::bf16_lo(gw[i]), dev::bf16_lo(uw[i]), limit);
    float hi = swiglu_one(dev::bf16_hi(gw[i]), dev::bf16_hi(uw[i]), limit);
    if (route_weight) {
      lo = __fmul_rn(w, lo);
      hi = __fmul_rn(w, hi);
    }
    out[i] = dev::pack_bf16x2(lo, hi);
  }
  __stcs(h + v, make_uint4(out[0], out[1], out[2], out[3]));
}

// ---- The table, built once per device. ----

__global__ void silu_table_build() {
  const uint32_t slot = blockIdx.x * blockDim.x + threadIdx.x;
  if (slot < kSiluTableSize)
    g_silu_table[slot] = silu_double(silu_table_gate(silu_table_code(slot)));
}

// Launched after silu_table_build on the same stream: the build's writes are complete and
// visible before this kernel starts; the release orders them before the flag for any reader
// that acquires it.
__global__ void silu_table_publish() {
  asm volatile("st.release.gpu.global.u32 [%0], %1;" ::"l"(&g_silu_table_ready), "r"(kTableReady)
               : "memory");
}

__device__ __forceinline__ bool silu_table_ready() {
  uint32_t v;
  asm volatile("ld.acquire.gpu.global.u32 %0, [%1];" : "=r"(v) : "l"(&g_silu_table_ready) : "memory");
  return v == kTableReady;
}

// ---- Table path: persistent blocks, silu gathered from shared memory. ----

// The 16-bit code of element e (0..7) of a vector: element 2i in the low half of word i.
__device__ __forceinline__ uint32_t code_of(const uint4& v, int e) {
  const uint32_t word = (e & 4) ? ((e & 2) ? v.w : v.z) : ((e & 2) ? v.y : v.x);
  return (e & 1) ? word >> 16 : word & 0xFFFFu;
}

// 8 elements: silu from the clamp limit, the shared table, or (rare: a code the table lacks, or
// every unclamped element when `table` is false) the double expression itself.
__device__ __forceinline__ uint4 swiglu8(const uint4& gv, const uint4& uv, const float* s_table,
                                         bool table, float limit, float silu_limit,
                                         const float* route_weight, float w) {
  float s[8];
  uint32_t rare = 0;
#pragma unroll
  for (int e = 0; e < 8; ++e) {
    const uint32_t code = code_of(gv, e);
    const SiluSource src = silu_source(code, limit, table);
    const float t = s_table[silu_table_slot(code)]; // always a valid slot; used only if held
    s[e] = src == SiluSource::limit ? silu_limit : t;
    rare |= uint32_t(src == SiluSource::direct) << e;
  }
  // One copy of the double code for all 8 elements; the selects keep s[] in registers.
  for (uint32_t m = rare; m != 0; m &= m - 1) {
    const int e = __ffs(m) - 1;
    const float val = silu_double(silu_table_gate(code_of(gv, e))); // not clamped: the gate
#pragma unroll
    for (int j = 0; j < 8; ++j)
      s[j] = j == e ? val : s[j];
  }
  const uint32_t uw[4] = {uv.x, uv.y, uv.z, uv.w};
  uint32_t out[4];
#pragma unroll
  for (int i = 0; i < 4; ++i) {
    float lo = __fmul_rn(s[2 * i], clamp_up(dev::bf16_lo(uw[i]), limit));
    float hi = __fmul_rn(s[2 * i + 1], clamp_up(dev::bf16_hi(uw[i]), limit));
    if (route_weight) {
      lo = __fmul_rn(w, lo);
      hi = __fmul_rn(w, hi);
    }
    out[i] = dev::pack_bf16x2(lo, hi);
  }
  return make_uint4(out[0], out[1], out[2], out[3]);
}

// 16 bytes global -> shared without registers; .cg: from L2, never a stale L1 line.
__device__ __forceinline__ void copy16_async(float4* dst, const float4* src) {
  const uint32_t d = uint32_t(__cvta_generic_to_shared(dst));
  asm volatile("cp.async.cg.shared.global [%0], [%1], 16;" ::"r"(d), "l"(src) : "memory");
}

// Block b owns vectors [b·V/B, (b+1)·V/B) (balanced to one vector); its threads take two vectors
// 1024 apart per step. The first step's loads are issued before the table copy so that DRAM
// streams while the table comes from L2.
__global__ void __launch_bounds__(kTableThreads, 1)
    swiglu_table_kernel(uint4* __restrict__ h, const uint4* __restrict__ g,
                        const uint4* __restrict__ u, const float* __restrict__ route_weight,
                        uint32_t vectors, uint32_t row_vectors, float limit) {
  extern __shared__ float4 s_table4[]; // kSiluTableSize floats
  __shared__ bool s_ready;
  const float* s_table = reinterpret_cast<const float*>(s_table4);
  const uint32_t begin = uint32_t(uint64_t(blockIdx.x) * vectors / gridDim.x);
  const uint32_t end = uint32_t(uint64_t(blockIdx.x + 1) * vectors / gridDim.x);
  uint32_t v = begin + threadIdx.x;
  uint4 g0 = {}, u0 = {}, g1 = {}, u1 = {};
  // The thread's next two vectors of g and u (v and v + kTableThreads), when inside the range.
  auto load_next = [&] {
    if (v < end) {
      g0 = __ldcs(g + v);
      u0 = __ldcs(u + v);
    }
    if (v + kTableThreads < end) {
      g1 = __ldcs(g + v + kTableThreads);
      u1 = __ldcs(u + v + kTableThreads);
    }
  };
  load_next();
  if (threadIdx.x == 0)
    s_ready = silu_table_ready();
  __syncthreads();
  const bool table = s_ready; // block-uniform: one acquire, broadcast by the barrier
  if (table) { // cp.async: all of a thread's 16-byte copies in flight at once, no registers
    const float4* src = reinterpret_cast<const float4*>(g_silu_table);
    for (uint32_t i = threadIdx.x; i < kSiluTableSize / 4; i += kTableThreads)
      copy16_async(s_table4 + i, src + i);
    asm volatile("cp.async.wait_all;" ::: "memory");
  }
  __syncthreads();
  const float silu_limit = silu_double(limit); // the gate of every clamped element
  while (v < end) {
    const float w0 = route_weight ? route_weight[v / row_vectors] : 0.0f;
    __stcs(h + v, swiglu8(g0, u0, s_table, table, limit, silu_limit, route_weight, w0));
    const uint32_t v1 = v + kTableThreads;
    if (v1 < end) {
      const float w1 = route_weight ? route_weight[v1 / row_vectors] : 0.0f;
      __stcs(h + v1, swiglu8(g1, u1, s_table, table, limit, silu_limit, route_weight, w1));
    }
    v += 2 * kTableThreads;
    load_next();
  }
}

// Per device: the table built (and published) once, the kernel's shared-memory opt-in, SMs.
struct DeviceState {
  bool ready = false;
  int sm_count = 0;
};

// The table kernel's grid on the current device, building the table on `stream` on first use.
int prepare_table(cudaStream_t stream) {
  static std::mutex mutex;
  static std::vector<DeviceState> states;
  int device = 0;
  V4_CUDA_CHECK(cudaGetDevice(&device));
  const std::lock_guard<std::mutex> lock(mutex);
  if (size_t(device) >= states.size())
    states.resize(size_t(device) + 1);
  DeviceState& st = states[size_t(device)];
  if (!st.ready) {
    V4_CUDA_CHECK(cudaDeviceGetAttribute(&st.sm_count, cudaDevAttrMultiProcessorCount, device));
    V4_CUDA_CHECK(cudaFuncSetAttribute(swiglu_table_kernel,
                                       cudaFuncAttributeMaxDynamicSharedMemorySize,
                                       int(kTableBytes)));
    silu_table_build<<<(kSiluTableSize + 255) / 256, 256, 0, stream>>>();
    V4_CUDA_CHECK_LAUNCH();
    silu_table_publish<<<1, 1, 0, stream>>>();
    V4_CUDA_CHECK_LAUNCH();
    st.ready = true;
  }
  return st.sm_count;
}

} // namespace

int64_t swiglu_table_threshold(int64_t inter) {
  return (kSwigluTableMinElements + inter - 1) / inter;
}

bool swiglu_table_download(float* table) {
  V4_CUDA_CHECK(cudaDeviceSynchronize());
  uint32_t ready = 0;
  V4_CUDA_CHECK(cudaMemcpyFromSymbol(&ready, g_silu_table_ready, sizeof ready));
  if (ready != kTableReady)
    return false;
  V4_CUDA_CHECK(cudaMemcpyFromSymbol(table, g_silu_table, kTableBytes));
  return true;
}

void swiglu_clamp_bf16(bf16* h, const bf16* g, const bf16* u, const float* route_weight,
                       int64_t rows, int64_t inter, float limit, cudaStream_t stream) {
  if (rows < 0 || inter <= 0)
    throw std::invalid_argument("swiglu_clamp_bf16: inter must be positive");
  if (inter % 8 != 0)
    throw std::invalid_argument("swiglu_clamp_bf16: the CUDA kernel needs inter % 8 == 0");
  if ((reinterpret_cast<uintptr_t>(h) | reinterpret_cast<uintptr_t>(g) |
       reinterpret_cast<uintptr_t>(u)) %
          16 !=
      0) {
    throw std::invalid_argument("swiglu_clamp_bf16: h, g and u must be 16-byte aligned");
  }
  const int64_t vectors = rows * inter / 8;
  if (vectors == 0)
    return;
  if (rows >= swiglu_table_threshold(inter) && vectors <= kTableMaxVectors) {
    const int sms = prepare_table(stream);
    const int64_t blocks = std::min<int64_t>(sms, (vectors + kTableThreads - 1) / kTableThreads);
    swiglu_table_kernel<<<unsigned(blocks), kTableThreads, kTableBytes, stream>>>(
        reinterpret_cast<uint4*>(h), reinterpret_cast<const uint4*>(g),
        reinterpret_cast<const uint4*>(u), route_weight, uint32_t(vectors), uint32_t(inter / 8),
        limit);
    V4_CUDA_CHECK_LAUNCH();
    return;
  }
  const int64_t blocks = (vectors + kDirectThreads - 1) / kDirectThreads;
  if (blocks > 0x7FFFFFFF)
    throw std::invalid_argument("swiglu_clamp_bf16: too many elements for one launch");
  swiglu_direct_kernel<<<unsigned(blocks), kDirectThreads, 0, stream>>>(
      reinterpret_cast<uint4*>(h), reinterpret_cast<const uint4*>(g),
      reinterpret_cast<const uint4*>(u), route_weight, vectors, inter / 8, limit);
  V4_CUDA_CHECK_LAUNCH();
}

} // namespace v4::optimized
