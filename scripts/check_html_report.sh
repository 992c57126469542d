#!/usr/bin/env bash
# Renders the HTML report in a real browser (headless Chromium) and checks what a person would see:
# a screenshot of the expected size that is not blank, and in the rendered DOM the three views,
# the provenance, parser-built tables and laid-out SVG charts. The report comes from a database
# of three smoke runs (so the time series has several points) and one gate decision.
#
# Usage: scripts/check_html_report.sh [--no-install] [--keep DIR] [path/to/v4harness]
#   --no-install  exit 77 (skipped) when chromium is missing instead of installing it with apt-get
#   --keep DIR    keep the database, report, screenshot and DOM dump in DIR
# Exit: 0 pass, 1 a check failed, 77 skipped (no chromium), 3 the report could not be made.
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
[[ -x "$exe" ]] || { echo "check_html_report: no v4harness at '$exe' (build it first)" >&2; exit 3; }

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
db="$work/results.sqlite"
for seed in 0 1 2; do
  tag=(); [[ $seed -eq 0 ]] && tag=(--tag baseline)
  "$exe" run --suite smoke --db "$db" --no-progress "${tag[@]}" >/dev/null 2>&1 || true  # failures are shown, not fatal
done
"$exe" gate --db "$db" --baseline baseline --quiet --budget "$work/no_budget.txt" >/dev/null 2>&1 || true
"$exe" report --db "$db" --html "$work/html" >/dev/null
page="$work/html/index.html"
[[ -s "$page" ]] || { echo "check_html_report: no report written" >&2; exit 3; }

# A fresh profile, no network of any kind (every host name fails to resolve), no GPU.
flags=(--headless --no-sandbox --disable-gpu --disable-background-networking --disable-component-update
       --disable-sync --no-first-run --hide-scrollbars --host-resolver-rules="MAP * ~NOTFOUND")
width=1280 height=2400
timeout 180 "$browser" "${flags[@]}" --user-data-dir="$work/profile-shot" --window-size=$width,$height \
  --screenshot="$work/shot.png" "file://$page" >"$work/chromium-shot.log" 2>&1 || true
timeout 180 "$browser" "${flags[@]}" --user-data-dir="$work/profile-dom" --dump-dom "file://$page" \
  >"$work/dom.html" 2>"$work/chromium-dom.log" || true
if [[ -n "$keep" ]]; then mkdir -p "$keep" && cp -r "$db" "$page" "$work"/shot.png "$work"/dom.html "$keep"/ 2>/dev/null || true; fi

failed=0
check() {  # check <description> <command...>
  local what="$1"; shift
  if "$@"; then echo "ok   $what"; else echo "FAIL $what"; failed=1; fi
}
count() { grep -o -- "$1" "$work/dom.html" | wc -l; }

# Screenshot: a PNG of the window's size (IHDR width/height, big-endian at byte 16) and not blank:
# a white 1280x2400 PNG compresses to a few kilobytes, a page of tables and charts to far more.
png_dims() { od -An -tu1 -j16 -N8 "$work/shot.png" | awk '{print $1*16777216+$2*65536+$3*256+$4 "x" $5*16777216+$6*65536+$7*256+$8}'; }
check "screenshot written" test -s "$work/shot.png"
if [[ -s "$work/shot.png" ]]; then
  dims="$(png_dims)"
  check "screenshot is ${width}x${height} (got $dims)" test "$dims" = "${width}x${height}"
  bytes=$(stat -c %s "$work/shot.png")
  check "screenshot is not blank ($bytes bytes > 40000)" test "$bytes" -gt 40000
fi
check "DOM dumped" test -s "$work/dom.html"
for id in numerics invariance performance provenance gate; do
  check "section #$id rendered" grep -q "id=\"$id\"" "$work/dom.html"
done
check "tables parsed (browser-inserted <tbody>: $(count '<tbody>'))" test "$(count '<tbody>')" -ge 5
check "histograms ($(count 'class="chart histogram"'))" test "$(count 'class="chart histogram"')" -ge 1
check "time series ($(count 'class="chart timeseries"'))" test "$(count 'class="chart timeseries"')" -ge 1
check "spread plots ($(count 'class="chart spread"'))" test "$(count 'class="chart spread"')" -ge 1
charts=$(count 'class="chart ')
rendered=$(grep -o 'data-charts-rendered="[0-9]*"' "$work/dom.html" | grep -o '[0-9]*' || echo 0)
check "every chart laid out with a non-empty box ($rendered of $charts)" test "$rendered" -eq "$charts" -a "$charts" -gt 0
check "three runs on the time series axis" grep -q 'r3</text>' "$work/dom.html"

if [[ $failed -ne 0 ]]; then
  echo "check_html_report: FAILED (chromium logs: $work/chromium-*.log)"
  tail -5 "$work"/chromium-*.log || true
  exit 1
fi
echo "check_html_report: passed ($browser, $(wc -c <"$page") byte report, $charts charts)"
