"""Review markers: find what awaits review, accept it, see what reviewers changed.

Sync (:mod:`amts.domain.sync`) writes a marker on its own line before each block it did not take
from the human translation::

    <!-- amts: machine-translated, needs review (source sha1:6bb60b8cbddb) -->
    <!-- amts: untranslated, needs translation (source sha1:629ee75d1c6c) -->

:func:`stamp` adds the hash of the text AMTS wrote (``mt sha1:…``) to each marker, and, when asked,
a visible badge after the comment on the same line (raw HTML, so d2lbook/Sphinx shows it in the
rendered book while the comment still marks the block for the next sync)::

    <!-- amts: machine-translated, needs review (source sha1:…) mt sha1:… --><span …>⚠ …</span>

The *marked block* is the text after the marker line up to the next blank line (or marker): one
paragraph, or the whole list/table sync wrote the single marker for. A sentence sync spliced into a
translator's paragraph carries its marker *inline*, right after the machine text (a marker at the
start of a line would end the paragraph); its marked text is what precedes the marker on that line
(after an earlier inline marker, if any).

* :func:`pending` lists the markers of a file (line, kind, source sha, whether a reviewer
  already edited the block: its hash no longer matches ``mt sha1``).
* :func:`accept` removes markers (all, or the ones at given lines) and leaves the text.
* :func:`for_training` is the target text parallel data may learn from: blocks still as the
  machine wrote them (or left untranslated) are taken out, blocks a reviewer edited are kept as
  human translation — the best examples the service can get — and every marker is removed.
"""

from __future__ import annotations

import hashlib
import html
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

MACHINE = "machine-translated"
UNTRANSLATED = "untranslated"

_MARKER = re.compile(
    r"^[ \t]*<!-- amts: (?P<kind>machine-translated|untranslated)(?P<what>[^(]*)"
    r"\(source sha1:(?P<source>[0-9a-f,]*)\)(?: mt sha1:(?P<mt>[0-9a-f]+))? -->(?P<badge>.*)$"
)
# The same marker anywhere in a line, with the badge stamp() may have put after it.
_INLINE = re.compile(
    r"<!-- amts: (?P<kind>machine-translated|untranslated)(?P<what>[^(]*)"
    r"\(source sha1:(?P<source>[0-9a-f,]*)\)(?: mt sha1:(?P<mt>[0-9a-f]+))? -->"
    r"(?P<badge><span class=\"amts-review[^>]*>[^<]*</span>)?"
)
_BADGE_TEXT = {
    MACHINE: "⚠ machine-translated: needs review",
    UNTRANSLATED: "⚠ untranslated: needs translation",
}
# Inline style so the badge shows without any theme CSS; the class lets a theme restyle it.
_BADGE_STYLE = "background:#fff3cd;border-left:4px solid #f0b400;padding:0 .4em;font-size:.85em"


class MarkerStyle(StrEnum):
    """How markers appear in the rendered book."""

    COMMENT = "comment"  # an HTML comment: invisible in the rendered book
    VISIBLE = "visible"  # the comment plus a styled badge the rendered book shows


def style_from_env(environ: Mapping[str, str] | None = None) -> MarkerStyle:
    """``AMTS_REVIEW_MARKERS`` = comment (default) | visible; anything else is the default."""
    value = (os.environ if environ is None else environ).get("AMTS_REVIEW_MARKERS", "").strip().lower()
    return MarkerStyle(value) if value in {s.value for s in MarkerStyle} else MarkerStyle.COMMENT


def text_sha(text: str) -> str:
    """Short hash of a marked block, whitespace at the ends and line endings ignored."""
    canonical = "\n".join(line.rstrip() for line in text.strip().splitlines())
    return hashlib.sha1(canonical.encode("utf-8")).hexdigest()[:12]


@dataclass(frozen=True, slots=True)
class Pending:
    """One marker: a block awaiting review (or translation)."""

    line: int  # 1-based line of the marker
    kind: str  # machine-translated | untranslated
    source_sha1: tuple[str, ...]
    machine_sha1: str | None  # hash of the text AMTS wrote (None: marker written before stamping)
    text: str  # the marked block as it is now
    text_line: int  # 1-based first line of the block
    inline: bool = False  # a marker after a spliced sentence, inside the translator's paragraph

    @property
    def edited(self) -> bool:
        """A reviewer changed the block since AMTS wrote it."""
        return self.machine_sha1 is not None and text_sha(self.text) != self.machine_sha1

    def to_json(self) -> dict[str, Any]:
        return {
            "line": self.line,
            "kind": self.kind,
            "source_sha1": list(self.source_sha1),
            "edited": self.edited,
            "text": self.text,
        }


def _block_end(lines: list[str], start: int) -> int:
    """Index after the marked block that starts at ``start`` (first line after the marker)."""
    end = start
    while end < len(lines) and lines[end].strip() and not _MARKER.match(lines[end]):
        end += 1
    return end


def pending(text: str) -> list[Pending]:
    """Every marker of a markdown file, in order."""
    lines = text.splitlines()
    out: list[Pending] = []
    for i, line in enumerate(lines):
        m = _MARKER.match(line)
        if m is None:
            out.extend(
                _pending(im, i + 1, marked, i + 1, inline=True) for im, marked in _inline_markers(line)
            )
            continue
        start = i + 1
        while start < len(lines) and _MARKER.match(lines[start]):
            start += 1  # a machine and an untranslated marker for the same block
        end = _block_end(lines, start)
        out.append(_pending(m, i + 1, "\n".join(lines[start:end]), start + 1))
    return out


