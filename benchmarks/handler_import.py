"""Cold-start import time of every Lambda handler module (prints figures only).

Each handler module is imported in a fresh interpreter of the clean Lambda environment (only
the ``lambda`` extra plus boto3, ``functions/`` on PYTHONPATH; built once under ``build/``, see
infra/layer_requirements.py) with ``python -X importtime``. The figure per handler is the
cumulative import time of ``amts.handlers.<name>`` (everything it pulls in, interpreter start-up
excluded); the best of ``--repeat`` runs is kept to damp the noise of a shared machine. Target:
< 300 ms per handler. The heaviest imports of the slowest handler are listed too.

    python benchmarks/handler_import.py [--repeat 3] [--top 8]
"""

from __future__ import annotations

import argparse
import re
import resource
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from infra.layer_requirements import clean_lambda_env, handler_modules, lambda_like_environ  # noqa: E402

TARGET_MS = 300.0
_LINE = re.compile(r"^import time:\s+(\d+)\s+\|\s+(\d+)\s+\|(\s*)(\S+)")


def cpu_ms(python: Path, code: str) -> float:
    """User + system CPU milliseconds of one interpreter running ``code`` (less sensitive than
    wall time to other load on a shared machine)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run([str(python), "-c", code], env=lambda_like_environ(), check=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime) * 1000


def import_times(python: Path, module: str) -> dict[str, int]:
    """module -> cumulative microseconds, from one ``-X importtime`` run."""
    proc = subprocess.run(
        [str(python), "-X", "importtime", "-c", f"import {module}"],
        env=lambda_like_environ(),
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise SystemExit(f"{module} does not import in the clean Lambda environment:\n{proc.stderr[-2000:]}")
    times: dict[str, int] = {}
    for line in proc.stderr.splitlines():
        match = _LINE.match(line)
        if match:
            times[match.group(4)] = int(match.group(2))
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--top", type=int, default=8)
    args = parser.parse_args()
    python = clean_lambda_env()
    print(f"clean Lambda environment: {python.parent.parent.relative_to(REPO)}")
    results: dict[str, tuple[float, dict[str, int]]] = {}
    cpu: dict[str, float] = {}
    startup = min(cpu_ms(python, "pass") for _ in range(max(1, args.repeat)))
    for module in handler_modules():
        cpu[module] = min(cpu_ms(python, f"import {module}") for _ in range(max(1, args.repeat))) - startup
        best: tuple[float, dict[str, int]] | None = None
        for _ in range(max(1, args.repeat)):
            times = import_times(python, module)
            ms = times[module] / 1000
            if best is None or ms < best[0]:
                best = (ms, times)
        assert best is not None
        results[module] = best
    print(f"interpreter start-up alone: {startup:.1f} ms CPU (subtracted from the CPU column)")
    print(f"{'handler module':45} {'import ms':>10} {'CPU ms':>8}")
    for module, (ms, _) in sorted(results.items(), key=lambda item: -item[1][0]):
        flag = "" if ms < TARGET_MS else f"  over the {TARGET_MS:.0f} ms target"
        print(f"{module:45} {ms:10.1f} {cpu[module]:8.1f}{flag}")
    slowest, (worst, times) = max(results.items(), key=lambda item: item[1][0])
    print(f"slowest: {slowest} {worst:.1f} ms (target < {TARGET_MS:.0f} ms)")
    print(f"heaviest third-party/top-level imports under {slowest}:")
    tops = sorted(
        ((name, us) for name, us in times.items() if "." not in name and name != slowest), key=lambda x: -x[1]
    )
    for name, us in tops[: args.top]:
        print(f"  {name:30} {us / 1000:8.1f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
