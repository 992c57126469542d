#!/usr/bin/env bash
# Renders the HTML report in a real browser (headless Chromium) and checks what a person would see:
# a screenshot of the window's size that is not blank, and in the rendered DOM the views, the
# provenance, parser-built tables and SVG charts that the browser laid out with a non-empty box.
# Two reports are rendered:
#   fixture  the synthetic database of tests/report_html_test.cpp (written by
#            `v4_tests --gtest_filter=ReportHtml.BrowserFixture`): every view populated, with
#            accuracy histograms, failures, a negative control, a peer and a gate decision;
#   smoke    three real `v4harness run --suite smoke` runs and a gate, end to end (on a machine
#            without a GPU these have no accuracy checks, so no histogram is required there);
#   h200-*   the committed H200 evidence (every results/h200/*.sql dump, loaded with the sqlite3
#            shell, all its runs): the report a reader of the repository gets for the GPU runs.
#
# Usage: scripts/check_html_report.sh [--no-install] [--keep DIR] [path/to/v4harness [path/to/v4_tests]]
#   --no-install  exit 77 (skipped) when chromium is missing instead of installing it with apt-get
#   --keep DIR    keep the databases, reports, screenshots and DOM dumps in DIR
# Exit: 0 pass, 1 a check failed, 77 skipped (no chromium), 3 the reports could not be made.
set -euo pipefail

install=1
keep=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --no-install) install=0; shift ;;
    --keep) keep="$2"; shift 2 ;;
    *) break ;;
  esac
done
root="$(cd "$(dirname "$0")/.." && pwd)"
exe="${1:-$root/build/v4harness}"
tests="${2:-$(dirname "$exe")/v4_tests}"
[[ -x "$exe" ]] || { echo "check_html_report: no v4harness at '$exe' (build it first)" >&2; exit 3; }
[[ -x "$tests" ]] || { echo "check_html_report: no v4_tests at '$tests' (build it first)" >&2; exit 3; }

find_chromium() { command -v chromium || command -v chromium-browser || true; }
browser="$(find_chromium)"
if [[ -z "$browser" ]]; then
  if [[ $install -eq 0 ]]; then
    echo "SKIPPED: chromium is not installed (Debian: apt-get install chromium, or run" \
         "scripts/check_html_report.sh without --no-install as root)"
    exit 77
  fi
  echo "check_html_report: installing Debian's chromium package"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq --no-install-recommends chromium >/dev/null
  browser="$(find_chromium)"
  [[ -n "$browser" ]] || { echo "check_html_report: chromium did not install" >&2; exit 3; }
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# ---- the two databases and their reports ---------------------------------------------------------
V4_REPORT_FIXTURE_DB="$work/fixture.sqlite" "$tests" --gtest_filter=ReportHtml.BrowserFixture >"$work/fixture.log" 2>&1 \
  || { cat "$work/fixture.log"; echo "check_html_report: the fixture test failed" >&2; exit 3; }
"$exe" report --db "$work/fixture.sqlite" --html "$work/fixture" >/dev/null
for i in 1 2 3; do  # the same cases three times (a case key includes its seed)
  tag=(); [[ $i -eq 1 ]] && tag=(--tag baseline)
  "$exe" run --suite smoke --db "$work/smoke.sqlite" --no-progress "${tag[@]}" >/dev/null 2>&1 || true
done
"$exe" gate --db "$work/smoke.sqlite" --baseline baseline --quiet --budget "$work/none.txt" >/dev/null 2>&1 || true
"$exe" report --db "$work/smoke.sqlite" --html "$work/smoke" >/dev/null
h200_dumps=()
declare -A h200_min_hist  # a dump of registry benchmarks only (no checks) has no accuracy histogram
if compgen -G "$root/results/h200/*.sql" >/dev/null; then
  command -v sqlite3 >/dev/null || { echo "check_html_report: the sqlite3 shell is missing (Debian: sqlite3)" >&2; exit 3; }
