#include "harness/rng.h"

#include <cmath>
#include <numbers>

#include <Random123/philox.h>
#include <xxhash.h>

namespace v4::harness {

uint64_t stream_id(std::string_view name) { return XXH3_64bits(name.data(), name.size()); }

namespace {
r123::Philox4x32::ctr_type block(uint64_t seed, uint64_t stream, uint64_t index) {
  r123::Philox4x32 philox;
  const r123::Philox4x32::key_type key = {{uint32_t(seed), uint32_t(seed >> 32)}};
  const r123::Philox4x32::ctr_type counter = {
      {uint32_t(index), uint32_t(index >> 32), uint32_t(stream), uint32_t(stream >> 32)}};
  return philox(counter, key);
}
double to_unit(uint32_t hi, uint32_t lo) {  // 53 bits -> [0, 1)
  const uint64_t bits = (uint64_t(hi) << 21) ^ (uint64_t(lo) >> 11);
  return double(bits & ((uint64_t(1) << 53) - 1)) * 0x1p-53;
}
}  // namespace

uint64_t CounterRng::bits64(uint64_t index) const {
  const auto r = block(seed_, stream_, index);
  return (uint64_t(r[0]) << 32) | r[1];
}

double CounterRng::uniform(uint64_t index) const {
  const auto r = block(seed_, stream_, index);
  return to_unit(r[0], r[1]);
}

double CounterRng::normal(uint64_t index) const {
  const auto r = block(seed_, stream_, index);
  const double u1 = 1.0 - to_unit(r[0], r[1]);  // (0, 1]: log is finite
  const double u2 = to_unit(r[2], r[3]);
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
}

int64_t CounterRng::uniform_int(uint64_t index, int64_t lo, int64_t hi) const {
  const uint64_t span = uint64_t(hi - lo) + 1;
  if (span == 0) return int64_t(bits64(index));  // the full 64-bit range
  return lo + int64_t(bits64(index) % span);     // bias < span/2^64: irrelevant for test data
}

}  // namespace v4::harness
