#include "harness/registry.h"

#include <stdexcept>

#include <fmt/format.h>

namespace v4::harness {

std::string_view suite_name(Suite s) {
  switch (s) {
    case Suite::smoke: return "smoke";
    case Suite::standard: return "default";
    case Suite::full: return "full";
  }
  return "?";
}

Suite suite_from_name(std::string_view name) {
  if (name == "smoke") return Suite::smoke;
  if (name == "default") return Suite::standard;
  if (name == "full") return Suite::full;
  throw std::invalid_argument(fmt::format("unknown suite '{}' (known: smoke, default, full)", name));
}

std::string_view role_name(BackendRole r) {
  switch (r) {
    case BackendRole::candidate: return "candidate";
    case BackendRole::peer: return "peer";
    case BackendRole::negative_control: return "negative_control";
  }
  return "?";
}

const Backend* OpSpec::find_backend(std::string_view backend) const {
  for (const Backend& b : backends) {
    if (b.name == backend) return &b;
  }
  return nullptr;
}

Registry& Registry::instance() {
  static Registry registry;
  return registry;
}

void Registry::add(OpSpec op) {
  if (op.backends.empty()) throw std::logic_error(fmt::format("op '{}' registered without a reference backend", op.name));
  if (!op.cases || !op.make_inputs || op.outputs.empty()) {
    throw std::logic_error(fmt::format("op '{}' needs cases, make_inputs and outputs", op.name));
  }
  const std::string name = op.name;
  if (!ops_.emplace(name, std::move(op)).second) {
    throw std::logic_error(fmt::format("op '{}' registered twice", name));
  }
}

void Registry::add_backend(const std::string& op, Backend b) { pending_.emplace(op, std::move(b)); }

void Registry::merge_pending() const {
  for (auto it = pending_.begin(); it != pending_.end();) {
    auto op = ops_.find(it->first);
    if (op == ops_.end()) {
      ++it;
      continue;
    }
    if (op->second.find_backend(it->second.name)) {
      throw std::logic_error(fmt::format("backend '{}' of op '{}' registered twice", it->second.name, it->first));
    }
    op->second.backends.push_back(std::move(it->second));
    it = pending_.erase(it);
  }
}

const OpSpec* Registry::find(std::string_view name) const {
  merge_pending();
  auto it = ops_.find(name);
  return it == ops_.end() ? nullptr : &it->second;
}

const OpSpec& Registry::get(std::string_view name) const {
  if (const OpSpec* op = find(name)) return *op;
  std::string known;
  for (const auto& [n, _] : ops_) known += (known.empty() ? "" : ", ") + n;
  throw std::invalid_argument(fmt::format("unknown op '{}' (known: {})", name, known));
}

std::vector<const OpSpec*> Registry::ops() const {
  merge_pending();
  if (!pending_.empty()) {
    throw std::logic_error(fmt::format("backend '{}' registered for unknown op '{}'", pending_.begin()->second.name,
                                       pending_.begin()->first));
  }
  std::vector<const OpSpec*> out;
  for (const auto& [_, op] : ops_) out.push_back(&op);
  return out;
}

Backend reference_backend(std::function<TensorMap(const Case&, const TensorMap&)> fn) {
  Backend b;
  b.name = "reference";
  b.device = "cpu";
  b.role = BackendRole::candidate;
  b.run = std::move(fn);
  b.description = "plain C++ reference (reference/), double accumulation";
  return b;
}

}  // namespace v4::harness
