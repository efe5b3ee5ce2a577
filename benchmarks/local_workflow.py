"""How long the whole workflow takes offline (moto + in-process handlers + translation memory).

Prints wall time of the execution, the slowest states and the report's totals, for the sample
book and (when present) a book assembled in a temporary folder from ``../shared/d2l-dev``
sections (name.en.md → en/, name.zh.md → zh/, name.en-next.md → en-next/). Nothing is copied
into the project. The README's target is "well under a minute" for the sample book.

    .venv/bin/python benchmarks/local_workflow.py [--d2l ../shared/d2l-dev] [--sections 10]
"""

from __future__ import annotations

import argparse
import json
import logging
import shutil
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def d2l_book(corpus: Path, sections: int, into: Path) -> Path:
    chosen = sorted(p for p in corpus.rglob("*.en-next.md"))[:sections]
    for nxt in chosen:
        stem = nxt.name[: -len(".en-next.md")]
        rel = nxt.parent.relative_to(corpus)
        for folder, suffix in (("en", ".en.md"), ("zh", ".zh.md"), ("en-next", ".en-next.md")):
            src = nxt.parent / f"{stem}{suffix}"
            if src.is_file():
                dst = into / folder / rel / f"{stem}.md"
                dst.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(src, dst)
    return into


def _measure(label: str, book: Path) -> None:
    from amts.local.runner import run_local

    with tempfile.TemporaryDirectory() as out:
        started = time.perf_counter()
        run = run_local(book, Path(out), timeout=600)
        wall = time.perf_counter() - started
        totals: dict[str, int] = {}
        report = Path(out) / "reports" / "report.json"
        if report.is_file():
            totals = json.loads(report.read_text(encoding="utf-8")).get("totals", {})
    per_state: dict[str, float] = defaultdict(float)
    for step in run.steps:
        per_state[step.name] += step.seconds or 0.0
    slow = sorted(per_state.items(), key=lambda kv: -kv[1])[:5]
    print(f"{label}: {run.status} in {wall:.1f}s wall (execution {run.seconds:.1f}s)")
    print("  slowest states: " + ", ".join(f"{n} {s:.2f}s" for n, s in slow))
    print(
        "  files {files}, segments reused {segments_reused}, translated {segments_translated}, "
        "untranslated {segments_untranslated}".format(
            **{
                k: totals.get(k, 0)
                for k in ("files", "segments_reused", "segments_translated", "segments_untranslated")
            }
        )
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--d2l", type=Path, default=ROOT.parent / "shared" / "d2l-dev")
    parser.add_argument("--sections", type=int, default=10)
    args = parser.parse_args()
    from amts.observability import logger

    logger.setLevel("ERROR")
    logging.getLogger("moto").setLevel(logging.CRITICAL)
    _measure("sample book", ROOT / "samples" / "book")
    if not args.d2l.is_dir():
        print(f"{args.d2l}: not found; skipping the d2l-dev measurement")
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        book = d2l_book(args.d2l, args.sections, Path(tmp))
        _measure(f"d2l-dev, {args.sections} sections", book)
    return 0


if __name__ == "__main__":
    sys.exit(main())
