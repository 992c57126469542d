#!/usr/bin/env bash
# One call on the GPU machine (no build there): every GPU test, the RapidCheck properties, the
# main harness job on real Flash/Pro shapes, the registry benchmarks, the format cross-check
# against ml_dtypes and torch, and the PyTorch peers timed on the same GPU, all into ONE SQLite
# database plus logs under $OUT. Never changes GPU clocks or settings.
#   bash .gpu-bundle/gpu_run.sh [smoke|full-a|full-b|full|focus]
#     smoke: GPU tests, properties, `run --suite default`, sampled format cross-check, peers on the
#            default suite: a quick correctness pass with a first look at the numbers
#     full:  the same with `run --suite full` (>= 256 MB per bandwidth case) and the exhaustive
#            cross-check; full-a / full-b: its two halves, one device call each (a database left
#            in the bundle as results.sqlite is continued, so both halves end in one database)
#     focus: OPS="op ..." at full size, their peers, every `*Cuda*` test and the kernel resource
#            report, with short step limits (OP_LIMIT, TEST_LIMIT seconds): one short device call
#            for the kernels added since the last full run
#     profile: only what BENCH_OPS and PROFILE_OPS ask for (no tests, no checks)
#     any mode: BENCH_OPS="op ..." adds the registry benchmarks (v4_benchmarks, timing only, no
#            checks) of those ops at full size into the database;
#            PROFILE_OPS="op ..." (or "all") adds Nsight Compute profiles of those ops' kernels
#            (gpu_profile.sh; PROFILE_LIMIT seconds for all of them) into $OUT/ncu.tar.gz
# Files in $OUT: results.sqlite, run.log (everything), summary.txt (one line per step),
# report.md, crosscheck.json, kernels.txt (resource usage and SASS instruction counts),
# sass.txt.gz (the disassembly of every kernel: evidence for what limits each), ncu.tar.gz (profiles).
set -uo pipefail
mode=${1:-full}
B=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
OUT=${OUT:-$PWD/gpu-out}
mkdir -p "$OUT"
source "$B/PROVENANCE"
cuda_lib=""
for d in /usr/local/cuda/lib64 /usr/local/cuda/targets/x86_64-linux/lib; do [ -d "$d" ] && cuda_lib="$cuda_lib:$d"; done
export LD_LIBRARY_PATH="$B/lib$cuda_lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export PYTHONUNBUFFERED=1
DB="$OUT/results.sqlite"
LOG="$OUT/run.log"
SUMMARY="$OUT/summary.txt"
: >"$LOG"
echo "gpu_run $mode: commit $V4_GIT_COMMIT dirty=$V4_GIT_DIRTY bundle built $V4_BUNDLE_BUILT" | tee "$SUMMARY"

# step <name> <time limit s> <command...>: runs with a time limit, logs everything, one summary line.
step() {
  local name=$1 limit=$2
  shift 2
  local t0=$SECONDS
  echo "===== $name: $*" >>"$LOG"
  timeout "$limit" "$@" >>"$LOG" 2>&1
  local rc=$?
  printf '%-22s rc=%-3s %4ss\n' "$name" "$rc" "$((SECONDS - t0))" | tee -a "$SUMMARY"
  return 0
}

# Ops of the main job, in two halves so that each half fits one device call (the GPU machine's
# 10-minute limit): every op is its own harness run, so one op running out of time loses only itself.
ops_a="act_quant rms_norm rms_norm_head kv_fp8_sim bf16_encode e4m3_encode e2m1_encode fp4_act_quant fp4_act_quant_sim log_softmax opd_kl"
ops_b="fp4_weight_quant fp4_to_fp8 mhc_post mhc_pre mhc_head mhc_boundary hadamard rope swiglu moe_gate moe_gate_route compressor_pool compressor_pool_indexer"
case "$mode" in
  smoke) suite=default; ops="$ops_a $ops_b"; rest=1; step_arg=4099 ;;
  full-a) suite=full; ops="$ops_a"; rest=0 ;;
  full-b) suite=full; ops="$ops_b"; rest=1; step_arg=1 ;;
  full) suite=full; ops="$ops_a $ops_b"; rest=1; step_arg=1 ;;
  focus) suite=full; ops="${OPS:?focus mode needs OPS=\"op ...\"}"; rest=2 ;;
  profile) suite=full; ops=""; rest=3 ;;
  *) echo "gpu_run: unknown mode $mode (smoke, full-a, full-b, full, focus, profile)" >&2; exit 3 ;;
