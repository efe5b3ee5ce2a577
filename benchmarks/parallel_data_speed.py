"""Time ``amts parallel-data`` over the whole D2L development corpus (prints figures only).

The target is under 30 s for the 124 sections of ``../shared/d2l-dev`` at sentence level on a
2-core machine. The command runs as a real subprocess (interpreter start-up, imports, pairing,
parsing, alignment in the process pool, writing), exactly as a user would run it.

    python benchmarks/parallel_data_speed.py [--book ../shared/d2l-dev] [--granularity sentence]
        [--format tsv] [--jobs 0] [--serial-too] [--repeat 1]
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_BOOK = REPO.parent / "shared" / "d2l-dev"
TARGET_SECONDS = 30.0


def run_once(
    book: Path, granularity: str, fmt: str, jobs: int, out: Path
) -> tuple[float, float, str, str, int]:
    """Wall-clock and CPU seconds (the command and its workers) of one run, with its output."""
    cmd = [
        sys.executable, "-c", "from amts.cli import main; main()",
        "parallel-data", str(book), str(book),
        "--source-lang", "en", "--target-lang", "zh",
        "--granularity", granularity, "--format", fmt, "--jobs", str(jobs), "-q", "-o", str(out),
    ]  # fmt: skip
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, proc.stdout, proc.stderr, proc.returncode


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--book", type=Path, default=DEFAULT_BOOK, help="d2l-dev folder (name.en.md/name.zh.md)")
    ap.add_argument("--granularity", choices=("sentence", "paragraph", "both"), default="sentence")
    ap.add_argument("--format", choices=("tsv", "csv", "tmx"), default="tsv")
    ap.add_argument("--jobs", type=int, default=0, help="worker processes (0: the CLI's default)")
    ap.add_argument("--serial-too", action="store_true", help="also time --jobs 1 for comparison")
    ap.add_argument("--repeat", type=int, default=1, help="runs per configuration; the best is reported")
    args = ap.parse_args(argv)
    if not args.book.is_dir():
        print(f"book not found: {args.book} (pass --book PATH to the d2l-dev corpus)", file=sys.stderr)
        return 2
    sections = len(list(args.book.rglob("*.en.md")))
    size = sum(p.stat().st_size for p in args.book.rglob("*.md"))
    print(f"book: {args.book} ({sections} English sections, {size / 1e6:.1f} MB of markdown)")
    load = os.getloadavg()[0]
    print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}, load average {load:.2f}")
    if load > (os.cpu_count() or 1) / 2:
        print("warning: the machine is busy; wall-clock figures are inflated (CPU seconds are not)")
    granularities = ("sentence", "paragraph") if args.granularity == "both" else (args.granularity,)
    job_counts = [args.jobs, 1] if args.serial_too and args.jobs != 1 else [args.jobs]
    status = 0
    with tempfile.TemporaryDirectory() as tmp:
        for granularity in granularities:
            for jobs in job_counts:
                out = Path(tmp) / f"{granularity}-{jobs}.{args.format}"
                times: list[tuple[float, float]] = []
                stdout = stderr = ""
                for _ in range(max(1, args.repeat)):
                    wall, cpu, stdout, stderr, code = run_once(args.book, granularity, args.format, jobs, out)
                    if code not in (0, 1):
                        print(f"amts parallel-data failed (exit {code}):\n{stderr}", file=sys.stderr)
                        return 1
                    times.append((wall, cpu))
                best, cpu = min(times)
                verdict = "meets" if best < TARGET_SECONDS else "MISSES"
                print(
                    f"\n== {granularity}, --jobs {jobs}: {best:.2f} s wall, {cpu:.2f} s CPU "
                    f"(best of {len(times)}; {verdict} the {TARGET_SECONDS:.0f} s target)"
                )
                print(stdout.rstrip())
                skipped = [line for line in stderr.splitlines() if line.startswith("amts: error:")]
                for line in skipped:
                    print(f"  {line}")
                if best >= TARGET_SECONDS:
                    status = 1
    return status


if __name__ == "__main__":
    raise SystemExit(main())
