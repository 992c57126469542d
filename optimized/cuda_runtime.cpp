#include "optimized/cuda_runtime.h"

#include <cstdint>
#include <cstdio>
#include <utility>

namespace v4::optimized {

void cuda_check(cudaError_t status, const char* what, const char* file, int line) {
  if (status == cudaSuccess) return;
  throw CudaError(std::string(cudaGetErrorName(status)) + " (" + cudaGetErrorString(status) + ") in " + what + " at " +
                  file + ":" + std::to_string(line));
}

const std::string& cuda_unavailable_reason() {
  static const std::string reason = [] {
    int count = 0;
    const cudaError_t status = cudaGetDeviceCount(&count);
    if (status != cudaSuccess) {
      cudaGetLastError();  // clear the sticky error for later callers
      return std::string("no usable CUDA device: ") + cudaGetErrorString(status);
    }
    if (count == 0) return std::string("no CUDA device present");
    cudaDeviceProp prop{};
    if (cudaGetDeviceProperties(&prop, 0) != cudaSuccess) return std::string("cannot query CUDA device 0");
    if (prop.major != 9 || prop.minor != 0) {
      return "kernels are built for sm_90a (Hopper); device 0 is " + std::string(prop.name) + " (sm_" +
             std::to_string(prop.major) + std::to_string(prop.minor) + ")";
    }
    return std::string();
  }();
  return reason;
}

CudaDeviceFacts cuda_device_facts() {
  CudaDeviceFacts f;
  int runtime = 0, driver = 0;
  V4_CUDA_CHECK(cudaRuntimeGetVersion(&runtime));
  V4_CUDA_CHECK(cudaDriverGetVersion(&driver));
  f.runtime_version = std::to_string(runtime / 1000) + "." + std::to_string(runtime % 1000 / 10);
  f.driver_version = "CUDA " + std::to_string(driver / 1000) + "." + std::to_string(driver % 1000 / 10);
  cudaDeviceProp prop{};
  V4_CUDA_CHECK(cudaGetDeviceProperties(&prop, 0));
  f.name = prop.name;
  char uuid[64];
  const unsigned char* u = reinterpret_cast<const unsigned char*>(prop.uuid.bytes);
  std::snprintf(uuid, sizeof uuid, "GPU-%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", u[0],
                u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13], u[14], u[15]);
  f.uuid = uuid;
  int sm_clock_khz = 0, mem_clock_khz = 0;
  cudaDeviceGetAttribute(&sm_clock_khz, cudaDevAttrClockRate, 0);
  cudaDeviceGetAttribute(&mem_clock_khz, cudaDevAttrMemoryClockRate, 0);
  f.clocks = "sm max " + std::to_string(sm_clock_khz / 1000) + " MHz, mem " + std::to_string(mem_clock_khz / 1000) + " MHz";
  f.sm_count = prop.multiProcessorCount;
  f.l2_bytes = size_t(prop.l2CacheSize);
  return f;
}

DeviceBuffer::DeviceBuffer(size_t bytes) : bytes_(bytes) {
  if (bytes) V4_CUDA_CHECK(cudaMalloc(&ptr_, bytes));
}
DeviceBuffer::~DeviceBuffer() {
  if (ptr_) cudaFree(ptr_);
}
DeviceBuffer::DeviceBuffer(DeviceBuffer&& o) noexcept
    : ptr_(std::exchange(o.ptr_, nullptr)), bytes_(std::exchange(o.bytes_, 0)) {}
DeviceBuffer& DeviceBuffer::operator=(DeviceBuffer&& o) noexcept {
  if (this != &o) {
    if (ptr_) cudaFree(ptr_);
    ptr_ = std::exchange(o.ptr_, nullptr);
    bytes_ = std::exchange(o.bytes_, 0);
  }
  return *this;
}
void DeviceBuffer::upload(const void* host, size_t bytes, cudaStream_t stream) {
  if (bytes > bytes_) throw CudaError("DeviceBuffer::upload: more bytes than allocated");
  V4_CUDA_CHECK(cudaMemcpyAsync(ptr_, host, bytes, cudaMemcpyHostToDevice, stream));
  V4_CUDA_CHECK(cudaStreamSynchronize(stream));
}
void DeviceBuffer::download(void* host, size_t bytes, cudaStream_t stream) const {
  if (bytes > bytes_) throw CudaError("DeviceBuffer::download: more bytes than allocated");
  V4_CUDA_CHECK(cudaMemcpyAsync(host, ptr_, bytes, cudaMemcpyDeviceToHost, stream));
  V4_CUDA_CHECK(cudaStreamSynchronize(stream));
}

void keep_stream_pool_memory() {
  static const bool once = [] {  // the harness uses one device per process
    int device = 0;
    V4_CUDA_CHECK(cudaGetDevice(&device));
    cudaMemPool_t pool;
    V4_CUDA_CHECK(cudaDeviceGetDefaultMemPool(&pool, device));
    uint64_t threshold = UINT64_MAX;
    V4_CUDA_CHECK(cudaMemPoolSetAttribute(pool, cudaMemPoolAttrReleaseThreshold, &threshold));
    return true;
  }();
  (void)once;
}

}  // namespace v4::optimized
