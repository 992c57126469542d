#include "reference/hadamard.h"

#include <bit>
#include <cmath>
#include <vector>

#include "reference/require.h"

namespace v4::reference {

void hadamard(bf16* y, const bf16* x, int64_t rows, int64_t n) {
  require(rows >= 0 && n > 0 && std::has_single_bit(uint64_t(n)), "hadamard",
          "n must be a power of two");
  const float scale = float(std::pow(double(n), -0.5)); // the Python float n**-0.5, as fp32
  std::vector<double> v(static_cast<size_t>(n));
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t j = 0; j < n; ++j)
      v[size_t(j)] = bf16_decode(x[r * n + j]); // before y is written
    for (int64_t i = 0; i < n; ++i) {
      double sum = 0;
      for (int64_t j = 0; j < n; ++j) {
        sum += (std::popcount(uint64_t(i & j)) & 1) ? -v[size_t(j)] : v[size_t(j)];
      }
      y[r * n + i] = bf16_encode(float(sum) * scale);
    }
  }
}

} // namespace v4::reference
