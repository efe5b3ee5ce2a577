"""Amazon Translate custom terminology from the translators' glossaries, and the terminology check.

Contract:
    build_terminology(entries, source_lang, target_lang) -> TerminologyFile
        A CSV terminology file (first row the two language codes, then one ``source,target`` row
        per term; the preferred translation of each entry). Limits of the service, from the
        Amazon Translate Developer Guide, "Guidelines and quotas"
        (https://docs.aws.amazon.com/translate/latest/dg/what-is-limits.html), and the API
        reference: a terminology file is at most 10 MB (botocore: TerminologyFile max 10485760
        bytes); each source and target term at most 200 bytes; at most 100 terminologies per
        account and region; one terminology per TranslateText / StartTextTranslationJob request;
        the TranslateText reference says "a terminology list can contain a maximum of 256 terms".
        Terms over 200 bytes are dropped and counted; beyond 256 terms the longest (most specific)
        ones are kept, in glossary order, and the rest counted, so the file always imports.
    terminology_name(prefix, source_lang, target_lang) -> str   (^([A-Za-z0-9-]_?)+$, ≤ 256)
    check_terms(source, target, entries) -> list[TermViolation]
        For every aligned paragraph whose English contains a glossary term (whole words, case
        insensitive, outside code/math/links; a term inside a longer matched term does not
        count), the translation must contain one of the agreed translations.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from amts.domain.glossary import GlossaryEntry
from amts.domain.model import Document, PieceRef, SpanKind

MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_TERM_BYTES = 200
MAX_TERMS = 256
_NAME = re.compile(r"^([A-Za-z0-9-]_?)+$")
_HIDDEN = frozenset({SpanKind.CODE, SpanKind.MATH, SpanKind.ROLE, SpanKind.LINK_TARGET, SpanKind.HTML})


@dataclass(frozen=True, slots=True)
class TerminologyFile:
    content: bytes
    source_lang: str
    target_lang: str
    terms: int
    dropped_too_long: int = 0
    dropped_over_count: int = 0
    format: str = "CSV"

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


def terminology_name(prefix: str, source_lang: str, target_lang: str) -> str:
    name = f"{prefix}-terms-{source_lang}-{target_lang}".replace("_", "-")
    if not _NAME.match(name) or len(name) > 256:
        raise ValueError(f"terminology name {name!r} must match ^([A-Za-z0-9-]_?)+$ and be ≤ 256 characters")
    return name


def build_terminology(
    entries: Sequence[GlossaryEntry], source_lang: str, target_lang: str
) -> TerminologyFile:
    """The CSV custom terminology for ``source_lang → target_lang`` (one of them English)."""
    if "en" not in (source_lang, target_lang):
        raise ValueError("the book's glossaries pair English with one language")
    rows: list[tuple[str, str]] = []
    too_long = 0
    for entry in entries:
        target = entry.translations[0]
        for english in entry.english:
            pair = (english, target) if source_lang == "en" else (target, english)
            if any(len(t.encode("utf-8")) > MAX_TERM_BYTES for t in pair):
                too_long += 1
                continue
            rows.append(pair)
            if source_lang != "en":
                break  # one English rendering per translated term
    rows = list(dict.fromkeys(rows))
    seen: set[str] = set()
    unique = [r for r in rows if not (r[0].lower() in seen or seen.add(r[0].lower()))]  # type: ignore[func-returns-value]
    over = 0
    if len(unique) > MAX_TERMS:
        keep = set(sorted(range(len(unique)), key=lambda i: (-len(unique[i][0]), i))[:MAX_TERMS])
        over = len(unique) - MAX_TERMS
        unique = [r for i, r in enumerate(unique) if i in keep]
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow([source_lang, target_lang])
    writer.writerows(unique)
    content = buf.getvalue().encode("utf-8")
    if len(content) > MAX_FILE_BYTES:  # pragma: no cover - 256 terms of 200 bytes is ~100 KB
        raise ValueError(f"terminology file is {len(content)} bytes, over the 10 MB limit")
    return TerminologyFile(content, source_lang, target_lang, len(unique), too_long, over)


# --------------------------------------------------------------------------- the check


@dataclass(frozen=True, slots=True)
class TermViolation:
    term: str
    translation: str  # the agreed translation(s), "a / b"
    source_line: int
    target_line: int
    source_file: str | None = None
    target_file: str | None = None

    def to_json(self) -> dict[str, object]:
        return {
            "term": self.term,
            "translation": self.translation,
            "source_line": self.source_line,
            "target_line": self.target_line,
            "source_file": self.source_file,
            "target_file": self.target_file,
        }


@dataclass
class TermCheck:
    violations: list[TermViolation] = field(default_factory=list)
    occurrences: int = 0  # (segment, term) pairs checked

    @property
    def adherence(self) -> float:
        return 1 - len(self.violations) / self.occurrences if self.occurrences else 1.0


def _visible(ref: PieceRef) -> str:
    text = ref.piece.text
    out: list[str] = []
    cursor = 0
    for span in sorted(ref.piece.spans, key=lambda s: s.start):
        if span.kind in _HIDDEN and span.start >= cursor:
            out.append(text[cursor : span.start])
            out.append(" ")
            cursor = span.end
    out.append(text[cursor:])
    return "".join(out)


def _line(ref: PieceRef) -> int:
    return ref.block.line + ref.block.raw[: ref.piece.start].count("\n")


@dataclass(frozen=True, slots=True)
class _Compiled:
    term: str
    pattern: re.Pattern[str]
    translations: tuple[str, ...]


def _compile(entries: Sequence[GlossaryEntry]) -> list[_Compiled]:
    out: list[_Compiled] = []
    for entry in entries:
        for english in entry.english:
            if len(english) < 2:
                continue
            words = r"\s+".join(re.escape(w) for w in english.split())
            out.append(
                _Compiled(
                    english,
                    re.compile(rf"(?<![\w-]){words}(?:s|es)?(?![\w-])", re.IGNORECASE),
                    entry.translations,
                )
            )
    out.sort(key=lambda c: -len(c.term))
    return out


# English idioms in which a glossary word is not the term: "for example", "for instance",
# "this means that", "prior to" (read off a sample of the check's violations on the book)
_FOR = re.compile(r"\bfor\s+$", re.IGNORECASE)
_THAT_TO = re.compile(r"^\s+(?:that|to)\b", re.IGNORECASE)
_IDIOM_TERMS = {
    "example": "before",
    "instance": "before",
    "mean": "after",
    "means": "after",
    "prior": "after",
}


def _idiom(text: str, m: re.Match[str]) -> bool:
    where = _IDIOM_TERMS.get(m.group().lower())
    if where == "before":
        return bool(_FOR.search(text[: m.start()]))
    if where == "after":
        return bool(_THAT_TO.match(text[m.end() :]))
    return False


def check_terms(
    source: Document,
    target: Document,
    entries: Sequence[GlossaryEntry],
    beads: Sequence[object] | None = None,
) -> TermCheck:
    """Violations of the glossary in ``target`` (a translation of ``source``, English)."""
    from amts.domain.align import align_pieces

    compiled = _compile(entries)
    result = TermCheck()
    pieces_s, pieces_t = source.pieces, target.pieces
    for bead in beads if beads is not None else align_pieces(source, target):
        src_idx, tgt_idx = bead.source, bead.target  # type: ignore[attr-defined]
        if not src_idx or not tgt_idx:
            continue
        english = " ".join(_visible(pieces_s[i]) for i in src_idx)
        translated = " ".join(_visible(pieces_t[j]) for j in tgt_idx).lower()
        covered: list[tuple[int, int]] = []
        for c in compiled:
            m = next(
                (
                    m
                    for m in c.pattern.finditer(english)
                    if not any(a < m.end() and m.start() < b for a, b in covered) and not _idiom(english, m)
                ),
                None,
            )
            if m is None:
                continue
            covered.extend((x.start(), x.end()) for x in c.pattern.finditer(english))
            result.occurrences += 1
            if any(t.lower() in translated for t in c.translations):
                continue
            result.violations.append(
                TermViolation(
                    c.term,
                    " / ".join(c.translations),
                    _line(pieces_s[src_idx[0]]),
                    _line(pieces_t[tgt_idx[0]]),
                    source.path,
                    target.path,
                )
            )
    return result
