#include "reference/linear.h"

#include <vector>

#include "reference/act_quant.h"
#include "reference/gemm.h"
#include "reference/require.h"

namespace v4::reference {

const char* weight_format_name(WeightFormat f) {
  switch (f) {
  case WeightFormat::bf16:
    return "bf16";
  case WeightFormat::f32:
    return "f32";
  case WeightFormat::e4m3:
    return "e4m3";
  case WeightFormat::e2m1:
    return "e2m1";
  }
  return "?";
}

void linear_bf16(bf16* y, const bf16* x, const bf16* w, int64_t rows, int64_t in, int64_t out) {
  require(rows >= 0 && in > 0 && out >= 0, "linear_bf16", "bad shape");
  std::vector<double> xd(static_cast<size_t>(rows * in)), wrow(static_cast<size_t>(in));
  for (int64_t i = 0; i < rows * in; ++i)
    xd[size_t(i)] = bf16_decode(x[i]);
  for (int64_t o = 0; o < out; ++o) {
    for (int64_t j = 0; j < in; ++j)
      wrow[size_t(j)] = bf16_decode(w[o * in + j]);
    for (int64_t r = 0; r < rows; ++r) {
      double dot = 0.0; // bf16·bf16 products are exact in double; the double sum is rounded once
      for (int64_t j = 0; j < in; ++j)
        dot += xd[size_t(r * in + j)] * wrow[size_t(j)];
      y[r * out + o] = bf16_encode(float(dot)); // fp32 accumulator, then the bf16 output cast
    }
  }
}

void linear_f32(float* y, const float* x, const float* w, int64_t rows, int64_t in, int64_t out) {
  require(rows >= 0 && in > 0 && out >= 0, "linear_f32", "bad shape");
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t o = 0; o < out; ++o) {
      double dot = 0.0;
      for (int64_t j = 0; j < in; ++j)
        dot += double(x[r * in + j]) * double(w[o * in + j]);
      y[r * out + o] = float(dot);
    }
  }
}

void linear_fp8(bf16* y, const bf16* x, const e4m3* w, const ue8m0* w_scale, int64_t rows,
                int64_t in, int64_t out) {
  require(in > 0 && in % kGemmBlockK == 0, "linear_fp8", "in must be a positive multiple of 128");
  std::vector<e4m3> q(size_t(rows * in));
  std::vector<ue8m0> s(size_t(rows * (in / kActQuantBlock)));
  act_quant(q.data(), s.data(), x, rows, in);
  fp8_gemm(y, q.data(), s.data(), w, w_scale, rows, out, in);
}

void linear_fp4(bf16* y, const bf16* x, const e2m1x2* w, const ue8m0* w_scale, int64_t rows,
                int64_t in, int64_t out) {
  require(in > 0 && in % kGemmBlockK == 0, "linear_fp4", "in must be a positive multiple of 128");
  std::vector<e4m3> q(size_t(rows * in));
  std::vector<ue8m0> s(size_t(rows * (in / kActQuantBlock)));
  act_quant(q.data(), s.data(), x, rows, in);
  fp4_gemm(y, q.data(), s.data(), w, w_scale, rows, out, in);
}

void linear(bf16* y, const bf16* x, const LinearWeight& w, int64_t rows) {
  require(w.data != nullptr, "linear", "weight has no data");
  switch (w.format) {
  case WeightFormat::bf16:
    return linear_bf16(y, x, static_cast<const bf16*>(w.data), rows, w.in, w.out);
  case WeightFormat::e4m3:
    require(w.scale != nullptr, "linear", "e4m3 weight without block scales");
    return linear_fp8(y, x, static_cast<const e4m3*>(w.data), w.scale, rows, w.in, w.out);
  case WeightFormat::e2m1:
    require(w.scale != nullptr, "linear", "e2m1 weight without 1x32 scales");
    return linear_fp4(y, x, static_cast<const e2m1x2*>(w.data), w.scale, rows, w.in, w.out);
  case WeightFormat::f32:
    require(false, "linear", "an fp32 weight gives fp32 output: call linear_f32");
  }
}

} // namespace v4::reference
