#!/usr/bin/env bash
# Configures and builds the project into ${V4_BUILD_DIR:-build} (Release, Ninja).
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${V4_BUILD_DIR:-build}
jobs=${V4_JOBS:-$(nproc)}
if [[ ! -f "$build_dir/build.ninja" ]]; then
  cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release
fi
cmake --build "$build_dir" -j "$jobs"
