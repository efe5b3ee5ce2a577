"""The D2L BLEU study, offline: a few sections, parallel data from the rest of the corpus.

Reproduces the shape of the published study (no ACT vs ACT from paragraph pairs vs ACT from
sentence pairs, both directions) with the offline translation memory instead of Amazon
Translate: each evaluated section is translated from parallel data aligned from *every other*
section of ``../shared/d2l-dev`` (the section itself is left out), and scored against its human
translation. Prints the comparison table and timings; writes report.json/.md/.html to ``--out``.

The memory never invents text, so these figures measure how much of a section the rest of the
book's human translations already cover (exactly or as fuzzy matches), not machine translation
quality; the 'no-act' baseline is the untranslated source (a lower bound).

    python benchmarks/eval_d2l.py [--corpus ../shared/d2l-dev] [--first N] [--out out/eval-d2l]
    python benchmarks/eval_d2l.py --section chapter_preliminaries/ndarray --section ...
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from amts.domain.report import write_reports_to_dir
from amts.service.evaluate import EvaluationConfig, MemoryBackend, evaluate

REPO = Path(__file__).resolve().parents[1]
DEFAULT_CORPUS = REPO.parent / "shared" / "d2l-dev"
# Five sections from different parts of the book, as the study used five.
DEFAULT_SECTIONS = (
    "chapter_preliminaries/ndarray",
    "chapter_linear-networks/linear-regression",
    "chapter_multilayer-perceptrons/mlp",
    "chapter_convolutional-neural-networks/conv-layer",
    "chapter_attention-mechanisms/transformer",
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help="d2l-dev folder")
    parser.add_argument("--first", type=int, default=0, help="evaluate the first N sections (sorted) instead")
    parser.add_argument("--section", action="append", default=[], help="chapter_x/name (repeatable)")
    parser.add_argument("--variants", default="no-act,act-paragraph,act-sentence")
    parser.add_argument("--one-direction", action="store_true", help="en→zh only")
    parser.add_argument("--out", type=Path, default=REPO / "out" / "eval-d2l")
    args = parser.parse_args(argv)

    corpus: Path = args.corpus
    if not corpus.is_dir():
        print(
            f"eval_d2l: corpus folder {corpus} not found (expected ../shared/d2l-dev); nothing to do",
            file=sys.stderr,
        )
        return 2
    if args.section or not args.first:
        articles = [corpus / f"{s}.en.md" for s in (args.section or DEFAULT_SECTIONS)]
        missing = [str(a) for a in articles if not a.is_file()]
        if missing:
            print(f"eval_d2l: not found: {', '.join(missing)}", file=sys.stderr)
            return 2
    else:
        candidates = sorted(
            p for p in corpus.rglob("*.en.md") if p.with_name(p.name[:-6] + ".zh.md").is_file()
        )
        articles = candidates[: args.first]

    config = EvaluationConfig(
        articles=articles,
        references=corpus,  # x.en.md's reference is x.zh.md next to it
        variants=[v.strip() for v in args.variants.split(",")],
        both_directions=not args.one_direction,
        parallel_data_from=corpus,
        exclude_self=True,
        execution="eval-d2l",
        hypotheses_dir=args.out / "hypotheses",
    )
    started = time.perf_counter()
    report = evaluate(config, MemoryBackend())
    elapsed = time.perf_counter() - started
    write_reports_to_dir(report, args.out)

    print(f"sections evaluated: {len(articles)}  corpus: {corpus}  time: {elapsed:.1f} s")
    for lang in report.languages:
        print(f"\n{lang.source_lang} -> {lang.target_lang}")
        for pd in lang.parallel_data:
            print(
                f"  parallel data {pd.variant}: {pd.pairs} pairs, "
                f"{pd.bytes / 1e6:.2f} MB from {pd.source_files} files"
            )
        names = [s.variant for s in lang.variants]
        print("  " + "article".ljust(44) + "".join(n.rjust(15) for n in names))
        for f in lang.files:
            cells = []
            for n in names:
                s = f.scores.get(n)
                cells.append(("error" if s is None or s.bleu is None else f"{s.bleu:.3f}").rjust(15))
            print("  " + f.path[:43].ljust(44) + "".join(cells))
        avg = ["n/a" if s.average_bleu is None else f"{s.average_bleu:.3f}" for s in lang.variants]
        print("  " + "average BLEU (0-1)".ljust(44) + "".join(a.rjust(15) for a in avg))
        pooled = [
            "n/a" if s.corpus is None or s.corpus.bleu is None else f"{s.corpus.bleu:.3f}"
            for s in lang.variants
        ]
        print("  " + "pooled corpus BLEU (0-1)".ljust(44) + "".join(p.rjust(15) for p in pooled))
        chrf = ["n/a" if s.average_chrf is None else f"{s.average_chrf:.1f}" for s in lang.variants]
        print("  " + "average chrF (0-100)".ljust(44) + "".join(c.rjust(15) for c in chrf))
        for d in lang.deltas:
            delta = "n/a" if d.average_bleu is None else f"{d.average_bleu:+.3f}"
            print(f"  delta {d.variant} - {d.baseline}: {delta}")
    print(f"\nreports: {args.out}/report.{{json,md,html}}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
