"""Alignment quality against hand-made gold alignments (prints figures only).

Gold files (``benchmarks/gold/*.json``) hold no corpus text: piece indices (paragraph level) and
sentence indices (positions in ``amts.domain.align.document_sentences``) of every bead with two
non-empty sides, the SHA-256 of both source files (a changed file makes its gold stale) and a
hash of the parsed piece / sentence texts (a parser or segmenter change that renumbers pieces
or sentences is detected instead of silently scoring garbage).

Scoring: strict bead match (a predicted bead counts when identical to a gold bead), precision /
recall / F1 over beads with both sides non-empty; 1-0 / 0-1 beads are not scored, as usual in
the literature. Printed for the full aligner, for the pairs it keeps at the default confidence
threshold, and for two baselines: plain Gale-Church (lengths only, no anchors, no regions) and
"i-th with i-th".

    python benchmarks/align_eval.py [--corpus ../shared/d2l-dev] [--gold benchmarks/gold] [-v]
    python benchmarks/align_eval.py --draft chapter_x/name > draft.json   # start a gold file
    python benchmarks/align_eval.py --timing                              # whole corpus speed
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from amts.domain.align import (
    DEFAULT_MIN_CONFIDENCE,
    Bead,
    align_diagonal,
    align_pieces,
    align_sentences,
    align_units,
    document_sentences,
    pair_model,
)
from amts.domain.glossary import Glossary
from amts.domain.markdown import load_document
from amts.domain.model import Document

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CORPUS = ROOT.parent / "shared" / "d2l-dev"
DEFAULT_GOLD = ROOT / "benchmarks" / "gold"

BeadKey = tuple[tuple[int, ...], tuple[int, ...]]


def sha256_file(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def fingerprint(texts: Sequence[str]) -> str:
    return hashlib.sha256("\x1e".join(texts).encode("utf-8")).hexdigest()[:16]


@dataclass
class Score:
    tp: int = 0
    pred: int = 0
    gold: int = 0

    def add(self, pred: set[BeadKey], gold: set[BeadKey]) -> None:
        self.tp += len(pred & gold)
        self.pred += len(pred)
        self.gold += len(gold)

    @property
    def precision(self) -> float:
        return self.tp / self.pred if self.pred else 0.0

    @property
    def recall(self) -> float:
        return self.tp / self.gold if self.gold else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def line(self, name: str) -> str:
        return (
            f"{name:38} P={self.precision:.4f} R={self.recall:.4f} F1={self.f1:.4f} "
            f"(tp={self.tp} pred={self.pred} gold={self.gold})"
        )


def paired(beads: Sequence[Bead], min_confidence: float = 0.0) -> set[BeadKey]:
    return {(b.source, b.target) for b in beads if b.source and b.target and b.confidence >= min_confidence}


def load_pair(corpus: Path, section: str, src: str, tgt: str) -> tuple[Document, Document, Path, Path]:
    sp = corpus / f"{section}.{src}.md"
    tp = corpus / f"{section}.{tgt}.md"
    return load_document(sp, src), load_document(tp, tgt), sp, tp


def draft(corpus: Path, section: str, glossary: Glossary | None) -> dict[str, object]:
    """A gold file to start from: the aligner's beads, to be corrected by hand."""
    src, tgt, sp, tp = load_pair(corpus, section, "en", "zh")
    beads = align_pieces(src, tgt, glossary)
    out: dict[str, object] = {
        "section": section,
        "src_lang": "en",
        "tgt_lang": "zh",
        "src_sha256": sha256_file(sp),
        "tgt_sha256": sha256_file(tp),
        "src_pieces": fingerprint([r.text for r in src.pieces]),
        "tgt_pieces": fingerprint([r.text for r in tgt.pieces]),
        "paragraph": [[list(b.source), list(b.target)] for b in beads if b.source and b.target],
    }
    try:
        ss, ts = document_sentences(src), document_sentences(tgt)
    except NotImplementedError:
        return out
    out["src_sentences"] = fingerprint([s for _, s in ss])
    out["tgt_sentences"] = fingerprint([s for _, s in ts])
    sb = align_sentences(src, tgt, beads, glossary, src_sentences=ss, tgt_sentences=ts)
    out["sentence"] = [[list(b.source), list(b.target)] for b in sb if b.source and b.target]
    return out


