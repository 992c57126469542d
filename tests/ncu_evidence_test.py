#!/usr/bin/env python3
"""Tests of scripts/ncu_evidence.py on a synthetic profile archive whose numbers are known by
construction (and on the committed H200 archives: every profiled op gets a row), plus its errors."""
import io
import os
import sqlite3
import subprocess
import sys
import tarfile
import tempfile
import unittest
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "ncu_evidence.py"

# One kernel launch as `ncu --print-details all` prints it: only the lines the script reads.
DETAILS = """==PROF== Connected to process
[1] v4_benchmarks@127.0.0.1
  void <unnamed>::{name}(uint4 *, v4::optimized::dev::RopeFreqs, bool) (2048, 1, 1)x(256, 1, 1), Context 1, Stream 13, Device 0, CC 9.0
    Section: GPU Speed Of Light Throughput
    DRAM Throughput                   %        {dram}
    Duration                         us        {us}
    Section: Compute Workload Analysis
    Issue Slots Busy                 %        {issue}
    Table Name : Pipe Utilization (% of peak instructions executed over active cycles)
    Table Description : whatever
    ------------------- ----------- ------------
    Metric Name         Metric Unit Metric Value
    ------------------- ----------- ------------
    XU                            %        12.50
    ALU                           %        {alu}
    FMA                           %         3.00
    ------------------- ----------- ------------
    Section: Scheduler Statistics
    Active Warps Per Scheduler                    warp        10.12
    Eligible Warps Per Scheduler                  warp         0.30
    Section: Warp State Statistics
    Stall Long Scoreboard           inst        34.76
    Stall Wait                      inst         2.48
    Stall Barrier                   inst         9.23
    Stall Selected                  inst         1.00
    Section: Launch Statistics
    Registers Per Thread             register/thread              34
    Section: Occupancy
    Theoretical Occupancy                          %              75
    Achieved Occupancy                             %           62.69
"""

RAW_HEADER = ['"ID"', '"Kernel Name"', '"gpu__time_duration.sum"', '"dram__bytes_read.sum"', '"dram__bytes_write.sum"']
RAW_UNITS = ['""', '""', '"us"', '"Mbyte"', '"Kbyte"']


def raw_csv(rows):
    lines = [",".join(RAW_HEADER), ",".join(RAW_UNITS)]
    for i, (us, read_mb, write_kb) in enumerate(rows):
        lines.append(f'"{i}","k","{us}","{read_mb}","{write_kb}"')
    return "\n".join(lines) + "\n"


def make_archive(folder, launches):
    """launches: [(kernel name, us, dram %, issue %, alu %, read MB, write KB)] of one op 'toy'."""
    details = "".join(DETAILS.format(name=n, us=us, dram=d, issue=i, alu=a) for n, us, d, i, a, _, _ in launches)
    files = {
        "ncu/toy.txt": details,
        "ncu/toy.raw.csv": raw_csv([(us, r, w) for _, us, _, _, _, r, w in launches]),
        "ncu/toy.log": "toy/cuda/rows=8 seed=1/iterations:1/manual_time  1.0 us\n",
    }
    path = Path(folder) / "ncu.tar.gz"
    with tarfile.open(path, "w:gz") as tar:
        for name, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


def make_db(folder, minimal_bytes):
    path = Path(folder) / "results.sqlite"
    db = sqlite3.connect(path)
    db.executescript("create table cases(case_id integer primary key, op text, backend text, case_key text);"
                     "create table timings(case_id integer, bytes real);")
    db.execute("insert into cases values (1, 'toy', 'cuda', 'toy rows=8 seed=1')")
    db.execute("insert into timings values (1, ?)", (minimal_bytes,))
    db.commit()
    db.close()
    return path


def run(*args):
    return subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True, text=True)


