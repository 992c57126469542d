#!/usr/bin/env bash
# The kernels' resource usage and disassembly, on the GPU machine (cuobjdump ships with the CUDA
# toolkit there): kernels.txt = per kernel its registers, stack, shared memory and SASS instruction
# count, then the binary's totals of a few instruction classes; sass.txt.gz = the whole SASS.
#   bash gpu_kernels.sh <binary> <out dir>
set -euo pipefail
command -v cuobjdump >/dev/null || { echo "gpu_kernels: cuobjdump not found (it ships with the CUDA toolkit)" >&2; exit 3; }
bin=$1
out=$2
sass=$(mktemp)
trap 'rm -f "$sass"' EXIT
cuobjdump -sass "$bin" > "$sass"
gzip -6 -c "$sass" > "$out/sass.txt.gz"
{
  echo "# registers, stack, shared memory (cuobjdump -res-usage)"
  cuobjdump -res-usage "$bin" 2>&1 | grep -A1 'Function' | grep -v '^--'
  echo "# SASS instructions per kernel"
  awk '/Function :/ { if (name != "") print n, name; name = $3; n = 0 } /\/\*[0-9a-f]+\*\// { n++ }
       END { if (name != "") print n, name }' "$sass" | sort -rn
  echo "# instruction classes over the whole binary"
  for op in DMMA DFMA DADD F2F FFMA MUFU SHFL LDG STG LDS STS HMMA; do
    printf '%-6s %s\n' "$op" "$(grep -c "\b$op\b" "$sass" || true)"
  done
} > "$out/kernels.txt"
