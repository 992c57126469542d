#!/usr/bin/env python3
"""The limiter evidence of every profiled kernel, as one Markdown table, from what
scripts/gpu_profile.sh brought back (ncu.tar.gz: per op the details text, the raw metrics CSV and
the benchmark log naming the case) and the results database of the same GPU call (for each
case's minimal byte count, from the op's cost model).

  scripts/ncu_evidence.py --ncu results/h200/wave10-ncu.tar.gz --db results/h200/wave10.sql

--db takes a SQLite database or its SQL dump (.sql, as committed under results/). Columns: the
kernel's duration under the profiler; the minimal bytes of the case and the DRAM bytes the
kernel actually moved (read + write); the DRAM throughput as a share of its peak; issue slots
busy; the busiest instruction pipe (share of its peak over active cycles); occupancy achieved /
theoretical with registers per thread; active / eligible warps per scheduler; and the three
largest stall reasons (cycles per issued instruction).
"""
import argparse
import csv
import io
import re
import sqlite3
import sys
import tarfile
from pathlib import Path

TIME_UNITS = {"ns": 1e-9, "us": 1e-6, "usecond": 1e-6, "ms": 1e-3, "msecond": 1e-3, "s": 1.0, "second": 1.0}
BYTE_UNITS = {"byte": 1, "Kbyte": 1e3, "Mbyte": 1e6, "Gbyte": 1e9, "Tbyte": 1e12}
RATE_UNITS = {"byte/s": 1, "Kbyte/s": 1e3, "Mbyte/s": 1e6, "Gbyte/s": 1e9, "Tbyte/s": 1e12}


def fail(msg):
    print(f"ncu_evidence: error: {msg}", file=sys.stderr)
    sys.exit(2)


def read_profiles(path):
    """{op: {"txt": str, "csv": str, "log": str}} from a tar.gz or a directory."""
    files = {}
    p = Path(path)
    if p.is_dir():
        for f in p.rglob("*"):
            if f.is_file():
                files[f.name] = f.read_text(errors="replace")
    elif p.is_file():
        try:
            with tarfile.open(p) as tar:
                for m in tar.getmembers():
                    if m.isfile():
                        files[Path(m.name).name] = tar.extractfile(m).read().decode(errors="replace")
        except tarfile.TarError as e:
            fail(f"{path}: not a readable tar archive ({e})")
    else:
        fail(f"{path}: no such file or directory")
    ops = {}
    for name, text in files.items():
        for ext, key in ((".raw.csv", "csv"), (".txt", "txt"), (".log", "log")):
            if name.endswith(ext) and not name.endswith(".metrics-failed.log"):
                ops.setdefault(name[: -len(ext)], {})[key] = text
                break
    if not ops:
        fail(f"{path}: no profiles in it")
    return ops


def open_db(path):
    p = Path(path)
    if not p.is_file():
        fail(f"{path}: no such file")
    if p.suffix == ".sql":
        db = sqlite3.connect(":memory:")
        try:
            db.executescript(p.read_text())
        except sqlite3.Error as e:
            fail(f"{path}: not a SQLite dump ({e})")
        return db
    try:
        db = sqlite3.connect(f"file:{p}?mode=ro", uri=True)
        db.execute("select 1 from timings limit 1")
    except sqlite3.Error as e:
        fail(f"{path}: not a results database ({e})")
    return db


def minimal_bytes(db, op, key):
    row = db.execute(
        "select t.bytes from timings t join cases c using(case_id) where c.op = ? and c.backend = 'cuda' "
        "and c.case_key = ? order by t.case_id desc limit 1", (op, f"{op} {key}")).fetchone()
    return row[0] if row else None


def kernels_of(text):
    """Per profiled launch: its section text and name (the header line names grid and block)."""
    parts = re.split(r"\n  (?=\S.*\(\d+, \d+, \d+\)x\(\d+, \d+, \d+\))", text)
    out = []
    for part in parts[1:]:
        head = part.split("\n", 1)[0]
        name = re.sub(r"\(.*", "", head.strip()).split("::")[-1].strip()
        out.append((name, part))
    return out


def metric(part, label):
    m = re.search(r"\n\s+" + re.escape(label) + r"\s+(\S+\s+)?([\d,\.]+)\s*\n", part)
    return float(m.group(2).replace(",", "")) if m else None