class NcuEvidence(unittest.TestCase):
    def test_known_numbers(self):
        with tempfile.TemporaryDirectory() as d:
            # 100 MB read + 50 000 KB written over 150 MB minimal: moved / minimal 1.00.
            archive = make_archive(d, [("rope_kernel", "96.22", "72.69", "19.46", "27.70", "100", "50000")])
            out = run("--ncu", str(archive), "--db", str(make_db(d, 150e6)))
            self.assertEqual(out.returncode, 0, out.stderr)
            rows = [l for l in out.stdout.splitlines() if l.startswith("| toy ")]
            self.assertEqual(len(rows), 1, out.stdout)
            cells = [c.strip() for c in rows[0].strip("|").split("|")]
            self.assertEqual(cells[1], "rope_kernel")  # the name before the parameters, not after a '::' in them
            self.assertEqual(cells[2], "rows=8 seed=1")
            self.assertEqual(cells[3], "96.2")
            self.assertEqual(cells[4], "150")
            self.assertEqual(cells[5], "100 + 50")
            self.assertEqual(cells[6], "1.00")
            self.assertEqual(cells[7], "72.7")
            self.assertEqual(cells[8], "19.5")
            self.assertEqual(cells[9], "ALU 28%")
            self.assertEqual(cells[10], "63 / 75 % (34)")
            self.assertEqual(cells[11], "10.1 / 0.30")
            self.assertEqual(cells[12], "long scoreboard 34.8, barrier 9.2, wait 2.5")

    def test_bytes_summed_over_kernels_and_a_repeat_counted_once(self):
        with tempfile.TemporaryDirectory() as d:
            archive = make_archive(d, [("table_kernel", "2.0", "1", "5", "10", "10", "0"),
                                       ("rope_kernel", "90.0", "70", "20", "30", "200", "100000"),
                                       ("rope_kernel", "90.0", "70", "20", "30", "200", "100000")])
            out = run("--ncu", str(archive), "--db", str(make_db(d, 155e6)))
            self.assertEqual(out.returncode, 0, out.stderr)
            rows = [l for l in out.stdout.splitlines() if l.startswith("| toy ")]
            self.assertEqual(len(rows), 2, out.stdout)
            last = [c.strip() for c in rows[1].strip("|").split("|")]
            self.assertEqual(last[6], "2.00")  # (10 + 200 + 100) MB / 155 MB

    def test_committed_archives_have_a_row_per_profiled_op(self):
        for wave in (15, 16):
            archive = ROOT / "results" / "h200" / f"wave{wave}_ncu.tar.gz"
            db = ROOT / "results" / "h200" / f"wave{wave}.sql"
            if not archive.exists():
                self.skipTest(f"{archive} is not in this checkout")
            out = run("--ncu", str(archive), "--db", str(db))
            self.assertEqual(out.returncode, 0, out.stderr)
            with tarfile.open(archive) as tar:
                ops = {Path(m.name).name[:-4] for m in tar.getmembers() if m.name.endswith(".txt")}
            for op in ops:
                self.assertRegex(out.stdout, rf"\n\| {op} \| \w+", f"wave {wave}: no row for {op}")

    def test_errors(self):
        with tempfile.TemporaryDirectory() as d:
            out = run("--ncu", os.path.join(d, "missing.tar.gz"), "--db", os.path.join(d, "x.sqlite"))
            self.assertEqual(out.returncode, 2)
            self.assertIn("no such file or directory", out.stderr)
            bad = Path(d) / "bad.tar.gz"
            bad.write_bytes(b"not a tar archive")
            out = run("--ncu", str(bad), "--db", str(bad))
            self.assertEqual(out.returncode, 2)
            self.assertIn("not a readable tar archive", out.stderr)
            archive = make_archive(d, [("k", "1", "1", "1", "1", "1", "1")])
            notdb = Path(d) / "notes.txt"
            notdb.write_text("hello")
            out = run("--ncu", str(archive), "--db", str(notdb))
            self.assertEqual(out.returncode, 2)
            self.assertIn("not a results database", out.stderr)


if __name__ == "__main__":
    unittest.main()
