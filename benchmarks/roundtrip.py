"""Round trip, speed and segmentation of the markdown model over the D2L development corpus.

Usage: python benchmarks/roundtrip.py [CORPUS_DIR]   (default: ../shared/d2l-dev next to the repo)

Prints, for every *.md section file (name.en.md, name.zh.md, name.en-next.md):
  - files, bytes, parse seconds and round-trip mismatches (``parse(t).render() != t``);
  - that the parser's two fast paths (blanked fence bodies, plain paragraphs) give exactly the
    blocks of the plain markdown-it parse;
  - block kinds, pieces, and how many protected-block keys of each Chinese file also occur in
    its English source (the aligner's hard anchors);
  - sentence segmentation time and counts.
Exits 1 on any mismatch or parse error.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from collections import Counter
from pathlib import Path
from unittest import mock

from amts.domain import markdown
from amts.domain.markdown import is_cjk_language, parse
from amts.domain.model import BlockKind, Document
from amts.domain.segment import split_piece
from amts.errors import BadInputError

DEFAULT_CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "d2l-dev"
_SECTION = re.compile(r"\.(en|zh|en-next)\.md$")


def _lang(path: Path) -> str:
    return "zh" if path.name.endswith(".zh.md") else "en"


def _signature(doc: Document) -> list[tuple[BlockKind, int, str, object, str | None]]:
    return [(b.kind, b.line, b.raw, b.pieces, b.key) for b in doc.blocks]


def _slow_parse(text: str, lang: str) -> Document:
    """The parse without the fast paths: markdown-it's own paragraph rule, fences not blanked."""
    md = markdown._parser()
    md.block.ruler.disable("d2l_plain_paragraph")
    try:
        with mock.patch.object(markdown, "_top_level_fences", lambda lines: []):
            return markdown.parse(text, lang)
    finally:
        md.block.ruler.enable("d2l_plain_paragraph")


def _anchor_keys(doc: Document) -> Counter[str]:
    return Counter(f"{b.kind}:{b.key}" for b in doc.blocks if b.key and b.kind is not BlockKind.BLANK)


