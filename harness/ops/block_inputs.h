// Model parameters for the composite registrations (block, transformer, mtp_block) and their
// golden checkers, under [C]'s state-dict names ("layers.<i>.attn.wq_a.weight", "embed.weight",
// ...): synthetic weights with the golden files' magnitudes, and the reference views onto any
// name → tensor lookup (a TensorMap or a golden file). Weights are bf16 where [C] runs a bf16
// F.linear in the golden configuration, fp32 where [C] keeps fp32.
//   hc_*_fn ~ N(0, 1/(4·dim)), base ~ U(−1, 1), scale ~ U(0.5, 1)   (harness/ops/mhc_inputs.h)
//   Linear weights [out, in] ~ N(0, 1/in); norm weights ~ U(0.5, 1.5); attn_sink ~ U(−1, 1);
//   compressor ape ~ N(0, 0.25); gate bias ~ N(0, 0.01); tid2eid: k distinct experts per id;
//   embed ~ N(0, 1) bf16; head ~ N(0, 1/dim) fp32.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "harness/tensor.h"
#include "reference/block.h"
#include "reference/model_config.h"
#include "reference/mtp_block.h"
#include "reference/transformer.h"

namespace v4::harness {

// The tiny configuration (configs/tiny.json: the golden files' shapes), loaded once.
const reference::ModelConfig& tiny_model_config();

// Adds every parameter of Block `layer` under `prefix` ("layers.<i>." or "" for a lone block).
void add_block_weights(TensorMap& in, const std::string& prefix, int64_t layer,
                       const reference::ModelConfig& cfg, uint64_t seed);
// Adds embed.weight, head.weight, norm.weight and hc_head_{fn,base,scale} (under `prefix`, except
// the shared embed and head).
void add_head_weights(TensorMap& in, const std::string& prefix, const reference::ModelConfig& cfg,
                      uint64_t seed);
// Adds the MTP block's own parameters under `prefix`: e_proj, h_proj, enorm, hnorm (its Block and
// head parameters come from add_block_weights / add_head_weights with the same prefix).
void add_mtp_weights(TensorMap& in, const std::string& prefix, const reference::ModelConfig& cfg,
                     uint64_t seed);

// name → tensor (throws for an absent name).
using TensorLookup = std::function<const Tensor&(const std::string& name)>;
TensorLookup lookup_in(const TensorMap& in);

reference::BlockWeights block_weights_view(const TensorLookup& get, const std::string& prefix,
                                           int64_t layer, const reference::ModelConfig& cfg);
// hc_head_{fn,base,scale} and norm.weight under `prefix`; head.weight (shared, no prefix).
reference::HeadWeights head_weights_view(const TensorLookup& get, const std::string& prefix);
reference::TransformerWeights transformer_weights_view(const TensorLookup& get,
                                                       const reference::ModelConfig& cfg);
// The MTP block under `prefix` (layer n_layers), with the shared embed and head.
reference::MtpWeights mtp_weights_view(const TensorLookup& get, const std::string& prefix,
                                       const reference::ModelConfig& cfg);

} // namespace v4::harness
