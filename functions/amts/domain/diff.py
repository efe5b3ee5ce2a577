"""Segment-level diff between two versions of the same source file.

The sync planner needs to know, for every piece of the *new* source, whether a human already
translated exactly this text (unchanged or moved) or whether it must be translated (edited or
new), and for every block whether it is still "the same block" so that the translator's raw
text (line layout, translated code comments, extra tabs anchored to it) can be reused.

Comparison is on normalised text: runs of whitespace (line wrapping, indentation of list
continuations, trailing spaces) collapse to one space, so re-wrapping a paragraph is not an
edit, and d2lbook slide-marker delimiters, English contractions ("Let's" / "Let us") and the
dash of a number range ("4-8", "4--8", "4–8") are ignored (:func:`segment_key`). Protected blocks
(code, math, directives) compare their lines with trailing whitespace removed, because leading
indentation is meaningful in code.
"""

from __future__ import annotations

import difflib
import hashlib
import re
from collections import defaultdict
from dataclasses import dataclass, field
from enum import StrEnum

from rapidfuzz.distance import Indel

from amts.domain.markdown import scan_spans
from amts.domain.model import Block, BlockKind, Document

# Two pieces (or two blocks of one kind) in a replaced region are "the same segment, edited"
# rather than "one deleted, one new" from this similarity up; only used for reporting and for
# keeping target-only blocks anchored to an edited block.
EDIT_SIMILARITY = 0.5
# How far ahead the pairing looks for an edited counterpart: bounds the quadratic cost when a
# whole file was rewritten.
_PAIRING_WINDOW = 40


class ChangeKind(StrEnum):
    UNCHANGED = "unchanged"
    EDITED = "edited"
    NEW = "new"
    MOVED = "moved"
    DELETED = "deleted"


def normalise(text: str) -> str:
    """Whitespace-insensitive form of a piece: line wrapping and spacing are not edits."""
    return " ".join(text.split())


_SLIDE_DELIMITERS = re.compile(r"\[\*\*|\*\*\]|\(\*\*|\*\*\)")


# English contractions and their written-out forms ("Let's" / "Let us", "don't" / "do not"):
# d2l-en switches between them in style sweeps, and a translation of one is a translation of the
# other. The written-out form keeps the case of the first word.
_APOSTROPHE = "['\u2019]"
_CONTRACTIONS = [
    (re.compile(rf"\b([Ll]et){_APOSTROPHE}s\b"), r"\1 us"),
    (re.compile(rf"\b([Ii]t|[Tt]hat|[Tt]here|[Ww]hat|[Hh]ere){_APOSTROPHE}s\b"), r"\1 is"),
    (re.compile(rf"\b([Cc]a)n{_APOSTROPHE}t\b"), r"\1nnot"),
    (re.compile(rf"\b([Ww])on{_APOSTROPHE}t\b"), r"\1ill not"),
    (
        re.compile(
            rf"\b([Dd]o|[Dd]oes|[Dd]id|[Ii]s|[Aa]re|[Ww]as|[Ww]ere|[Hh]as|[Hh]ave|[Hh]ad|[Ss]hould|"
            rf"[Ww]ould|[Cc]ould|[Nn]eed|[Mm]ust)n{_APOSTROPHE}t\b"
        ),
        r"\1 not",
    ),
    (re.compile(rf"\b([Ww]e|[Tt]hey|[Yy]ou){_APOSTROPHE}re\b"), r"\1 are"),
    (re.compile(rf"\b([Ww]e|[Tt]hey|[Yy]ou|I){_APOSTROPHE}ll\b"), r"\1 will"),
    (re.compile(rf"\b([Ww]e|[Tt]hey|[Yy]ou|I){_APOSTROPHE}ve\b"), r"\1 have"),
    (re.compile(rf"\bI{_APOSTROPHE}m\b"), "I am"),
]
_CODE_SPAN = re.compile(r"(`+[^`]*`+)")


def _written_out(text: str) -> str:
    """``text`` with English contractions written out, outside inline code."""
    parts = _CODE_SPAN.split(text)
    for k in range(0, len(parts), 2):
        for pattern, repl in _CONTRACTIONS:
            parts[k] = pattern.sub(repl, parts[k])
    return "".join(parts)


