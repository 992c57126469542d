// Installs the CUDA device-facts provider used for run provenance (when a GPU is present).
#include "harness/provenance.h"
#include "optimized/cuda_runtime.h"

namespace v4::harness {
namespace {
const bool installed = [] {
  set_device_info_provider([]() -> std::optional<DeviceInfo> {
    if (!optimized::cuda_unavailable_reason().empty()) return std::nullopt;
    const optimized::CudaDeviceFacts f = optimized::cuda_device_facts();
    return DeviceInfo{f.runtime_version, f.driver_version, f.name, f.uuid, f.clocks};
  });
  return true;
}();
}  // namespace
}  // namespace v4::harness
