#include "reference/attention_indices.h"

#include "reference/require.h"

namespace v4::reference {

void window_indices_prefill(int32_t* idx, int64_t tokens, int64_t window) {
  require(tokens >= 0 && window > 0, "window_indices_prefill", "window must be positive");
  const int64_t width = window_width_prefill(tokens, window);
  for (int64_t p = 0; p < tokens; ++p) {
    const int64_t first = p - window + 1 > 0 ? p - window + 1 : 0;
    for (int64_t j = 0; j < width; ++j)
      idx[p * width + j] = first + j <= p ? int32_t(first + j) : -1;
  }
}

void window_indices_decode(int32_t* idx, int64_t pos, int64_t window) {
  require(pos >= 0 && window > 0, "window_indices_decode",
          "pos must be non-negative, window positive");
  if (pos >= window - 1) {
    const int64_t slot = pos % window; // the query's own ring slot comes last
    int64_t j = 0;
    for (int64_t s = slot + 1; s < window; ++s)
      idx[j++] = int32_t(s);
    for (int64_t s = 0; s <= slot; ++s)
      idx[j++] = int32_t(s);
    return;
  }
  for (int64_t j = 0; j < window; ++j)
    idx[j] = j <= pos ? int32_t(j) : -1;
}

void compressed_indices_prefill(int32_t* idx, int64_t tokens, int64_t ratio, int64_t offset) {
  require(tokens >= 0 && ratio > 0, "compressed_indices_prefill", "ratio must be positive");
  const int64_t width = tokens / ratio;
  for (int64_t p = 0; p < tokens; ++p) {
    const int64_t visible = (p + 1) / ratio; // D10
    for (int64_t j = 0; j < width; ++j)
      idx[p * width + j] = j < visible ? int32_t(j + offset) : -1;
  }
}

int64_t compressed_indices_decode(int32_t* idx, int64_t pos, int64_t ratio, int64_t offset) {
  require(pos >= 0 && ratio > 0, "compressed_indices_decode", "ratio must be positive");
  const int64_t width = (pos + 1) / ratio;
  for (int64_t j = 0; j < width; ++j)
    idx[j] = int32_t(offset + j);
  return width;
}

} // namespace v4::reference
