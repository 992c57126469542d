#!/usr/bin/env bash
# CTest entry: the reference against DeepSeek's official-code golden vectors. Exit 77 (reported
# by CTest as skipped, with this message) only when no golden directory exists.
set -uo pipefail
exe=$1
dir=${V4_GOLDEN_DIR:-$(cd "$(dirname "$0")/.." && pwd)/../shared/golden}
if [[ ! -f "$dir/MANIFEST.json" ]]; then
  echo "SKIPPED: no golden vectors at $dir (set V4_GOLDEN_DIR)"
  exit 77
fi
exec "$exe" golden "$dir"
