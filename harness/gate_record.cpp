// Records a gate decision in gate_verdicts (schema version 2), with the thresholds it used.
#include <fmt/format.h>

#include "harness/gate.h"

namespace v4::harness {

namespace {
void bind_real(Statement& st, int i, double v) {
  if (std::isfinite(v))
    st.bind(i, v);
  else
    st.bind_null(i);
}
void bind_text(Statement& st, int i, const std::string& v) {
  if (v.empty())
    st.bind_null(i);
  else
    st.bind(i, v);
}
} // namespace

int64_t record_gate(Store& store, const GateOptions& o, const GateResult& r) {
  if (store.schema_version() < 2) {
    throw StoreError(
        fmt::format("database '{}' is at schema version {}: open it read-write to migrate it",
                    store.path(), store.schema_version()));
  }
  store.exec("BEGIN IMMEDIATE");
  try {
    int64_t gate_id = 1;
    {
      auto st = store.prepare("SELECT coalesce(max(gate_id), 0) + 1 FROM gate_verdicts");
      st->step();
      gate_id = st->column_int(0);
    }
    const std::string now = utc_now_iso8601();
    auto st = store.prepare("INSERT INTO gate_verdicts(gate_id, decided_at, mode, baseline_run_id, "
                            "candidate_run_id, kind, op, backend,"
                            " case_key, check_name, verdict, exit_code, threshold, alpha, fdr_q, "
                            "min_samples, n_baseline, n_candidate,"
                            " baseline_median_s, candidate_median_s, effect, ci_low, ci_high, "
                            "p_value, p_adjusted, measured, reason)"
                            " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
    // Columns 1-6 and 14-16 are the same on every row of one decision.
    auto common = [&](const std::string& kind) {
      st->reset();
      st->bind(1, gate_id).bind(2, now).bind(3, std::string(r.aa ? "aa" : "gate"));
      st->bind(4, r.baseline.id).bind(5, r.candidate.id).bind(6, kind);
      st->bind(14, o.alpha).bind(15, o.fdr_q).bind(16, o.min_samples);
    };
    common("overall");
    st->bind(11, std::string(r.exit_code == kGatePass        ? "PASS"
                             : r.exit_code == kGateAmbiguous ? "AMBIGUOUS"
                                                             : "FAIL"));
    st->bind(12, int64_t(r.exit_code)).bind(13, o.min_effect).bind(27, r.headline);
    if (r.aa)
      st->bind(26, r.false_alarm_rate);
    st->run();
    for (const CheckFinding& f : r.findings) {
      common(f.kind);
      bind_text(*st, 7, f.op);
      bind_text(*st, 8, f.backend);
      bind_text(*st, 9, f.case_key);
      bind_text(*st, 10, f.check);
      st->bind(11, std::string(verdict_name(f.verdict)));
      bind_real(*st, 13, f.threshold);
      bind_real(*st, 26, f.measured);
      st->bind(27, f.reason);
      st->run();
    }
    for (const PerfVerdict& v : r.perf) {
      common("performance");
      st->bind(7, v.op).bind(8, v.backend).bind(9, v.case_key);
      st->bind(11, std::string(verdict_name(v.verdict))).bind(13, o.min_effect);
      st->bind(17, v.n_baseline).bind(18, v.n_candidate);
      bind_real(*st, 19, v.baseline_median);
      bind_real(*st, 20, v.candidate_median);
      bind_real(*st, 21, v.effect);
      bind_real(*st, 22, v.ci_low);
      bind_real(*st, 23, v.ci_high);
      bind_real(*st, 24, v.p_value);
      bind_real(*st, 25, v.p_adjusted);
      st->bind(27, v.reason);
      st->run();
    }
    store.exec("COMMIT");
    return gate_id;
  } catch (...) {
    try {
      store.exec("ROLLBACK");
    } catch (...) {
    }
    throw;
  }
}

} // namespace v4::harness
