// Registry entries: the streaming casts of spec §1 (fp32 -> bf16, e4m3, e2m1), so that the
// device encoders are timed as kernels and compared bitwise with the reference encoders, and so
// that framework casts (torch's .to(bfloat16), .to(float8_e4m3fn)) can sit beside them as peers.
// The exhaustive per-code checks are tests (tests/formats_test.cpp, tests/formats_cuda_test.cpp).
#include "harness/generators.h"
#include "harness/ops/op_util.h"
#include "reference/formats.h"

namespace v4::harness {
namespace {

// sigma chosen per format so that the values cover its whole range, saturation included.
double sigma_of(const std::string& op) { return op == "bf16_encode" ? 1.0 : op == "e4m3_encode" ? 100.0 : 2.0; }

std::vector<Case> cast_cases(const std::string& op, Suite suite) {
  switch (suite) {
    case Suite::smoke: return {make_case(op, {{"rows", 4}, {"cols", 256}})};
    case Suite::standard: return {make_case(op, {{"rows", 256}, {"cols", 4096}})};
    // 8192 x 8192 fp32 = 268 MB read: every cast moves >= 300 MB.
    case Suite::full: return {make_case(op, {{"rows", 8192}, {"cols", 8192}})};
  }
  return {};
}

OpSpec cast_op(const std::string& name, const std::string& summary, double out_bytes,
               std::function<Tensor(const Tensor&)> encode) {
  OpSpec op;
  op.name = name;
  op.stem = "formats";
  op.summary = summary;
  op.row_inputs = {"x"};
  op.cases = [name](Suite s) { return cast_cases(name, s); };
  op.make_inputs = [name](const Case& c) {
    return TensorMap{{"x", random_f32({c.i64("rows"), c.i64("cols")}, c.seed, "x", sigma_of(name))}};
  };
  op.outputs = {{"y", ComparePolicy::bitwise("RNE encoder: exact by construction")}};
  op.cost = [out_bytes](const Case& c) {
    const double n = double(c.i64("rows")) * double(c.i64("cols"));
    return Cost{n * (4 + out_bytes), 0};
  };
  op.backends = {reference_backend([encode](const Case&, const TensorMap& in) {
    return TensorMap{{"y", encode(require_tensor(in, "x", "cast"))}};
  })};
  return op;
}

OpSpec make_bf16_encode_op() {
  return cast_op("bf16_encode", "fp32 -> bf16, RNE, overflow to Inf (spec 1.1, 1.5)", 2, [](const Tensor& x) {
    Tensor y = make_tensor<bf16>(x.shape());
    for (int64_t i = 0; i < x.numel(); ++i) y.data<bf16>()[i] = reference::bf16_encode(x.data<float>()[i]);
    return y;
  });
}
OpSpec make_e4m3_encode_op() {
  return cast_op("e4m3_encode", "fp32 -> e4m3fn, RNE, satfinite (spec 1.2, 1.5)", 1, [](const Tensor& x) {
    Tensor y = make_tensor<e4m3>(x.shape());
    for (int64_t i = 0; i < x.numel(); ++i) y.data<e4m3>()[i] = reference::e4m3_encode(x.data<float>()[i]);
    return y;
  });
}
OpSpec make_e2m1_encode_op() {
  return cast_op("e2m1_encode", "fp32 -> packed e2m1, RNE, satfinite (spec 1.3, 1.5)", 0.5, [](const Tensor& x) {
    Tensor y = make_tensor<e2m1x2>({x.dim(0), x.dim(1) / 2});
    for (int64_t i = 0; i < x.numel(); ++i) reference::e2m1_set(y.data<e2m1x2>(), i, reference::e2m1_encode(x.data<float>()[i]));
    return y;
  });
}

}  // namespace
V4_REGISTER_OP(make_bf16_encode_op);
V4_REGISTER_OP(make_e4m3_encode_op);
V4_REGISTER_OP(make_e2m1_encode_op);
}  // namespace v4::harness
