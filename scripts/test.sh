#!/usr/bin/env bash
# The tests: set up, build, then every unit test, property, golden check and benchmark smoke run
# through CTest. Prints the wall time. GPU tests print why they were skipped when no GPU exists.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
V4_WITH_BROWSER=1 scripts/setup.sh  # chromium renders the HTML report in a test
scripts/build.sh
cd "${V4_BUILD_DIR:-build}"
status=0
ctest --output-on-failure -j "${V4_JOBS:-$(nproc)}" --timeout 900 || status=$?
echo "test command: $(( $(date +%s) - start )) s wall, ctest exit $status"
exit $status
