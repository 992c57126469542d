#include "harness/ops/cuda/cuda_backend.h"

#include <fmt/format.h>

#include "harness/digest.h"
#include "optimized/device_timer.h"

namespace v4::harness::cuda {
namespace {

std::unique_ptr<DeviceTensor> allocate(DType dtype, std::vector<int64_t> shape, size_t bytes, cudaStream_t stream) {
  auto t = std::make_unique<DeviceTensor>();
  t->dtype = dtype;
  t->shape = std::move(shape);
  t->bytes = bytes;
  t->buffer = optimized::DeviceBuffer(bytes + 2 * kGuardBytes);
  auto* base = static_cast<unsigned char*>(t->buffer.get());
  V4_CUDA_CHECK(cudaMemsetAsync(base, kCanary, kGuardBytes, stream));
  V4_CUDA_CHECK(cudaMemsetAsync(base + kGuardBytes + bytes, kCanary, kGuardBytes, stream));
  return t;
}

void check_one(const std::string& name, const DeviceTensor& t, cudaStream_t stream) {
  unsigned char guard[2 * kGuardBytes];
  auto* base = static_cast<const unsigned char*>(t.buffer.get());
  V4_CUDA_CHECK(cudaMemcpyAsync(guard, base, kGuardBytes, cudaMemcpyDeviceToHost, stream));
  V4_CUDA_CHECK(cudaMemcpyAsync(guard + kGuardBytes, base + kGuardBytes + t.bytes, kGuardBytes,
                                cudaMemcpyDeviceToHost, stream));
  V4_CUDA_CHECK(cudaStreamSynchronize(stream));
  for (size_t i = 0; i < 2 * kGuardBytes; ++i) {
    if (guard[i] != kCanary) {
      throw optimized::CudaError(fmt::format("out-of-bounds write: the guard {} tensor '{}' was overwritten at byte {}",
                                             i < kGuardBytes ? "before" : "after", name,
                                             i < kGuardBytes ? int64_t(i) - int64_t(kGuardBytes)
                                                             : int64_t(i - kGuardBytes)));
    }
  }
}

}  // namespace

cudaStream_t harness_stream() {
  static cudaStream_t stream = [] {
    cudaStream_t s = nullptr;
    V4_CUDA_CHECK(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking));
    return s;
  }();
  return stream;
}

DeviceArgs::DeviceArgs(const TensorMap& inputs, cudaStream_t stream) : stream_(stream) {
  for (const auto& [name, t] : inputs) {
    auto d = allocate(t.dtype(), t.shape(), t.nbytes(), stream);
    if (t.nbytes()) V4_CUDA_CHECK(cudaMemcpyAsync(d->data(), t.bytes(), t.nbytes(), cudaMemcpyHostToDevice, stream));
    inputs_.emplace(name, std::move(d));
  }
  V4_CUDA_CHECK(cudaStreamSynchronize(stream));
}

const DeviceTensor& DeviceArgs::find(const std::string& name, DType dtype, const char* kind) const {
  const auto& map = std::string(kind) == "input" ? inputs_ : outputs_;
  auto it = map.find(name);
  if (it == map.end()) throw std::invalid_argument(fmt::format("CUDA backend: no {} named '{}'", kind, name));
  if (it->second->dtype != dtype) {
    throw std::invalid_argument(fmt::format("CUDA backend: {} '{}' is {}, not {}", kind, name,
                                            dtype_name(it->second->dtype), dtype_name(dtype)));
  }
  return *it->second;
}

DeviceTensor& DeviceArgs::output(const std::string& name, DType dtype, std::vector<int64_t> shape, unsigned char fill) {
  auto it = outputs_.find(name);
  if (it != outputs_.end()) {
    if (it->second->dtype != dtype || it->second->shape != shape) {
      throw std::logic_error(fmt::format("CUDA backend: output '{}' requested with two shapes", name));
    }
    return *it->second;
  }
  const Tensor probe(dtype, shape);  // the host size of this dtype and shape
  auto d = allocate(dtype, std::move(shape), probe.nbytes(), stream_);
  if (d->bytes) V4_CUDA_CHECK(cudaMemsetAsync(d->data(), fill, d->bytes, stream_));
  return *outputs_.emplace(name, std::move(d)).first->second;
}

void DeviceArgs::check_guards() const {
  for (const auto& [name, t] : inputs_) check_one(name, *t, stream_);
  for (const auto& [name, t] : outputs_) check_one(name, *t, stream_);
}

Tensor DeviceArgs::download(const std::string& name) const {
  auto it = outputs_.find(name);
  if (it == outputs_.end()) throw std::invalid_argument(fmt::format("CUDA backend: no output named '{}'", name));
  Tensor t(it->second->dtype, it->second->shape);
  if (t.nbytes()) {
    V4_CUDA_CHECK(cudaMemcpyAsync(t.bytes(), it->second->data(), t.nbytes(), cudaMemcpyDeviceToHost, stream_));
    V4_CUDA_CHECK(cudaStreamSynchronize(stream_));
  }
  return t;
}

TensorMap DeviceArgs::download_outputs() const {
  TensorMap out;
  for (const auto& [name, _] : outputs_) out.emplace(name, download(name));
  return out;
}

Backend make_cuda_backend(CudaBackendSpec spec) {
  Backend b;
  b.name = spec.name;
  b.device = "cuda";
  b.role = spec.role;
  b.description = spec.description;
  b.must_fail_check = spec.must_fail_check;
  b.unavailable_reason = [] { return optimized::cuda_unavailable_reason(); };
  b.dispatch_thresholds = spec.dispatch_thresholds;
  b.dispatch_path = spec.dispatch_path;
  auto shared = std::make_shared<CudaBackendSpec>(std::move(spec));
  b.run = [shared](const Case& c, const TensorMap& inputs) {
    const cudaStream_t stream = harness_stream();
    DeviceArgs args(inputs, stream);
    shared->launch(c, args, stream);
    V4_CUDA_CHECK_LAUNCH();
    V4_CUDA_CHECK(cudaStreamSynchronize(stream));
    args.check_guards();
    TensorMap out = args.download_outputs();
    if (shared->finish) shared->finish(c, args, out);
    return out;
  };
  b.measure = [shared](const Case& c, const TensorMap& inputs, const TimingPlan& plan) {
    const cudaStream_t stream = harness_stream();
    DeviceArgs args(inputs, stream);
    const LaunchFn& launch = shared->timed_launch ? shared->timed_launch : shared->launch;
    // GPU samples are cheap: at least 50 unless the caller asks for exactly one (Google Benchmark).
    const int samples = plan.max_samples <= 1 ? 1 : std::max(plan.max_samples, 50);
    const int warmup = plan.max_samples <= 1 ? 1 : std::max(plan.warmup, 5);
    const optimized::DeviceTimes t = optimized::time_device([&](cudaStream_t s) { launch(c, args, s); }, warmup,
                                                            samples, stream);
    args.check_guards();
    // The outputs now hold what the last timed launch wrote: digest them for timed-output
    // verification (a different launch for timing must produce the checked outputs too).
    TensorMap out = args.download_outputs();
    if (shared->finish) shared->finish(c, args, out);
    TimingResult r;
    r.seconds = t.seconds;
    r.method = t.method;
    r.timed_output_digest = digest(out);
    r.has_timed_output_digest = true;
    return r;
  };
  return b;
}

}  // namespace v4::harness::cuda
