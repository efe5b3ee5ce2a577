"""``amts review`` and ``amts accept``: from "what needs review?" to "accepted".

``review`` lists every block AMTS marked in a book (machine-translated, or left untranslated)
with its file, line, kind, source sha and whether a reviewer already edited it; ``accept``
removes the markers of reviewed blocks and leaves their text. See :mod:`amts.domain.review`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from amts.cli import app
from amts.cli.common import EXIT_ITEMS_FAILED, JsonOpt, user_errors
from amts.domain.review import accept as accept_markers
from amts.domain.review import pending
from amts.errors import BadInputError


def _book_files(root: Path, lang: str | None) -> list[Path]:
    if root.is_file():
        return [root]
    if not root.is_dir():
        raise BadInputError(root, "book folder not found")
    base = root / lang if lang and (root / lang).is_dir() else root
    files = []
    for p in sorted(base.rglob("*.md")):
        rel = p.relative_to(base)
        if any(part.startswith(".") for part in rel.parts):
            continue
        if lang and base == root and not (p.name.endswith(f".{lang}.md") or lang in rel.parts[:-1]):
            continue
        files.append(p)
    return files


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise BadInputError(path, "not UTF-8 text") from None
    except OSError as error:
        raise BadInputError(path, f"cannot read: {error.strerror or error}") from None


@app.command("review")
def review_command(
    book: Annotated[Path, typer.Argument(help="Book folder (or one file) to scan for review markers.")],
    lang: Annotated[
        str | None,
        typer.Option(
            "--lang", "--target-lang", "-t", help="Only this language (BOOK/<lang>/ or *.<lang>.md)."
        ),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """List every segment awaiting review: file, line, kind, source sha, edited by a reviewer.

    Accept a reviewed one with 'amts accept FILE:LINE'. Exit 0 (nothing pending is not an error).
    """
    with user_errors():
        files = _book_files(book, lang)
        rows = []
        for path in files:
            for p in pending(_read(path)):
                rows.append({"file": str(path), **p.to_json()})
    if as_json:
        typer.echo(json.dumps({"pending": rows, "files_scanned": len(files)}, ensure_ascii=False, indent=2))
        return
    if not rows:
        typer.echo(f"nothing awaits review in {len(files)} file(s)")
        return
    for r in rows:
        excerpt = " ".join(str(r["text"]).split())
        excerpt = excerpt[:70] + ("…" if len(excerpt) > 70 else "")
        state = "edited" if r["edited"] else "as written"
        typer.echo(f"{r['file']}:{r['line']}\t{r['kind']}\t{','.join(r['source_sha1'])}\t{state}\t{excerpt}")
    machine = sum(1 for r in rows if r["kind"] == "machine-translated")
    edited = sum(1 for r in rows if r["edited"])
    typer.echo(
        f"{len(rows)} segment(s) await review in {len({r['file'] for r in rows})} file(s): "
        f"{machine} machine-translated, {len(rows) - machine} untranslated; {edited} edited by a reviewer",
        err=True,
    )


def _target(arg: str) -> tuple[Path, int | None]:
    path, sep, line = arg.rpartition(":")
    if sep and line.isdigit() and path:
        return Path(path), int(line)
    return Path(arg), None


@app.command("accept")
def accept_command(
    targets: Annotated[
        list[str], typer.Argument(help="FILE (every marker) or FILE:LINE (the marker at or over LINE).")
    ],
) -> None:
    """Remove the review markers of reviewed segments; their text stays as it is.

    Exit 0 when every FILE:LINE named a marker, 1 when some did not (nothing else changed), 2 on
    a missing or unreadable file.
    """
    by_file: dict[Path, set[int] | None] = {}
    with user_errors():
        for arg in targets:
            path, line = _target(arg)
            if not path.is_file():
                raise BadInputError(path, "file not found")
            if line is None:
                by_file[path] = None
            elif by_file.get(path, set()) is not None:
                by_file.setdefault(path, set()).add(line)  # type: ignore[union-attr]
        missed = 0
        for path, lines in by_file.items():
            text = _read(path)
            new_text, removed = accept_markers(text, lines)
            wanted = len(lines) if lines is not None else removed
            if removed < wanted or (lines is not None and removed == 0):
                missed += max(1, wanted - removed)
                shown = ", ".join(str(n) for n in sorted(lines or ()))
                typer.echo(f"amts: {path}: no review marker at line(s) {shown}", err=True)
            if removed:
                path.write_text(new_text, encoding="utf-8")
            typer.echo(f"{path}: {removed} marker(s) removed, {len(pending(new_text))} still pending")
    if missed:
        raise typer.Exit(EXIT_ITEMS_FAILED)
