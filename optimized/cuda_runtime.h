// CUDA runtime helpers shared by every kernel: error checking that throws with the failing call,
// device discovery for "is a GPU here, and if not, why", device buffers, and the device facts
// recorded as run provenance.
#pragma once

#include <cuda_runtime_api.h>

#include <cstddef>
#include <stdexcept>
#include <string>

namespace v4::optimized {

class CudaError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Throws CudaError naming the call, file and line when `status` is not cudaSuccess.
void cuda_check(cudaError_t status, const char* what, const char* file, int line);
#define V4_CUDA_CHECK(call) ::v4::optimized::cuda_check((call), #call, __FILE__, __LINE__)
// After a kernel launch: the launch error, then (in checked builds) the execution error.
#define V4_CUDA_CHECK_LAUNCH() V4_CUDA_CHECK(cudaGetLastError())

// "" when a usable sm_90 GPU is present; otherwise the reason (no device, driver too old, wrong
// architecture), suitable for GTEST_SKIP and `v4harness list`.
const std::string& cuda_unavailable_reason();

struct CudaDeviceFacts {
  std::string runtime_version, driver_version, name, uuid, clocks;
  int sm_count = 0;
  size_t l2_bytes = 0;
};
CudaDeviceFacts cuda_device_facts();  // requires an available device

// Raises the release threshold of the current device's default memory pool so that scratch freed
// with cudaFreeAsync stays in the pool for the next cudaMallocAsync instead of going back to the
// driver at every synchronization (which would put an allocation into every timed launch).
void keep_stream_pool_memory();

// An owning device allocation.
class DeviceBuffer {
 public:
  DeviceBuffer() = default;
  explicit DeviceBuffer(size_t bytes);
  ~DeviceBuffer();
  DeviceBuffer(DeviceBuffer&& other) noexcept;
  DeviceBuffer& operator=(DeviceBuffer&& other) noexcept;
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;

  void* get() const { return ptr_; }
  template <class T>
  T* as() const {
    return static_cast<T*>(ptr_);
  }
  size_t bytes() const { return bytes_; }
  void upload(const void* host, size_t bytes, cudaStream_t stream = nullptr);
  void download(void* host, size_t bytes, cudaStream_t stream = nullptr) const;

 private:
  void* ptr_ = nullptr;
  size_t bytes_ = 0;
};

}  // namespace v4::optimized
