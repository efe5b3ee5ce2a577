"""``amts check-terms``: does a translation use the translators' agreed terms?

    amts check-terms SOURCE TARGET --glossary FILE [-s en] [-t zh] [--json]

For every aligned paragraph whose English contains a glossary term, the translation must contain
one of the agreed translations. Exit 0 when the check ran (violations or not); bad input gives one
line and exit 2. With ``--json``: ``{"source": …, "target": …, "occurrences": n, "adherence": x,
"violations": [{"term", "translation", "source_line", "target_line", …}, …]}``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from amts.cli import app
from amts.domain.glossary import parse_entries
from amts.domain.languages import require_supported
from amts.domain.markdown import load_document
from amts.domain.terminology import check_terms
from amts.errors import BadInputError

CHECK_TERMS_HELP = (
    "Check that TARGET (a translation of SOURCE) uses the glossary's agreed translations; "
    "lists one violation per English term occurrence without its agreed translation."
)


@app.command("check-terms", help=CHECK_TERMS_HELP)
def check_terms_command(
    source: Annotated[Path, typer.Argument(help="The English markdown file.")],
    target: Annotated[Path, typer.Argument(help="Its translation.")],
    glossary: Annotated[
        Path, typer.Option("--glossary", help="A TERMINOLOGY.*.md glossary (any of the book's styles).")
    ],
    source_lang: Annotated[str, typer.Option("--source-lang", "-s")] = "en",
    target_lang: Annotated[str, typer.Option("--target-lang", "-t")] = "zh",
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON object.")] = False,
) -> None:
    require_supported(source_lang, "source language")
    require_supported(target_lang, "target language")
    if source_lang != "en":
        raise BadInputError(
            source, "the glossaries pair English terms with a translation: SOURCE must be English"
        )
    try:
        text = glossary.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise BadInputError(glossary, "glossary file not found") from exc
    except UnicodeDecodeError as exc:
        raise BadInputError(glossary, "glossary is not UTF-8 text") from exc
    entries = parse_entries(text)
    if not entries:
        raise BadInputError(
            glossary, "no glossary entries found (English term and translation per line or row)"
        )
    src = load_document(source, source_lang)
    tgt = load_document(target, target_lang)
    result = check_terms(src, tgt, entries)
    if as_json:
        typer.echo(
            json.dumps(
                {
                    "source": str(source),
                    "target": str(target),
                    "glossary": str(glossary),
                    "terms": len(entries),
                    "occurrences": result.occurrences,
                    "adherence": round(result.adherence, 4),
                    "violations": [v.to_json() for v in result.violations],
                },
                ensure_ascii=False,
                indent=2,
            )
        )
        return
    for v in result.violations:
        typer.echo(
            f"{source}:{v.source_line} / {target}:{v.target_line}: {v.term!r} should be {v.translation!r}"
        )
    typer.echo(
        f"{len(result.violations)} violation(s) in {result.occurrences} term occurrence(s); "
        f"adherence {result.adherence:.1%}"
    )
