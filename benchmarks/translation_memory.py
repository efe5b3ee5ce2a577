"""HTML protection round trip and translation-memory lookups over the D2L development corpus.

Usage: python benchmarks/translation_memory.py [--book ../shared/d2l-dev] [--threshold 0.75]

Prints figures only (no pass/fail on time):
  1. protect: every piece of every *.md file (en, zh, en-next) through ``segments_to_html`` and
     back unchanged (the identity "translation"), and again after a simulated service that
     re-spaces protected spans' inner text; mismatches and damaged segments are counted.
  2. memory: builds the parallel data of the corpus with ``amts parallel-data`` (sentence level),
     loads it into :class:`TranslationMemoryEngine`, and translates every piece of the
     ``name.en-next.md`` files: exact / fuzzy / untranslated counts and lookups per second.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from amts.adapters.local_batch import read_parallel_data
from amts.adapters.memory_engine import TranslationMemoryEngine
from amts.domain import markdown
from amts.domain.protect import decode_html, segments_to_html

REPO = Path(__file__).resolve().parents[1]
DEFAULT_BOOK = REPO.parent / "shared" / "d2l-dev"


def _lang(path: Path) -> str:
    return "zh" if path.name.endswith(".zh.md") else "en"


def bench_protect(book: Path) -> None:
    files = sorted(book.rglob("*.md"))
    files = [f for f in files if re.search(r"\.(en|zh|en-next)\.md$", f.name)]
    pieces = mismatches = damaged = noisy_mismatch = spans = 0
    encode_s = decode_s = 0.0
    for path in files:
        doc = markdown.parse(path.read_text(encoding="utf-8"), _lang(path), str(path))
        segments = [(f"p{ref.index}", ref.piece.text, ref.piece.spans) for ref in doc.pieces]
        if not segments:
            continue
        pieces += len(segments)
        spans += sum(len(s) for _, _, s in segments)
        t0 = time.perf_counter()
        html = segments_to_html(segments)
        t1 = time.perf_counter()
        decoded = decode_html(html)
        t2 = time.perf_counter()
        encode_s, decode_s = encode_s + t1 - t0, decode_s + t2 - t1
        mismatches += sum(1 for sid, text, _ in segments if decoded.texts.get(sid) != text)
        damaged += len(decoded.damaged)
        # a "service" that pads and re-spaces the inner text of every protected span
        noisy = re.sub(r'(<span translate="no"[^>]*>)([^<]*)(</span>)', r"\1 \2 \3", html)
        decoded_noisy = decode_html(noisy)
        noisy_mismatch += sum(1 for sid, text, _ in segments if decoded_noisy.texts.get(sid) != text)
    print(f"protect: {len(files)} files, {pieces} pieces, {spans} protected spans")
    rate = pieces / max(decode_s, 1e-9)
    print(f"protect: encode {encode_s:.2f} s, decode {decode_s:.2f} s ({rate:.0f} pieces/s decoded)")
    print(f"protect: identity round-trip mismatches {mismatches}, damaged {damaged}")
    print(f"protect: mismatches after re-spaced span text {noisy_mismatch}")


def bench_memory(book: Path, threshold: float) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "pd.tsv"
        cmd = [
            sys.executable, "-c", "from amts.cli import main; main()", "parallel-data", str(book), str(book),
            "--source-lang", "en", "--target-lang", "zh", "--granularity", "sentence", "--format", "tsv",
            "-q", "-o", str(out),
        ]  # fmt: skip
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if proc.returncode != 0 or not out.exists():
            print(f"memory: amts parallel-data failed ({proc.returncode}): {proc.stderr.strip()[:300]}")
            return
        pairs = read_parallel_data(out.read_text(encoding="utf-8"), "tsv", "en", "zh", str(out))
    start = time.perf_counter()
    engine = TranslationMemoryEngine.from_pairs(pairs, threshold=threshold)
    build = time.perf_counter() - start
    print(f"memory: {len(engine)} entries from {len(pairs)} pairs, index built in {build:.2f} s")
    origins: Counter[str] = Counter()
    lookups = 0
    start = time.perf_counter()
    for path in sorted(book.rglob("*.en-next.md")):
        doc = markdown.parse(path.read_text(encoding="utf-8"), "en", str(path))
        texts = [ref.piece.text for ref in doc.pieces]
        lookups += len(texts)
        for result in engine.translate(texts, "en", "zh"):
            origins[str(result.origin)] += 1
    seconds = time.perf_counter() - start
    total = sum(origins.values()) or 1
    shares = ", ".join(f"{k} {v} ({100 * v / total:.1f}%)" for k, v in origins.most_common())
    print(f"memory: en-next pieces {lookups}: {shares}")
    print(
        f"memory: {seconds:.2f} s, {lookups / seconds if seconds else 0:.0f} pieces/s (threshold {threshold})"
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--book", type=Path, default=DEFAULT_BOOK, help="d2l-dev folder")
    ap.add_argument("--threshold", type=float, default=0.75, help="fuzzy-match threshold")
    args = ap.parse_args(argv)
    if not args.book.is_dir():
        print(f"corpus not found: {args.book} (pass --book PATH to the d2l-dev folder)", file=sys.stderr)
        return 2
    bench_protect(args.book)
    bench_memory(args.book, args.threshold)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