# A number range: a hyphen, d2lbook's ``--`` (rendered as an en dash) or the en dash itself
# between two digits ("1600-2000W", "4--8 GPUs", "1–2 TB"); ``---`` (an em dash) is not one.
_DIGIT_RANGE = re.compile(r"(?<=\d)(?:--|-|\u2013)(?=\d)")


def _same_ranges(text: str) -> str:
    """``text`` with every number-range dash written as one hyphen, outside protected spans
    (inline code, math, roles, links: ``x[1--2]`` and ``$a_{1-2}$`` are not ranges)."""
    out: list[str] = []
    cursor = 0
    for span in scan_spans(text):
        out.append(_DIGIT_RANGE.sub("-", text[cursor : span.start]))
        out.append(text[span.start : span.end])
        cursor = span.end
    out.append(_DIGIT_RANGE.sub("-", text[cursor:]))
    return "".join(out)


def segment_key(text: str) -> str:
    """What decides whether a piece (or sentence) changed: its text without whitespace
    differences, without d2lbook slide-marker delimiters (``[**…**]``, ``(**…**)``), which are
    markup of the English only: adding or moving one does not re-translate the segment, with
    English contractions written out ("Let's" and "Let us" are one text: a style sweep between
    them does not change what the translation says), and with number ranges written one way
    ("1600-2000W", "1600--2000W" and "1600–2000W" are one text: d2l-en swept its hyphens
    between digits to d2lbook's ``--``, which renders as an en dash, a typographic change the
    translation need not follow). Only a dash between two digits, outside inline code and math."""
    text = _SLIDE_DELIMITERS.sub("", text)
    if "'" in text or "\u2019" in text:
        text = _written_out(text)
    text = normalise(text)
    return _same_ranges(text) if _DIGIT_RANGE.search(text) else text


def normalise_block(block: Block) -> str:
    """Comparable form of a whole block.

    Translatable blocks compare their pieces (so re-wrapping is not a change); protected blocks
    their raw lines without trailing whitespace or trailing blank lines (indentation matters in
    code, so it is kept).
    """
    if block.pieces:
        return "\x1f".join(segment_key(p.text) for p in block.pieces)
    lines = [line.rstrip() for line in block.raw.splitlines()]
    while lines and not lines[-1]:
        lines.pop()
    return "\n".join(lines)


def sha1_short(text: str) -> str:
    """Stable short id of a source text, written into review markers and plans."""
    return hashlib.sha1(normalise(text).encode("utf-8")).hexdigest()[:12]


def similarity(a: str, b: str, cutoff: float = 0.0) -> float:
    """Indel similarity in [0, 1] (what ``difflib.SequenceMatcher.ratio`` estimates), 0 below ``cutoff``."""
    return Indel.normalized_similarity(a, b, score_cutoff=cutoff)


@dataclass(slots=True)
class SourceDiff:
    """Old → new source correspondence at piece and block level.

    ``piece_status[i]`` classifies new piece ``i``; ``piece_old[i]`` is the old piece it comes from
    (unchanged, moved or edited). ``block_old[j]`` maps a non-blank new block to the old block it
    corresponds to, and ``block_same[j]`` says whether the block is unchanged (normalised).
    """

    piece_status: list[ChangeKind] = field(default_factory=list)
    piece_old: dict[int, int] = field(default_factory=dict)
    deleted_pieces: list[int] = field(default_factory=list)
    block_old: dict[int, int] = field(default_factory=dict)
    block_same: dict[int, bool] = field(default_factory=dict)
    deleted_blocks: list[int] = field(default_factory=list)

    def count(self, kind: ChangeKind) -> int:
        if kind is ChangeKind.DELETED:
            return len(self.deleted_pieces)
        return sum(1 for s in self.piece_status if s is kind)

    @property
    def old_to_new_block(self) -> dict[int, int]:
        return {old: new for new, old in self.block_old.items()}


