-- v4harness results database (SQLite), schema version 2. Documented in results/SCHEMA.md.
-- One harness or benchmark run is written in one transaction: a crashed run leaves no rows.
-- Every statement is idempotent (IF NOT EXISTS): running this file on a database of an older
-- version adds what that version lacks. Version history:
--   1  runs, cases, checks, timings, samples
--   2  gate_verdicts (the decisions of `v4harness gate`, see docs/gate.md)
PRAGMA foreign_keys = ON;

CREATE TABLE IF NOT EXISTS meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS runs (
  run_id         INTEGER PRIMARY KEY,
  kind           TEXT NOT NULL,          -- 'harness' | 'benchmark' | 'import'
  tag            TEXT,                   -- optional label, e.g. a baseline name
  started_at     TEXT NOT NULL,          -- UTC, ISO 8601
  finished_at    TEXT,
  suite          TEXT,
  seed           INTEGER,
  git_commit     TEXT,
  git_dirty      INTEGER,                -- 1 when the working tree had uncommitted changes
  build_type     TEXT,
  compiler       TEXT,
  cuda_version   TEXT,                   -- runtime version, NULL without CUDA
  driver_version TEXT,
  gpu_name       TEXT,
  gpu_uuid       TEXT,
  gpu_clocks     TEXT,                   -- SM / memory clocks at the start, MHz
  host           TEXT,
  command_line   TEXT,
  checks_passed  INTEGER,
  checks_failed  INTEGER
);

CREATE TABLE IF NOT EXISTS cases (
  case_id      INTEGER PRIMARY KEY,
  run_id       INTEGER NOT NULL REFERENCES runs(run_id) ON DELETE CASCADE,
  op           TEXT NOT NULL,
  backend      TEXT NOT NULL,
  backend_role TEXT NOT NULL,            -- 'candidate' | 'peer' | 'negative_control'
  device       TEXT NOT NULL,            -- 'cpu' | 'cuda'
  case_key     TEXT NOT NULL,            -- printable key, includes the seed
  params_json  TEXT NOT NULL,
  UNIQUE (run_id, op, backend, case_key)
);

CREATE TABLE IF NOT EXISTS checks (
  check_id         INTEGER PRIMARY KEY,
  case_id          INTEGER NOT NULL REFERENCES cases(case_id) ON DELETE CASCADE,
  check_name       TEXT NOT NULL,        -- accuracy.<output> | determinism | batch_invariance | property.<name>
  passed           INTEGER NOT NULL,     -- for negative controls: 1 = the checker caught it
  negative_control INTEGER NOT NULL DEFAULT 0,
  bound            TEXT,                 -- the bound used at decision time, as text
  bound_value      REAL,
  measured         REAL,                 -- the quantity compared with the bound
  max_ulp          REAL,
  p9999_ulp        REAL,
  max_rel          REAL,
  calc_diff        REAL,
  nan_parity       INTEGER,
  inf_parity       INTEGER,
  first_divergence TEXT,                 -- coordinates, values, ULP distance
  ulp_histogram    TEXT,                 -- JSON array: [exact, [1,2), [2,4), ...]
  detail           TEXT,
  dispatch_path    TEXT,
  output_digest    TEXT,                 -- xxh3 of the outputs the check looked at
  replay           TEXT NOT NULL         -- argument of `v4harness replay`
);

CREATE TABLE IF NOT EXISTS timings (
  case_id        INTEGER PRIMARY KEY REFERENCES cases(case_id) ON DELETE CASCADE,
  method         TEXT NOT NULL,          -- steady_clock | cuda_events+rotation | google_benchmark
  n              INTEGER NOT NULL,
  median_s       REAL, min_s REAL, max_s REAL, mean_s REAL, stdev_s REAL,
  q1_s           REAL, q3_s REAL, p10_s REAL, p90_s REAL,
  bytes          REAL,                   -- minimal bytes from the op's cost model
  flops          REAL,
  gbps           REAL,                   -- bytes / median
  tflops         REAL,
  roofline_fraction REAL,                -- of the measured ceiling (GPU only)
  roofline       TEXT,                   -- which ceiling, e.g. 'hbm 4.30 TB/s'
  timed_output_verified INTEGER,         -- 1: a timed iteration's output digest matched the checked output
  note           TEXT
);

CREATE TABLE IF NOT EXISTS samples (
  case_id      INTEGER NOT NULL REFERENCES cases(case_id) ON DELETE CASCADE,
  sample_index INTEGER NOT NULL,
  seconds      REAL NOT NULL,
  PRIMARY KEY (case_id, sample_index)
);

-- One row per verdict of a `v4harness gate` decision; all rows of one decision share gate_id, and
-- its 'overall' row holds the exit code. Each row keeps the thresholds used at decision time, so a
-- verdict can be audited after the defaults change.
CREATE TABLE IF NOT EXISTS gate_verdicts (
  verdict_id         INTEGER PRIMARY KEY,
  gate_id            INTEGER NOT NULL,
  decided_at         TEXT NOT NULL,      -- UTC, ISO 8601
  mode               TEXT NOT NULL,      -- 'gate' | 'aa' (two runs of the same build)
  baseline_run_id    INTEGER NOT NULL REFERENCES runs(run_id) ON DELETE CASCADE,
  candidate_run_id   INTEGER NOT NULL REFERENCES runs(run_id) ON DELETE CASCADE,
  kind               TEXT NOT NULL,      -- overall | performance | check | invariance | ulp_budget
  op                 TEXT,
  backend            TEXT,
  case_key           TEXT,
  check_name         TEXT,               -- check name, or the output for ulp_budget rows
  verdict            TEXT NOT NULL,      -- PASS | FAIL | SAME | FASTER | SLOWER | AMBIGUOUS | ERROR
  exit_code          INTEGER,            -- overall rows
  threshold          REAL,               -- minimum effect (performance) or ULP budget (ulp_budget)
  alpha              REAL,               -- 1 - confidence level of the effect's interval
  fdr_q              REAL,               -- Benjamini-Hochberg level
  min_samples        INTEGER,
  n_baseline         INTEGER,
  n_candidate        INTEGER,
  baseline_median_s  REAL,
  candidate_median_s REAL,
  effect             REAL,               -- relative change of the candidate's time: +0.2 = 20 % slower
  ci_low             REAL,
  ci_high            REAL,
  p_value            REAL,               -- two-sided Mann-Whitney U
  p_adjusted         REAL,               -- Benjamini-Hochberg adjusted
  measured           REAL,               -- worst ULP (ulp_budget), measured value (check)
  reason             TEXT                -- one readable line
);

CREATE INDEX IF NOT EXISTS cases_by_op ON cases(op, backend, case_key);
CREATE INDEX IF NOT EXISTS checks_by_case ON checks(case_id);
CREATE INDEX IF NOT EXISTS gate_verdicts_by_run ON gate_verdicts(candidate_run_id, gate_id);

-- Convenience view: one row per check with its run, op, backend and case.
CREATE VIEW IF NOT EXISTS check_results AS
  SELECT r.run_id, r.started_at, r.git_commit, c.op, c.backend, c.backend_role, c.case_key,
         k.check_name, k.passed, k.negative_control, k.bound, k.measured, k.max_ulp, k.detail, k.replay
  FROM checks k JOIN cases c USING (case_id) JOIN runs r USING (run_id);
