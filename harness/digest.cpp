#include "harness/digest.h"

#include <fmt/format.h>
#include <xxhash.h>

namespace v4::harness {

namespace {
void update(XXH3_state_t* state, const Tensor& t) {
  const uint8_t dtype = uint8_t(t.dtype());
  XXH3_64bits_update(state, &dtype, 1);
  XXH3_64bits_update(state, t.shape().data(), t.shape().size() * sizeof(int64_t));
  XXH3_64bits_update(state, t.bytes(), t.nbytes());
}
struct State {
  XXH3_state_t* s = XXH3_createState();
  State() { XXH3_64bits_reset(s); }
  ~State() { XXH3_freeState(s); }
};
}  // namespace

uint64_t digest(const Tensor& t) {
  State st;
  update(st.s, t);
  return XXH3_64bits_digest(st.s);
}

uint64_t digest(const TensorMap& tensors) {
  State st;
  for (const auto& [name, t] : tensors) {
    XXH3_64bits_update(st.s, name.data(), name.size() + 1);
    update(st.s, t);
  }
  return XXH3_64bits_digest(st.s);
}

std::string digest_hex(uint64_t d) { return fmt::format("{:016x}", d); }

}  // namespace v4::harness
