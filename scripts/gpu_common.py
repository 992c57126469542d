#!/usr/bin/env python3
"""Shared helpers of the GPU run scripts (python3 of the GPU machine: torch, numpy, sqlite3).

  gpu_common.py ceiling --db DB   measure the device-to-device copy ceiling (read + write bytes)
                                  with torch and store it as op device_copy, backend torch
  gpu_common.py compare --db DB   print ours (cuda) beside the torch peers for every case timed
                                  in the harness runs of the database
  gpu_common.py has-ceiling --db DB          exit 0 when the ceiling is already stored
  gpu_common.py report --db DB --v4harness EXE --out FILE
                                  `v4harness report` of every harness run, concatenated

Timing protocol, the same as optimized/device_timer.cu: before every timed launch a read-only
sweep over a buffer of twice the L2 size, CUDA events around the launch alone, warm-up first,
the median of many samples.
"""
import argparse
import json
import os
import socket
import sqlite3
import statistics
import sys
from datetime import datetime, timezone

HBM_BYTES_PER_S = 4.30e12  # harness/ceilings.h


def utc_now():
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class DeviceTimer:
    def __init__(self, torch):
        self.torch = torch
        props = torch.cuda.get_device_properties(0)
        l2 = getattr(props, "L2_cache_size", 60 << 20) or (60 << 20)
        self.flush_buf = torch.zeros(2 * l2 // 4, dtype=torch.float32, device="cuda")
        self.sink = torch.zeros(1, dtype=torch.float32, device="cuda")

    def flush(self):
        # read-only sweep: clean lines only, nothing to write back during the timed launch
        self.torch.sum(self.flush_buf, dim=0, out=self.sink[0])

    def time(self, fn, warmup=5, samples=50):
        torch = self.torch
        for _ in range(warmup):
            fn()
        events = [(torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)) for _ in range(samples)]
        for start, stop in events:
            self.flush()
            start.record()
            fn()
            stop.record()
        torch.cuda.synchronize()
        return [start.elapsed_time(stop) * 1e-3 for start, stop in events]


def stats(samples):
    s = sorted(samples)
    q = lambda p: s[min(len(s) - 1, int(round(p * (len(s) - 1))))]
    return {
        "n": len(s), "median": statistics.median(s), "min": s[0], "max": s[-1], "mean": statistics.fmean(s),
        "stdev": statistics.stdev(s) if len(s) > 1 else 0.0, "q1": q(0.25), "q3": q(0.75), "p10": q(0.1), "p90": q(0.9),
    }


def open_db(path):
    db = sqlite3.connect(path)
    db.execute("PRAGMA foreign_keys = ON")
    return db


def latest_harness_run(db):
    row = db.execute("SELECT max(run_id) FROM runs WHERE kind = 'harness' AND finished_at IS NOT NULL").fetchone()
    return row[0] if row and row[0] is not None else None


def new_run(db, kind, tag, suite, torch_version):
    """A run row for rows imported by these scripts (the harness's schema, results/schema.sql)."""
    import torch
    props = torch.cuda.get_device_properties(0)
    cur = db.execute(
        "INSERT INTO runs (kind, tag, started_at, suite, seed, git_commit, git_dirty, build_type, compiler,"
        " cuda_version, driver_version, gpu_name, gpu_uuid, host, command_line)"
        " VALUES (?, ?, ?, ?, 0, ?, ?, 'python', ?, ?, NULL, ?, ?, ?, ?)",
        (kind, tag, utc_now(), suite, os.environ.get("V4_GIT_COMMIT", "unknown"),
         1 if os.environ.get("V4_GIT_DIRTY") == "1" else 0, f"python {sys.version.split()[0]}, torch {torch_version}",
         torch.version.cuda, props.name, str(getattr(props, "uuid", "")), socket.gethostname(), " ".join(sys.argv)))
    return cur.lastrowid


def finish_run(db, run_id, passed, failed):
    db.execute("UPDATE runs SET finished_at = ?, checks_passed = ?, checks_failed = ? WHERE run_id = ?",
               (utc_now(), passed, failed, run_id))


def add_case(db, run_id, op, backend, role, device, case_key, params):
    cur = db.execute("INSERT INTO cases (run_id, op, backend, backend_role, device, case_key, params_json)"
                     " VALUES (?, ?, ?, ?, ?, ?, ?)", (run_id, op, backend, role, device, case_key, json.dumps(params)))
    return cur.lastrowid


