#!/usr/bin/env python3
"""Cross-checks the reference's format conversions (spec §1) against ml_dtypes and torch,
exhaustively: every code of the four decoders, and the bf16 / e4m3 / e2m1 encoders over all 2^32
fp32 bit patterns (compared as run-length encodings, so nothing is sampled), ue8m0 over every
power of two. The reference side comes from `v4harness formats-dump`.

Any disagreement is a finding, resolved against the spec. Known and expected by the spec:
torch's and ml_dtypes' e4m3 casts give NaN for |x| > 464 (and Inf), where the project saturates
to ±448 (spec §1.5, satfinite). A disagreement is classified as that case only when every
disagreeing input is beyond 448 in magnitude (or Inf) and the peer's code is NaN.
Results go to --json and, as checks of op `formats_crosscheck`, to the database.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
from multiprocessing import Pool

import numpy as np

import gpu_common

CHUNK = 1 << 24
NAN_CANON = {"bf16": 0x7FC0, "e4m3": 0x7F}


def canon(fmt, codes):
    if fmt == "bf16":
        nan = ((codes & 0x7F80) == 0x7F80) & ((codes & 0x7F) != 0)
        return np.where(nan, NAN_CANON["bf16"], codes).astype(np.uint32)
    if fmt == "e4m3":
        return np.where((codes & 0x7F) == 0x7F, NAN_CANON["e4m3"], codes).astype(np.uint32)
    return codes.astype(np.uint32)


def rle_of(bits, codes):
    change = np.flatnonzero(codes[1:] != codes[:-1]) + 1
    idx = np.concatenate(([0], change))
    return bits[idx].astype(np.uint32), codes[idx]


def merge_runs(parts):
    """Joins chunk-wise run-length encodings, dropping a run that continues the previous chunk's."""
    starts, codes, last = [], [], None
    for s, c in parts:
        if len(c) and last is not None and c[0] == last:
            s, c = s[1:], c[1:]
        if len(c):
            last = c[-1]
        starts.append(s)
        codes.append(c)
    return np.concatenate(starts), np.concatenate(codes)


def ml_chunk(task):
    import ml_dtypes
    fmt, lo, step = task
    bits = np.arange(lo, lo + CHUNK * step, step, dtype=np.uint64)
    bits = bits[bits < (1 << 32)].astype(np.uint32)
    x = bits.view(np.float32)
    with np.errstate(all="ignore"):
        if fmt == "bf16":
            codes = x.astype(ml_dtypes.bfloat16).view(np.uint16)
        elif fmt == "e4m3":
            codes = x.astype(ml_dtypes.float8_e4m3fn).view(np.uint8)
        else:
            codes = x.astype(ml_dtypes.float4_e2m1fn).view(np.uint8) & 0xF
    return rle_of(bits, canon(fmt, codes))


def ml_rle(fmt, step):
    total = (1 << 32) // step
    tasks = [(fmt, lo * step, step) for lo in range(0, total, CHUNK)]
    with Pool(min(16, os.cpu_count() or 1)) as pool:
        parts = pool.map(ml_chunk, tasks)
    return merge_runs(parts)


def torch_rle(fmt, step):
    import torch
    dtype = {"bf16": torch.bfloat16, "e4m3": torch.float8_e4m3fn}[fmt]
    parts = []
    n = 1 << 28
    total = (1 << 32) // step
    for lo in range(0, total, n):
        idx = torch.arange(lo, min(lo + n, total), dtype=torch.int64, device="cuda") * step
        bits = idx & 0xFFFFFFFF
        x = (bits - ((bits >> 31) << 32)).to(torch.int32).view(torch.float32)  # two's complement, then the bits
        if fmt == "bf16":
            codes = x.to(dtype).view(torch.int16).to(torch.int64) & 0xFFFF
        else:
            codes = x.to(dtype).view(torch.uint8).to(torch.int64)
        change = torch.nonzero(codes[1:] != codes[:-1]).flatten() + 1
        sel = torch.cat((torch.zeros(1, dtype=torch.int64, device="cuda"), change))
        c = canon(fmt, codes[sel].cpu().numpy())
        s = bits[sel].cpu().numpy().astype(np.uint32)
        # canonicalising NaN can merge neighbouring runs: re-run-length-encode
        keep = np.concatenate(([True], c[1:] != c[:-1]))
        parts.append((s[keep], c[keep]))
    return merge_runs(parts)


