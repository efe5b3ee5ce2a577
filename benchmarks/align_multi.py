"""Alignment per language of the book: paragraph and sentence figures (prints figures only).

ja, ko, tr, vi come from ``../shared/d2l-dev-multi`` (English ↔ translation pairs of the book's
own translation repositories), zh from ``../shared/d2l-dev``.

Reference alignments
--------------------
* zh: the hand-made gold of ``benchmarks/gold/*.json`` (see its README).
* ja, ko, tr, vi: a *silver standard* in ``benchmarks/gold/<lang>/*.json`` (indices and hashes
  only, no corpus text), built by ``--build-silver`` without the aligner: these translations
  were made paragraph by paragraph with ``d2lbook translate``, so a section whose two files have
  the same number of pieces, the same piece kinds in the same order (heading level, paragraph,
  list item, table, figure) and, for every i, the same strong anchors on the i-th piece of both
  sides wherever both have any (numbers, inline code, math, :numref:/:cite: targets, link
  targets) is paired i-th with i-th. Sections that fail any check are left out of the silver
  standard (their count is printed): the silver set is biased towards sections that kept the
  English structure, which is why its figures are an upper bound of what the hand gold of zh
  shows. Sentence silver: inside silver paragraph pairs whose two sides split into the same
  number of sentences with agreeing anchors, i-th sentence with i-th.

Korean glued ends: the share of Korean sentence pairs (``align_documents(..., "sentence")``)
whose Korean side still holds a period glued between two Hangul syllables (``…했습니다.또한…``),
i.e. two sentences the segmenter did not cut. Goal < 2 %.

    python benchmarks/align_multi.py [--langs ja,ko,tr,vi,zh] [--max-sections N]
    python benchmarks/align_multi.py --build-silver [--per-lang 12]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from align_eval import Score, dump_gold, fingerprint, paired, sha256_file  # type: ignore[import-not-found]
from amts.domain.align import align_documents, align_pieces, align_sentences, document_sentences
from amts.domain.anchors import extract_anchors
from amts.domain.markdown import load_document
from amts.domain.model import Document

ROOT = Path(__file__).resolve().parents[1]
SHARED = next(
    (p / "shared" for p in ROOT.parents if (p / "shared" / "d2l-dev").is_dir()), ROOT.parent / "shared"
)
MULTI = SHARED / "d2l-dev-multi"
ZH = SHARED / "d2l-dev"
GOLD = ROOT / "benchmarks" / "gold"
GLUED_KO = re.compile(r"[\uac00-\ud7a3][.!?][\uac00-\ud7a3]")


def sections(lang: str) -> list[tuple[str, Path, Path]]:
    corpus = ZH if lang == "zh" else MULTI / lang
    out = []
    for sp in sorted(corpus.glob("*/*.en.md")):
        tp = sp.with_name(sp.name[: -len(".en.md")] + f".{lang}.md")
        if tp.exists():
            out.append((f"{sp.parent.name}/{sp.name[: -len('.en.md')]}", sp, tp))
    return out


def _kinds(doc: Document) -> list[str]:
    return [f"{r.block.kind}" for r in doc.pieces]


def _anchors_agree(a: str, b: str) -> bool | None:
    sa, sb = extract_anchors(a).strong, extract_anchors(b).strong
    if not sa or not sb:
        return None
    return Counter(sa) == Counter(sb)


def silver_for(src: Document, tgt: Document) -> tuple[list[list[list[int]]], list[list[list[int]]]] | None:
    """Silver paragraph and sentence beads, or None when the section fails a structural check."""
    if len(src.pieces) != len(tgt.pieces) or _kinds(src) != _kinds(tgt) or not src.pieces:
        return None
    agreeing = 0
    for a, b in zip(src.pieces, tgt.pieces, strict=True):
        ok = _anchors_agree(a.text, b.text)
        if ok is False:
            return None
        agreeing += ok is True
    if agreeing == 0:
        return None
    para = [[[i], [i]] for i in range(len(src.pieces))]
    ss, ts = document_sentences(src), document_sentences(tgt)
    by_s: dict[int, list[int]] = {}
    by_t: dict[int, list[int]] = {}
    for k, (p, _) in enumerate(ss):
        by_s.setdefault(p, []).append(k)
    for k, (p, _) in enumerate(ts):
        by_t.setdefault(p, []).append(k)
    sent: list[list[list[int]]] = []
    for i in range(len(src.pieces)):
        a, b = by_s.get(i, []), by_t.get(i, [])
        if not a or len(a) != len(b):
            continue
        if len(a) == 1 or all(
            _anchors_agree(ss[x][1], ts[y][1]) is not False for x, y in zip(a, b, strict=True)
        ):
            sent.extend([[x], [y]] for x, y in zip(a, b, strict=True))
    return para, sent


def build_silver(langs: Sequence[str], per_lang: int) -> int:
    for lang in langs:
        if lang == "zh":
            continue
        outdir = GOLD / lang
        outdir.mkdir(parents=True, exist_ok=True)
        candidates = sections(lang)
        passed = failed = 0
        chosen: list[tuple[str, dict[str, object]]] = []
        for name, sp, tp in candidates:
            src, tgt = load_document(sp, "en"), load_document(tp, lang)
            silver = silver_for(src, tgt)
            if silver is None:
                failed += 1
                continue
            passed += 1
            ss, ts = document_sentences(src), document_sentences(tgt)
            chosen.append(
                (
                    name,
                    {
                        "section": name,
                        "src_lang": "en",
                        "tgt_lang": lang,
                        "kind": "silver",
                        "src_sha256": sha256_file(sp),
                        "tgt_sha256": sha256_file(tp),
                        "src_pieces": fingerprint([r.text for r in src.pieces]),
                        "tgt_pieces": fingerprint([r.text for r in tgt.pieces]),
                        "src_sentences": fingerprint([s for _, s in ss]),
                        "tgt_sentences": fingerprint([s for _, s in ts]),
                        "paragraph": silver[0],
                        "sentence": silver[1],
                    },
                )
            )
        step = max(1, len(chosen) // per_lang) if chosen else 1
        kept = chosen[::step][:per_lang]
        for old in outdir.glob("*.json"):
            old.unlink()
        for name, data in kept:
            (outdir / (name.replace("/", "__") + ".json")).write_text(dump_gold(data), encoding="utf-8")
        print(
            f"{lang}: {passed} of {len(candidates)} sections pass the silver checks "
            f"({failed} fail); kept {len(kept)}"
        )
    return 0


def _load_refs(lang: str) -> list[dict[str, object]]:
    if lang == "zh":
        return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(GOLD.glob("*.json"))]
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted((GOLD / lang).glob("*.json"))]


def _keys(beads: object) -> set[tuple[tuple[int, ...], tuple[int, ...]]]:
    assert isinstance(beads, list)
    return {(tuple(s), tuple(t)) for s, t in beads}


def evaluate(lang: str, max_sections: int | None) -> None:
    corpus = ZH if lang == "zh" else MULTI / lang
    refs = _load_refs(lang)
    para, sent = Score(), Score()
    stale = 0
    t0 = time.process_time()
    for ref in refs[:max_sections]:
        section = str(ref["section"])
        sp, tp = corpus / f"{section}.en.md", corpus / f"{section}.{lang}.md"
        if (
            not sp.exists()
            or not tp.exists()
            or sha256_file(sp) != ref["src_sha256"]
            or sha256_file(tp) != ref["tgt_sha256"]
        ):
            stale += 1
            continue
        src, tgt = load_document(sp, "en"), load_document(tp, lang)
        beads = align_pieces(src, tgt)
        para.add(paired(beads), _keys(ref["paragraph"]))
        if "sentence" in ref:
            ss, ts = document_sentences(src), document_sentences(tgt)
            if fingerprint([s for _, s in ss]) != ref.get("src_sentences") or fingerprint(
                [s for _, s in ts]
            ) != ref.get("tgt_sentences"):
                stale += 1
                continue
            gold = _keys(ref["sentence"])
            pred = paired(align_sentences(src, tgt, beads, src_sentences=ss, tgt_sentences=ts))
            if lang != "zh":
                # silver sentence beads cover only the paragraphs with equal sentence counts:
                # score the predicted beads inside those sentences only
                covered_s = {k for s, _ in gold for k in s}
                pred = {b for b in pred if set(b[0]) <= covered_s}
            sent.add(pred, gold)
    kind = "hand gold" if lang == "zh" else "silver"
    print(f"[{lang}] {len(refs)} sections with {kind} ({stale} stale), {time.process_time() - t0:.1f} s CPU")
    print("  " + para.line("paragraph beads"))
    if sent.gold:
        print("  " + sent.line("sentence beads"))


def glued_share(max_sections: int | None) -> None:
    total = glued = 0
    for _, sp, tp in sections("ko")[:max_sections]:
        result = align_documents(
            load_document(sp, "en"), load_document(tp, "ko"), "sentence", min_confidence=0.0
        )
        for pair in result.pairs:
            total += 1
            glued += bool(GLUED_KO.search(pair.target))
    share = glued / total if total else 0.0
    print(
        f"[ko] sentence pairs with a glued sentence end on the Korean side: {glued} of {total} ({share:.2%})"
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--langs", default="ja,ko,tr,vi,zh")
    ap.add_argument("--max-sections", type=int, default=None)
    ap.add_argument("--build-silver", action="store_true")
    ap.add_argument("--per-lang", type=int, default=12)
    args = ap.parse_args(argv)
    if not MULTI.is_dir() or not ZH.is_dir():
        print(f"corpus not found under {SHARED}", file=sys.stderr)
        return 2
    langs = [x.strip() for x in args.langs.split(",") if x.strip()]
    if args.build_silver:
        return build_silver(langs, args.per_lang)
    for lang in langs:
        evaluate(lang, args.max_sections)
    if "ko" in langs:
        glued_share(args.max_sections)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
