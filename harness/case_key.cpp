#include "harness/case_key.h"

#include <charconv>
#include <stdexcept>

#include <fmt/format.h>

namespace v4::harness {

namespace {
bool valid_token(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c == ' ' || c == '=' || c == '\t' || c == '\n') return false;
  }
  return true;
}
}  // namespace

std::string Case::key() const {
  std::string out = op;
  for (const auto& [name, value] : params) out += fmt::format(" {}={}", name, value);
  out += fmt::format(" seed={}", seed);
  return out;
}

Case Case::parse(std::string_view key) {
  Case c;
  size_t pos = 0;
  auto next_token = [&]() -> std::string_view {
    while (pos < key.size() && key[pos] == ' ') ++pos;
    const size_t begin = pos;
    while (pos < key.size() && key[pos] != ' ') ++pos;
    return key.substr(begin, pos - begin);
  };
  c.op = std::string(next_token());
  if (c.op.empty() || c.op.find('=') != std::string::npos) {
    throw std::invalid_argument(fmt::format("case key '{}' must start with an op name", key));
  }
  bool have_seed = false;
  for (std::string_view tok = next_token(); !tok.empty(); tok = next_token()) {
    const size_t eq = tok.find('=');
    if (eq == std::string_view::npos || eq == 0 || eq + 1 == tok.size()) {
      throw std::invalid_argument(fmt::format("case key '{}': '{}' is not name=value", key, tok));
    }
    const std::string_view name = tok.substr(0, eq), value = tok.substr(eq + 1);
    if (name == "seed") {
      auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), c.seed);
      if (ec != std::errc() || ptr != value.data() + value.size()) {
        throw std::invalid_argument(fmt::format("case key '{}': seed '{}' is not an integer", key, value));
      }
      have_seed = true;
    } else {
      if (c.has(name)) throw std::invalid_argument(fmt::format("case key '{}': '{}' given twice", key, name));
      c.params.emplace_back(std::string(name), std::string(value));
    }
  }
  if (!have_seed) throw std::invalid_argument(fmt::format("case key '{}' has no seed=N", key));
  return c;
}

bool Case::has(std::string_view name) const {
  for (const auto& p : params) {
    if (p.first == name) return true;
  }
  return false;
}

const std::string& Case::str(std::string_view name) const {
  for (const auto& p : params) {
    if (p.first == name) return p.second;
  }
  throw std::invalid_argument(fmt::format("case '{}' has no parameter '{}'", key(), name));
}

int64_t Case::i64(std::string_view name) const {
  const std::string& v = str(name);
  int64_t out = 0;
  auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
  if (ec != std::errc() || ptr != v.data() + v.size()) {
    throw std::invalid_argument(fmt::format("case '{}': parameter {}='{}' is not an integer", key(), name, v));
  }
  return out;
}

double Case::f64(std::string_view name) const {
  const std::string& v = str(name);
  try {
    size_t used = 0;
    const double out = std::stod(v, &used);
    if (used == v.size()) return out;
  } catch (const std::exception&) {
  }
  throw std::invalid_argument(fmt::format("case '{}': parameter {}='{}' is not a number", key(), name, v));
}

int64_t Case::i64_or(std::string_view name, int64_t fallback) const { return has(name) ? i64(name) : fallback; }

Case& Case::set(std::string name, std::string value) {
  if (!valid_token(name) || !valid_token(value)) {
    throw std::invalid_argument(fmt::format("case parameter '{}={}' must be non-empty without spaces or '='", name, value));
  }
  for (auto& p : params) {
    if (p.first == name) {
      p.second = std::move(value);
      return *this;
    }
  }
  params.emplace_back(std::move(name), std::move(value));
  return *this;
}

}  // namespace v4::harness
