"""What every ``amts`` command shares: option spellings, exit codes, output checks.

One convention for the whole command line:

* the same flag for the same thing: ``-s/--source-lang``, ``-t/--target-lang``, ``-o/--output``
  (``-o -`` writes to stdout where the output is one file), ``--json`` for machine-readable
  output, ``-q/--quiet``; choices (``--engine``, ``--format``, ``--granularity``) are enums, so
  ``--help`` lists them and a typo is a usage error; per-language settings (cdk.json
  ``amts.languages``) are overridden with a repeatable ``--lang-setting LANG.KEY=VALUE``,
  validated as cdk.json is;
* exit codes: 0 everything asked for was done; 1 the command ran but some requested item failed
  (an article not scored, a file skipped, an execution that failed); 2 a usage or input error
  (bad option, missing or unreadable file), reported on one line.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from amts.errors import AmtsError, ConfigurationError

EXIT_OK = 0
EXIT_ITEMS_FAILED = 1
EXIT_USAGE = 2

STDOUT = Path("-")


class Engine(StrEnum):
    """Which translation engine a command uses."""

    MEMORY = "memory"  # offline translation memory built from the human translations
    AMAZON = "amazon"  # Amazon Translate (needs AWS credentials and a region)


SourceLangOpt = Annotated[str, typer.Option("--source-lang", "-s", help="Language code of the source.")]
TargetLangOpt = Annotated[str, typer.Option("--target-lang", "-t", help="Language code of the target.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON on stdout.")]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="No progress output on stderr.")]
LangSettingOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--lang-setting",
        metavar="LANG.KEY=VALUE",
        help="Override a per-language setting of cdk.json's amts.languages, e.g. zh.bleuTokenizer=char "
        "(repeatable; keys: glossary, formality, profanityMask, lineStyle, cjkLatinSpace, "
        "punctuationWidth, bleuTokenizer, gluedPeriod; an empty value unsets).",
    ),
]
EngineOpt = Annotated[
    Engine, typer.Option("--engine", "-e", help="memory (offline) or amazon (Amazon Translate).")
]


def fail(error: AmtsError) -> typer.Exit:
    """Print the one-line message of a user error; the caller raises the returned Exit (code 2)."""
    typer.echo(f"amts: error: {error}", err=True)
    return typer.Exit(EXIT_USAGE)


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn AmtsError into the one-line message and exit code 2 (also under CliRunner)."""
    try:
        yield
    except AmtsError as error:
        raise fail(error) from None


def is_stdout(path: Path | None) -> bool:
    return path is not None and str(path) == "-"


def check_suffix(path: Path | None, allowed: tuple[str, ...], option: str = "-o") -> None:
    """Refuse an output name whose extension is not one the command writes (``-`` is stdout)."""
    if path is None or is_stdout(path):
        return
    suffix = path.suffix.lower().lstrip(".")
    if suffix not in allowed:
        shown = f"'.{suffix}'" if suffix else "no extension"
        raise ConfigurationError(
            f"{option} {path}: {shown} is not an output this command writes; "
            f"use {', '.join('.' + a for a in allowed)}" + (" or - for stdout" if option == "-o" else "")
        )