def dump_gold(gold: dict[str, object]) -> str:
    """JSON with one bead per line: gold files are edited by hand."""
    lines = ["{"]
    items = list(gold.items())
    for k, (key, value) in enumerate(items):
        comma = "," if k < len(items) - 1 else ""
        if isinstance(value, list):
            lines.append(f"  {json.dumps(key)}: [")
            lines.extend(
                f"    {json.dumps(v)}{',' if n < len(value) - 1 else ''}" for n, v in enumerate(value)
            )
            lines.append(f"  ]{comma}")
        else:
            lines.append(f"  {json.dumps(key)}: {json.dumps(value)}{comma}")
    lines.append("}")
    return "\n".join(lines)


def _keys(raw: object) -> set[BeadKey]:
    assert isinstance(raw, list)
    return {(tuple(s), tuple(t)) for s, t in raw}


Method = Callable[[Document, Document], list[Bead]]


def evaluate(corpus: Path, gold_dir: Path, glossary: Glossary | None, verbose: bool) -> int:
    files = sorted(gold_dir.glob("*.json"))
    if not files:
        print(f"no gold files in {gold_dir}", file=sys.stderr)
        return 2
    methods: dict[str, Method] = {
        "aligner (all beads)": lambda s, t: align_pieces(s, t, glossary),
        "gale-church (lengths only)": lambda s, t: align_pieces(
            s,
            t,
            None,
            use_anchors=False,
            use_regions=False,
            aligner=lambda us, ut: align_units(us, ut, pair_model(s.lang, t.lang), use_anchors=False),
        ),
        "gale-church inside anchor regions": lambda s, t: align_pieces(
            s,
            t,
            None,
            use_anchors=False,
            aligner=lambda us, ut: align_units(us, ut, pair_model(s.lang, t.lang), use_anchors=False),
        ),
        "i-th with i-th": lambda s, t: align_pieces(s, t, None, use_regions=False, aligner=align_diagonal),
        "i-th with i-th inside anchor regions": lambda s, t: align_pieces(s, t, None, aligner=align_diagonal),
    }
    para = {name: Score() for name in methods}
    para_kept = Score()
    para_rev = Score()
    thresholds = (0.3, 0.5, 0.7, 0.9)
    para_at = {th: Score() for th in thresholds}
    sent_at = {th: Score() for th in thresholds}
    sent = Score()
    sent_kept = Score()
    sent_sections = 0
    stale = 0
    for gf in files:
        gold = json.loads(gf.read_text(encoding="utf-8"))
        section = gold["section"]
        src, tgt, sp, tp = load_pair(corpus, section, gold["src_lang"], gold["tgt_lang"])
        if sha256_file(sp) != gold["src_sha256"] or sha256_file(tp) != gold["tgt_sha256"]:
            print(f"STALE {gf.name}: source files changed since the gold was made", file=sys.stderr)
            stale += 1
            continue
        if (
            fingerprint([r.text for r in src.pieces]) != gold["src_pieces"]
            or fingerprint([r.text for r in tgt.pieces]) != gold["tgt_pieces"]
        ):
            print(f"STALE {gf.name}: the parser now cuts pieces differently", file=sys.stderr)
            stale += 1
            continue
        g = _keys(gold["paragraph"])
        beads: list[Bead] = []
        for name, method in methods.items():
            pred = method(src, tgt)
            if name.startswith("aligner"):
                beads = pred
                para_kept.add(paired(pred, DEFAULT_MIN_CONFIDENCE), g)
                for th in thresholds:
                    para_at[th].add(paired(pred, th), g)
            para[name].add(paired(pred), g)
        section_score = Score()
        section_score.add(paired(beads, DEFAULT_MIN_CONFIDENCE), g)
        print(f"  {section_score.line(section[-38:])}")
        # the other direction (zh→en) on the mirrored gold
        para_rev.add(
            {(b.target, b.source) for b in align_pieces(tgt, src, glossary) if b.source and b.target}, g
        )
        if verbose:
            p = paired(beads)
            for miss in sorted(g - p):
                print(f"  {section}: missed {miss}")
            for extra in sorted(p - g):
                conf = next(b.confidence for b in beads if (b.source, b.target) == extra)
                print(f"  {section}: wrong  {extra} conf={conf:.2f}")
        if "sentence" in gold:
            ss, ts = document_sentences(src), document_sentences(tgt)
            if (
                fingerprint([s for _, s in ss]) != gold["src_sentences"]
                or fingerprint([s for _, s in ts]) != gold["tgt_sentences"]
            ):
                print(f"STALE {gf.name}: the segmenter now cuts sentences differently", file=sys.stderr)
                stale += 1
                continue
            sg = _keys(gold["sentence"])
            sb = align_sentences(src, tgt, beads, glossary, src_sentences=ss, tgt_sentences=ts)
            sent.add(paired(sb), sg)
            sent_kept.add(paired(sb, DEFAULT_MIN_CONFIDENCE), sg)
            for th in thresholds:
                sent_at[th].add(paired(sb, th), sg)
            sent_sections += 1
            if verbose:
                ps = paired(sb)
                for miss in sorted(sg - ps):
                    print(f"  {section}: sentence missed {miss}")
                for extra in sorted(ps - sg):
                    print(f"  {section}: sentence wrong  {extra}")
    print(f"gold sections: {len(files) - stale} (stale: {stale})")
    print("paragraph level")
    print("  " + para["aligner (all beads)"].line("aligner (all beads)"))
    print("  " + para_kept.line(f"aligner (confidence >= {DEFAULT_MIN_CONFIDENCE})"))
    print("  " + para_rev.line("aligner, reverse direction (zh→en)"))
    for name in list(methods)[1:]:
        print("  " + para[name].line(name))
    if sent_sections:
        print(f"sentence level ({sent_sections} sections)")
        print("  " + sent.line("aligner (all beads)"))
        print("  " + sent_kept.line(f"aligner (confidence >= {DEFAULT_MIN_CONFIDENCE})"))
    print("precision / recall by confidence threshold (min_confidence)")
    for th in thresholds:
        line = f"  >= {th:.1f}: paragraphs P={para_at[th].precision:.4f} R={para_at[th].recall:.4f}"
        if sent_sections:
            line += f"; sentences P={sent_at[th].precision:.4f} R={sent_at[th].recall:.4f}"
        print(line)
    return 1 if stale else 0