def _compare_with_pysbd(split: list[tuple[str, str, list[str]]], n: int) -> None:
    """How often pysbd (clean=False) cuts an English piece exactly like split_piece, and its speed."""
    import random

    import pysbd

    english = [(text, parts) for lang, text, parts in split if lang == "en" and len(parts) > 1]
    sample = random.Random(0).sample(english, min(n, len(english)))
    segmenter = pysbd.Segmenter(language="en", clean=False)
    c0 = time.process_time()
    same = sum(1 for text, parts in sample if [s.strip() for s in segmenter.segment(text)] == parts)
    cpu = time.process_time() - c0
    print(
        f"pysbd        agrees on {same}/{len(sample)} multi-sentence English pieces; "
        f"{1000 * cpu / max(len(sample), 1):.1f} ms CPU per piece"
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("corpus", nargs="?", type=Path, default=DEFAULT_CORPUS)
    ap.add_argument("--no-slow-check", action="store_true", help="skip the fast-path equivalence check")
    ap.add_argument(
        "--pysbd", type=int, default=0, metavar="N", help="compare with pysbd on N random English pieces"
    )
    args = ap.parse_args(argv)
    corpus: Path = args.corpus
    if not corpus.is_dir():
        print(f"corpus not found: {corpus} (pass the d2l-dev directory as an argument)", file=sys.stderr)
        return 2
    files = sorted(p for p in corpus.glob("*/**/*.md") if _SECTION.search(p.name))
    if not files:
        print(f"no name.<lang>.md files under {corpus}", file=sys.stderr)
        return 2
    texts = {p: p.read_text(encoding="utf-8") for p in files}
    total_bytes = sum(p.stat().st_size for p in files)

    mismatches: list[str] = []
    errors: list[str] = []
    docs: dict[Path, Document] = {}
    t0, c0 = time.perf_counter(), time.process_time()
    for p in files:
        try:
            docs[p] = markdown.parse(texts[p], _lang(p), str(p))
        except BadInputError as exc:
            errors.append(str(exc))
    parse_s, parse_cpu = time.perf_counter() - t0, time.process_time() - c0
    for p, doc in docs.items():
        if doc.render() != texts[p]:
            mismatches.append(str(p.relative_to(corpus)))

    print(f"files        {len(files)}")
    print(f"bytes        {total_bytes:,}")
    rate = total_bytes / parse_cpu / 1e6
    print(f"parse        {parse_s:.2f} s wall, {parse_cpu:.2f} s CPU ({rate:.2f} MB/s CPU)")
    print(f"mismatches   {len(mismatches)}")
    print(f"parse errors {len(errors)}")
    for m in mismatches[:20]:
        print(f"  MISMATCH {m}")
    for e in errors[:20]:
        print(f"  ERROR {e}")

    if not args.no_slow_check:
        c0 = time.process_time()
        differ = [p for p, d in docs.items() if _signature(_slow_parse(texts[p], _lang(p))) != _signature(d)]
        slow_cpu = time.process_time() - c0
        print(f"fast paths   {len(differ)} files differ from the plain parse (plain: {slow_cpu:.2f} s CPU)")
        for p in differ[:20]:
            print(f"  DIFFERS {p.relative_to(corpus)}")
        mismatches.extend(str(p) for p in differ)

    # Piece regions: writing every piece's own normalised text back in its place must give a
    # document with the same pieces (so a translation lands exactly where the text was).
    unstable: list[str] = []
    for p, doc in docs.items():
        rewritten = parse(doc.replace({r.index: r.text for r in doc.pieces}), doc.lang)
        if [r.text for r in rewritten.pieces] != [r.text for r in doc.pieces]:
            unstable.append(str(p.relative_to(corpus)))
    print(f"replace      {len(unstable)} files whose pieces change when written back")
    for u in unstable[:20]:
        print(f"  UNSTABLE {u}")
    mismatches.extend(unstable)

    kinds: Counter[str] = Counter()
    pieces = 0
    for doc in docs.values():
        kinds.update(b.kind.value for b in doc.blocks)
        pieces += len(doc.pieces)
    print(f"pieces       {pieces:,}")
    print("blocks       " + ", ".join(f"{k} {n:,}" for k, n in kinds.most_common()))

    found = total = 0
    for p, doc in docs.items():
        if not p.name.endswith(".zh.md"):
            continue
        en = docs.get(p.with_name(p.name.replace(".zh.md", ".en.md")))
        if en is None:
            continue
        zh_keys, en_keys = _anchor_keys(doc), _anchor_keys(en)
        total += sum(zh_keys.values())
        found += sum((zh_keys & en_keys).values())
    if total:
        print(f"zh keys in en {found:,}/{total:,} ({100 * found / total:.1f}%) protected blocks share a key")

    sentences = 0
    split: list[tuple[str, str, list[str]]] = []
    t0, c0 = time.perf_counter(), time.process_time()
    for doc in docs.values():
        for ref in doc.pieces:
            parts = split_piece(ref.piece, doc.lang)
            sentences += len(parts)
            split.append((doc.lang, ref.text, parts))
    seg_s, seg_cpu = time.perf_counter() - t0, time.process_time() - c0
    print(f"segment      {sentences:,} sentences, {pieces:,} pieces: {seg_s:.2f} s wall, {seg_cpu:.2f} s CPU")
    # the contract: zh sentences concatenate to the text; others do up to the separating spaces
    broken = sum(
        1
        for lang, text, parts in split
        if (
            "".join(parts) != text.strip()
            if is_cjk_language(lang)
            else "".join(parts).replace(" ", "") != text.replace(" ", "")
        )
    )
    print(f"seg contract {broken} pieces whose sentences do not cover the text")
    if broken:
        mismatches.append("segmentation")

    if args.pysbd:
        _compare_with_pysbd(split, args.pysbd)

    return 1 if mismatches or errors else 0


if __name__ == "__main__":
    sys.exit(main())