fi
for dump in "$root"/results/h200/*.sql; do
  [[ -f "$dump" ]] || continue
  name="h200-$(basename "$dump" .sql)"
  sqlite3 "$work/$name.sqlite" <"$dump" || { echo "check_html_report: $dump does not load" >&2; exit 3; }
  "$exe" report --db "$work/$name.sqlite" --html "$work/$name" --runs all >/dev/null
  h200_dumps+=("$name")
  h200_min_hist[$name]=3
  [[ "$(sqlite3 "$work/$name.sqlite" 'select count(*) from checks')" == 0 ]] && h200_min_hist[$name]=0
done

# ---- render ----------------------------------------------------------------------------------------
# A fresh profile each time, no network of any kind (every host name fails to resolve), no GPU.
flags=(--headless --no-sandbox --disable-gpu --disable-background-networking --disable-component-update
       --disable-sync --no-first-run --hide-scrollbars --host-resolver-rules="MAP * ~NOTFOUND")
width=1280 height=2400
failed=0
check() {  # check <description> <command...>
  local what="$1"; shift
  if "$@"; then echo "ok   $what"; else echo "FAIL $what"; failed=1; fi
}

render_and_check() {  # render_and_check <name> <min tables> <min histograms> <runs on the axis> [sections]
  local name="$1" min_tables="$2" min_hist="$3" runs="$4" sections="${5:-numerics invariance performance gate provenance}"
  local page="$work/$name/index.html" dom="$work/$name/dom.html" shot="$work/$name/shot.png"
  echo "-- $name report ($(wc -c <"$page") bytes)"
  timeout 180 "$browser" "${flags[@]}" --user-data-dir="$work/profile-$name-shot" --window-size=$width,$height \
    --screenshot="$shot" "file://$page" >"$work/$name/chromium-shot.log" 2>&1 || true
  timeout 180 "$browser" "${flags[@]}" --user-data-dir="$work/profile-$name-dom" --dump-dom "file://$page" \
    >"$dom" 2>"$work/$name/chromium-dom.log" || true
  count() { grep -o -- "$1" "$dom" | wc -l; }
  # Screenshot: a PNG of the window's size (IHDR width and height, big-endian from byte 16) and not
  # blank: a white ${width}x${height} PNG compresses to a few kilobytes, tables and charts to far more.
  check "screenshot written" test -s "$shot"
  if [[ -s "$shot" ]]; then
    local dims bytes
    dims="$(od -An -tu1 -j16 -N8 "$shot" | awk '{print $1*16777216+$2*65536+$3*256+$4 "x" $5*16777216+$6*65536+$7*256+$8}')"
    check "screenshot is ${width}x${height} (got $dims)" test "$dims" = "${width}x${height}"
    bytes=$(stat -c %s "$shot")
    check "screenshot is not blank ($bytes bytes > 40000)" test "$bytes" -gt 40000
  fi
  check "DOM dumped" test -s "$dom"
  for id in $sections; do
    check "section #$id rendered" grep -q "id=\"$id\"" "$dom"
  done
  check "tables built by the parser ($(count '<tbody>') browser-inserted <tbody>)" test "$(count '<tbody>')" -ge "$min_tables"
  check "ULP histograms ($(count 'class="chart histogram"'))" test "$(count 'class="chart histogram"')" -ge "$min_hist"
  check "time series ($(count 'class="chart timeseries"'))" test "$(count 'class="chart timeseries"')" -ge 1
  check "spread plots ($(count 'class="chart spread"'))" test "$(count 'class="chart spread"')" -ge 1
  local charts rendered
  charts=$(count 'class="chart ')
  rendered=$(grep -o 'data-charts-rendered="[0-9]*"' "$dom" | grep -o '[0-9]*' || echo 0)
  check "every chart laid out with a non-empty box ($rendered of $charts)" test "$rendered" -eq "$charts" -a "$charts" -gt 0
  [[ "$runs" -gt 1 ]] && check "runs 1 to $runs on a time-series axis" grep -q " r1</text>.* r$runs</text>" "$dom"
  return 0
}

render_and_check fixture 6 3 4
render_and_check smoke 3 0 3
# (no gate decision is stored with the GPU evidence: the gate runs in the user's CI)
for name in "${h200_dumps[@]}"; do
  render_and_check "$name" 3 "${h200_min_hist[$name]}" 0 "numerics invariance performance provenance"
done
if [[ -n "$keep" ]]; then
  mkdir -p "$keep"
  cp "$work"/*.sqlite "$keep"/
  for name in fixture smoke "${h200_dumps[@]}"; do mkdir -p "$keep/$name" && cp "$work/$name"/*.html "$work/$name"/*.png "$keep/$name"/ 2>/dev/null || true; done
fi
if [[ $failed -ne 0 ]]; then
  echo "check_html_report: FAILED"
  tail -n 5 "$work"/*/chromium-*.log || true
  exit 1
fi
echo "check_html_report: passed ($browser)"
