#include "harness/ulp_budget.h"

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

namespace v4::harness {

UlpBudget UlpBudget::parse(const std::string& text, const std::string& origin) {
  UlpBudget b;
  std::istringstream in(text);
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    if (const size_t hash = line.find('#'); hash != std::string::npos)
      line.resize(hash);
    std::istringstream fields(line);
    std::vector<std::string> f;
    for (std::string w; fields >> w;)
      f.push_back(w);
    if (f.empty())
      continue;
    if (f.size() != 4) {
      throw BudgetError(fmt::format("{}:{}: expected 'op backend output max_ulp', got {} field{}",
                                    origin, number, f.size(), f.size() == 1 ? "" : "s"));
    }
    char* end = nullptr;
    const double v = std::strtod(f[3].c_str(), &end);
    if (end == f[3].c_str() || *end != '\0' || !std::isfinite(v) || v < 0) {
      throw BudgetError(
          fmt::format("{}:{}: max_ulp '{}' is not a finite number >= 0", origin, number, f[3]));
    }
    const BudgetKey key{f[0], f[1], f[2]};
    if (!b.entries_.emplace(key, v).second) {
      throw BudgetError(
          fmt::format("{}:{}: duplicate entry for '{}'", origin, number, key.to_string()));
    }
  }
  return b;
}

UlpBudget UlpBudget::load(const std::string& path) {
  std::ifstream f(path);
  if (!f)
    throw BudgetError(fmt::format("cannot read ULP budget '{}'", path));
  std::stringstream text;
  text << f.rdbuf();
  return parse(text.str(), path);
}

std::string UlpBudget::format() const {
  std::string out =
      "# v4harness ULP budget: the worst error accepted for each op output on each candidate "
      "backend,\n"
      "# in ULPs of the output dtype, over every case of a run. `v4harness gate` fails a run that\n"
      "# exceeds an entry. Entries only tighten: `v4harness gate --update-budget` lowers entries "
      "to\n"
      "# what a run measured and adds missing ones; raising an entry is a manual, reviewed edit.\n"
      "# op backend output max_ulp\n";
  for (const auto& [k, v] : entries_)
    out += fmt::format("{} {} {} {:g}\n", k.op, k.backend, k.output, v);
  return out;
}

void UlpBudget::save(const std::string& path) const {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream f(tmp, std::ios::trunc);
    f << format();
    if (!f)
      throw BudgetError(fmt::format("cannot write ULP budget '{}'", tmp));
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec)
    throw BudgetError(fmt::format("cannot replace ULP budget '{}': {}", path, ec.message()));
}

const double* UlpBudget::find(const BudgetKey& key) const {
  auto it = entries_.find(key);
  return it == entries_.end() ? nullptr : &it->second;
}

std::vector<BudgetChange> UlpBudget::tighten(const std::map<BudgetKey, double>& measured) {
  std::vector<BudgetChange> changes;
  for (const auto& [key, worst] : measured) {
    if (!std::isfinite(worst) || worst < 0)
      continue;
    auto it = entries_.find(key);
    if (it == entries_.end()) {
      entries_.emplace(key, worst);
      changes.push_back({key, -1, worst});
    } else if (worst < it->second) {
      changes.push_back({key, it->second, worst});
      it->second = worst;
    }
  }
  return changes;
}

} // namespace v4::harness
