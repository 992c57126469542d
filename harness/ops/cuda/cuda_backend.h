// Glue between the op registry and the CUDA launchers of optimized/: a `cuda` backend is one
// launch function; this file uploads the inputs, allocates the outputs, launches, checks the
// guard regions and downloads, and times the same launch function with device events.
//
// Every device tensor sits between two 256-byte guard regions filled with a canary pattern; the
// guards of every tensor are checked after each launch, so a write out of bounds (before or after
// any tensor) is an error naming the tensor. Outputs are poisoned (0xFF bytes: NaN in bf16, e4m3
// and fp32) before the first launch, so an element the kernel never writes cannot pass.
#pragma once

#include <cuda_runtime_api.h>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "harness/registry.h"
#include "optimized/cuda_runtime.h"

namespace v4::harness::cuda {

inline constexpr size_t kGuardBytes = 256;
inline constexpr unsigned char kCanary = 0xA5;
inline constexpr unsigned char kPoison = 0xFF;

// One tensor on the device, with guards.
struct DeviceTensor {
  DType dtype = DType::u8;
  std::vector<int64_t> shape;
  size_t bytes = 0;
  optimized::DeviceBuffer buffer;  // guard | data | guard
  void* data() const { return static_cast<unsigned char*>(buffer.get()) + kGuardBytes; }
};

class DeviceArgs {
 public:
  DeviceArgs(const TensorMap& inputs, cudaStream_t stream);  // uploads every input
  template <class T>
  const T* in(const std::string& name) const {
    return static_cast<const T*>(find(name, dtype_of<T>(), "input").data());
  }
  // Allocates (and poisons with `fill`) on first use; later calls return the same buffer.
  template <class T>
  T* out(const std::string& name, std::vector<int64_t> shape, unsigned char fill = kPoison) {
    return static_cast<T*>(output(name, dtype_of<T>(), std::move(shape), fill).data());
  }
  void check_guards() const;       // throws CudaError naming the tensor whose guard changed
  TensorMap download_outputs() const;
  Tensor download(const std::string& output) const;
  cudaStream_t stream() const { return stream_; }

 private:
  DeviceTensor& output(const std::string& name, DType dtype, std::vector<int64_t> shape, unsigned char fill);
  const DeviceTensor& find(const std::string& name, DType dtype, const char* kind) const;
  cudaStream_t stream_;
  std::map<std::string, std::unique_ptr<DeviceTensor>> inputs_, outputs_;
};

// Enqueues one complete call of the op on the stream (allocating outputs through args.out on its
// first call). Host-side post-processing of downloaded outputs goes in `finish`.
using LaunchFn = std::function<void(const Case&, DeviceArgs&, cudaStream_t)>;
using FinishFn = std::function<void(const Case&, DeviceArgs&, TensorMap& outputs)>;

struct CudaBackendSpec {
  std::string name = "cuda";
  BackendRole role = BackendRole::candidate;
  std::string description;
  LaunchFn launch;
  FinishFn finish;  // optional
  std::function<std::vector<int64_t>(const Case&)> dispatch_thresholds;
  std::function<std::string(const Case&, int64_t rows)> dispatch_path;
  std::string must_fail_check;
  // Optional: a different launch for timing (e.g. without a host round trip); default `launch`.
  // It must leave the device outputs exactly as `launch` does (timed-output verification).
  LaunchFn timed_launch;
};

Backend make_cuda_backend(CudaBackendSpec spec);

// The process-wide stream every CUDA backend launches on.
cudaStream_t harness_stream();

}  // namespace v4::harness::cuda
