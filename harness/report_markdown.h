// The Markdown report of one run, read from the database alone (for terminals and CI comments).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "harness/store.h"

namespace v4::harness {

// The latest run of `kind` (any kind when empty); throws StoreError when there is none.
int64_t latest_run_id(Store& store, const std::string& kind = "");
std::string markdown_report(Store& store, int64_t run_id);

}  // namespace v4::harness