def disagreements(ref, other, step):
    """Intervals of bit patterns [lo, hi) where the two step functions differ: (lo, hi, ref, other)."""
    rs, rc = ref
    os_, oc = other
    points = np.union1d(rs, os_)
    ri = np.searchsorted(rs, points, side="right") - 1
    oi = np.searchsorted(os_, points, side="right") - 1
    rv, ov = rc[ri], oc[oi]
    ends = np.append(points[1:].astype(np.uint64), np.uint64(1 << 32))
    bad = np.flatnonzero(rv != ov)
    return [(int(points[i]), int(ends[i]), int(rv[i]), int(ov[i])) for i in bad]


def f32(bits):
    return float(np.array([bits], dtype=np.uint32).view(np.float32)[0])


def is_nan_range(lo, hi, step):
    # NaN bit patterns are two contiguous ranges; a sampled run is judged by its sample
    return np.isnan(f32(lo)) and (step > 1 or np.isnan(f32(hi - 1)))


def classify(fmt, diffs, step):
    """'agree', 'expected' (a rule the spec names) or 'finding'. Expected: e4m3 NaN for |x| > 464
    and Inf where the project saturates (spec §1.5); e2m1 NaN inputs, outside the contract (D6)."""
    if not diffs:
        return "agree", "bitwise identical over all inputs"
    count = sum(hi - lo for lo, hi, _, _ in diffs)
    e4m3_overflow = lambda lo, hi, ref, other: (fmt == "e4m3" and other == NAN_CANON["e4m3"]
                                                and (ref & 0x7F) == 0x7E and abs(f32(lo)) > 448)
    e2m1_nan = lambda lo, hi, ref, other: fmt == "e2m1" and is_nan_range(lo, hi, step)
    expected = all(e4m3_overflow(*d) or e2m1_nan(*d) for d in diffs)
    sample = [f"[{f32(lo):.9g}, {f32(hi - 1):.9g}] ref 0x{ref:x} peer 0x{other:x}" for lo, hi, ref, other in diffs[:6]]
    detail = f"{count} inputs in {len(diffs)} ranges differ: " + "; ".join(sample)
    return ("expected" if expected else "finding"), detail


