// Device timing shared by every CUDA backend (harness-lessons §2, perf-targets "Method"):
// CUDA events around each launch, warm-up launches first, and before every timed launch an L2
// flush by a read-only sweep over one persistent buffer of twice the L2 size. A read sweep leaves
// clean lines only, so no write-back of the flush lands inside the next timed launch (a memset
// flush would leave up to 60 MB of dirty lines to be written back during it).
#pragma once

#include <cuda_runtime_api.h>

#include <functional>
#include <string>
#include <vector>

namespace v4::optimized {

// Enqueues the read-only L2 sweep on `stream` (the buffer is allocated on first use).
void l2_flush(cudaStream_t stream);

struct DeviceTimes {
  std::vector<double> seconds;  // one per timed launch
  std::string method;           // "cuda_events+l2_read_flush"
};

// `launch` enqueues one complete call of the kernel(s) on the stream it is given. `warmup`
// untimed calls, then `samples` timed ones, each preceded by l2_flush. Synchronizes the stream.
DeviceTimes time_device(const std::function<void(cudaStream_t)>& launch, int warmup, int samples,
                        cudaStream_t stream);

}  // namespace v4::optimized
