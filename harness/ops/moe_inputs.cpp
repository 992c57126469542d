#include "harness/ops/moe_inputs.h"

#include <cmath>

#include "harness/generators.h"
#include "reference/fp4_weight_quant.h"
#include "reference/gemm.h"

namespace v4::harness {

namespace {

// Above this many elements, quantized weights are drawn directly as codes (any finite code, scale
// exponents in a band around 1/sqrt(in)): quantizing Gaussian fp32 masters of Flash/Pro expert
// and projection shapes would cost minutes of CPU time.
constexpr int64_t kLargeWeight = int64_t(1) << 22;

Tensor scale_codes(std::vector<int64_t> shape, uint64_t seed, const std::string& name, int lo,
                   int hi) {
  const Tensor e = uniform_i32(shape, seed, name, lo, hi);
  Tensor s = make_tensor<ue8m0>(std::move(shape));
  for (int64_t i = 0; i < s.numel(); ++i)
    s.data<ue8m0>()[i] = reference::ue8m0_from_exponent(e.data<int32_t>()[i]);
  return s;
}

} // namespace

void add_weight(TensorMap& in, const std::string& name, int64_t fmt, int64_t count, int64_t out,
                int64_t in_dim, uint64_t seed) {
  const int64_t nb = (out + 127) / 128, kb = in_dim / 128;
  const int centre = -int(std::lround(std::log2(std::sqrt(double(in_dim))))); // log2(1/sqrt(in))
  if (fmt != kExpertBf16 && count * out * in_dim > kLargeWeight) {
    if (fmt == kExpertFp8) {
      Tensor t = random_codes(DType::e4m3, {count, out, in_dim}, seed, name);
      for (int64_t i = 0; i < t.numel(); ++i)
        if ((t.data<e4m3>()[i].bits & 0x7F) == 0x7F)
          t.data<e4m3>()[i].bits ^= 0x01; // NaN -> ±448
      in[name] = t;
      in[name + "_s"] = scale_codes({count, nb, kb}, seed, name + "_s", centre - 8, centre - 6);
    } else {
      in[name] = random_codes(DType::e2m1x2, {count, out, in_dim / 2}, seed, name);
      in[name + "_s"] =
          scale_codes({count, out, in_dim / 32}, seed, name + "_s", centre - 3, centre - 1);
    }
    return;
  }
  const Tensor w = random_f32({count * out, in_dim}, seed, name, 1.0 / std::sqrt(double(in_dim)));
  if (fmt == kExpertBf16) {
    Tensor t = make_tensor<bf16>({count, out, in_dim});
    for (int64_t i = 0; i < t.numel(); ++i)
      t.data<bf16>()[i] = reference::bf16_encode(w.data<float>()[i]);
    in[name] = t;
  } else if (fmt == kExpertFp8) {
    Tensor t = make_tensor<e4m3>({count, out, in_dim}), s = make_tensor<ue8m0>({count, nb, kb});
    for (int64_t e = 0; e < count; ++e) {
      reference::fp8_weight_quant(t.data<e4m3>() + e * out * in_dim, s.data<ue8m0>() + e * nb * kb,
                                  w.data<float>() + e * out * in_dim, out, in_dim);
    }
    in[name] = t;
    in[name + "_s"] = s;
  } else {
    Tensor t = make_tensor<e2m1x2>({count, out, in_dim / 2}),
           s = make_tensor<ue8m0>({count, out, in_dim / 32});
    for (int64_t e = 0; e < count; ++e) {
      reference::fp4_weight_quant(t.data<e2m1x2>() + e * out * in_dim / 2,
                                  s.data<ue8m0>() + e * out * in_dim / 32,
                                  w.data<float>() + e * out * in_dim, out, in_dim);
    }
    in[name] = t;
    in[name + "_s"] = s;
  }
}

reference::LinearWeight weight_view(const TensorMap& in, const std::string& name, int64_t fmt,
                                    int64_t index, int64_t out, int64_t in_dim) {
  const Tensor& w = require_tensor(in, name, "moe");
  switch (fmt) {
  case kExpertBf16:
    return reference::LinearWeight::bf16_weight(w.data<bf16>() + index * out * in_dim, out, in_dim);
  case kExpertFp8: {
    const int64_t nb = (out + 127) / 128, kb = in_dim / 128;
    return reference::LinearWeight::fp8_weight(
        w.data<e4m3>() + index * out * in_dim,
        require_tensor(in, name + "_s", "moe").data<ue8m0>() + index * nb * kb, out, in_dim);
  }
  default:
    return reference::LinearWeight::fp4_weight(
        w.data<e2m1x2>() + index * out * in_dim / 2,
        require_tensor(in, name + "_s", "moe").data<ue8m0>() + index * out * in_dim / 32, out,
        in_dim);
  }
}

} // namespace v4::harness
