// Counter-based deterministic RNG (Philox4x32-10 from Random123). Value i of a stream depends only
// on (seed, stream, i): any element can be regenerated alone, in any order, on any thread, which
// is what replay strings and batch-invariance pools need.
#pragma once

#include <cstdint>
#include <string_view>

namespace v4::harness {

// A stable 64-bit id for a named stream (xxh3 of the name), e.g. one per input tensor.
uint64_t stream_id(std::string_view name);

class CounterRng {
 public:
  CounterRng(uint64_t seed, uint64_t stream) : seed_(seed), stream_(stream) {}
  CounterRng(uint64_t seed, std::string_view stream_name) : CounterRng(seed, stream_id(stream_name)) {}

  uint64_t bits64(uint64_t index) const;  // 64 random bits for element `index`
  uint32_t bits32(uint64_t index) const { return uint32_t(bits64(index)); }
  double uniform(uint64_t index) const;   // in [0, 1), 53 random bits
  double normal(uint64_t index) const;    // standard normal (Box-Muller on one Philox block)
  int64_t uniform_int(uint64_t index, int64_t lo, int64_t hi) const;  // in [lo, hi], hi >= lo

 private:
  uint64_t seed_, stream_;
};

}  // namespace v4::harness
