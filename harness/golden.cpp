#include "harness/golden.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <ostream>

#include <fmt/format.h>

#include "harness/registry.h"

namespace v4::harness {

namespace {
std::map<std::string, GoldenChecker>& checkers() {
  static std::map<std::string, GoldenChecker> m;
  return m;
}
}  // namespace

void register_golden_checker(const std::string& case_name, GoldenChecker checker) {
  if (!checkers().emplace(case_name, std::move(checker)).second) {
    throw std::logic_error("golden checker '" + case_name + "' registered twice");
  }
}

const nlohmann::json& GoldenCase::config() const {
  if (file_entry->contains("config")) return file_entry->at("config");
  return manifest->at("config");
}

std::string GoldenCase::extra(const std::string& key) const {
  if (!file_entry->contains("extra") || !file_entry->at("extra").contains(key)) return "";
  const auto& v = file_entry->at("extra").at(key);
  return v.is_string() ? v.get<std::string>() : v.dump();
}

Tensor GoldenCase::tensor(const std::string& name) const {
  for (const auto& t : file_entry->at("tensors")) {
    if (t.at("name") != name || !t.contains("raw_dtype")) continue;
    const std::string raw = t.at("raw_dtype").get<std::string>();
    if (raw.find("e4m3") != std::string::npos) return file.tensor(name, DType::e4m3);
    if (raw.find("e8m0") != std::string::npos) return file.tensor(name, DType::ue8m0);
    if (raw.find("e2m1") != std::string::npos) return file.tensor(name, DType::e2m1x2);
  }
  return file.tensor(name);
}

GoldenLine golden_compare(const GoldenCase& gc, const std::string& item, const Tensor& ours, const Tensor& official,
                          const ComparePolicy& policy) {
  GoldenLine line;
  line.case_name = gc.case_name();
  line.item = item;
  const CompareResult r = compare_tensors(ours, official, policy);
  line.passed = r.passed;
  line.bound = policy.describe(official.dtype()) + (policy.rationale.empty() ? "" : " (" + policy.rationale + ")");
  if (policy.kind == ComparePolicy::Kind::index_set) {
    line.measure = fmt::format("{} of {} rows differ", r.mismatches, official.rows());
  } else {
    line.measure = fmt::format("max {:g} ulp {}, p99.99 {:g}", r.max_ulp, dtype_name(official.dtype()), r.p9999_ulp);
  }
  if (!r.passed) line.note = r.summary();
  return line;
}

GoldenSummary run_golden(const std::string& dir, const std::vector<std::string>& only, std::ostream& out) {
  const std::string manifest_path = (std::filesystem::path(dir) / "MANIFEST.json").string();
  std::ifstream in(manifest_path);
  if (!in) throw std::runtime_error(fmt::format("{}: cannot open (is '{}' a golden directory?)", manifest_path, dir));
  nlohmann::json manifest;
  try {
    manifest = nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    throw std::runtime_error(fmt::format("{}: not valid JSON: {}", manifest_path, e.what()));
  }
  if (!manifest.contains("files") || !manifest.at("files").is_array()) {
    throw std::runtime_error(fmt::format("{}: no \"files\" array", manifest_path));
  }
  GoldenSummary summary;
  for (const auto& entry : manifest.at("files")) {
    const std::string name = entry.value("case", "");
    if (!only.empty() && std::find(only.begin(), only.end(), name) == only.end()) continue;
    ++summary.cases;
    std::vector<GoldenLine> lines;
    auto checker = checkers().find(name);
    if (checker == checkers().end()) {
      lines.push_back({name, "-", false, "-", "-", "no checker registered for this case"});
    } else {
      try {
        GoldenCase gc;
        gc.dir = dir;
        gc.manifest = &manifest;
        gc.file_entry = &entry;
        gc.file = SafetensorsFile::read((std::filesystem::path(dir) / entry.at("file").get<std::string>()).string());
        lines = checker->second(gc);
        if (lines.empty()) lines.push_back({name, "-", false, "-", "-", "checker compared nothing"});
      } catch (const std::exception& e) {
        lines.push_back({name, "-", false, "-", "-", std::string("error: ") + e.what()});
      }
    }
    for (GoldenLine& l : lines) {
      out << fmt::format("{} {:<22} {:<34} {:<34} bound {}{}\n", l.passed ? "PASS" : "FAIL", l.case_name, l.item,
                         l.measure, l.bound, l.note.empty() ? "" : "\n       " + l.note);
      summary.failed += !l.passed;
      summary.lines.push_back(std::move(l));
    }
  }
  for (const std::string& o : only) {
    bool found = false;
    for (const auto& entry : manifest.at("files")) found = found || entry.value("case", "") == o;
    if (!found) throw std::invalid_argument(fmt::format("{} has no case '{}'", manifest_path, o));
  }
  return summary;
}

std::string default_golden_dir() {
  if (const char* env = std::getenv("V4_GOLDEN_DIR"); env && *env) return env;
  return (std::filesystem::path(V4_SOURCE_DIR).parent_path() / "shared" / "golden").string();
}

}  // namespace v4::harness
