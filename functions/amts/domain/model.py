"""The document model every other module works on.

A parsed d2lbook markdown file is an ordered tuple of :class:`Block`; concatenating the blocks'
``raw`` text gives back the file byte for byte. Translatable text lives in :class:`Piece`
objects: a piece points at the region of ``Block.raw`` it came from (so a translation can be put
back in exactly that place) and carries the normalised one-line text plus the protected inline
spans inside it (inline code, math, roles, link targets, slide markers).

Pieces are the unit of paragraph alignment, of synchronisation and of translation; sentences are
cut out of pieces by :mod:`amts.domain.segment`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum


class BlockKind(StrEnum):
    # translatable
    HEADING = "heading"
    PARAGRAPH = "paragraph"
    LIST_ITEM = "list_item"
    TABLE = "table"  # one piece per cell with text
    FIGURE = "figure"  # the caption is the piece; the image path is the key
    # protected
    CODE = "code"  # fenced code cell, e.g. ```{.python .input} ... ``` with #@tab / %%tab
    MATH = "math"  # display math $$...$$ (with its :eqlabel: line when present)
    DIRECTIVE = "directive"  # :label:`x`, :width:`400px`, :begin_tab:`pytorch`, :end_tab:, :bibliography:
    HTML = "html"  # raw HTML block, HTML comments
    FENCE = "fence"  # other fences: toc, eval_rst, slides
    BLANK = "blank"  # blank lines between blocks


TRANSLATABLE_KINDS = frozenset(
    {BlockKind.HEADING, BlockKind.PARAGRAPH, BlockKind.LIST_ITEM, BlockKind.TABLE, BlockKind.FIGURE}
)


class SpanKind(StrEnum):
    CODE = "code"  # `x`
    MATH = "math"  # $x$
    ROLE = "role"  # :numref:`x`, :eqref:`x`, :cite:`x`, :citet:`x`, :label:`x` inline
    LINK_TARGET = "link_target"  # the (url) part of [text](url); the text itself stays translatable
    SLIDE_MARKER = "slide_marker"  # the [** / **] and (** / **) delimiters of d2lbook slide marks
    HTML = "html"  # inline HTML tags
    IMAGE = "image"  # an inline image ![..](..)


@dataclass(frozen=True, slots=True)
class Span:
    """A protected region inside ``Piece.text`` (half-open offsets into the normalised text)."""

    start: int
    end: int
    kind: SpanKind


@dataclass(frozen=True, slots=True)
class Piece:
    """A unit of translatable text.

    ``start``/``end`` are offsets into the owning ``Block.raw`` delimiting the original text
    (which may span several source lines); ``text`` is that region normalised to one line
    (English semantic line breaks joined with a space, Chinese lines joined with nothing,
    list-continuation indentation removed); ``spans`` are protected regions of ``text``.
    """

    start: int
    end: int
    text: str
    spans: tuple[Span, ...] = ()

    def protected_texts(self) -> list[str]:
        return [self.text[s.start : s.end] for s in self.spans]


@dataclass(frozen=True, slots=True)
class Block:
    """A top-level markdown block. ``raw`` holds its exact source text including line ends."""

    kind: BlockKind
    raw: str
    line: int  # 1-based line number of the first line of ``raw`` in the file
    pieces: tuple[Piece, ...] = ()
    # Identity of a protected block for hard anchoring across languages: the normalised code
    # of a code cell, the label name of a :label:, the image path of a figure, the math body.
    key: str | None = None

    @property
    def translatable(self) -> bool:
        return bool(self.pieces)


@dataclass(frozen=True, slots=True)
class PieceRef:
    """A piece together with its position in the document (its stable address)."""

    index: int  # position among all pieces of the document (0-based)
    block_index: int
    piece_index: int  # position inside the block
    piece: Piece
    block: Block

    @property
    def text(self) -> str:
        return self.piece.text


@dataclass(frozen=True, slots=True)
class Document:
    blocks: tuple[Block, ...]
    lang: str
    path: str | None = None
    # The gluedPeriod setting of the language this text is written in (None: the language's
    # fact): how its sentences end, read by every segmentation of the document (alignment, sync,
    # parallel data) so all of them follow the configuration.
    glued_period: bool | None = field(default=None, compare=False)
    _refs: tuple[PieceRef, ...] = field(default=(), repr=False, compare=False)
    # PieceRef.index of each block's first piece (pieces are numbered in block order).
    _first_piece: tuple[int, ...] = field(default=(), repr=False, compare=False)

    def __post_init__(self) -> None:
        refs: list[PieceRef] = []
        firsts: list[int] = []
        for bi, block in enumerate(self.blocks):
            firsts.append(len(refs))
            for pi, piece in enumerate(block.pieces):
                refs.append(PieceRef(len(refs), bi, pi, piece, block))
        object.__setattr__(self, "_refs", tuple(refs))
        object.__setattr__(self, "_first_piece", tuple(firsts))

    def render(self) -> str:
        """The exact source text: rebuilding a parsed document gives the same bytes."""
        return "".join(b.raw for b in self.blocks)

    @property
    def pieces(self) -> tuple[PieceRef, ...]:
        return self._refs

    def protected_blocks(self) -> Iterator[tuple[int, Block]]:
        for i, b in enumerate(self.blocks):
            if not b.translatable and b.kind is not BlockKind.BLANK:
                yield i, b

    def replace(self, translations: Mapping[int, str]) -> str:
        """Render with the pieces whose ``PieceRef.index`` is in ``translations`` replaced.

        The new text goes exactly where the original piece's text was; everything around it
        (list markers, heading hashes, table pipes, code, math, labels) is kept byte for byte.
        """
        return "".join(self.render_block(bi, translations) for bi in range(len(self.blocks)))

    def render_block(self, block_index: int, translations: Mapping[int, str]) -> str:
        """One block's text with its pieces in ``translations`` replaced (see :meth:`replace`)."""
        block = self.blocks[block_index]
        if not block.pieces:
            return block.raw
        first = self._first_piece[block_index]
        out: list[str] = []
        cursor = 0
        for offset, piece in enumerate(block.pieces):
            if first + offset in translations:
                out.append(block.raw[cursor : piece.start])
                out.append(translations[first + offset])
                cursor = piece.end
        out.append(block.raw[cursor:])
        return "".join(out)
