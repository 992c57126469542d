#include "harness/ops/moe_inputs.h"

#include <cmath>

#include "harness/generators.h"
#include "reference/fp4_weight_quant.h"
#include "reference/gemm.h"

namespace v4::harness {

void add_weight(TensorMap& in, const std::string& name, int64_t fmt, int64_t count, int64_t out, int64_t in_dim,
                uint64_t seed) {
  const Tensor w = random_f32({count * out, in_dim}, seed, name, 1.0 / std::sqrt(double(in_dim)));
  if (fmt == kExpertBf16) {
    Tensor t = make_tensor<bf16>({count, out, in_dim});
    for (int64_t i = 0; i < t.numel(); ++i) t.data<bf16>()[i] = reference::bf16_encode(w.data<float>()[i]);
    in[name] = t;
  } else if (fmt == kExpertFp8) {
    const int64_t nb = (out + 127) / 128, kb = in_dim / 128;
    Tensor t = make_tensor<e4m3>({count, out, in_dim}), s = make_tensor<ue8m0>({count, nb, kb});
    for (int64_t e = 0; e < count; ++e) {
      reference::fp8_weight_quant(t.data<e4m3>() + e * out * in_dim, s.data<ue8m0>() + e * nb * kb,
                                  w.data<float>() + e * out * in_dim, out, in_dim);
    }
    in[name] = t;
    in[name + "_s"] = s;
  } else {
    Tensor t = make_tensor<e2m1x2>({count, out, in_dim / 2}), s = make_tensor<ue8m0>({count, out, in_dim / 32});
    for (int64_t e = 0; e < count; ++e) {
      reference::fp4_weight_quant(t.data<e2m1x2>() + e * out * in_dim / 2, s.data<ue8m0>() + e * out * in_dim / 32,
                                  w.data<float>() + e * out * in_dim, out, in_dim);
    }
    in[name] = t;
    in[name + "_s"] = s;
  }
}

reference::LinearWeight weight_view(const TensorMap& in, const std::string& name, int64_t fmt, int64_t index,
                                    int64_t out, int64_t in_dim) {
  const Tensor& w = require_tensor(in, name, "moe");
  switch (fmt) {
    case kExpertBf16:
      return reference::LinearWeight::bf16_weight(w.data<bf16>() + index * out * in_dim, out, in_dim);
    case kExpertFp8: {
      const int64_t nb = (out + 127) / 128, kb = in_dim / 128;
      return reference::LinearWeight::fp8_weight(w.data<e4m3>() + index * out * in_dim,
                                                 require_tensor(in, name + "_s", "moe").data<ue8m0>() + index * nb * kb,
                                                 out, in_dim);
    }
    default:
      return reference::LinearWeight::fp4_weight(w.data<e2m1x2>() + index * out * in_dim / 2,
                                                 require_tensor(in, name + "_s", "moe").data<ue8m0>() +
                                                     index * out * in_dim / 32,
                                                 out, in_dim);
  }
}

}  // namespace v4::harness