def _pair_replaced(
    old_ids: list[int],
    new_ids: list[int],
    old_text: list[str],
    new_text: list[str],
) -> list[tuple[int, int, float]]:
    """Greedy in-order pairing of a replaced region: each new item with the most similar old
    item after the previous pairing, when similar enough. Keeps pairings monotone so an edited
    paragraph is not matched to a paragraph three screens away."""
    pairs: list[tuple[int, int, float]] = []
    start = 0
    for new_id in new_ids:
        best, best_score = -1, EDIT_SIMILARITY
        for oi in range(start, min(len(old_ids), start + _PAIRING_WINDOW)):
            score = similarity(old_text[old_ids[oi]], new_text[new_id], best_score)
            if score >= best_score:
                best, best_score = oi, score
                if score >= 0.98:
                    break
        if best >= 0:
            pairs.append((old_ids[best], new_id, best_score))
            start = best + 1
    return pairs


def _diff_sequences(old: list[str], new: list[str]) -> tuple[dict[int, int], dict[int, int], dict[int, int]]:
    """Returns (unchanged, moved, edited) maps new index → old index."""
    unchanged: dict[int, int] = {}
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    regions: list[tuple[list[int], list[int]]] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            for k in range(i2 - i1):
                unchanged[j1 + k] = i1 + k
        else:
            regions.append((list(range(i1, i2)), list(range(j1, j2))))
    # Moved: identical text that left one place and appears in another.
    free_old: dict[str, list[int]] = defaultdict(list)
    for olds, _ in regions:
        for o in olds:
            free_old[old[o]].append(o)
    moved: dict[int, int] = {}
    for _, news in regions:
        for n in news:
            candidates = free_old.get(new[n])
            if candidates:
                moved[n] = candidates.pop(0)
    taken = set(moved.values())
    edited: dict[int, int] = {}
    for olds, news in regions:
        rest_old = [o for o in olds if o not in taken]
        rest_new = [n for n in news if n not in moved]
        for o, n, _score in _pair_replaced(rest_old, rest_new, old, new):
            edited[n] = o
    return unchanged, moved, edited


def diff_documents(old: Document, new: Document) -> SourceDiff:
    """Classify every new piece and map every non-blank new block to its old block."""
    result = SourceDiff()
    old_pieces = [segment_key(r.text) for r in old.pieces]
    new_pieces = [segment_key(r.text) for r in new.pieces]
    unchanged, moved, edited = _diff_sequences(old_pieces, new_pieces)
    used_old: set[int] = set()
    for i in range(len(new_pieces)):
        if i in unchanged:
            result.piece_status.append(ChangeKind.UNCHANGED)
            result.piece_old[i] = unchanged[i]
        elif i in moved:
            result.piece_status.append(ChangeKind.MOVED)
            result.piece_old[i] = moved[i]
        elif i in edited:
            result.piece_status.append(ChangeKind.EDITED)
            result.piece_old[i] = edited[i]
        else:
            result.piece_status.append(ChangeKind.NEW)
        if i in result.piece_old:
            used_old.add(result.piece_old[i])
    result.deleted_pieces = [o for o in range(len(old_pieces)) if o not in used_old]

    # Blocks: same procedure over non-blank blocks, with the kind part of the identity.
    old_ids = [i for i, b in enumerate(old.blocks) if b.kind is not BlockKind.BLANK]
    new_ids = [i for i, b in enumerate(new.blocks) if b.kind is not BlockKind.BLANK]
    old_sig = [f"{old.blocks[i].kind}\x1e{normalise_block(old.blocks[i])}" for i in old_ids]
    new_sig = [f"{new.blocks[i].kind}\x1e{normalise_block(new.blocks[i])}" for i in new_ids]
    b_unchanged, b_moved, b_edited = _diff_sequences(old_sig, new_sig)
    for pos, new_block in enumerate(new_ids):
        if pos in b_unchanged or pos in b_moved:
            result.block_old[new_block] = old_ids[b_unchanged.get(pos, b_moved.get(pos, -1))]
            result.block_same[new_block] = True
        elif pos in b_edited and old.blocks[old_ids[b_edited[pos]]].kind is new.blocks[new_block].kind:
            result.block_old[new_block] = old_ids[b_edited[pos]]
            result.block_same[new_block] = False
    mapped = set(result.block_old.values())
    result.deleted_blocks = [i for i in old_ids if i not in mapped]
    return result
