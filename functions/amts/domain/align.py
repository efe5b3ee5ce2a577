"""Bilingual alignment: paragraphs (pieces) then sentences (OWNER: align helper).

Contract:
    @dataclass(frozen=True) Bead: source: tuple[int, ...]; target: tuple[int, ...]; confidence: float
        Indices are ``PieceRef.index`` values (paragraph level) or sentence indices (sentence
        level). 1-0 / 0-1 beads have an empty side.
    align_pieces(src: Document, tgt: Document, glossary: Glossary | None = None) -> list[Bead]
        Paragraph-level alignment of every piece of both documents, in order, protected blocks
        present in both documents used as hard anchors.
    @dataclass(frozen=True) AlignedPair: source: str; target: str; confidence: float;
        granularity: Granularity; source_pieces: tuple[int, ...]; target_pieces: tuple[int, ...]
    @dataclass AlignmentResult: pairs: list[AlignedPair]; dropped: list[AlignedPair]
        (``dropped``: pairs under ``min_confidence``, left out of parallel data)
    align_documents(src, tgt, granularity: Granularity, glossary=None,
                    min_confidence: float = DEFAULT_MIN_CONFIDENCE) -> AlignmentResult
        Only 1-1, 1-n, n-1, n-n beads with both sides non-empty become pairs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from amts.domain.glossary import Glossary
from amts.domain.model import Document

DEFAULT_MIN_CONFIDENCE = 0.5


class Granularity(StrEnum):
    PARAGRAPH = "paragraph"
    SENTENCE = "sentence"


@dataclass(frozen=True, slots=True)
class Bead:
    source: tuple[int, ...]
    target: tuple[int, ...]
    confidence: float


@dataclass(frozen=True, slots=True)
class AlignedPair:
    source: str
    target: str
    confidence: float
    granularity: Granularity
    source_pieces: tuple[int, ...] = ()
    target_pieces: tuple[int, ...] = ()


@dataclass(slots=True)
class AlignmentResult:
    pairs: list[AlignedPair] = field(default_factory=list)
    dropped: list[AlignedPair] = field(default_factory=list)


def align_pieces(src: Document, tgt: Document, glossary: Glossary | None = None) -> list[Bead]:
    raise NotImplementedError


def align_documents(
    src: Document,
    tgt: Document,
    granularity: Granularity,
    glossary: Glossary | None = None,
    min_confidence: float = DEFAULT_MIN_CONFIDENCE,
) -> AlignmentResult:
    raise NotImplementedError
