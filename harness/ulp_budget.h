// The committed ULP budget (results/ulp_budget.txt): per op, backend and output, the worst error a
// run may show, in ULPs of the output dtype. Budgets only tighten: update() lowers entries to what
// a run measured and adds missing ones, never raises one (raising is a manual, reviewed edit).
// File format: '#' comments and blank lines, then one entry a line: `op backend output max_ulp`.
#pragma once

#include <map>
#include <stdexcept>
#include <string>
#include <tuple>
#include <vector>

namespace v4::harness {

class BudgetError : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

struct BudgetKey {
  std::string op, backend, output;
  auto operator<=>(const BudgetKey&) const = default;
  std::string to_string() const { return op + " " + backend + " " + output; }
};

struct BudgetChange {
  BudgetKey key;
  double before = -1; // -1: the entry was missing
  double after = 0;
};

class UlpBudget {
public:
  // Throws BudgetError naming the file and line for a malformed entry or a duplicate key.
  static UlpBudget parse(const std::string& text, const std::string& origin = "<text>");
  static UlpBudget load(const std::string& path); // throws BudgetError if it cannot be read
  std::string format() const;                     // header comment + sorted entries
  void save(const std::string& path) const;       // atomic: written beside, then renamed

  const double* find(const BudgetKey& key) const;
  const std::map<BudgetKey, double>& entries() const { return entries_; }
  // Lowers entries above `measured` and adds missing ones; never raises. Returns what changed.
  std::vector<BudgetChange> tighten(const std::map<BudgetKey, double>& measured);

private:
  std::map<BudgetKey, double> entries_;
};

} // namespace v4::harness
