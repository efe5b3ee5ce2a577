"""How consistently the book's human translations use their own glossaries (prints figures only).

For every section of ../shared/d2l-dev (zh) and ../shared/d2l-dev-multi (ko, tr, vi: the
languages with a glossary), ``amts.domain.terminology.check_terms``: per aligned paragraph with
a glossary term in the English, is one of the agreed translations in the translation?
Prints occurrences, violations and adherence per language, the most violated terms, and with
``--sample N`` N violations (seeded) with both paragraphs, to be read by hand for precision.

    python benchmarks/terms_adherence.py [--langs zh,ko,tr,vi] [--sample 10] [--seed 13]
"""

from __future__ import annotations

import argparse
import random
import sys
from collections import Counter
from pathlib import Path

from amts.domain.glossary import parse_entries
from amts.domain.markdown import load_document
from amts.domain.terminology import check_terms

ROOT = Path(__file__).resolve().parents[1]
SHARED = next(
    (p / "shared" for p in ROOT.parents if (p / "shared" / "d2l-dev").is_dir()), ROOT.parent / "shared"
)


def corpus(lang: str) -> tuple[Path, Path]:
    if lang == "zh":
        return SHARED / "d2l-dev", SHARED / "d2l-dev" / "TERMINOLOGY.zh.md"
    return SHARED / "d2l-dev-multi" / lang, SHARED / "d2l-dev-multi" / lang / f"TERMINOLOGY.{lang}.md"


def _line_text(path: str | None, line: int) -> str:
    if path is None:
        return ""
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    return lines[line - 1][:160] if 0 < line <= len(lines) else ""


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--langs", default="zh,ko,tr,vi")
    ap.add_argument("--sample", type=int, default=0)
    ap.add_argument("--seed", type=int, default=13)
    args = ap.parse_args(argv)
    rng = random.Random(args.seed)
    for lang in [x.strip() for x in args.langs.split(",") if x.strip()]:
        root, gloss = corpus(lang)
        if not gloss.is_file():
            print(f"[{lang}] no glossary at {gloss}", file=sys.stderr)
            continue
        entries = parse_entries(gloss.read_text(encoding="utf-8"))
        occurrences = 0
        violations = []
        files_with = 0
        sections = 0
        for sp in sorted(root.glob("*/*.en.md")):
            tp = sp.with_name(sp.name[: -len(".en.md")] + f".{lang}.md")
            if not tp.exists():
                continue
            sections += 1
            result = check_terms(load_document(sp, "en"), load_document(tp, lang), entries)
            occurrences += result.occurrences
            violations.extend(result.violations)
            files_with += bool(result.violations)
        adherence = 1 - len(violations) / occurrences if occurrences else 1.0
        print(
            f"[{lang}] glossary entries {len(entries)}; {sections} sections; term occurrences {occurrences}; "
            f"violations {len(violations)} in {files_with} files; adherence {adherence:.1%}"
        )
        top = Counter(v.term for v in violations).most_common(5)
        print("  most violated: " + ", ".join(f"{t} ({n})" for t, n in top))
        for v in rng.sample(violations, min(args.sample, len(violations))):
            print(f"  - {v.term!r} -> {v.translation!r}  {Path(v.target_file or '').name}:{v.target_line}")
            print(f"      en: {_line_text(v.source_file, v.source_line)}")
            print(f"      {lang}: {_line_text(v.target_file, v.target_line)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
