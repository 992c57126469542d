// Run provenance: commit, dirty flag, build, compiler, CUDA and GPU, host, command line.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "harness/store.h"

namespace v4::harness {

struct DeviceInfo {
  std::string cuda_version, driver_version, gpu_name, gpu_uuid, gpu_clocks;
};
// The CUDA glue installs a provider at static-initialization time; without CUDA there is none.
void set_device_info_provider(std::function<std::optional<DeviceInfo>()> provider);
std::optional<DeviceInfo> device_info();

// git commit: $V4_GIT_COMMIT if set (GPU bundles run outside a checkout), else `git rev-parse`.
RunInfo collect_provenance(const std::string& kind, const std::string& suite, uint64_t seed,
                           const std::vector<std::string>& argv);

}  // namespace v4::harness