def timing(corpus: Path, glossary: Glossary | None) -> int:
    """Whole-corpus alignment time (wall clock and this process's CPU time: on a shared,
    loaded machine the CPU time is the figure that says what the code costs)."""
    sections = sorted(corpus.glob("*/*.en.md"))
    w0, c0 = time.perf_counter(), time.process_time()
    docs = []
    for sp in sections:
        tp = sp.with_name(sp.name.replace(".en.md", ".zh.md"))
        if tp.exists():
            docs.append((load_document(sp, "en"), load_document(tp, "zh")))
    w1, c1 = time.perf_counter(), time.process_time()
    para = [align_pieces(s, t, glossary) for s, t in docs]
    w2, c2 = time.perf_counter(), time.process_time()
    n_sent = sum(
        len(align_sentences(s, t, beads, glossary)) for (s, t), beads in zip(docs, para, strict=True)
    )
    w3, c3 = time.perf_counter(), time.process_time()
    print(f"{len(docs)} sections (wall / cpu seconds)")
    print(f"  parse:                {w1 - w0:6.2f} / {c1 - c0:6.2f}")
    print(f"  paragraph alignment:  {w2 - w1:6.2f} / {c2 - c1:6.2f}  ({sum(map(len, para))} beads)")
    print(f"  sentence alignment:   {w3 - w2:6.2f} / {c3 - c2:6.2f}  ({n_sent} beads, segmentation included)")
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    ap.add_argument("--gold", type=Path, default=DEFAULT_GOLD)
    ap.add_argument("--glossary", type=Path, default=None, help="default: <corpus>/TERMINOLOGY.zh.md")
    ap.add_argument("--draft", metavar="SECTION", help="print a draft gold file for SECTION")
    ap.add_argument("--timing", action="store_true")
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args(argv)
    if not args.corpus.is_dir():
        print(f"corpus not found: {args.corpus} (pass --corpus)", file=sys.stderr)
        return 2
    gpath = args.glossary or args.corpus / "TERMINOLOGY.zh.md"
    glossary = Glossary.load(gpath) if gpath.exists() else None
    if args.draft:
        print(dump_gold(draft(args.corpus, args.draft, glossary)))
        return 0
    if args.timing:
        return timing(args.corpus, glossary)
    return evaluate(args.corpus, args.gold, glossary, args.verbose)


if __name__ == "__main__":
    raise SystemExit(main())
