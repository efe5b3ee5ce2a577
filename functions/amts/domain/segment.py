"""Sentence segmentation per language (OWNER: text-core helper).

Contract:
    split_sentences(text: str, lang: str, spans: Sequence[Span] = ()) -> list[str]
        ``text`` is a normalised piece text; protected spans are never split inside.
        ``"".join`` of the result with the separators removed covers the text: for space-delimited
        languages the sentences are stripped; for zh/ja the concatenation equals the text minus
        surrounding whitespace.
    split_piece(piece: Piece, lang: str) -> list[str]   # convenience over split_sentences
"""

from __future__ import annotations

from collections.abc import Sequence

from amts.domain.model import Piece, Span


def split_sentences(text: str, lang: str, spans: Sequence[Span] = ()) -> list[str]:
    raise NotImplementedError


def split_piece(piece: Piece, lang: str) -> list[str]:
    return split_sentences(piece.text, lang, piece.spans)
