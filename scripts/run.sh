#!/usr/bin/env bash
# The main job: set up, build, then run the harness over the default suite. Results go to the
# SQLite file results/v4harness.sqlite (override with V4_DB); a summary table is printed and a
# Markdown report written next to the database. The CUDA backend is used automatically when a
# GPU is present. Extra arguments are passed to `v4harness run` (e.g. --op act_quant).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh
db=${V4_DB:-results/v4harness.sqlite}
status=0
build/v4harness run --suite default --db "$db" "$@" || status=$?
if [[ $status -le 1 ]]; then
  build/v4harness report --db "$db" --out "${db%.sqlite}.md"
  echo "report: ${db%.sqlite}.md"
fi
exit $status
