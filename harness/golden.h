// Golden agreement with DeepSeek's official inference code: a directory with MANIFEST.json and
// one .safetensors file per case (format of ../shared/golden, see its README). Each case name
// ("rope_yarn", "hc_pre", ...) has a registered checker that runs the reference on the recorded
// inputs and compares every recorded output, printing one line per compared tensor with the
// worst error in ULPs of the output dtype and the derived bound it was held to.
#pragma once

#include <functional>
#include <iosfwd>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/compare.h"
#include "harness/safetensors.h"

namespace v4::harness {

struct GoldenCase {
  std::string dir;
  const nlohmann::json* manifest = nullptr;    // the whole MANIFEST.json
  const nlohmann::json* file_entry = nullptr;  // this file's entry in manifest["files"]
  SafetensorsFile file;

  std::string case_name() const { return file_entry->at("case").get<std::string>(); }
  const nlohmann::json& config() const;       // the entry's "config", else the manifest's
  // A tensor by name, with the manifest's raw_dtype applied to U8 storage (e4m3, ue8m0, e2m1x2).
  Tensor tensor(const std::string& name) const;
  bool has(const std::string& name) const { return file.has(name); }
  std::string extra(const std::string& key) const;  // entry["extra"][key] as text ("" if absent)
};

struct GoldenLine {
  std::string case_name, item;  // item: the compared tensor or quantity
  bool passed = false;
  std::string measure;          // "max 1 ulp bf16", "3/300 rows differ (ties)", ...
  std::string bound;            // the derived bound, with its reason
  std::string note;             // first divergence on failure, findings
};

using GoldenChecker = std::function<std::vector<GoldenLine>(const GoldenCase&)>;
void register_golden_checker(const std::string& case_name, GoldenChecker checker);
struct GoldenRegistrar {
  GoldenRegistrar(const char* case_name, GoldenChecker checker) { register_golden_checker(case_name, std::move(checker)); }
};
#define V4_REGISTER_GOLDEN(case_name, checker) \
  static ::v4::harness::GoldenRegistrar V4_CONCAT(v4_golden_registrar_, __LINE__)(case_name, checker)

// Compares one tensor: passed iff within the policy; measure/bound/note filled from the result.
GoldenLine golden_compare(const GoldenCase& gc, const std::string& item, const Tensor& ours, const Tensor& official,
                          const ComparePolicy& policy);

struct GoldenSummary {
  std::vector<GoldenLine> lines;
  int failed = 0;
  int cases = 0;
};
// Checks every case of the directory's MANIFEST.json (or only `only` when non-empty). Cases
// without a checker are failures ("no checker"). Throws SafetensorsError / std::runtime_error
// for an unusable directory.
GoldenSummary run_golden(const std::string& dir, const std::vector<std::string>& only, std::ostream& out);

// Where the golden vectors are: $V4_GOLDEN_DIR, else <source dir>/../shared/golden.
std::string default_golden_dir();

}  // namespace v4::harness
