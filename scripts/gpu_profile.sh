#!/usr/bin/env bash
# Hardware-counter profiles (Nsight Compute) of one op's CUDA kernels at the first full-suite case,
# on the GPU machine: the evidence for what limits a kernel that misses its bandwidth target
# (DRAM throughput, issue-slot and pipe utilization, warp stall reasons, the most-stalled SASS).
# Clocks are left alone (--clock-control none); caches are flushed before every replay pass.
#   bash gpu_profile.sh <bundle bin dir> <out dir> [op ...]   (default: the ops below)
# Per op, in <out dir>/ncu.tar.gz (one file: the device tool brings back only a few files):
# ncu/<op>.txt (every section's details), ncu/<op>.raw.csv (every metric collected), ncu/<op>.log
# (the benchmark's own output and ncu's messages). The .ncu-rep reports are not kept.
set -uo pipefail
bin=$1
out=$2/ncu
shift 2
ncu=$(command -v ncu || ls /usr/local/cuda/bin/ncu /opt/nvidia/nsight-compute/*/ncu 2>/dev/null | head -1)
[ -n "$ncu" ] || { echo "gpu_profile: ncu (Nsight Compute) not found" >&2; exit 3; }
mkdir -p "$out"
reports=$(mktemp -d)
trap 'rm -rf "$reports"' EXIT

# op -> the kernels it launches (a regex on the function name), how many launches to profile and,
# optionally, which case (a benchmark-name regex after the op's '<op>/cuda/'; default the first).
# A key '<op>@<label>' profiles another case of the same op.
declare -A kernels=(
  [rms_norm]='rms_norm_kernel:1' [rms_norm_head]='rms_norm_head_kernel:1' [rope]='rope_(table_)?kernel:2'
  [swiglu]='swiglu_(table|direct)_kernel:1' [hadamard]='hadamard128_kernel:1'
  [fp4_act_quant]='fp4_act_kernel:1' [fp4_to_fp8]='fp4_(check|convert)_kernel:2:row_blocks=192 '
  [log_softmax]='log_softmax_kernel:1' [opd_kl]='opd_kl_kernel:1'
  [compressor_pool]='compressor_pool_kernel:1' [compressor_pool@hca]='compressor_pool_kernel:1:.*ratio=128'
  [compressor_pool_indexer]='compressor_pool_kernel:1'
  [mhc_post]='hc_post_kernel:1' [mhc_pre]='hc_pre_fused_kernel:1' [mhc_head]='hc_(mix_partial|gates|finish)_kernel:3'
  [mhc_boundary]='hc_boundary_kernel:1' [moe_gate]='gate_scores_kernel:1'
  [moe_gate_route]='route_(filter_)?kernel:1'
)
ops=("$@")
[ ${#ops[@]} -gt 0 ] || ops=(rope swiglu rms_norm_head fp4_to_fp8 compressor_pool compressor_pool@hca moe_gate_route fp4_act_quant mhc_head
                             mhc_pre log_softmax opd_kl hadamard mhc_post mhc_boundary moe_gate rms_norm)
sections=(SpeedOfLight MemoryWorkloadAnalysis ComputeWorkloadAnalysis WarpStateStats SchedulerStats
          InstructionStats LaunchStats Occupancy SourceCounters)
extra_metrics=dram__bytes_read.sum,dram__bytes_write.sum
section_args=()
for s in "${sections[@]}"; do section_args+=(--section "$s"); done

# profile_op [ncu options...]: the current op ($op, $kernel_re, $count, $case_re) under ncu.
profile_op() {
  "$ncu" --clock-control none --cache-control all --replay-mode kernel -k "regex:$kernel_re" -c "$count" \
    "${section_args[@]}" "$@" -f -o "$reports/$op" \
    "$bin/v4_benchmarks" --suite=full --op="${op%@*}" --backend=cuda --benchmark_filter="^${op%@*}/cuda/$case_re" \
    --samples=1 >"$out/$op.log" 2>&1
}

failed=0
for op in "${ops[@]}"; do
  spec=${kernels[$op]:-}
  [ -n "$spec" ] || { echo "gpu_profile: no kernel list for op '$op'" >&2; failed=1; continue; }
  t0=$SECONDS
  IFS=: read -r kernel_re count case_re <<<"$spec"
  # DRAM bytes read and written: what the kernel moved against the op's minimal byte count.
  profile_op --metrics "$extra_metrics"
  rc=$?
  if [ "$rc" != 0 ] && grep -qi 'metric' "$out/$op.log"; then  # a metric this ncu lacks: without them
    mv "$out/$op.log" "$out/$op.metrics-failed.log"
    profile_op
    rc=$?
  fi
  if [ -f "$reports/$op.ncu-rep" ]; then
    "$ncu" -i "$reports/$op.ncu-rep" --print-details all >"$out/$op.txt" 2>&1
    "$ncu" -i "$reports/$op.ncu-rep" --page raw --csv >"$out/$op.raw.csv" 2>&1
  fi
  [ "$rc" = 0 ] && [ -s "$out/$op.txt" ] || failed=1
  printf 'gpu_profile %-24s rc=%s %4ss\n' "$op" "$rc" "$((SECONDS - t0))"
  tar czf "$out.tar.gz" -C "$(dirname "$out")" ncu  # after every op: a time limit loses only the rest
done
rm -rf "$out"
exit $failed
