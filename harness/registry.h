// The op registry: one OpSpec per V4 component. It drives every kind of run: the GoogleTest
// suites, the RapidCheck properties, the Google Benchmark binaries and the v4harness command all
// enumerate the same OpSpecs. Adding a component means adding its stem in each folder and one
// registration file in harness/ops/ (CUDA backends: harness/ops/cuda/).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "harness/case_key.h"
#include "harness/compare.h"
#include "harness/tensor.h"
#include "harness/timing.h"

namespace v4::harness {

// smoke: tiny, for the unit tests and CI. default: the main job. full: real Flash/Pro shapes.
enum class Suite { smoke, standard, full };
std::string_view suite_name(Suite s);
Suite suite_from_name(std::string_view name);  // "smoke" | "default" | "full"; throws otherwise

enum class BackendRole {
  candidate,         // an implementation under test: every check applies
  peer,              // another implementation timed beside ours (e.g. torch); accuracy reported
  negative_control,  // deliberately broken: the named invariance check MUST fail on it
};
std::string_view role_name(BackendRole r);

struct Backend {
  std::string name;    // "reference", "cuda", "split_reduction_control", ...
  std::string device;  // "cpu" | "cuda"
  BackendRole role = BackendRole::candidate;
  // Runs the op on host inputs and returns host outputs. Throws on failure.
  std::function<TensorMap(const Case&, const TensorMap&)> run;
  // Empty when always available; otherwise returns "" if available, or why it is not.
  std::function<std::string()> unavailable_reason;
  // Row counts at which the implementation switches path (tile configs, size buckets); the
  // batch-invariance sweep puts batch sizes on both sides of each.
  std::function<std::vector<int64_t>(const Case&)> dispatch_thresholds;
  // Name of the path taken for a given number of rows (recorded with each check).
  std::function<std::string(const Case&, int64_t rows)> dispatch_path;
  // Device timing (CUDA events, rotated inputs). Empty: timed on the host with the steady clock.
  std::function<TimingResult(const Case&, const TensorMap&, const TimingPlan&)> measure;
  // For negative controls: "batch_invariance" or "determinism" - the check that must catch it.
  std::string must_fail_check;
  std::string description;

  std::string availability() const { return unavailable_reason ? unavailable_reason() : std::string(); }
};

// A domain property checked on every case's reference (and candidate) outputs.
struct PropertyOutcome {
  bool passed = true;
  std::string bound;     // the bound used, as text
  double bound_value = 0;
  double measured = 0;   // the measured quantity compared with the bound
  std::string detail;
};
struct DomainProperty {
  std::string name;
  std::function<PropertyOutcome(const Case&, const TensorMap& inputs, const TensorMap& outputs)> check;
};

struct Cost {
  double bytes = 0;  // minimal bytes: every input read once, every output written once
  double flops = 0;
};

struct OpSpec {
  std::string name;     // e.g. "act_quant"; unique
  std::string stem;     // file stem in reference/, optimized/, tests/, ...
  std::string summary;  // one line, with the spec section
  std::string row_param = "rows";  // case parameter holding dimension 0 of the row tensors
  std::set<std::string> row_inputs;   // inputs whose dimension 0 is the row dimension
  std::set<std::string> row_outputs;  // outputs compared per row (empty: all outputs)
  std::function<std::vector<Case>(Suite)> cases;
  std::function<TensorMap(const Case&)> make_inputs;
  std::map<std::string, ComparePolicy> outputs;  // every output and how candidates are compared
  std::vector<DomainProperty> properties;
  std::function<Cost(const Case&)> cost;
  int64_t max_invariance_rows = 4097;  // cap on batch sizes in invariance sweeps (reference cost)
  std::vector<Backend> backends;       // backends[0] is the reference

  const Backend& reference() const { return backends.at(0); }
  const Backend* find_backend(std::string_view name) const;
  bool is_row_output(const std::string& name) const { return row_outputs.empty() || row_outputs.count(name); }
};

class Registry {
 public:
  static Registry& instance();
  void add(OpSpec op);                                // throws on a duplicate name
  void add_backend(const std::string& op, Backend b); // may run before the op's add()
  const OpSpec* find(std::string_view name) const;
  const OpSpec& get(std::string_view name) const;     // throws, listing the known ops
  std::vector<const OpSpec*> ops() const;             // sorted by name

 private:
  void merge_pending() const;
  mutable std::map<std::string, OpSpec, std::less<>> ops_;
  mutable std::multimap<std::string, Backend> pending_;
};

// Static registration: `V4_REGISTER_OP(make_act_quant_op);` in a harness/ops/ file.
struct OpRegistrar {
  explicit OpRegistrar(OpSpec (*make)()) { Registry::instance().add(make()); }
};
struct BackendRegistrar {
  BackendRegistrar(const char* op, Backend (*make)()) { Registry::instance().add_backend(op, make()); }
};
#define V4_CONCAT_INNER(a, b) a##b
#define V4_CONCAT(a, b) V4_CONCAT_INNER(a, b)
#define V4_REGISTER_OP(make) static ::v4::harness::OpRegistrar V4_CONCAT(v4_op_registrar_, __LINE__)(make)
#define V4_REGISTER_BACKEND(op, make) \
  static ::v4::harness::BackendRegistrar V4_CONCAT(v4_backend_registrar_, __LINE__)(op, make)

// The reference backend of an op: runs `fn` on the host.
Backend reference_backend(std::function<TensorMap(const Case&, const TensorMap&)> fn);

}  // namespace v4::harness
