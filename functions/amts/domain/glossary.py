"""Bilingual glossary.

The translators' glossaries (``TERMINOLOGY.*.md``) give the aligner anchors that survive
translation, become an Amazon Translate custom terminology (:mod:`amts.domain.terminology`) and
drive the terminology check. Four styles are read (:func:`parse_entries`):

* d2l-zh: ``中文，english`` lines (full- or half-width comma), Chinese first;
* d2l-ko: a markdown table ``| English | 한국어 |`` (empty cells: no agreed translation yet);
* d2l-vi: a markdown table with an extra discussion-link column;
* d2l-tr: ``english; türkçe`` lines, several translations separated by commas.

Alternatives are kept: ``实例/示例``, ``a / b``, ``tokenizer/tokenization``, ``negative
sample/example`` (the last word alternates), ``kayan virgüllü sayı (gerçel sayı gösterimi)``
(a parenthesised note), ``a（b）``. The first alternative is the preferred translation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from amts.errors import BadInputError

_SEPARATORS = re.compile(r"[，,]")
_TABLE_RULE = re.compile(r"^\|?\s*:?-{3,}")
_PAREN = re.compile(r"\s*[(（][^)）]*[)）]")
_HAN = re.compile("[\u3400-\u9fff]")
_ENGLISH_HEADERS = frozenset({"english", "영어", "en", "tiếng anh", "ingilizce"})


@dataclass(frozen=True, slots=True)
class GlossaryEntry:
    """One line of a glossary: the English term(s), the agreed translation(s), the line number."""

    english: tuple[str, ...]
    translations: tuple[str, ...]
    line: int


def _alternatives(cell: str, *, english: bool) -> tuple[str, ...]:
    """``a / b``, ``a/b``, ``a（b）``, ``sample/example`` → the alternatives, notes removed."""
    cell = cell.strip().strip("*").strip()
    if not cell:
        return ()
    out: list[str] = []
    # a parenthesised part is a note or an acronym ("(in programming)", "(LSTM)"); in d2l-zh a
    # full-width "a（b）" holds an alternative translation, kept after the bare form
    bare = _PAREN.sub("", cell).strip()
    parts = re.split(r"\s*/\s*|\s*[;,，；]\s*", bare) if not english else re.split(r"\s*/\s*", bare)
    for i, part in enumerate(parts):
        part = part.strip()
        if not part:
            continue
        if english and i > 0 and " " not in part and " " in parts[0]:
            part = parts[0].rsplit(" ", 1)[0] + " " + part  # "negative sample/example"
        out.append(part.replace("(s)", "s"))
    if not english:
        for note in re.findall(r"（([^）]*)）", cell):  # full-width: d2l-zh's "a（b）" alternatives
            note = note.strip()
            if note and " " not in note and len(note) <= 12 and note not in out:
                out.append(note)  # "准确率（精度）"
    return tuple(dict.fromkeys(x for x in out if x))


def _cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("|").split("|")]


def parse_entries(text: str) -> list[GlossaryEntry]:
    """Every glossary entry of ``text`` in any of the four styles; empty translations skipped."""
    lines = text.splitlines()
    entries: list[GlossaryEntry] = []
    english_col = 0
    for n, raw in enumerate(lines, start=1):
        line = raw.strip()
        if not line or line.startswith("#") or line.startswith(":"):
            continue
        if line.startswith("|"):
            if _TABLE_RULE.match(line):
                continue
            nxt = lines[n].strip() if n < len(lines) else ""
            cells = _cells(line)
            if _TABLE_RULE.match(nxt):  # a header row: find the English column
                heads = [c.lower() for c in cells]
                english_col = next((i for i, c in enumerate(heads) if c in _ENGLISH_HEADERS), 0)
                continue
            if len(cells) < 2:
                continue
            other = 1 if english_col == 0 else 0
            en = _alternatives(cells[english_col], english=True)
            tr = _alternatives(cells[other], english=False)
        elif ";" in line and "，" not in line:  # d2l-tr: "english; türkçe, türkçe"
            left, right = line.lstrip("-* ").split(";", 1)
            en, tr = _alternatives(left, english=True), _alternatives(right, english=False)
        else:  # d2l-zh: "中文，english"
            parts = _SEPARATORS.split(line.lstrip("-* "), maxsplit=1)
            if len(parts) != 2 or not _HAN.search(parts[0]):
                continue
            en, tr = _alternatives(parts[1], english=True), _alternatives(parts[0], english=False)
        # prose around the table or list (a title, an explanation with a comma) is no entry
        if en and tr and len(en[0]) <= 80 and en[0][:1].isascii():
            entries.append(GlossaryEntry(en, tr, n))
    return entries


@dataclass(frozen=True)
class Glossary:
    """``terms`` are (source term, target term) in the direction the glossary is used."""

    source_lang: str
    target_lang: str
    terms: tuple[tuple[str, str], ...] = ()
    _lower: tuple[tuple[str, str], ...] = field(default=(), repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_lower", tuple((s.lower(), t.lower()) for s, t in self.terms))

    @classmethod
    def from_text(cls, text: str, source_lang: str = "en", target_lang: str = "zh") -> Glossary:
        """Parse a glossary in any of the book's styles (see :func:`parse_entries`).

        Every English alternative is paired with the preferred translation; the pair is flipped
        when English is the target.
        """
        terms: list[tuple[str, str]] = []
        for entry in parse_entries(text):
            for en in entry.english:
                pair = (
                    (entry.translations[0], en)
                    if target_lang == "en" or source_lang != "en"
                    else (en, entry.translations[0])
                )
                terms.append(pair)
        return cls(source_lang, target_lang, tuple(dict.fromkeys(terms)))

    @classmethod
    def load(cls, path: str | Path, source_lang: str = "en", target_lang: str = "zh") -> Glossary:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except FileNotFoundError as exc:
            raise BadInputError(path, "glossary file not found") from exc
        except UnicodeDecodeError as exc:
            raise BadInputError(path, "glossary is not UTF-8 text") from exc
        return cls.from_text(text, source_lang, target_lang)

    def matches(self, source_text: str, target_text: str) -> int:
        """How many entries occur on both sides (case-insensitive): an alignment anchor."""
        s, t = source_text.lower(), target_text.lower()
        return sum(1 for a, b in self._lower if a in s and b in t)

    def __len__(self) -> int:
        return len(self.terms)