def decode_checks(dump, torch):
    import ml_dtypes
    out = []
    ref = {k: np.fromfile(os.path.join(dump, f"{k}_decode.f32"), dtype=np.float32)
           for k in ("bf16", "e4m3", "e2m1", "ue8m0")}
    codes16 = np.arange(65536, dtype=np.uint16)
    codes8 = np.arange(256, dtype=np.uint8)
    peers = {
        ("bf16", "ml_dtypes"): codes16.view(ml_dtypes.bfloat16).astype(np.float32),
        ("e4m3", "ml_dtypes"): codes8.view(ml_dtypes.float8_e4m3fn).astype(np.float32),
        ("e2m1", "ml_dtypes"): np.arange(16, dtype=np.uint8).view(ml_dtypes.float4_e2m1fn).astype(np.float32),
        ("ue8m0", "ml_dtypes"): codes8.view(ml_dtypes.float8_e8m0fnu).astype(np.float32),
        ("bf16", "torch"): torch.from_numpy(codes16.view(np.int16).copy()).view(torch.bfloat16).float().numpy(),
        ("e4m3", "torch"): torch.from_numpy(codes8.copy()).view(torch.float8_e4m3fn).float().numpy(),
    }
    if hasattr(torch, "float8_e8m0fnu"):
        peers[("ue8m0", "torch")] = torch.from_numpy(codes8.copy()).view(torch.float8_e8m0fnu).float().numpy()
    for (fmt, peer), vals in peers.items():
        r = ref[fmt]
        same = (r.view(np.uint32) == vals.view(np.uint32)) | (np.isnan(r) & np.isnan(vals))
        bad = np.flatnonzero(~same)
        detail = "every code identical" if len(bad) == 0 else \
            f"{len(bad)} codes differ: " + ", ".join(f"0x{c:x}: ref {r[c]:g} peer {vals[c]:g}" for c in bad[:8])
        status = "agree" if len(bad) == 0 else ("expected" if fmt == "ue8m0" and list(bad) == [0] else "finding")
        out.append((f"decode.{fmt}", peer, status, detail))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--v4harness", required=True)
    ap.add_argument("--db", required=True)
    ap.add_argument("--json", required=True)
    ap.add_argument("--step", type=int, default=1, help="every N-th bit pattern (1: exhaustive)")
    args = ap.parse_args()
    import ml_dtypes
    import torch
    dump = tempfile.mkdtemp(prefix="v4fmt")
    subprocess.run([args.v4harness, "formats-dump", dump, "--step", str(args.step)], check=True)
    results = []
    # ml_dtypes first (its worker processes fork before this process touches CUDA), then torch.
    for peer, fmts, rle in (("ml_dtypes", ("bf16", "e4m3", "e2m1"), ml_rle), ("torch", ("bf16", "e4m3"), torch_rle)):
        for fmt in fmts:
            raw = np.fromfile(os.path.join(dump, f"{fmt}_encode.rle"), dtype=np.uint32).reshape(-1, 2)
            try:
                status, detail = classify(fmt, disagreements((raw[:, 0], raw[:, 1]), rle(fmt, args.step), args.step), args.step)
            except Exception as e:  # a peer without this cast is recorded, not fatal
                status, detail = "unsupported", f"{type(e).__name__}: {e}"
            results.append((f"encode.{fmt}", peer, status, detail))
    results += decode_checks(dump, torch)
    pow2 = np.fromfile(os.path.join(dump, "ue8m0_encode.tbl"), dtype=np.uint32).reshape(-1, 2)
    p = pow2[:, 0].view(np.float32)
    ml = p.astype(ml_dtypes.float8_e8m0fnu).view(np.uint8)
    bad = np.flatnonzero(ml != pow2[:, 1])
    results.append(("encode.ue8m0", "ml_dtypes", "agree" if len(bad) == 0 else "finding",
                    "every power of two 2^-127..2^127 identical" if len(bad) == 0 else
                    f"{len(bad)} differ, first 2^{int(bad[0]) - 127}: ref {pow2[bad[0], 1]} peer {ml[bad[0]]}"))
    exhaustive = args.step == 1
    for name, peer, status, detail in results:
        print(f"{name:<14} {peer:<10} {status:<11} {detail}")
    with open(args.json, "w") as f:
        json.dump({"exhaustive": exhaustive, "step": args.step, "ml_dtypes": ml_dtypes.__version__,
                   "torch": torch.__version__,
                   "results": [dict(check=n, peer=p, status=s, detail=d) for n, p, s, d in results]}, f, indent=1)
    db = gpu_common.open_db(args.db)
    with db:
        run = gpu_common.new_run(db, "import", "format-crosscheck", "exhaustive" if exhaustive else f"step={args.step}",
                                 torch.__version__)
        passed = failed = 0
        for peer in sorted({r[1] for r in results}):
            key = f"formats_crosscheck peer={peer} step={args.step} seed=0"
            cid = gpu_common.add_case(db, run, "formats_crosscheck", peer, "peer", "cpu" if peer == "ml_dtypes" else "cuda",
                                      key, {"peer": peer, "step": args.step})
            for name, p_, status, detail in results:
                if p_ != peer:
                    continue
                ok = status in ("agree", "expected", "unsupported")
                passed += ok
                failed += not ok
                gpu_common.add_check(db, cid, "crosscheck." + name, ok,
                                     "bitwise equal to the reference; e4m3 overflow NaN vs satfinite is spec 1.5",
                                     f"{status}: {detail}", f"{key} check=crosscheck.{name}")
        gpu_common.finish_run(db, run, passed, failed)
    findings = [r for r in results if r[2] == "finding"]
    sys.exit(1 if findings else 0)


if __name__ == "__main__":
    main()
