// Shared helpers of the composite unit tests (block, transformer, mtp_block): one golden case
// opened by name, and synthetic inputs of the tiny configuration.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "harness/golden.h"

namespace v4::harness::testing {

// A golden case with its manifest (owned), or nullptr when the vectors are absent.
struct OpenGoldenCase {
  nlohmann::json manifest;
  GoldenCase gc;
};
inline std::unique_ptr<OpenGoldenCase> open_golden_case(const std::string& name) {
  const std::filesystem::path dir = default_golden_dir();
  std::ifstream in(dir / "MANIFEST.json");
  if (!in)
    return nullptr;
  auto c = std::make_unique<OpenGoldenCase>();
  c->manifest = nlohmann::json::parse(in);
  for (const auto& entry : c->manifest.at("files")) {
    if (entry.value("case", "") != name)
      continue;
    c->gc.dir = dir.string();
    c->gc.manifest = &c->manifest;
    c->gc.file_entry = &entry;
    c->gc.file = SafetensorsFile::read((dir / entry.at("file").get<std::string>()).string());
    return c;
  }
  return nullptr;
}

} // namespace v4::harness::testing
