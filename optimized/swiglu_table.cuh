// The silu lookup table of optimized/swiglu.cu: which bf16 gate codes it holds and where.
// After the clamp, silu's fp32 value depends only on the gate, which is either the bf16 input
// (65536 codes) or the clamp limit. The table holds fl32(g/(1 + e^-g)) for every bf16 code with
// |g| < 32, i.e. exponent field <= 131 (2^(131-127) = 16, so up to 31.75), both signs, including
// ±0 and the subnormals: 2 x 132 x 128 = 33792 floats, 132 KiB. Every other code (|g| >= 32,
// ±Inf, NaN) is out of the table and takes the double expression directly.
// Slot: the 15 magnitude bits (less the first held one) for positive codes, kSiluTableHalf plus
// that for negative ones.
// Plain inline functions, usable from host C++ (tests/swiglu_test.cpp checks the mapping over all
// 65536 codes) and from device code.
#pragma once

#include <bit>
#include <cstdint>

#if defined(__CUDACC__)
#define V4_SILU_TABLE_HD __host__ __device__
#else
#define V4_SILU_TABLE_HD
#endif

namespace v4::optimized {

// Biased exponent range held, per sign: [kSiluTableMinExponent, kSiluTableMaxExponent] with all
// 128 mantissas each. 0 takes ±0 and the subnormals in; raising it shrinks the table (and its
// per-launch copy) and sends the smaller magnitudes to the direct path: still bitwise the same.
inline constexpr uint32_t kSiluTableMinExponent = 0;
inline constexpr uint32_t kSiluTableMaxExponent = 131; // |g| < 2^(132-127) = 32
inline constexpr uint32_t kSiluTableLow = kSiluTableMinExponent << 7; // first magnitude held
inline constexpr uint32_t kSiluTableHalf =
    (kSiluTableMaxExponent + 1 - kSiluTableMinExponent) << 7; // 16896 slots per sign
inline constexpr uint32_t kSiluTableSize = 2 * kSiluTableHalf; // 33792 floats, 132 KiB

// Whether bf16 code `code` (16 bits) has its silu in the table (unsigned wrap: below the range
// is a huge offset).
V4_SILU_TABLE_HD inline bool silu_table_holds(uint32_t code) {
  return (code & 0x7FFFu) - kSiluTableLow < kSiluTableHalf;
}

// The table slot of a held code; for a code the table does not hold, a valid slot all the same
// (a kernel may load it unconditionally and select afterwards).
V4_SILU_TABLE_HD inline uint32_t silu_table_slot(uint32_t code) {
  const uint32_t off = (code & 0x7FFFu) - kSiluTableLow;
  return (off < kSiluTableHalf ? off : 0u) + ((code >> 15) & 1u) * kSiluTableHalf;
}

// The bf16 code whose silu slot `slot` (< kSiluTableSize) holds: the inverse of silu_table_slot.
V4_SILU_TABLE_HD inline uint32_t silu_table_code(uint32_t slot) {
  return slot < kSiluTableHalf ? kSiluTableLow + slot : 0x8000u | (kSiluTableLow + slot - kSiluTableHalf);
}

// The gate value of bf16 code `code` (exact).
V4_SILU_TABLE_HD inline float silu_table_gate(uint32_t code) {
#if defined(__CUDA_ARCH__)
  return __uint_as_float(code << 16);
#else
  return std::bit_cast<float>(code << 16);
#endif
}

// Whether std::min(gate, limit) is the limit under an active clamp (limit > 0): false for NaN
// gates, as std::min's comparison.
V4_SILU_TABLE_HD inline bool silu_gate_clamped(float gate, float limit) {
  return limit > 0.0f && limit < gate;
}

// Where an element's silu comes from: silu(limit) when the clamp applies, the table when it
// holds the gate's code (and the table is there), else the double expression itself.
enum class SiluSource { limit, table, direct };
V4_SILU_TABLE_HD inline SiluSource silu_source(uint32_t code, float limit, bool table) {
  if (silu_gate_clamped(silu_table_gate(code), limit))
    return SiluSource::limit;
  return table && silu_table_holds(code) ? SiluSource::table : SiluSource::direct;
}

} // namespace v4::optimized
