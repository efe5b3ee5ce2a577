"""Largest Step Functions state payload against the number of files pushed (offline, moto).

Runs the real workflow locally (``amts.local.runner``) on books of 10, 50, 100 and 300 files
into three languages (zh with a human translation, es and ja without), one malformed file among
them (an unclosed code fence), and prints, per file count: the execution's status, the largest
state input / output / Task parameters found in the execution history (with the state that had
it, the Distributed Maps' child tasks included), and, apart, the size of the execution input,
which is the trigger's batch: one slim record per upload, the Pipe's InputTemplate applied to
each SQS message (in the cloud at most ``batchSize`` records: the Pipe splits a bigger push
into several executions). The state sizes must stay < 64 KiB and flat.

Books are synthetic by default (written to a temporary folder); ``--d2l ../shared/d2l-dev`` uses
real D2L sections with a next version instead (at most 108), copied to a temporary folder only.

    .venv/bin/python benchmarks/payload_size.py [--counts 10 50 100 300] [--d2l ../shared/d2l-dev]
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from local_workflow import d2l_book

ROOT = Path(__file__).resolve().parents[1]
LIMIT = 64 * 1024
BROKEN = "# A broken section\n\nSome text.\n\n```python\nx = 1\n"


def _synthetic(n: int, into: Path) -> Path:
    for i in range(n):
        rel = f"chapter_{i % 12:02d}/section-{i:03d}.md"
        paras = [f"# Section {i}", ""]
        zh = [f"# 第{i}节", ""]
        for k in range(8):
            paras += [f"Paragraph {k} of section {i} explains gradient number {k} in some detail.", ""]
            zh += [f"第{i}节的第{k}段详细解释了第{k}个梯度。", ""]
        paras += ["```python", f"x = {i}", "```", ""]
        zh += ["```python", f"x = {i}", "```", ""]
        nxt = list(paras)
        nxt[2] = f"Paragraph 0 of section {i} now explains the changed gradient {i} in detail."
        for folder, lines in (("en", paras), ("zh", zh), ("en-next", nxt)):
            path = into / folder / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text("\n".join(lines), encoding="utf-8")
    return into


def measure(book: Path, out: Path, timeout: float) -> dict[str, object]:
    from amts.config import LanguagePair, Settings
    from amts.local.runner import (
        Book,
        download,
        largest_payloads,
        local_aws,
        run_execution,
        upload_book,
        write_history,
    )

    broken = book / "en-next" / "chapter_zz" / "broken.md"
    broken.parent.mkdir(parents=True, exist_ok=True)
    broken.write_text(BROKEN, encoding="utf-8")
    pairs = tuple(LanguagePair("en", t) for t in ("zh", "es", "ja"))
    settings = Settings(language_pairs=pairs, granularity="paragraph")
    started = time.perf_counter()
    with local_aws(settings) as aws:
        batch = upload_book(aws, Book(book))
        run = run_execution(aws, batch, timeout=timeout)
        download(aws, out, run)
        write_history(out, run)
    sizes = largest_payloads(run)
    report = (
        json.loads((out / "reports" / "report.json").read_text(encoding="utf-8"))
        if (out / "reports" / "report.json").is_file()
        else {}
    )
    written = {t: len(list((out / "translated" / t).rglob("*.md"))) for t in ("zh", "es", "ja")}
    return {
        "status": f"{run.status} ({run.error})" if run.error else run.status,
        "seconds": time.perf_counter() - started,
        "sizes": sizes,
        "written": written,
        "failed_files": report.get("metadata", {}).get("failed_files", []),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--counts", type=int, nargs="+", default=[10, 50, 100, 300])
    parser.add_argument("--d2l", type=Path, default=None, help="use real D2L sections (at most 108)")
    parser.add_argument("--timeout", type=float, default=1800)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT / "functions"))
    logging.disable(logging.CRITICAL)
    import os

    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "CRITICAL")
    print(
        "files  status                     seconds  largest input       largest output      "
        "largest parameters  trigger batch  written zh/es/ja  failed files"
    )
    for n in args.counts:
        with tempfile.TemporaryDirectory() as tmp:
            book = Path(tmp) / "book"
            if args.d2l is not None:
                d2l_book(args.d2l, n, book)
            else:
                _synthetic(n, book)
            files = len(list((book / "en-next").rglob("*.md"))) + 1
            r = measure(book, Path(tmp) / "out", args.timeout)
        sizes = r["sizes"]
        assert isinstance(sizes, dict)

        def cell(kind: str, sizes: dict[str, tuple[int, str]] = sizes) -> str:
            size, state = sizes[kind]
            return f"{size / 1024:5.1f} KiB {state[:22]:<22}"[:34]

        written = r["written"]
        assert isinstance(written, dict)
        flag = "" if max(sizes[k][0] for k in ("input", "output", "parameters")) < LIMIT else "  OVER 64 KiB"
        failed = ", ".join(map(str, r["failed_files"]))[:60]
        print(
            f"{files:5d}  {str(r['status'])[:26]:<26} {float(r['seconds']):7.1f}  "
            f"{cell('input')}  {cell('output')}  {cell('parameters')}  "
            f"{sizes['trigger batch'][0] / 1024:8.1f} KiB  "
            f"{written['zh']}/{written['es']}/{written['ja']}  {failed}{flag}"
        )


if __name__ == "__main__":
    main()
