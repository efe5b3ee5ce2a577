"""Measure the length model of a language pair on the D2L corpus (prints figures only).

Aligns every section with the current model, keeps the confident 1-1 paragraph beads and
reports the target/source character ratio (mean, median), Gale & Church's s² for that ratio and
the bead-type frequencies: the constants in ``amts.domain.align.PAIR_MODELS`` come from here.

    python benchmarks/calibrate.py [--corpus ../shared/d2l-dev] [--src en --tgt zh]
"""

from __future__ import annotations

import argparse
import statistics
import sys
from collections import Counter
from pathlib import Path

from amts.domain.align import align_pieces, pair_model, text_length
from amts.domain.markdown import load_document

DEFAULT_CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "d2l-dev"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    ap.add_argument("--src", default="en")
    ap.add_argument("--tgt", default="zh")
    ap.add_argument("--min-confidence", type=float, default=0.9)
    args = ap.parse_args(argv)
    if not args.corpus.is_dir():
        print(f"corpus not found: {args.corpus} (pass --corpus)", file=sys.stderr)
        return 2
    model = pair_model(args.src, args.tgt)
    ratios: list[float] = []
    pairs: list[tuple[float, float]] = []
    types: Counter[tuple[int, int]] = Counter()
    for src_path in sorted(args.corpus.glob(f"*/*.{args.src}.md")):
        tgt_path = src_path.with_name(src_path.name.replace(f".{args.src}.md", f".{args.tgt}.md"))
        if not tgt_path.exists():
            continue
        src = load_document(src_path, args.src)
        tgt = load_document(tgt_path, args.tgt)
        for b in align_pieces(src, tgt):
            types[(len(b.source), len(b.target))] += 1
            if len(b.source) == 1 and len(b.target) == 1 and b.confidence >= args.min_confidence:
                ls = text_length(src.pieces[b.source[0]].text, model.side_weight(model.src_cjk))
                lt = text_length(tgt.pieces[b.target[0]].text, model.side_weight(model.tgt_cjk))
                if ls >= 20 and lt >= 5:
                    ratios.append(lt / ls)
                    pairs.append((ls, lt))
    if not ratios:
        print("no confident 1-1 beads found")
        return 1
    c = sum(lt for _, lt in pairs) / sum(ls for ls, _ in pairs)
    s2 = statistics.fmean(((lt - c * ls) ** 2) / ls for ls, lt in pairs)
    print(f"1-1 beads used: {len(pairs)}")
    print(
        f"ratio (sum lt / sum ls): {c:.3f}; per-bead mean {statistics.fmean(ratios):.3f}, "
        f"median {statistics.median(ratios):.3f}"
    )
    print(f"s2 of (lt - c ls)/sqrt(ls): {s2:.3f}")
    total = sum(types.values())
    for bt, k in types.most_common():
        print(f"bead {bt[0]}-{bt[1]}: {k} ({k / total:.3%})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