def _pending(m: re.Match[str], line: int, text: str, text_line: int, inline: bool = False) -> Pending:
    return Pending(
        line=line,
        kind=m["kind"],
        source_sha1=tuple(s for s in m["source"].split(",") if s),
        machine_sha1=m["mt"],
        text=text,
        text_line=text_line,
        inline=inline,
    )


def _inline_markers(line: str) -> list[tuple[re.Match[str], str]]:
    """Inline markers of a line (not one that starts it), each with the text it marks."""
    if _MARKER.match(line):
        return []
    found: list[tuple[re.Match[str], str]] = []
    begin = 0
    for m in _INLINE.finditer(line):
        found.append((m, line[begin : m.start()].strip()))
        begin = m.end()
    return found


def _paragraph(lines: list[str], i: int) -> range:
    """Indices of the lines of the paragraph (between blank lines) that holds line ``i``."""
    start = end = i
    while start > 0 and lines[start - 1].strip():
        start -= 1
    while end + 1 < len(lines) and lines[end + 1].strip():
        end += 1
    return range(start, end + 1)


def _badge(kind: str) -> str:
    label = html.escape(_BADGE_TEXT[kind])
    return f'<span class="amts-review amts-{kind}" style="{_BADGE_STYLE}">{label}</span>'


def stamp(text: str, style: MarkerStyle = MarkerStyle.COMMENT) -> str:
    """Record the hash of each marked block in its marker (``mt sha1:…``) and apply ``style``.

    Idempotent: a marker that already has a hash keeps it (the hash is of what AMTS wrote, not
    of what a reviewer made of it).
    """
    lines = text.splitlines(keepends=True)
    plain = [line.rstrip("\r\n") for line in lines]
    for i, line in enumerate(plain):
        m = _MARKER.match(line)
        if m is None:
            inline = _inline_markers(line)
            if inline:
                pieces, begin = [], 0
                for im, marked in inline:
                    mt = im["mt"] or text_sha(marked)
                    badge = _badge(im["kind"]) if style is MarkerStyle.VISIBLE else ""
                    pieces.append(line[begin : im.start()])
                    head = f"<!-- amts: {im['kind']}{im['what']}(source sha1:{im['source']})"
                    pieces.append(f"{head} mt sha1:{mt} -->{badge}")
                    begin = im.end()
                lines[i] = "".join(pieces) + line[begin:] + lines[i][len(line) :]
            continue
        start = i + 1
        while start < len(plain) and _MARKER.match(plain[start]):
            start += 1
        mt = m["mt"] or text_sha("\n".join(plain[start : _block_end(plain, start)]))
        indent = line[: len(line) - len(line.lstrip())]
        comment = f"{indent}<!-- amts: {m['kind']}{m['what']}(source sha1:{m['source']}) mt sha1:{mt} -->"
        badge = _badge(m["kind"]) if style is MarkerStyle.VISIBLE else ""
        ending = lines[i][len(line) :]
        lines[i] = comment + badge + ending
    return "".join(lines)


def accept(text: str, at_lines: set[int] | None = None) -> tuple[str, int]:
    """Remove the markers (all, or those whose marker or block covers one of ``at_lines``).

    The text of the blocks stays as it is. Returns the new text and how many markers went.
    """
    lines = text.splitlines(keepends=True)
    drop: set[int] = set()
    unmark: set[int] = set()  # lines whose inline markers go
    removed = 0
    for p in pending(text):
        block_last = p.text_line + max(0, len(p.text.splitlines()) - 1)
        if at_lines is None or any(p.line <= n <= block_last for n in at_lines):
            (unmark if p.inline else drop).add(p.line - 1)
            removed += 1
    for i in unmark:
        lines[i] = _INLINE.sub("", lines[i])
    return "".join(line for i, line in enumerate(lines) if i not in drop), removed


@dataclass(frozen=True, slots=True)
class TrainingView:
    text: str
    reviewed: int  # blocks a reviewer edited: kept, now human translation
    unreviewed: int  # blocks as the machine wrote them, or untranslated: left out


def for_training(text: str) -> TrainingView:
    """The target text parallel data may be built from (see the module docstring)."""
    found = pending(text)
    if not found:
        return TrainingView(text, 0, 0)
    lines = text.splitlines(keepends=True)
    drop: set[int] = set()
    reviewed = unreviewed = 0
    plain = text.splitlines()
    for p in found:
        if p.inline:
            # The machine sentence sits inside the translator's paragraph: an unreviewed one takes
            # the whole paragraph out (no pair learns from machine text), a reviewed one stays.
            if p.edited:
                reviewed += 1
                lines[p.line - 1] = _INLINE.sub("", lines[p.line - 1])
            else:
                unreviewed += 1
                drop.update(_paragraph(plain, p.line - 1))
            continue
        drop.add(p.line - 1)
        if p.edited:
            reviewed += 1
            continue
        unreviewed += 1
        first = p.text_line - 1
        drop.update(range(first, first + len(p.text.splitlines())))
    kept = "".join(line for i, line in enumerate(lines) if i not in drop)
    return TrainingView(kept, reviewed, unreviewed)
