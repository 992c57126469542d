// `cuda` backends of the streaming casts (optimized/formats.h).
#include "harness/ops/cuda/cuda_backend.h"
#include "optimized/formats.h"

namespace v4::harness::cuda {
namespace {

Backend cast_backend(const char* what, void (*launch)(const Case&, DeviceArgs&, cudaStream_t)) {
  CudaBackendSpec s;
  s.description = std::string("device encoder (optimized/formats.cu): ") + what;
  s.launch = launch;
  s.dispatch_path = [](const Case&, int64_t) { return std::string("grid-stride map, 256 threads"); };
  return make_cuda_backend(std::move(s));
}

Backend bf16_backend() {
  return cast_backend("cvt.rn.bf16.f32", [](const Case& c, DeviceArgs& a, cudaStream_t st) {
    const int64_t r = c.i64("rows"), k = c.i64("cols");
    optimized::bf16_encode(a.out<bf16>("y", {r, k}), a.in<float>("x"), r * k, st);
  });
}
Backend e4m3_backend() {
  return cast_backend("cvt.rn.satfinite.e4m3x2.f32", [](const Case& c, DeviceArgs& a, cudaStream_t st) {
    const int64_t r = c.i64("rows"), k = c.i64("cols");
    optimized::e4m3_encode(a.out<e4m3>("y", {r, k}), a.in<float>("x"), r * k, st);
  });
}
Backend e2m1_backend() {
  return cast_backend("RNE satfinite decision table", [](const Case& c, DeviceArgs& a, cudaStream_t st) {
    const int64_t r = c.i64("rows"), k = c.i64("cols");
    optimized::e2m1_encode(a.out<e2m1x2>("y", {r, k / 2}), a.in<float>("x"), r * k, st);
  });
}

}  // namespace
V4_REGISTER_BACKEND("bf16_encode", bf16_backend);
V4_REGISTER_BACKEND("e4m3_encode", e4m3_backend);
V4_REGISTER_BACKEND("e2m1_encode", e2m1_backend);
}  // namespace v4::harness::cuda
