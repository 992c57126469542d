#!/usr/bin/env bash
# Installs what the build needs from Debian's packages (apt-get, as root), only where missing.
# CUDA is used when /usr/local/cuda/bin/nvcc (or nvcc on PATH) exists; without it everything but
# optimized/ is built and the GPU tests report that they were skipped.
set -euo pipefail

packages=(build-essential cmake ninja-build pkg-config git sqlite3 python3
          libgtest-dev libgmock-dev libbenchmark-dev librapidcheck-dev libfmt-dev libsqlite3-dev
          nlohmann-json3-dev libcli11-dev librandom123-dev libxxhash-dev)
if [[ "${V4_WITH_BROWSER:-0}" == 1 ]]; then packages+=(chromium); fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  if [[ $(id -u) -ne 0 ]]; then
    echo "setup: missing packages and not root; run as root or: apt-get install -y ${missing[*]}" >&2
    exit 3
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q || echo "setup: apt-get update failed; trying the cached package lists" >&2
  apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
if command -v nvcc >/dev/null 2>&1 || [[ -x /usr/local/cuda/bin/nvcc ]]; then
  echo "setup: CUDA compiler found: optimized/ will be built for sm_90a"
else
  echo "setup: no nvcc: building without the CUDA backend"
fi
