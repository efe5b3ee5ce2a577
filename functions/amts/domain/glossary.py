"""Bilingual glossary.

The book's glossary (``中文，english`` per line, as in d2l's TERMINOLOGY.md) gives the aligner
anchors that survive translation, and can become an Amazon Translate custom terminology.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from amts.errors import BadInputError

_SEPARATORS = re.compile(r"[，,]")


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
        """Parse d2l's ``中文，english`` lines; markdown list markers and blank lines are ignored.

        The file is written Chinese first; the pair is flipped when English is the source.
        """
        terms: list[tuple[str, str]] = []
        for raw in text.splitlines():
            line = raw.strip().lstrip("-*").strip()
            if not line or line.startswith("#"):
                continue
            parts = _SEPARATORS.split(line, maxsplit=1)
            if len(parts) != 2:
                continue
            zh, en = parts[0].strip(), parts[1].strip()
            if not zh or not en:
                continue
            if source_lang == "zh":
                terms.append((zh, en))
            else:
                terms.append((en, zh))
        return cls(source_lang, target_lang, tuple(terms))

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