esac
# A database carried from an earlier call (.gpu-bundle/results.sqlite) is continued: one database.
[ -f "$B/results.sqlite" ] && [ ! -f "$DB" ] && cp "$B/results.sqlite" "$DB"

step device 30 bash -c 'nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.mem,clocks.max.sm,power.draw,temperature.gpu --format=csv; nvidia-smi -q -d CLOCK | head -40'
[ "$rest" = 3 ] || ops=${OPS:-$ops}  # OPS="..." runs a subset (e.g. what an interrupted call did not reach)
if [ "$rest" = 2 ]; then  # focus: correctness of every kernel first, then the timed runs
  step gpu_tests "${TEST_LIMIT:-120}" "$B/bin/v4_tests" --gtest_filter='*Cuda*' --gtest_color=no
  cp "$LOG" "$OUT/gpu_tests.log"
fi
for op in $ops; do
  backends="--backend cuda"
  [ "$op" = rms_norm ] && backends="$backends --backend cuda_split_control"  # the GPU negative control
  case "$op" in mhc_pre | mhc_boundary) backends="$backends --backend cuda_two_pass" ;; esac  # the earlier kernels
  step "harness:$op" "${OP_LIMIT:-200}" "$B/bin/v4harness" run --suite "$suite" --op "$op" $backends \
    --db "$DB" --tag "gpu-$mode" --no-progress
done
[ "$rest" -ge 2 ] || python3 "$B/gpu_common.py" has-ceiling --db "$DB" || step ceiling 120 python3 "$B/gpu_common.py" ceiling --db "$DB"
[ -z "$ops" ] || step peers "${PEER_LIMIT:-150}" python3 "$B/torch_peers.py" --db "$DB" --v4harness "$B/bin/v4harness" --suite "$suite" --ops $ops
if [ "$rest" = 2 ]; then
  step phases 60 "$B/bin/v4_benchmarks" --benchmark_filter=boundary_phases \
    --benchmark_out="$OUT/boundary_phases.json" --benchmark_out_format=json
  step kernels 60 bash "$B/gpu_kernels.sh" "$B/bin/v4harness" "$OUT"
fi
if [ "$rest" = 1 ]; then
  step gpu_tests 240 "$B/bin/v4_tests" --gtest_filter='*Cuda*' --gtest_color=no
  step crosscheck 200 python3 "$B/crosscheck_formats.py" --v4harness "$B/bin/v4harness" --db "$DB" \
    --json "$OUT/crosscheck.json" --step "$step_arg"
  step kernels 60 bash "$B/gpu_kernels.sh" "$B/bin/v4harness" "$OUT"
  step properties 150 "$B/bin/v4_properties" --gtest_color=no
  step benchmarks 90 "$B/bin/v4_benchmarks" --suite=smoke --backend=cuda --db="$DB" --benchmark_min_time=0.01
fi
for op in ${BENCH_OPS:-}; do
  step "bench:$op" 120 "$B/bin/v4_benchmarks" --suite=full --op="$op" --backend=cuda --db="$DB" \
    --benchmark_filter="^$op/cuda/" --samples=200
done
if [ -n "${PROFILE_OPS:-}" ]; then
  [ "$PROFILE_OPS" = all ] && PROFILE_OPS=""
  step profile "${PROFILE_LIMIT:-300}" bash "$B/gpu_profile.sh" "$B/bin" "$OUT" $PROFILE_OPS
  grep -h '^gpu_profile' "$LOG" | tee -a "$SUMMARY"
fi
step report 60 python3 "$B/gpu_common.py" report --db "$DB" --v4harness "$B/bin/v4harness" --out "$OUT/report.md"
grep -E '^(FAIL|run [0-9]+:|\[  FAILED|\[  PASSED|\[  SKIPPED)' "$LOG" | head -60 | tee -a "$SUMMARY"
python3 "$B/gpu_common.py" compare --db "$DB" | tee -a "$SUMMARY"
ls -la "$OUT"
