#!/usr/bin/env bash
# Builds the GPU bundle (run on a development machine with nvcc; the GPU machine needs no build):
#   bin/  v4harness v4_tests v4_properties v4_benchmarks (stripped; CUDA runtime linked statically)
#   lib/  the non-system shared libraries they need (Debian's libfmt.so.9, libsqlite3.so.0,
#         libbenchmark.so.1debian, ...), found with ldd; glibc, libstdc++, libgcc and libm are left
#         to the target (Ubuntu 24.04 ships newer, backward-compatible ones); cuBLAS, if linked,
#         is taken from the target's CUDA toolkit
#   gpu_run.sh, *.py, PROVENANCE (V4_GIT_COMMIT / V4_GIT_DIRTY for the results database)
# Usage: scripts/gpu_bundle.sh [bundle dir, default .gpu-bundle] (BUILD_DIR, JOBS override).
set -euo pipefail
root=$(git -C "$(dirname "$0")" rev-parse --show-toplevel)
build=${BUILD_DIR:-$root/build}
bundle=${1:-$root/.gpu-bundle}
jobs=${JOBS:-2}

cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DV4_ENABLE_CUDA=ON -DV4_STATIC_CUDART=ON >/dev/null
grep -q 'V4_HAVE_CUDA' "$build/build.ninja" || { echo "gpu_bundle: the build has no CUDA backend (nvcc missing?)" >&2; exit 3; }
ninja -C "$build" -j"$jobs" v4harness v4_tests v4_properties v4_benchmarks

rm -rf "$bundle"
mkdir -p "$bundle/bin" "$bundle/lib"
bins=(v4harness v4_tests v4_properties v4_benchmarks)
for b in "${bins[@]}"; do
  cp "$build/$b" "$bundle/bin/$b"
  strip --strip-unneeded "$bundle/bin/$b"
done
# Shared libraries outside the base system.
for b in "${bins[@]}"; do ldd "$build/$b"; done | awk '/=>/ {print $1, $3}' | sort -u |
  while read -r name path; do
    case "$name" in
      libc.so.*|libm.so.*|libstdc++.so.*|libgcc_s.so.*|libpthread.so.*|libdl.so.*|librt.so.*|ld-linux*) ;;
      libcublas*|libcublasLt*|libcudart*) echo "gpu_bundle: $name comes from the target's CUDA toolkit" ;;
      *) cp -L "$path" "$bundle/lib/$name" ;;
    esac
  done
cp "$root/scripts/gpu_run.sh" "$root/scripts/gpu_kernels.sh" "$root/scripts/gpu_profile.sh" "$root/scripts/crosscheck_formats.py" "$root/scripts/torch_peers.py" \
   "$root/scripts/gpu_common.py" "$root/results/schema.sql" "$bundle/"
commit=$(git -C "$root" rev-parse HEAD)
dirty=0
git -C "$root" diff --quiet HEAD -- || dirty=1
cat > "$bundle/PROVENANCE" <<EOT
export V4_GIT_COMMIT=$commit
export V4_GIT_DIRTY=$dirty
export V4_BUNDLE_BUILT="$(date -u +%Y-%m-%dT%H:%M:%SZ) on $(uname -n), $(/usr/local/cuda/bin/nvcc --version | tail -1)"
EOT
echo "bundle: $bundle ($(du -sh "$bundle" | cut -f1)); libs: $(ls "$bundle/lib" | tr '\n' ' ')"
