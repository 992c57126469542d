// Loading reference::ModelConfig from JSON (spec §24): the official inference/config.json field
// names (ModelArgs) and the Hugging Face config.json names, mapped as §24 lists. Every field
// whose ModelArgs default differs from the shipped configs must be present ("always load the
// JSON"); missing, mistyped or inconsistent fields are refused with a message naming the file
// and the field (compress_ratios length ≠ n_layers + n_mtp_layers, n_heads % o_groups, unknown
// score_func, a field given under both names with different values, ...).
#pragma once

#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

#include "reference/model_config.h"

namespace v4::harness {

class ModelConfigError : public std::invalid_argument {
public:
  using std::invalid_argument::invalid_argument;
};

// `source` names the origin in error messages (a path, or "<golden manifest>").
reference::ModelConfig model_config_from_json(const nlohmann::json& j, const std::string& source);
reference::ModelConfig load_model_config(const std::string& path); // reads and parses the file

// Consistency checks on a filled config (also run by the loaders); throws ModelConfigError.
void validate_model_config(const reference::ModelConfig& c, const std::string& source);

// <source dir>/configs/<name>.json ("tiny", "flash", "pro").
std::string bundled_config_path(const std::string& name);

} // namespace v4::harness