def add_timing(db, case_id, samples, method, bytes_, flops, note):
    s = stats(samples)
    gbps = bytes_ / s["median"] / 1e9 if s["median"] > 0 else 0
    roof = bytes_ / HBM_BYTES_PER_S / s["median"] if s["median"] > 0 and bytes_ else None
    db.execute(
        "INSERT INTO timings (case_id, method, n, median_s, min_s, max_s, mean_s, stdev_s, q1_s, q3_s, p10_s, p90_s,"
        " bytes, flops, gbps, tflops, roofline_fraction, roofline, timed_output_verified, note)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?)",
        (case_id, method, s["n"], s["median"], s["min"], s["max"], s["mean"], s["stdev"], s["q1"], s["q3"], s["p10"],
         s["p90"], bytes_, flops, gbps, flops / s["median"] / 1e12 if s["median"] > 0 else 0, roof,
         "hbm 4.30 TB/s" if roof is not None else None, note))
    db.executemany("INSERT INTO samples (case_id, sample_index, seconds) VALUES (?, ?, ?)",
                   [(case_id, i, v) for i, v in enumerate(samples)])
    return s


def add_check(db, case_id, name, passed, bound, detail, replay):
    db.execute("INSERT INTO checks (case_id, check_name, passed, negative_control, bound, detail, replay)"
               " VALUES (?, ?, ?, 0, ?, ?, ?)", (case_id, name, 1 if passed else 0, bound, detail, replay))


def cmd_ceiling(args):
    import torch
    timer = DeviceTimer(torch)
    out = {}
    n = (4 << 30) // 4  # 4 GiB per buffer, far beyond L2
    a = torch.randn(n, device="cuda")
    b = torch.empty_like(a)
    copy = timer.time(lambda: b.copy_(a), warmup=3, samples=20)
    read = timer.time(lambda: torch.sum(a, dim=0, out=timer.sink[0]), warmup=3, samples=20)
    out["copy_tb_s"] = 2 * a.numel() * 4 / statistics.median(copy) / 1e12
    out["read_tb_s"] = a.numel() * 4 / statistics.median(read) / 1e12
    print(json.dumps(out))
    db = open_db(args.db)
    if db.execute("SELECT count(*) FROM sqlite_master WHERE name = 'runs'").fetchone()[0] == 0:
        sys.exit("ceiling: the database has no harness schema yet (run the harness first)")
    with db:
        run = new_run(db, "benchmark", "ceiling", "ceiling", torch.__version__)
        for name, samples, nbytes in (("copy", copy, 2 * a.numel() * 4), ("read", read, a.numel() * 4)):
            cid = add_case(db, run, "device_" + name, "torch", "peer", "cuda",
                           f"device_{name} bytes={nbytes} seed=0", {"bytes": nbytes})
            add_timing(db, cid, samples, "torch.cuda.Event+l2_read_flush", nbytes, 0,
                       f"torch {torch.__version__}: " + ("b.copy_(a)" if name == "copy" else "torch.sum(a)"))
        finish_run(db, run, 0, 0)


def cmd_has_ceiling(args):
    db = open_db(args.db)
    has = db.execute("SELECT count(*) FROM sqlite_master WHERE name = 'cases'").fetchone()[0] and \
        db.execute("SELECT count(*) FROM cases WHERE op = 'device_copy'").fetchone()[0]
    sys.exit(0 if has else 1)


def cmd_report(args):
    import subprocess
    db = open_db(args.db)
    ids = [r[0] for r in db.execute("SELECT run_id FROM runs WHERE kind = 'harness' AND finished_at IS NOT NULL"
                                    " ORDER BY run_id")]
    db.close()
    with open(args.out, "w") as f:
        for i in ids:
            f.write(subprocess.run([args.v4harness, "report", "--db", args.db, "--run", str(i)], check=True,
                                   capture_output=True, text=True).stdout + "\n")


def cmd_compare(args):
    db = open_db(args.db)
    rows = db.execute(
        "SELECT c.op, c.case_key, c.backend, t.median_s, t.gbps, t.roofline_fraction FROM timings t"
        " JOIN cases c USING (case_id) JOIN runs r USING (run_id)"
        " WHERE r.kind = 'harness' AND c.backend IN ('cuda', 'torch') ORDER BY c.op, c.case_key, c.backend").fetchall()
    print(f"{'op':<18} {'case':<52} {'backend':<7} {'median us':>10} {'GB/s':>8} {'% 4.30':>7}")
    for op, key, backend, med, gbps, roof in rows:
        print(f"{op:<18} {key[len(op) + 1:][:52]:<52} {backend:<7} {med * 1e6:>10.2f} {gbps:>8.0f} "
              f"{(100 * roof if roof else 0):>6.1f}%")
    for key, med in db.execute("SELECT c.case_key, t.median_s FROM timings t JOIN cases c USING (case_id)"
                               " WHERE c.op LIKE 'device_%'"):
        nbytes = int(key.split("bytes=")[1].split()[0])
        print(f"ceiling {key}: {nbytes / med / 1e12:.3f} TB/s")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    for name in ("ceiling", "compare", "has-ceiling", "report"):
        s = sub.add_parser(name)
        s.add_argument("--db", required=True)
        if name == "report":
            s.add_argument("--v4harness", required=True)
            s.add_argument("--out", required=True)
    args = p.parse_args()
    {"ceiling": cmd_ceiling, "compare": cmd_compare, "has-ceiling": cmd_has_ceiling, "report": cmd_report}[args.cmd](args)


if __name__ == "__main__":
    main()