def busiest_pipe(part):
    m = re.search(r"% of peak instructions executed over active cycles\).*?-{5,}\n.*?-{5,}\n(.*?)\n\s+-{5,}", part, re.S)
    if not m:
        return "-"
    rows = re.findall(r"^\s+(.+?)\s+%\s+([\d\.]+)\s*$", m.group(1), re.M)
    if not rows:
        return "-"
    name, value = max(rows, key=lambda r: float(r[1]))
    return f"{name} {float(value):.0f}%"


def top_stalls(part, n=3):
    rows = re.findall(r"\n\s+Stall ([A-Za-z0-9 ]+?)\s+inst\s+([\d\.]+)", part)
    rows = sorted(((float(v), k) for k, v in rows), reverse=True)[:n]
    return ", ".join(f"{k.lower()} {v:.1f}" for v, k in rows)


def raw_rows(text):
    rows = list(csv.reader(io.StringIO(text)))
    if len(rows) < 3:
        return []
    header, units = rows[0], rows[1]
    out = []
    for r in rows[2:]:
        out.append({h: (v, u) for h, v, u in zip(header, r, units)})
    return out


def number(entry, table):
    if entry is None:
        return None
    value, unit = entry
    try:
        v = float(value.replace(",", ""))
    except ValueError:
        return None
    return v * table.get(unit, 1.0)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ncu", required=True, help="ncu.tar.gz from gpu_profile.sh, or its unpacked folder")
    ap.add_argument("--db", required=True, help="results database (or .sql dump) of the same call")
    args = ap.parse_args()
    profiles = read_profiles(args.ncu)
    db = open_db(args.db)
    print("| op | kernel | case | µs | minimal MB | DRAM MB read + write | moved / minimal | DRAM % of peak "
          "| issue slots busy | busiest pipe | occupancy (regs) | warps active / eligible | top stalls (cycles) |")
    print("|" + "---|" * 13)
    for op in sorted(profiles):
        prof = profiles[op]
        if "txt" not in prof:
            continue
        base = op.split("@")[0]  # '<op>@<label>': another case of the same op
        m = re.search(re.escape(base) + r"/cuda/(.+?)(?:/iterations:\d+)?/manual_time", prof.get("log", ""))
        key = m.group(1) if m else None
        need = minimal_bytes(db, base, key) if key else None
        raws = raw_rows(prof.get("csv", ""))
        launches = kernels_of(prof["txt"])
        total_moved = 0.0
        seen = set()
        kept = []
        for i, (name, part) in enumerate(launches):  # a kernel profiled twice: its first launch only
            if name not in seen:
                seen.add(name)
                kept.append((i, name, part))
        for n, (i, name, part) in enumerate(kept):
            raw = raws[i] if i < len(raws) else {}
            seconds = number(raw.get("gpu__time_duration.sum"), TIME_UNITS)
            rd = number(raw.get("dram__bytes_read.sum"), BYTE_UNITS)
            wr = number(raw.get("dram__bytes_write.sum"), BYTE_UNITS)
            if rd is None or wr is None:  # older profiles: throughput x duration
                rate = number(raw.get("dram__bytes.sum.per_second"), RATE_UNITS)
                moved = rate * seconds if rate is not None and seconds else None
                moved_text = f"{moved / 1e6:.0f}" if moved is not None else "-"
            else:
                moved = rd + wr
                moved_text = f"{rd / 1e6:.0f} + {wr / 1e6:.0f}"
            total_moved += moved or 0.0
            last = n == len(kept) - 1
            ratio = f"{total_moved / need:.2f}" if need and last else ""
            occ, theo, regs = (metric(part, "Achieved Occupancy"), metric(part, "Theoretical Occupancy"),
                               metric(part, "Registers Per Thread"))
            act, elig = metric(part, "Active Warps Per Scheduler"), metric(part, "Eligible Warps Per Scheduler")
            fmt = lambda v, f="{:.0f}": f.format(v) if v is not None else "-"
            print(f"| {op} | {name} | {key or '-'} | {fmt(seconds * 1e6 if seconds else None, '{:.1f}')} "
                  f"| {fmt(need / 1e6 if need and last else None)} | {moved_text} | {ratio} "
                  f"| {fmt(metric(part, 'DRAM Throughput'), '{:.1f}')} | {fmt(metric(part, 'Issue Slots Busy'), '{:.1f}')} "
                  f"| {busiest_pipe(part)} | {fmt(occ)} / {fmt(theo)} % ({fmt(regs)}) "
                  f"| {fmt(act, '{:.1f}')} / {fmt(elig, '{:.2f}')} | {top_stalls(part)} |")


if __name__ == "__main__":
    main()
