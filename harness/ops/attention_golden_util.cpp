#include "harness/ops/attention_golden_util.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include <fmt/format.h>

namespace v4::harness {

reference::ModelConfig golden_model_config(const GoldenCase& gc) {
  const nlohmann::json& j = gc.config();
  reference::ModelConfig c;
  c.name = "golden";
  c.dim = j.at("dim").get<int64_t>();
  c.n_layers = j.at("n_layers").get<int64_t>();
  c.n_heads = j.at("n_heads").get<int64_t>();
  c.head_dim = j.at("head_dim").get<int64_t>();
  c.rope_head_dim = j.at("rope_head_dim").get<int64_t>();
  c.q_lora_rank = j.at("q_lora_rank").get<int64_t>();
  c.o_groups = j.at("o_groups").get<int64_t>();
  c.o_lora_rank = j.at("o_lora_rank").get<int64_t>();
  c.window_size = j.at("window_size").get<int64_t>();
  c.index_n_heads = j.at("index_n_heads").get<int64_t>();
  c.index_head_dim = j.at("index_head_dim").get<int64_t>();
  c.index_topk = j.at("index_topk").get<int64_t>();
  c.norm_eps = j.at("norm_eps").get<double>();
  c.rope_theta = j.at("rope_theta").get<double>();
  c.compress_rope_theta = j.at("compress_rope_theta").get<double>();
  c.rope_factor = j.at("rope_factor").get<double>();
  c.original_seq_len = j.at("original_seq_len").get<int64_t>();
  c.beta_fast = j.at("beta_fast").get<double>();
  c.beta_slow = j.at("beta_slow").get<double>();
  c.max_seq_len = j.at("max_seq_len").get<int64_t>();
  c.compress_ratios = j.at("compress_ratios").get<std::vector<int64_t>>();
  return c;
}

Tensor reshaped(const Tensor& t, std::vector<int64_t> shape) {
  Tensor r(t.dtype(), std::move(shape));
  if (r.nbytes() != t.nbytes()) {
    throw std::invalid_argument(
        fmt::format("reshaped: {} cannot take shape {}", t.shape_string(), r.shape_string()));
  }
  if (r.nbytes())
    std::memcpy(r.bytes(), t.bytes(), r.nbytes());
  return r;
}

std::vector<int32_t> indices_of(const Tensor& t) {
  std::vector<int32_t> v(static_cast<size_t>(t.numel()));
  for (int64_t i = 0; i < t.numel(); ++i) {
    v[size_t(i)] = t.dtype() == DType::i64 ? int32_t(t.data<int64_t>()[i]) : t.data<int32_t>()[i];
  }
  return v;
}

double bf16_ulp(double v) {
  const double a = std::fabs(v);
  if (a < std::ldexp(1.0, -126))
    return std::ldexp(1.0, -133);
  int e = 0;
  std::frexp(a, &e); // a in [2^(e-1), 2^e)
  return std::ldexp(1.0, e - 1 - 7);
}

double f32_ulp(double v) {
  const double a = std::fabs(v);
  if (a < std::ldexp(1.0, -126))
    return std::ldexp(1.0, -149);
  int e = 0;
  std::frexp(a, &e);
  return std::ldexp(1.0, e - 1 - 23);
}

} // namespace v4::harness
