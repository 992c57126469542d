// Window and compressed index lists of sparse attention (spec §10, [C]'s get_window_topk_idxs
// and get_compress_topk_idxs). Each query attends to one list [window | compressed]; entries are
// rows of the KV array handed to sparse_attn, −1 = no entry.
//   prefill (start_pos 0, s tokens): KV array = [raw rows 0..s ; compressed rows], offset = s
//     window of query p: max(0, p−W+1) .. p ascending, then −1 up to width min(s, W)
//     HCA compressed:    j + offset for j < ⌊(p+1)/m⌋, else −1; width ⌊s/m⌋
//   decode (one token at p > 0): KV array = layer cache (ring of W raw rows, slot = pos mod W,
//     then compressed rows), offset = W
//     window: p ≥ W−1: ring slots p mod W + 1 .. W−1 then 0 .. p mod W (oldest first, W entries);
//             else 0..p then −1 up to W
//     HCA compressed:    offset + 0 .. offset + ⌊(p+1)/m⌋ − 1 (no −1)
// The CSA compressed list comes from the indexer (reference/indexer.h).
#pragma once

#include <cstdint>

namespace v4::reference {

// Width of the prefill window list: min(s, W).
inline int64_t window_width_prefill(int64_t tokens, int64_t window) {
  return tokens < window ? tokens : window;
}

// idx: [tokens, min(tokens, window)] int32.
void window_indices_prefill(int32_t* idx, int64_t tokens, int64_t window);

// idx: [window] int32, for the decode token at position `pos` (pos ≥ 1).
void window_indices_decode(int32_t* idx, int64_t pos, int64_t window);

// idx: [tokens, ⌊tokens/ratio⌋] int32; entries j + offset where j < ⌊(p+1)/ratio⌋, else −1.
void compressed_indices_prefill(int32_t* idx, int64_t tokens, int64_t ratio, int64_t offset);

// idx: [⌊(pos+1)/ratio⌋] int32 = offset + j. Returns the width.
int64_t compressed_indices_decode(int32_t* idx, int64_t pos, int64_t ratio, int64_t offset);

} // namespace v4::reference
