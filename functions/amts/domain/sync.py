"""Synchronisation: translate only what changed, keep every human translation that still fits.

Contract (used by the workflow handlers and ``amts sync``):
    plan_sync(old_source: Document | None, new_source: Document, old_target: Document | None,
              *, glossary: Glossary | None = None) -> SyncPlan
    SyncPlan.to_translate: list[SegmentToTranslate]  (piece index in new_source + text + spans;
              ``key`` names its translation: the piece index, or past the last one for the later
              changed runs of a paragraph edited in several places)
    SyncPlan.to_json() -> dict  (keys at least segments_reused, segments_to_translate,
              characters_to_translate, characters_total)
    apply_sync(plan: SyncPlan, translations: Mapping[int, Translation]) -> str  (by segment key)
              the new target markdown: new_source structure, reused human text, machine text
              marked for review with an HTML comment.

``plan_sync`` is deterministic: a workflow step that only kept ``to_json()`` can rebuild the
plan from the same three documents before calling ``apply_sync``.

How the new target file is built (the rules translators can rely on; the contract is
docs/SYNC.md):

* The output follows the NEW source: its blocks in its order. Deleted source blocks disappear
  together with their translation.
* A new piece whose normalised text (whitespace, line wrapping and slide markers ignored) equals an old piece
  (in place or moved) reuses the human translation of the old piece, found through the
  paragraph aligner (old source ↔ old target). When a whole block (or a run of blocks the
  translator merged or split) is unchanged and maps to whole target blocks, the target's raw text
  is copied byte for byte (line layout kept); otherwise the piece texts are put into the new
  source block.
* An edited piece whose sentences align confidently with its translation keeps the translator's
  sentences that did not change: only the changed run of sentences (widened to whole sentence
  beads) is sent, and the machine translation is put between the human sentences before and
  after it. Otherwise the whole piece is sent.
* A bead where the translator merged several English pieces keeps its translation when all of
  them are unchanged and still adjacent (raw when whole blocks correspond, else written at the
  first member). With one edited member the group is cut at paragraph boundaries its sentences
  show, or its changed sentences are spliced into the merged paragraph; otherwise the group is
  retranslated (reason ``group_changed``: counted, not hidden). A paragraph that only lost
  sentences sends nothing; a new piece made of old sentences reuses their translation.
* An unchanged piece keeps what the translator wrote for it even when the alignment is below the
  confidence threshold (listed under ``low_confidence``); an unchanged source paragraph the
  translator left out (1-0 bead) stays out (``segments_left_out``). Only edited and new text,
  and merged groups with a changed member, are sent.
* Protected blocks: an unchanged source block keeps the translator's version (translated code
  comments, rewritten equations, extra tabs in ``:begin_tab:``); an unchanged block without
  counterpart (left out or replaced by the translator's own version) is not written. A changed
  protected block (code, equation, fence, directive) replaces its counterpart (a three-way line
  merge keeps the translator's edits of what the English did not touch); a new one is
  inserted, unless the translator already has their own version of it there, which stays.
  Never a second copy (docs/SYNC.md section 2).
* A changed sentence in an edited paragraph is spliced into the translator's raw paragraph (their
  line breaks kept) with an inline review marker right after it.
* Identical old and new source (byte for byte): nothing to translate, the translation is kept
  as it is. No previous source version but a translation: the translation is aligned with the
  new source directly and what aligns confidently is kept.
* Target-only blocks (extra framework tabs, translator notes) stay next to their anchor (the
  nearest aligned block before them, else after them) while that anchor survives in the new
  source; otherwise they are dropped and counted.
* Machine output is preceded by ``<!-- amts: machine-translated, needs review (source sha1:…) -->``
  on its own line; pieces the engine could not translate by ``<!-- amts: untranslated, needs
  translation (source sha1:…) -->``. For list items the marker is written once before the list
  (a comment between items would split the list); tables get one marker before the table.
"""

from __future__ import annotations

import bisect
import difflib
import itertools
import re
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from functools import cached_property
from typing import Any

from amts.config import price_estimate
from amts.domain.align import DEFAULT_MIN_CONFIDENCE, Bead, align_pieces, align_sentences, document_sentences
from amts.domain.codemerge import code_lines_of, merge_code, rename, renaming
from amts.domain.diff import (
    ChangeKind,
    SourceDiff,
    diff_documents,
    normalise,
    normalise_block,
    segment_key,
    sha1_short,
    similarity,
)
from amts.domain.glossary import Glossary
from amts.domain.languages import joiner
from amts.domain.model import Block, BlockKind, Document, Span
from amts.domain.segment import sentence_bounds
from amts.domain.spanedits import carry_span_edits
from amts.domain.style import TargetStyle, styled_machine_piece
from amts.ports import Origin, Translation

# A deleted paragraph shorter than this is not taken for the moved start of a new one.
_MOVED_MIN_CHARS = 40
MACHINE_MARKER = "<!-- amts: machine-translated, needs review (source sha1:{ids}) -->"
UNTRANSLATED_MARKER = "<!-- amts: untranslated, needs translation (source sha1:{ids}) -->"
MARKER_PREFIX = "<!-- amts:"

Aligner = Callable[[Document, Document, Glossary | None], list[Bead]]


class Reason(StrEnum):
    """Why a segment is sent for translation (plan and report)."""

    NEW = "new"
    EDITED = "edited"
    LOW_CONFIDENCE = "low_confidence"
    NO_TRANSLATION = "no_translation"  # no existing translation of this text (file or bead)
    GROUP_CHANGED = "group_changed"  # unchanged, but merged by the translator with a changed piece


@dataclass(frozen=True, slots=True)
class SegmentToTranslate:
    index: int  # PieceRef.index in the new source
    block_index: int
    kind: str  # BlockKind of the owning block
    text: str
    spans: tuple[Span, ...]
    reason: Reason
    status: ChangeKind
    sha1: str  # of the whole piece's source text (the review marker names it)
    # Edited piece where only some sentences changed: ``text`` is the changed run of sentences
    # and the human translation of the unchanged sentences around it is kept as prefix/suffix.
    prefix: str = ""
    suffix: str = ""
    # What the translation of this segment is keyed by (``translations`` of apply_sync, the
    # workflow's segment ids): the piece index, except for the second and later changed runs of
    # one paragraph (each run is sent on its own so that the unchanged sentences between them
    # keep the translator's text), which get keys past the last piece index.
    key: int = -1
    # Only the changed sentences of a paragraph the translator left out: ``text`` is all that is
    # written for the piece, translated or not (the rest of the English stays out, as before).
    alone: bool = False

    def __post_init__(self) -> None:
        if self.key < 0:
            object.__setattr__(self, "key", self.index)

    @property
    def partial(self) -> bool:
        return bool(self.prefix or self.suffix)

    def to_json(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "key": self.key,
            "kind": self.kind,
            "reason": str(self.reason),
            "status": str(self.status),
            "sha1": self.sha1,
            "characters": len(self.text),
            "text": self.text,
            "partial": self.partial,
        }


@dataclass(slots=True)
class SyncPlan:
    """What to reuse, what to translate, and enough state for :func:`apply_sync`."""

    new_source: Document
    old_target: Document | None
    source_lang: str
    target_lang: str
    path: str | None = None
    identical: bool = False
    has_translation: bool = True
    has_old_source: bool = True
    to_translate: list[SegmentToTranslate] = field(default_factory=list)
    # piece index in new_source → reused human text (one line, for pieces of rebuilt blocks)
    reused: dict[int, str] = field(default_factory=dict)
    statuses: list[ChangeKind] = field(default_factory=list)
    segments_deleted: int = 0
    low_confidence: list[int] = field(default_factory=list)
    # segment key (the piece index for a paragraph that only lost sentences) → where its machine
    # text goes in the translator's paragraph
    splices: dict[int, _Splice] = field(default_factory=dict, repr=False)
    left_out: set[int] = field(default_factory=set)  # unchanged pieces the translators left out
    target_only_kept: int = 0
    target_only_dropped: int = 0
    notes: list[str] = field(default_factory=list)
    # Assembly program: one entry per new non-blank block (see _assemble).
    _layout: list[_Emit] = field(default_factory=list, repr=False)

    @property
    def characters_to_translate(self) -> int:
        return sum(len(s.text) for s in self.to_translate)

    @property
    def characters_total(self) -> int:
        return sum(len(r.text) for r in self.new_source.pieces)

    @property
    def segments_reused(self) -> int:
        return len(self.reused)

    def to_json(self) -> dict[str, Any]:
        chars = self.characters_to_translate
        total = self.characters_total
        counts = {str(k): 0 for k in ChangeKind if k is not ChangeKind.DELETED}
        for s in self.statuses:
            counts[str(s)] += 1
        return {
            "path": self.path,
            "source_lang": self.source_lang,
            "target_lang": self.target_lang,
            "identical": self.identical,
            "has_translation": self.has_translation,
            "segments_total": len(self.new_source.pieces),
            "segments_reused": self.segments_reused,
            "segments_to_translate": len(self.to_translate),
            "segments_deleted": self.segments_deleted,
            "segments_by_status": counts,
            "characters_to_translate": chars,
            "characters_total": total,
            "characters_reused": sum(len(self.new_source.pieces[i].text) for i in self.reused),
            "estimated_cost_usd": price_estimate(chars),
            "whole_file_cost_usd": price_estimate(total),
            "low_confidence": list(self.low_confidence),
            "segments_left_out": len(self.left_out),
            "target_only_blocks_kept": self.target_only_kept,
            "target_only_blocks_dropped": self.target_only_dropped,
            "notes": list(self.notes),
            "to_translate": [s.to_json() for s in self.to_translate],
        }


@dataclass(frozen=True, slots=True)
class _Splice:
    """Machine text put into the translator's paragraph: old-target block ``block_index`` with
    ``raw[start:end]`` replaced by ``lead + text + marker + trail``."""

    block_index: int
    start: int
    end: int
    lead: str
    trail: str
    # The run of old-target blocks written for the paragraph (block_index among them): the
    # translator's text of one paragraph may span several blocks (a paragraph and a list).
    first: int = -1
    last: int = -1
    # What replaces raw[start:end] when the paragraph only lost sentences (no machine text): the
    # translator's own separator between the sentences kept on both sides, else nothing.
    cut: str = ""

    def __post_init__(self) -> None:
        if self.first < 0:
            object.__setattr__(self, "first", self.block_index)
        if self.last < 0:
            object.__setattr__(self, "last", self.block_index)


@dataclass(slots=True)
class _Emit:
    """How one new non-blank block (and what hangs off it) is written.

    ``target_span`` set: copy old-target blocks first..last (human translation, translator's
    protected block). Otherwise the new source block is written with its pieces replaced.
    ``skip``: the block was absorbed by a previous entry's target run. ``before``/``after``:
    target-only blocks (old-target block indices) to write around it.
    """

    block_index: int
    target_span: tuple[int, int] | None = None
    skip: bool = False
    # An unchanged protected block the translator left out or replaced with their own version
    # (no counterpart in the old target): the translator's decision stands, nothing is written.
    omit: bool = False
    # A changed protected block: the new source block with the translator's edits (translated
    # comments, re-laid-out lines) of the lines that did not change (see :func:`merge_code`).
    merged: str | None = None
    merged_from: int | None = None  # the old-target block it replaces (or that stands for it)
    merged_last: int | None = None  # the last one, when it replaces the cells a cell was split into
    splice: _Splice | None = None  # an edited paragraph written as the translator's, spliced
    before: list[int] = field(default_factory=list)
    after: list[int] = field(default_factory=list)


def _join(texts: Sequence[str], lang: str) -> str:
    return joiner(lang).join(t for t in texts if t)


def _spans_within(spans: Sequence[Span], start: int, stop: int, at: int = 0) -> tuple[Span, ...]:
    """The protected spans lying inside ``text[start:stop]``, moved to start at ``at`` (the
    offsets of that slice of the text, placed at ``at`` of a new segment text)."""
    return tuple(
        Span(sp.start - start + at, sp.end - start + at, sp.kind)
        for sp in spans
        if sp.start >= start and sp.end <= stop
    )


def _separator_before(doc: Document, index: int) -> str:
    """The blank blocks right before block ``index`` (how it is set off from what precedes)."""
    parts: list[str] = []
    i = index - 1
    while i >= 0 and doc.blocks[i].kind is BlockKind.BLANK:
        parts.append(doc.blocks[i].raw)
        i -= 1
    return "".join(reversed(parts))


def _is_marker(block: Block) -> bool:
    return block.kind is BlockKind.HTML and block.raw.lstrip().startswith(MARKER_PREFIX)


def _pieces_by_block(doc: Document) -> dict[int, list[int]]:
    out: dict[int, list[int]] = {}
    for ref in doc.pieces:
        out.setdefault(ref.block_index, []).append(ref.index)
    return out


def _block_edges(
    beads: Sequence[Bead], source: Document, target: Document
) -> tuple[dict[int, set[int]], dict[int, set[int]]]:
    """Source block -> target blocks and back, for the beads' pieces (beads with one side only
    add no edge)."""
    forward: dict[int, set[int]] = {}
    backward: dict[int, set[int]] = {}
    for bead in beads:
        for s in bead.source:
            sb = source.pieces[s].block_index
            for t in bead.target:
                tb = target.pieces[t].block_index
                forward.setdefault(sb, set()).add(tb)
                backward.setdefault(tb, set()).add(sb)
    return forward, backward


class _Alignment:
    """Old source ↔ old target at piece and block level."""

    def __init__(
        self,
        old_source: Document,
        old_target: Document,
        beads: list[Bead],
        min_confidence: float,
    ) -> None:
        self.src = old_source
        self.tgt = old_target
        self.bead_of_src: dict[int, Bead] = {}
        self.bead_of_tgt: dict[int, Bead] = {}
        for bead in beads:
            for s in bead.source:
                self.bead_of_src[s] = bead
            for t in bead.target:
                self.bead_of_tgt[t] = bead
        self.min_confidence = min_confidence
        self.src_block_pieces = _pieces_by_block(old_source)
        self.tgt_block_pieces = _pieces_by_block(old_target)
        # Block-level edges from confident beads with both sides.
        confident = [b for b in beads if b.confidence >= min_confidence]
        self.src_to_tgt_blocks, self.tgt_to_src_blocks = _block_edges(confident, old_source, old_target)
        # The same edges from every bead with both sides, doubtful ones included: where the English
        # did not change, the translator's raw text is copied even when the aligner is unsure.
        self.src_to_tgt_any, self.tgt_to_src_any = _block_edges(beads, old_source, old_target)
        self.protected: dict[int, int] = self._match_protected()
        self.protected_rev = {t: s for s, t in self.protected.items()}
        self.names = _file_renaming(old_source, old_target, self.protected)

    @cached_property
    def src_sents(self) -> list[tuple[int, str]]:
        """The old English's sentences (:func:`document_sentences`), cut once for every pass."""
        return document_sentences(self.src)

    @cached_property
    def tgt_sents(self) -> list[tuple[int, str]]:
        """The old translation's sentences, cut once for every pass."""
        return document_sentences(self.tgt)

    def target_only(self, tb: int) -> bool:
        """A target block with no source counterpart at all (translator's addition)."""
        if tb in self.tgt_to_src_blocks or tb in self.protected_rev:
            return False
        block = self.tgt.blocks[tb]
        if block.kind is BlockKind.BLANK:
            return False
        return not any(
            (bead := self.bead_of_tgt.get(i)) is not None and bead.source
            for i in self.tgt_block_pieces.get(tb, ())
        )

    def confident(self, bead: Bead) -> bool:
        return bead.confidence >= self.min_confidence

    def _match_protected(self) -> dict[int, int]:
        """Protected source block → target block, monotone and consistent with the beads.

        The text anchors (confident translatable block pairs, in order) cut both files into
        gaps; inside a gap, protected blocks pair by exact normalised text, then same-kind blocks
        by similarity (a code cell whose comments were translated is still the same cell).
        """
        anchors: list[tuple[int, int]] = []
        last_t = -1
        for sb in sorted(self.src_to_tgt_blocks):
            tb = min(self.src_to_tgt_blocks[sb])
            if tb > last_t:
                anchors.append((sb, tb))
                last_t = max(self.src_to_tgt_blocks[sb])
        anchors.append((len(self.src.blocks), len(self.tgt.blocks)))
        result: dict[int, int] = {}
        prev_s, prev_t = -1, -1
        for sb, tb in anchors:
            s_ids = [
                i
                for i in range(prev_s + 1, sb)
                if not self.src.blocks[i].pieces and self.src.blocks[i].kind is not BlockKind.BLANK
            ]
            t_ids = [
                i
                for i in range(prev_t + 1, tb)
                if not self.tgt.blocks[i].pieces
                and self.tgt.blocks[i].kind is not BlockKind.BLANK
                and not _is_marker(self.tgt.blocks[i])
            ]
            result.update(_match_blocks(self.src, s_ids, self.tgt, t_ids))
            prev_s = max(sb, prev_s)
            prev_t = max(max(self.src_to_tgt_blocks.get(sb, {tb})), prev_t)
        return result


def _file_renaming(src: Document, tgt: Document, pairs: dict[int, int]) -> dict[str, str]:
    """The variables the translator renamed throughout the file (d2l-tr: ``data`` -> ``veri``),
    from the code cells paired with the old English: the names every such cell renames the
    same way (one name for one name). Why: a cell the English splits or writes anew must still
    use the translator's names, else their code and the English's do not run together."""
    found: dict[str, str] = {}
    clash: set[str] = set()
    for sb, tb in pairs.items():
        if src.blocks[sb].kind is not BlockKind.CODE or tgt.blocks[tb].kind is not BlockKind.CODE:
            continue
        cell = renaming(src.blocks[sb].raw.splitlines(), tgt.blocks[tb].raw.splitlines())
        for x, y in (cell or {}).items():
            if found.setdefault(x, y) != y:
                clash.add(x)
    names = {x: y for x, y in found.items() if x not in clash}
    targets = Counter(names.values())
    return {x: y for x, y in names.items() if targets[y] == 1 and y not in names}


def _match_blocks(src: Document, s_ids: list[int], tgt: Document, t_ids: list[int]) -> dict[int, int]:
    if not s_ids or not t_ids:
        return {}
    s_sig = [f"{src.blocks[i].kind}\x1e{normalise_block(src.blocks[i])}" for i in s_ids]
    t_sig = [f"{tgt.blocks[i].kind}\x1e{normalise_block(tgt.blocks[i])}" for i in t_ids]
    out: dict[int, int] = {}
    matcher = difflib.SequenceMatcher(None, s_sig, t_sig, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            for k in range(i2 - i1):
                out[s_ids[i1 + k]] = t_ids[j1 + k]
        elif tag == "replace":
            start = j1
            for i in range(i1, i2):
                for j in range(start, j2):
                    a, b = src.blocks[s_ids[i]], tgt.blocks[t_ids[j]]
                    if a.kind is b.kind and _protected_similar(a, b):
                        out[s_ids[i]] = t_ids[j]
                        start = j + 1
                        break
    return out


def _signature(block: Block) -> str:
    return f"{block.kind}\x1e{normalise_block(block)}"


_EQLABEL = re.compile(r":eqlabel:`([^`]*)`")
_WORD = re.compile(r"\w")  # a piece or sentence without it is markup only (``(**``)
_IMAGE_PATH = re.compile(r"!\[[^\]]*\]\(([^)\s]+)")


# Protected kinds whose unchanged source block stays out when the translation has no counterpart:
# the translator's decision (a tab wrapper they removed, a cell they replaced) stands.
_TRANSLATOR_OWNED = frozenset(
    {BlockKind.CODE, BlockKind.MATH, BlockKind.FENCE, BlockKind.HTML, BlockKind.DIRECTIVE}
)


def _keep_target_version(source: Block, target: Block) -> bool:
    """Whether the translator's version of an unchanged protected block is written: always (the
    contract: where the English did not change, the translation is kept byte for byte, be it a
    code cell with translated comments, an equation they rewrote, a tab list with an extra
    framework or a label they fixed)."""
    del source, target
    return True


def _code_lines(block: Block) -> set[str]:
    return {line for line in code_lines_of(block.raw.splitlines()) if not line.startswith("```")}


def _code_similarity(a: Block, b: Block, *, tabs: bool = True) -> float:
    """Jaccard similarity of two code cells' code lines (comments, docstrings, spacing and, with
    ``tabs`` False, the ``#@tab`` line ignored), 0 for another tab. Variables the translator
    renamed consistently (``data`` -> ``veri``, see :func:`renaming`) count as the same: their
    cell is still the English one."""
    la, lb = _code_lines(a), _code_lines(b)
    if not tabs:
        la, lb = {x for x in la if not x.startswith("#@tab")}, {x for x in lb if not x.startswith("#@tab")}
    if not la or not lb or (tabs and _tabs(a) != _tabs(b)):
        return 0.0
    plain = len(la & lb) / len(la | lb)
    if plain == 1.0:
        return plain
    mapping = renaming(a.raw.splitlines(), b.raw.splitlines())
    if not mapping:
        return plain
    lr = {x for x in code_lines_of(rename(a.raw.splitlines(), mapping)) if not x.startswith("```")}
    if not tabs:
        lr = {x for x in lr if not x.startswith("#@tab")}
    return max(plain, len(lr & lb) / len(lr | lb))


def _protected_similar(a: Block, b: Block) -> bool:
    if a.kind is BlockKind.CODE:
        return _code_similarity(a, b) >= 0.5
    return similarity(normalise_block(a), normalise_block(b), 0.8) >= 0.8


def plan_sync(
    old_source: Document | None,
    new_source: Document,
    old_target: Document | None,
    *,
    glossary: Glossary | None = None,
    min_confidence: float = DEFAULT_MIN_CONFIDENCE,
    target_lang: str | None = None,
    aligner: Aligner | None = None,
    sentence_reuse: bool = True,
) -> SyncPlan:
    """Decide, piece by piece, what keeps its human translation and what must be translated.

    ``old_source`` None means there is no previous version (first upload); ``old_target`` None
    means there is no existing translation: everything is translated, and the plan says so.
    ``aligner`` defaults to :func:`amts.domain.align.align_pieces` (injectable for tests).
    ``sentence_reuse``: in an edited paragraph, keep the human translation of the sentences
    that did not change and send only the changed run of sentences.
    """
    tgt_lang = old_target.lang if old_target is not None else (target_lang or "")
    plan = SyncPlan(
        new_source=new_source,
        old_target=old_target,
        source_lang=new_source.lang,
        target_lang=tgt_lang,
        path=new_source.path,
    )
    if old_target is None:
        plan.has_translation = False
        plan.notes.append("no existing translation: everything is translated")
        if old_source is not None:
            diff = diff_documents(old_source, new_source)
            plan.statuses = list(diff.piece_status)
            plan.segments_deleted = len(diff.deleted_pieces)
        else:
            plan.statuses = [ChangeKind.NEW] * len(new_source.pieces)
        plan.to_translate = [
            _segment(new_source, i, Reason.NO_TRANSLATION, plan.statuses[i])
            for i in range(len(new_source.pieces))
        ]
        plan._layout = [_Emit(i) for i, b in enumerate(new_source.blocks) if b.kind is not BlockKind.BLANK]
        return plan

    if old_source is None:
        # First version seen (no S3 version history yet) but a human translation exists: the
        # translation is aligned with the new source itself, so whatever it translates
        # confidently is kept and the rest is translated. Edits the translator never saw
        # cannot be detected without the old source; the note says so.
        plan.notes.append(
            "no previous source version: the existing translation was aligned with the new source "
            "directly; segments it does not match confidently are translated"
        )
        old_source = new_source
        plan.has_old_source = False
    elif old_source.render() == new_source.render():
        # Identical versions: nothing to translate, no job; the translation stays as it is.
        # (A whitespace-only change takes the normal path: nothing is edited, so only segments
        # the alignment doubts are sent, and the structure follows the new source.)
        plan.identical = True
        plan.statuses = [ChangeKind.UNCHANGED] * len(new_source.pieces)
        plan.reused = {r.index: r.text for r in new_source.pieces}
        plan.notes.append("old and new source are identical: nothing to translate")
        return plan

    diff = diff_documents(old_source, new_source)
    plan.statuses = list(diff.piece_status)
    plan.segments_deleted = len(diff.deleted_pieces)
    beads = (aligner or align_pieces)(old_source, old_target, glossary)
    if plan.has_old_source:
        # Edits of formulas, inline code and references only: carried into the translator's
        # text (the alignment stays valid), so those sentences are not retranslated.
        carried = carry_span_edits(old_source, new_source, old_target, beads, diff, min_confidence)
        if carried.notes:
            old_source, old_target = carried.old_source, carried.old_target
            plan.old_target = old_target
            # (the statuses stay those of the English: the paragraphs did change)
            diff = diff_documents(old_source, new_source)
            plan.notes.extend(carried.notes)
    if sentence_reuse:
        beads = _split_groups(beads, diff, old_source, old_target, glossary)
    alignment = _Alignment(old_source, old_target, beads, min_confidence)
    groups = _plan_pieces(plan, diff, alignment)
    _plan_blocks(plan, diff, alignment)
    _settle_groups(plan, diff, groups, alignment)
    if sentence_reuse:
        _reuse_sentences(plan, diff, alignment, glossary)
        _unmerge_groups(plan, diff, alignment, glossary)
        _reuse_moved_sentences(plan, alignment, glossary)
        _reuse_moved_and_extended(plan, diff, alignment)
        _reuse_joined_sentences(plan, diff, alignment, glossary)
        _changed_sentences_of_left_out(plan, diff, alignment)
    return plan


def _reuse_moved_and_extended(plan: SyncPlan, diff: SourceDiff, al: _Alignment) -> None:
    """A new paragraph that is a paragraph the English deleted elsewhere with text added only at
    its end (or start): a paragraph that moved and gained a sentence, whose translator wrote its
    sentences their own way (condensed, so that they cannot be matched one by one as in
    :func:`_reuse_moved_sentences`). Only the added text is sent, after (before) the translator's
    sentences of that paragraph, as for an edited paragraph (:func:`_added_at_edge`). The old
    paragraph must be the only deleted one the new text so extends, and its translation the
    translator's text of it alone (a bead of one English paragraph)."""
    if not plan.has_old_source or not diff.deleted_pieces:
        return
    new = plan.new_source
    gone = [(d, normalise(al.src.pieces[d].text)) for d in diff.deleted_pieces]
    for pos, seg in enumerate(plan.to_translate):
        ref = new.pieces[seg.index]
        if (
            seg.reason is not Reason.NEW
            or seg.partial
            or seg.key != seg.index
            or seg.key in plan.splices
            or ref.block.kind is not BlockKind.PARAGRAPH
            or len(ref.block.pieces) != 1
        ):
            continue
        key = normalise(ref.text)
        hits = [
            d
            for d, k in gone
            if len(k) >= _MOVED_MIN_CHARS and k != key and (key.startswith(k) or key.endswith(k))
        ]
        if len(hits) != 1:
            continue
        bead = al.bead_of_src.get(hits[0])
        if bead is None or not bead.target or len(bead.source) != 1:
            continue
        tgt_ids = [k for k, (piece, _text) in enumerate(al.tgt_sents) if piece in bead.target]
        result = _added_at_edge(seg, plan, al.src.pieces[hits[0]].text, tgt_ids, al.tgt_sents)
        if result is None:
            continue
        plan.to_translate[pos] = result[0]
        if not al.confident(bead):
            plan.low_confidence.append(seg.index)


def _changed_sentences_of_left_out(plan: SyncPlan, diff: SourceDiff, al: _Alignment) -> None:
    """An edited paragraph whose old version the translator left out (no translation of it
    anywhere): their decision stands for its sentences that did not change. Only the changed
    run of sentences is sent, written as a paragraph of its own where the English has it, with
    the review marker: the translator sees what the English added and decides. A paragraph that
    only lost sentences stays out. Either way a note names the line.

    A paragraph the diff saw as new counts as such an edit when the sentences it shares with the
    old English all come from paragraphs the English deleted and the translator had left out
    (that paragraph moved, and gained or lost a sentence on the way)."""
    if not plan.has_old_source:
        return
    new = plan.new_source
    deleted = set(diff.deleted_pieces)
    pieces_of: dict[str, set[int]] = {}
    for piece, text in al.src_sents:
        pieces_of.setdefault(segment_key(text), set()).add(piece)

    def left_out(old: int) -> bool:
        bead = al.bead_of_src.get(old)
        return bead is None or not bead.target

    keep: list[SegmentToTranslate] = []
    for seg in plan.to_translate:
        ref = new.pieces[seg.index]
        if (
            seg.reason not in (Reason.EDITED, Reason.NEW)
            or seg.partial
            or seg.key != seg.index
            or seg.key in plan.splices
            or seg.text != ref.text
            or ref.block.kind is not BlockKind.PARAGRAPH
            or len(ref.block.pieces) != 1
        ):
            keep.append(seg)
            continue
        bounds = sentence_bounds(ref.text, plan.source_lang, ref.piece.spans)
        keys = [segment_key(ref.text[a:b]) for a, b in bounds]
        old = diff.piece_old.get(seg.index)
        if seg.reason is Reason.EDITED:
            olds = {old} if old is not None else set()
        else:
            olds = {p for k in keys for p in pieces_of.get(k, ())}
            if not olds <= deleted:
                olds = set()  # (also the text of a paragraph the English kept: not this case)
        if not olds or not all(left_out(o) for o in olds):
            keep.append(seg)
            continue
        old_keys = {segment_key(text) for piece, text in al.src_sents if piece in olds}
        changed = [k for k, key in enumerate(keys) if key not in old_keys]
        if not changed:
            plan.left_out.add(seg.index)
            for emit in plan._layout:
                if emit.block_index == ref.block_index:
                    emit.omit = True
            plan.notes.append(
                f"line {ref.block.line}: changed paragraph left out of the translation like its old "
                "version (it only lost sentences or moved), check it"
            )
            continue
        start, stop = bounds[changed[0]][0], bounds[changed[-1]][1]
        if any(
            sp.start < stop and sp.end > start and not (start <= sp.start and sp.end <= stop)
            for sp in ref.piece.spans
        ):
            keep.append(seg)  # a protected span across the run's edge: the paragraph is sent whole
            continue
        keep.append(
            replace(
                seg, text=ref.text[start:stop], spans=_spans_within(ref.piece.spans, start, stop), alone=True
            )
        )
        plan.notes.append(
            f"line {ref.block.line}: the English changed a paragraph the translation left out: only its "
            "changed sentences are translated, as a paragraph of their own, check it"
        )
    plan.to_translate = keep


def _split_groups(
    beads: list[Bead], diff: SourceDiff, src: Document, tgt: Document, glossary: Glossary | None
) -> list[Bead]:
    """Cut a bead pairing several English paragraphs with several translated ones (n-m, the
    aligner could not tell the paragraph boundaries apart) where its sentences say the paragraph
    boundaries of both sides meet, when one of its paragraphs changed: otherwise the whole group
    would be retranslated (``group_changed``) for the edit of one paragraph.

    A cut is taken only between two sentence beads that both have sentences on each side, with
    every sentence before it in earlier paragraphs than every sentence after it, on both sides.
    """
    intact = {
        old
        for new, old in diff.piece_old.items()
        if diff.piece_status[new] in (ChangeKind.UNCHANGED, ChangeKind.MOVED)
    }
    changed = [b for b in beads if len(b.source) > 1 and b.target and not all(s in intact for s in b.source)]
    if not changed:
        return beads
    split: dict[Bead, list[Bead]] = {}
    todo: list[Bead] = []
    cores: dict[Bead, tuple[list[Bead], Bead, list[Bead]]] = {}
    for bead in changed:
        # Slide-marker lines of their own (``(**``, ``**)``) at the edges of the group carry no
        # text: the translator wrote them inside their paragraph, so they stay out of the group.
        members = list(bead.source)
        head: list[Bead] = []
        tail: list[Bead] = []
        while len(members) > 1 and not _WORD.search(src.pieces[members[0]].text):
            head.append(Bead((members.pop(0),), (), bead.confidence))
        while len(members) > 1 and not _WORD.search(src.pieces[members[-1]].text):
            tail.insert(0, Bead((members.pop(),), (), bead.confidence))
        core = replace(bead, source=tuple(members))
        cores[bead] = (head, core, tail)
        if head or tail:
            split[bead] = [*head, core, *tail]
        if len(core.source) > 1 and len(core.target) > 1:
            todo.append(bead)
    if not todo:
        return [part for b in beads for part in split.get(b, [b])]
    src_sents = document_sentences(src)
    tgt_sents = document_sentences(tgt)
    sentence_beads = align_sentences(
        src, tgt, [cores[b][1] for b in todo], glossary, src_sentences=src_sents, tgt_sentences=tgt_sents
    )
    of_bead: dict[int, list[Bead]] = {}
    owner = {s: k for k, b in enumerate(todo) for s in cores[b][1].source}
    for sb in sentence_beads:
        if sb.source and (k := owner.get(src_sents[sb.source[0]][0])) is not None:
            of_bead.setdefault(k, []).append(sb)
    for k, bead in enumerate(todo):
        head, core, tail = cores[bead]
        sbs = of_bead.get(k, [])
        if not sbs:
            continue
        s_pieces = [{src_sents[i][0] for i in sb.source} for sb in sbs]
        t_pieces = [{tgt_sents[i][0] for i in sb.target} for sb in sbs]
        parts: list[Bead] = []
        start = 0
        for cut in range(1, len(sbs)):
            if not (sbs[cut - 1].target and sbs[cut].target):
                continue
            before_s = set().union(*s_pieces[start:cut])
            after_s = set().union(*s_pieces[cut:])
            before_t = set().union(*t_pieces[start:cut])
            after_t = set().union(*t_pieces[cut:])
            clean = before_s and after_s and before_t and after_t
            if clean and max(before_s) < min(after_s) and max(before_t) < min(after_t):
                parts.append(Bead(tuple(sorted(before_s)), tuple(sorted(before_t)), core.confidence))
                start = cut
        if parts:
            rest_s = set(core.source) - {s for p in parts for s in p.source}
            rest_t = set(core.target) - {t for p in parts for t in p.target}
            if not rest_s or not rest_t:
                continue
            parts.append(Bead(tuple(sorted(rest_s)), tuple(sorted(rest_t)), core.confidence))
            split[bead] = [*head, *parts, *tail]
    if not split:
        return beads
    return [part for b in beads for part in split.get(b, [b])]


def _segment(doc: Document, index: int, reason: Reason, status: ChangeKind) -> SegmentToTranslate:
    ref = doc.pieces[index]
    return SegmentToTranslate(
        index=index,
        block_index=ref.block_index,
        kind=str(ref.block.kind),
        text=ref.text,
        spans=ref.piece.spans,
        reason=reason,
        status=status,
        sha1=sha1_short(ref.text),
    )


def _plan_pieces(plan: SyncPlan, diff: SourceDiff, al: _Alignment) -> list[tuple[list[int], tuple[int, ...]]]:
    """Per new piece: reused human text, or a segment to translate with its reason. Returns the
    merged groups whose reuse depends on a raw copy of whole target blocks."""
    new = plan.new_source
    groups: list[tuple[list[int], tuple[int, ...]]] = []
    old_to_new = {o: n for n, o in diff.piece_old.items() if diff.piece_status[n] is not ChangeKind.EDITED}
    reasons: dict[int, Reason] = {}
    for i, status in enumerate(diff.piece_status):
        if status is ChangeKind.EDITED:
            reasons[i] = Reason.EDITED
            continue
        if status is ChangeKind.NEW:
            reasons[i] = Reason.NEW
            continue
        old = diff.piece_old[i]
        bead = al.bead_of_src.get(old)
        if bead is None or not bead.target:
            reasons[i] = Reason.NO_TRANSLATION
            continue
        if not al.confident(bead) and not plan.has_old_source:
            reasons[i] = Reason.LOW_CONFIDENCE
            continue
        if not al.confident(bead):
            # Unchanged English: what the translator wrote for it stays, even where the
            # alignment is unsure (listed, not retranslated).
            plan.low_confidence.append(i)
        texts = [al.tgt.pieces[t].text for t in bead.target]
        if len(bead.source) == 1:
            plan.reused[i] = _join(texts, plan.target_lang)
            continue
        # Merged by the translator: usable only when every member is unchanged and still adjacent,
        # in order. Inside one new block the joined text goes to the first member (the rest
        # empty); across blocks only a raw copy of the target run can place it, which
        # _plan_blocks checks (else the group is retranslated).
        members = [old_to_new.get(s) for s in bead.source]
        first = members[0]
        if first is not None and members == list(range(first, first + len(members))):
            plan.reused[i] = _join(texts, plan.target_lang) if i == first else ""
            if len({new.pieces[m].block_index for m in members if m is not None}) > 1 and i == first:
                groups.append(([m for m in members if m is not None], bead.target))
        else:
            reasons[i] = Reason.GROUP_CHANGED
    if plan.has_old_source:
        # An unchanged paragraph the translators left out stays out: when every piece of a new
        # block is such a piece, the block is not written (see _plan_blocks) and nothing is sent.
        by_block = _pieces_by_block(new)
        for nb, pieces in by_block.items():
            if _figure_held_by_deleted_text(new.blocks[nb], diff, al):
                continue  # not left out: its only copy goes with the text the English deleted
            if all(reasons.get(p) is Reason.NO_TRANSLATION for p in pieces):
                for p in pieces:
                    del reasons[p]
                    plan.left_out.add(p)
    for i, reason in sorted(reasons.items()):
        plan.to_translate.append(_segment(new, i, reason, diff.piece_status[i]))
        if reason is Reason.LOW_CONFIDENCE:
            plan.low_confidence.append(i)
    return groups


@dataclass(frozen=True, slots=True)
class _Edited:
    """One edited paragraph (or group the translator merged) matched sentence by sentence with
    its translation: what the steps that cut it into changed runs and human text all read."""

    plan: SyncPlan
    seg: SegmentToTranslate  # the paragraph's segment, as planned before sentence reuse
    old_ids: list[int]  # its old English sentences (indices into src_sents)
    sbeads: list[Bead]  # their sentence beads with the translation, in order
    src_sents: list[tuple[int, str]]  # (piece, sentence) of the old English document
    tgt_sents: list[tuple[int, str]]  # (piece, sentence) of the old translation
    members: Sequence[int] = ()  # the new pieces of a merged group, ``seg``'s among them


def _figure_held_by_deleted_text(block: Block, diff: SourceDiff, al: _Alignment) -> bool:
    """Whether the translator wrote the image of figure ``block`` only inside text whose English
    the new source deleted (``![…](a.svg) <their translation of the next paragraph>``): the
    aligner pairs the caption with nothing, yet the figure was not left out, and the only copy
    of it goes when that text does."""
    paths = set(_IMAGE_PATH.findall(block.raw))
    if block.kind is not BlockKind.FIGURE or not paths:
        return False
    holders = [tb for tb, b in enumerate(al.tgt.blocks) if paths & set(_IMAGE_PATH.findall(b.raw))]
    deleted = set(diff.deleted_pieces)
    for tb in holders:
        sources = {
            s for t in al.tgt_block_pieces.get(tb, ()) if (bead := al.bead_of_tgt.get(t)) for s in bead.source
        }
        if not sources or not sources <= deleted:
            return False
    return bool(holders)


def _reuse_sentences(plan: SyncPlan, diff: SourceDiff, al: _Alignment, glossary: Glossary | None) -> None:
    """Inside edited paragraphs, keep the translator's sentences whose English did not change.

    For a paragraph aligned 1-1 or 1-n (doubtful pairings included when there is an old source:
    its unchanged sentences are treated like unchanged paragraphs), and for a paragraph the
    translator merged with unchanged neighbours (n-1, n-m: the group is one text on both sides).
    The sentence beads must cover both sides in order (a sentence left out or added by the
    translator travels with its neighbour). The changed sentences, widened to whole sentence
    beads, must form one run inside the edited paragraph: that run is sent as the piece's segment
    and the human sentences before and after it are put back around the machine translation; the
    other members of a merged group are written inside it (their blocks are not written again).
    A paragraph (not a merged group) edited in several separate places whose translation can be
    spliced sends each changed run as a segment of its own (:func:`_run_splices`), so the
    translator's sentences between the runs are kept too.
    """
    new_of_old = {o: n for n, o in diff.piece_old.items()}
    new = plan.new_source
    candidates: list[tuple[int, SegmentToTranslate, list[int], Bead, bool]] = []
    for pos, seg in enumerate(plan.to_translate):
        old = diff.piece_old.get(seg.index)
        if seg.reason is not Reason.EDITED or old is None:
            continue
        bead = al.bead_of_src.get(old)
        if bead is None or not bead.target:
            continue
        if not al.confident(bead) and not plan.has_old_source:
            continue
        group = [new_of_old.get(s) for s in bead.source]
        if len(group) > 1 and not _group_in_place(plan, diff, seg.index, group):
            continue
        kinds = {new.pieces[m].block.kind for m in group if m is not None}
        glued = len(group) > 1 and len(kinds | {al.tgt.pieces[t].block.kind for t in bead.target}) > 1
        if glued and len({al.tgt.pieces[t].block_index for t in bead.target}) > 1:
            # A heading the translator glued to its paragraph (one target line for both), but
            # the group spans several target blocks: written as one block of one kind, the
            # heading would be lost.
            continue
        if any(c[3] is bead for c in candidates):
            # A second edited member of the same group: the first one's run holds its changes.
            continue
        candidates.append((pos, seg, [m for m in group if m is not None], bead, glued))
    if not candidates:
        return
    src_sents = al.src_sents
    tgt_sents = al.tgt_sents
    sentence_beads = align_sentences(
        al.src, al.tgt, [c[3] for c in candidates], glossary, src_sentences=src_sents, tgt_sentences=tgt_sents
    )
    owner = {s: k for k, c in enumerate(candidates) for s in c[3].source}
    owner_t = {t: k for k, c in enumerate(candidates) for t in c[3].target}
    beads_of: dict[int, list[Bead]] = {}
    for sb in sentence_beads:
        k = owner.get(src_sents[sb.source[0]][0]) if sb.source else owner_t.get(tgt_sents[sb.target[0]][0])
        if k is not None:
            beads_of.setdefault(k, []).append(sb)
    src_by_piece: dict[int, list[int]] = {}
    for k, (piece, _text) in enumerate(src_sents):
        src_by_piece.setdefault(piece, []).append(k)
    tgt_by_piece: dict[int, list[int]] = {}
    for k, (piece, _text) in enumerate(tgt_sents):
        tgt_by_piece.setdefault(piece, []).append(k)
    absorbed: set[int] = set()
    extra: dict[int, list[SegmentToTranslate]] = {}  # position in to_translate → the later runs
    for k, (pos, seg, members, bead, glued) in enumerate(candidates):
        old_ids = [i for s in bead.source for i in src_by_piece.get(s, [])]
        tgt_ids = [i for t in bead.target for i in tgt_by_piece.get(t, [])]
        sbeads = _fold_target_only(beads_of.get(k, []))
        # In order on both sides: the human sentences before and after the run are cut cleanly.
        covered_s = [i for b in sbeads for i in b.source]
        covered_t = [i for b in sbeads for i in b.target]
        result = None
        at_edge = False
        if len(bead.source) == 1:
            result = _added_at_edge(seg, plan, al.src.pieces[bead.source[0]].text, tgt_ids, tgt_sents)
            at_edge = result is not None
        if result is None:
            if not old_ids or covered_s != old_ids or covered_t != sorted(tgt_ids):
                continue
            edited = _Edited(plan, seg, old_ids, sbeads, src_sents, tgt_sents, members)
            result = _partial_segment(edited)
            if result is None and len(bead.source) == 1:
                result = _edges_changed(al, edited, bead, tgt_by_piece)
        if result is None:
            continue
        partial, n_before, n_after = result
        sentences = {t: [tgt_sents[i][1] for i in tgt_by_piece.get(t, [])] for t in bead.target}
        if glued:
            # The translator wrote the group (a heading and its list, say) as one block of
            # another kind: only the spliced raw block keeps it (and every other member) as
            # written, so the group is reused this way or not at all.
            glued_splice = _splice_bead(
                al, plan._layout, bead.target, sentences, n_before, n_after, deletion=not partial.text
            )
            if glued_splice is None:
                continue
        plan.to_translate[pos] = partial
        if not partial.text:
            # Only deleted sentences: nothing is sent, the translator's other sentences stay.
            absorbed.add(seg.index)
            plan.reused[seg.index] = _join([partial.prefix, partial.suffix], plan.target_lang)
        if not al.confident(bead):
            plan.low_confidence.append(seg.index)
        nb = new.pieces[seg.index].block_index
        for m in members:
            if m != seg.index:
                # Written inside the edited paragraph's translation (the translator merged them).
                absorbed.add(m)
                plan.reused[m] = ""
                for emit in plan._layout:
                    if emit.block_index == new.pieces[m].block_index:
                        emit.omit = True
        if not glued and (
            len(new.blocks[nb].pieces) != 1
            or new.blocks[nb].kind is not al.tgt.pieces[bead.target[0]].block.kind
        ):
            continue  # (a paragraph that became a list item is written as an item)
        splice = _splice_bead(
            al, plan._layout, bead.target, sentences, n_before, n_after, deletion=not partial.text
        )
        if splice is None:
            continue
        runs = None
        if not at_edge and partial.text:
            edited = _Edited(
                plan, seg, old_ids, sbeads, src_sents, tgt_sents, members if len(bead.source) > 1 else ()
            )
            runs = _run_splices(al, edited, bead.target, sentences)
        if runs:
            # Several separate changed runs: each is sent and spliced on its own.
            plan.to_translate[pos] = runs[0][0]
            extra[pos] = [segment for segment, _ in runs[1:]]
            for segment, run_splice in runs:
                plan.splices[segment.key] = run_splice
            splice = runs[0][1]
        else:
            plan.splices[seg.index] = splice
        inside = set(range(splice.first, splice.last + 1))
        for emit in plan._layout:
            # Translator's additions inside the spliced run are written with it, not again.
            emit.before = [tb for tb in emit.before if tb not in inside]
            emit.after = [tb for tb in emit.after if tb not in inside]
            if emit.block_index == nb:
                emit.splice = splice
    if extra:
        plan.to_translate = [
            s for pos, seg in enumerate(plan.to_translate) for s in [seg, *extra.get(pos, [])]
        ]
    if absorbed:
        plan.to_translate = [seg for seg in plan.to_translate if seg.index not in absorbed]


def _edges_changed(
    al: _Alignment, p: _Edited, bead: Bead, tgt_by_piece: Mapping[int, list[int]]
) -> tuple[SegmentToTranslate, int, int] | None:
    """The whole paragraph as one "partial" segment when its first and its last sentences
    changed but unchanged sentences between them keep separate changed runs apart, and those
    runs can each be spliced (:func:`_run_splices`): the caller then sends the runs only, not
    the human sentences between them (d2l-ko/tr transformer: "transformer" capitalised at both
    ends of a paragraph sent its three unchanged middle sentences). None otherwise: the
    paragraph is sent whole, as before."""
    p = replace(p, members=())
    result = _partial_segment(p, whole=True)
    if result is None or not result[0].text:
        return None
    new = p.plan.new_source
    nb = new.pieces[p.seg.index].block_index
    if len(new.blocks[nb].pieces) != 1 or new.blocks[nb].kind is not al.tgt.pieces[bead.target[0]].block.kind:
        return None
    sentences = {t: [p.tgt_sents[i][1] for i in tgt_by_piece.get(t, [])] for t in bead.target}
    if _splice_bead(al, p.plan._layout, bead.target, sentences, 0, 0) is None:
        return None
    runs = _run_splices(al, p, bead.target, sentences)
    return result if runs else None


def _run_splices(
    al: _Alignment, p: _Edited, targets: Sequence[int], sentences: Mapping[int, list[str]]
) -> list[tuple[SegmentToTranslate, _Splice]] | None:
    """The segments and splices of a paragraph with several separate changed runs of sentences,
    when every run can be spliced into the same translated paragraph, in order, with some of the
    translator's text between two runs. None otherwise (the paragraph is sent as one run)."""
    runs = _run_segments(p)
    if runs is None:
        return None
    out: list[tuple[SegmentToTranslate, _Splice]] = []
    for segment, n_before, n_after in runs:
        splice = _splice_bead(al, p.plan._layout, targets, sentences, n_before, n_after)
        if splice is None:
            return None
        if out:
            prev = out[-1][1]
            if (prev.block_index, prev.first, prev.last) != (splice.block_index, splice.first, splice.last):
                return None
            if not prev.end < splice.start:
                return None
        out.append((segment, splice))
    return out


def _unmerge_groups(plan: SyncPlan, diff: SourceDiff, al: _Alignment, glossary: Glossary | None) -> None:
    """A group the translator merged that is still retranslated (``group_changed``: its members
    moved apart, a paragraph was inserted between them, or it shares a block with other text)
    while none of its paragraphs was edited: its translation is cut into each member's sentences
    when the sentence alignment gives every member a run of whole target sentences of its own.
    The members then keep the translator's sentences (as text; the merged raw paragraph no
    longer exists in the new layout)."""
    new_of_old = {o: n for n, o in diff.piece_old.items()}
    grouped = {seg.index for seg in plan.to_translate if seg.reason is Reason.GROUP_CHANGED}
    beads: dict[int, Bead] = {}
    for n in grouped:
        bead = al.bead_of_src.get(diff.piece_old[n])
        if bead is None or not bead.target or len(bead.source) < 2:
            continue
        members = [new_of_old.get(s) for s in bead.source]
        if any(m is not None and diff.piece_status[m] is ChangeKind.EDITED for m in members):
            continue
        beads[id(bead)] = bead
    if not beads:
        return
    src_sents = al.src_sents
    tgt_sents = al.tgt_sents
    todo = list(beads.values())
    owner = {s: k for k, b in enumerate(todo) for s in b.source}
    owner_t = {t: k for k, b in enumerate(todo) for t in b.target}
    of_bead: dict[int, list[Bead]] = {}
    for sb in align_sentences(
        al.src, al.tgt, todo, glossary, src_sentences=src_sents, tgt_sentences=tgt_sents
    ):
        k = owner.get(src_sents[sb.source[0]][0]) if sb.source else owner_t.get(tgt_sents[sb.target[0]][0])
        if k is not None:
            of_bead.setdefault(k, []).append(sb)
    tgt_of: dict[int, list[int]] = {}
    for k, t in enumerate(tgt_sents):
        tgt_of.setdefault(t[0], []).append(k)
    done: set[int] = set()
    for k, bead in enumerate(todo):
        sbeads = _fold_target_only(of_bead.get(k, []))
        expected = [i for t in bead.target for i in tgt_of.get(t, [])]
        if [i for b in sbeads for i in b.target] != expected:
            continue
        parts: dict[int, list[int]] = {}  # old source piece → its target sentences
        clean = True
        for sb in sbeads:
            pieces = {src_sents[i][0] for i in sb.source}
            if len(pieces) != 1:
                clean = False
                break
            parts.setdefault(pieces.pop(), []).extend(sb.target)
        if not clean or set(parts) != set(bead.source):
            continue
        for s, ts in parts.items():
            m = new_of_old.get(s)
            if m is not None:
                plan.reused[m] = _join([tgt_sents[i][1].strip() for i in ts], plan.target_lang)
                done.add(m)
    if done:
        plan.to_translate = [seg for seg in plan.to_translate if seg.index not in done]


def _reuse_moved_sentences(plan: SyncPlan, al: _Alignment, glossary: Glossary | None) -> None:
    """A new piece made of sentences the old English already had elsewhere (a paragraph turned
    into a list, a sentence moved into a tab of its own) reuses the translator's sentences; so
    does an unchanged piece still sent because its group changed (``group_changed``: the
    translator fused its first sentence with the last one of a paragraph the English deleted,
    so the group cannot be cut at the paragraph boundary): only the fused sentence is sent; and
    so does an edited paragraph still sent whole (a paragraph the translator merged with a
    neighbour the English moved away): only its sentences that are not the old English's are sent.

    Each of its sentences is looked up by its normalised text among the old sentences (found
    once, or found several times and next to the old sentence its neighbour here was found as:
    a sentence the summary list repeats); the old sentence must be a sentence bead of its own
    with a translation. When every
    sentence is found, the piece is not sent; when the unknown sentences form one run, only that
    run is sent, with the translator's sentences before and after it (as in an edited
    paragraph)."""
    new = plan.new_source
    src_sents = al.src_sents
    where: dict[str, list[int]] = {}
    for k, (_piece, text) in enumerate(src_sents):
        where.setdefault(segment_key(text), []).append(k)
    wanted: list[tuple[int, list[tuple[int, int]], list[int | None]]] = []
    for pos, seg in enumerate(plan.to_translate):
        if seg.reason not in (Reason.NEW, Reason.GROUP_CHANGED, Reason.EDITED) or seg.partial:
            continue
        if seg.key != seg.index or seg.key in plan.splices:
            continue  # (a run of a paragraph spliced in several places)
        ref = new.pieces[seg.index]
        bounds = sentence_bounds(ref.text, plan.source_lang, ref.piece.spans)
        candidates: list[list[int]] = []
        for a, b in bounds:
            key = segment_key(ref.text[a:b])
            candidates.append(where.get(key, []) if len(key) >= 12 else [])
        found: list[int | None] = [hits[0] if len(hits) == 1 else None for hits in candidates]
        # A sentence the old English had in several places (a paragraph's sentence repeated in
        # the summary list) is the one next to the old sentence its neighbour here was found as.
        settled = False
        while not settled:
            settled = True
            for j, hits in enumerate(candidates):
                if found[j] is not None or len(hits) < 2:
                    continue
                near = [
                    k
                    for k in hits
                    if (j > 0 and found[j - 1] == k - 1 and src_sents[k - 1][0] == src_sents[k][0])
                    or (
                        j + 1 < len(found)
                        and found[j + 1] == k + 1
                        and k + 1 < len(src_sents)
                        and src_sents[k + 1][0] == src_sents[k][0]
                    )
                ]
                if len(near) == 1:
                    found[j] = near[0]
                    settled = False
        if any(k is not None for k in found):
            wanted.append((pos, bounds, found))
    if not wanted:
        return
    old_pieces = {src_sents[k][0] for _pos, _b, found in wanted for k in found if k is not None}
    beads = list(
        {id(pb): pb for p in old_pieces if (pb := al.bead_of_src.get(p)) is not None and pb.target}.values()
    )
    tgt_sents = al.tgt_sents
    sentence_beads = align_sentences(
        al.src, al.tgt, beads, glossary, src_sentences=src_sents, tgt_sentences=tgt_sents
    )
    bead_of = {k: sb for sb in sentence_beads if sb.target for k in sb.source}
    lang = plan.target_lang
    dropped: set[int] = set()
    for pos, bounds, found in wanted:
        seg = plan.to_translate[pos]
        # A sentence bead is reused when all its English sentences follow each other here.
        human: list[tuple[int, ...] | None] = [None] * len(found)
        j = 0
        while j < len(found):
            at = found[j]
            sb = bead_of.get(at) if at is not None else None
            if sb is not None and list(found[j : j + len(sb.source)]) == list(sb.source):
                human[j : j + len(sb.source)] = [sb.target] + [()] * (len(sb.source) - 1)
                j += len(sb.source)
            else:
                j += 1
        unknown = [j for j, t in enumerate(human) if t is None]

        def text_of(run: Sequence[tuple[int, ...] | None]) -> str:
            return _join([tgt_sents[t][1].strip() for ts in run if ts for t in ts], lang)

        if not unknown:
            plan.reused[seg.index] = text_of(human)
            dropped.add(seg.index)
            continue
        start, end = unknown[0], unknown[-1] + 1
        if end - start != len(unknown) or (start == 0 and end == len(bounds)):
            continue
        ref = new.pieces[seg.index]
        offset, stop = bounds[start][0], bounds[end - 1][1]
        spans = _spans_within(ref.piece.spans, offset, stop)
        plan.to_translate[pos] = replace(
            seg,
            text=ref.text[offset:stop],
            spans=spans,
            prefix=text_of(human[:start]),
            suffix=text_of(human[end:]),
        )
    if dropped:
        plan.to_translate = [seg for seg in plan.to_translate if seg.index not in dropped]


def _reuse_joined_sentences(
    plan: SyncPlan, diff: SourceDiff, al: _Alignment, glossary: Glossary | None
) -> None:
    """An edited paragraph the English joined with a paragraph it deleted as such (the two
    paragraphs around a removed equation made one): the sentences at the start (or end) of its
    changed run that the deleted paragraph had, unchanged, keep the translator's sentences of
    that paragraph instead of being sent. Only sentences of a deleted paragraph the translator
    wrote on its own (a paragraph bead of one English paragraph, whose translation is then written
    nowhere else), each paired one to one with a translated sentence, and never the whole run."""
    edited = [pos for pos, seg in enumerate(plan.to_translate) if seg.reason is Reason.EDITED and seg.text]
    deleted = [
        b
        for o in diff.deleted_pieces
        if (b := al.bead_of_src.get(o)) is not None and b.source == (o,) and b.target and al.confident(b)
    ]
    if not edited or not deleted:
        return
    src_sents = al.src_sents
    tgt_sents = al.tgt_sents
    human: dict[str, str] = {}  # sentence key → the translator's sentence
    seen: set[str] = set()
    for sb in align_sentences(
        al.src, al.tgt, deleted, glossary, src_sentences=src_sents, tgt_sentences=tgt_sents
    ):
        if len(sb.source) != 1 or len(sb.target) != 1:
            continue
        key = segment_key(src_sents[sb.source[0]][1])
        if len(key) < 12 or key in seen:
            human.pop(key, None)  # found twice: which translation is meant cannot be told
            continue
        seen.add(key)
        human[key] = tgt_sents[sb.target[0]][1].strip()
    if not human:
        return
    lang = plan.target_lang
    for pos in edited:
        seg = plan.to_translate[pos]
        bounds = sentence_bounds(seg.text, plan.source_lang, seg.spans)
        keys = [segment_key(seg.text[a:b]) for a, b in bounds]
        lead = 0
        while lead < len(keys) - 1 and keys[lead] in human:
            lead += 1
        trail = 0
        while trail < len(keys) - 1 - lead and keys[len(keys) - 1 - trail] in human:
            trail += 1
        if not lead and not trail:
            continue
        before = _join([human[k] for k in keys[:lead]], lang)
        after = _join([human[k] for k in keys[len(keys) - trail :]], lang)
        start, stop = bounds[lead][0], bounds[len(keys) - 1 - trail][1]
        spans = _spans_within(seg.spans, start, stop)
        splice = plan.splices.get(seg.key)
        if splice is not None:
            # The translator's sentences go into the splice around the machine text.
            # (separated like the translator's sentences after the machine text are)
            sep = splice.trail if splice.trail and not splice.trail.strip() else joiner(lang)
            plan.splices[seg.key] = replace(
                splice,
                lead=splice.lead + (before + sep if before else ""),
                trail=(sep + after if after else "") + splice.trail,
            )
            for emit in plan._layout:
                if emit.splice is splice:
                    emit.splice = plan.splices[seg.key]
        plan.to_translate[pos] = replace(
            seg,
            text=seg.text[start:stop],
            spans=spans,
            prefix=_join([seg.prefix, before], lang),
            suffix=_join([after, seg.suffix], lang),
        )


def _group_in_place(plan: SyncPlan, diff: SourceDiff, edited: int, members: Sequence[int | None]) -> bool:
    """Whether a group the translator merged can be written as one paragraph at the edited
    member: the members still there in order and adjacent (a deleted member's sentences are
    simply not kept), the others unchanged or edited too (two items of a list the translator
    wrote as one line: the changed sentences of both form the one run sent), each alone in its
    block, and nothing but blank lines between their blocks."""
    ms = [m for m in members if m is not None]
    if ms != list(range(ms[0], ms[0] + len(ms))):
        return False
    if any(m != edited and diff.piece_status[m] not in (ChangeKind.UNCHANGED, ChangeKind.EDITED) for m in ms):
        return False
    new = plan.new_source
    blocks = [new.pieces[m].block_index for m in ms]
    if len(set(blocks)) != len(blocks) or any(len(new.blocks[b].pieces) != 1 for b in blocks):
        return False
    return all(new.blocks[b].kind is BlockKind.BLANK or b in blocks for b in range(blocks[0], blocks[-1] + 1))


def _splice_bead(
    al: _Alignment,
    layout: Sequence[_Emit],
    targets: Sequence[int],
    sentences: Mapping[int, list[str]],
    n_before: int,
    n_after: int,
    deletion: bool = False,
) -> _Splice | None:
    """The splice of a paragraph whose translation is the target pieces ``targets`` (one
    paragraph, or several blocks: the translator turned it into a paragraph and a list, say):
    the machine text goes into the one target piece where the changed run falls, the other
    target blocks are copied as they are. None when the run spans target pieces or the target
    blocks are interleaved with other content."""
    tgt = al.tgt
    counts = [len(sentences[t]) for t in targets]
    total = sum(counts)
    if n_before + n_after > total:
        return None
    first_changed, end_changed = n_before, total - n_after
    starts = [sum(counts[:k]) for k in range(len(targets))]
    if deletion and 0 < first_changed < end_changed == total and first_changed in starts:
        # The deleted sentences are the translator's last blocks: the others are copied as
        # they are (a no-op splice at the start of the last kept piece).
        targets = targets[: starts.index(first_changed)]
        counts, starts, first_changed, end_changed = counts[: len(targets)], starts[: len(targets)], 0, 0
        n_before = 0
    elif deletion and 0 == first_changed < end_changed < total and end_changed in starts:
        k = starts.index(end_changed)
        targets, counts = targets[k:], counts[k:]
        starts = [sum(counts[:j]) for j in range(len(targets))]
        first_changed = end_changed = n_before = 0
    if first_changed < end_changed:
        # Translated sentences replaced: they must lie in one target piece.
        # A markup-only piece (a slide-marker line such as ``(**``) is not a translation: kept.
        holders = [
            k
            for k in range(len(targets))
            if starts[k] < end_changed
            and first_changed < starts[k] + counts[k]
            and _WORD.search(tgt.pieces[targets[k]].text)
        ]
        if len(holders) != 1:
            return None
        k = holders[0]
        first_changed, end_changed = max(first_changed, starts[k]), min(end_changed, starts[k] + counts[k])
    elif n_before:
        # Insertion after sentence n_before - 1: at the end of its piece, unless that piece is only
        # markup (a slide-marker line such as ``(**``) and the insertion is its end.
        k = next(k for k in range(len(targets)) if starts[k] < n_before <= starts[k] + counts[k])
        while k > 0 and n_before == starts[k] + counts[k] and not _WORD.search(tgt.pieces[targets[k]].text):
            k -= 1
    else:
        k = 0
    local_before = max(0, min(first_changed - starts[k], counts[k]))
    local_after = counts[k] - max(local_before, min(end_changed - starts[k], counts[k]))
    piece = _splice(tgt, targets[k], sentences[targets[k]], local_before, local_after)
    if piece is None:
        return None
    first = tgt.pieces[targets[0]].block_index
    last = tgt.pieces[targets[-1]].block_index
    if first == last:
        return piece
    own = {tgt.pieces[t].block_index for t in targets}
    claimed = {t for e in layout for t in _emit_targets(e)}
    for tb in range(first, last + 1):
        block = tgt.blocks[tb]
        if tb in claimed or not (tb in own or block.kind is BlockKind.BLANK or al.target_only(tb)):
            return None
        if tb in own and any(i not in targets for i in al.tgt_block_pieces.get(tb, ())):
            return None
    return replace(piece, first=first, last=last)


def _fold_target_only(sbeads: Sequence[Bead]) -> list[Bead]:
    """The sentence beads of one paragraph (in order), a target sentence aligned to nothing (0-1: the
    translator's addition or a sentence the aligner could not pair) joined to the bead before it
    (the first bead when it leads). An English sentence with no translation (1-0) stays a bead of
    its own with an empty target. Neither blocks sentence reuse: what matters is where the
    changed run is cut, and unchanged beads travel with their human text whatever it is."""
    out: list[Bead] = []
    pending: tuple[int, ...] = ()
    for b in sbeads:
        if not b.source:
            if out:
                out[-1] = replace(out[-1], target=out[-1].target + b.target)
            else:
                pending += b.target
            continue
        out.append(replace(b, target=pending + b.target) if pending else b)
        pending = ()
    return out


def _nonspace_offsets(text: str) -> list[int]:
    return [i for i, ch in enumerate(text) if not ch.isspace()]


def _splice(tgt: Document, t: int, sentences: list[str], n_before: int, n_after: int) -> _Splice | None:
    """Where, in the raw text of the target block holding piece ``t``, the machine translation
    of the changed sentences goes: between the translator's first ``n_before`` and last
    ``n_after`` sentences, keeping their line structure. None when the piece is not alone in its
    block or its raw text cannot be mapped (then the paragraph is rebuilt from its sentences)."""
    ref = tgt.pieces[t]
    block = ref.block
    if len(block.pieces) != 1 or block.kind not in (
        BlockKind.PARAGRAPH,
        BlockKind.HEADING,
        BlockKind.LIST_ITEM,
    ):
        # (A heading: the translator glued a heading and its list into one line. A list item:
        # its marker and the indentation of its continuation lines are the translator's.)
        return None
    raw = block.raw
    region = raw[ref.piece.start : ref.piece.end]
    raw_chars = _nonspace_offsets(region)
    text = ref.text
    if [region[i] for i in raw_chars] != [ch for ch in text if not ch.isspace()]:
        return None
    # Sentence positions in the piece text, in order.
    spans: list[tuple[int, int]] = []
    cursor = 0
    for sentence in sentences:
        s = sentence.strip()
        at = text.find(s, cursor)
        if at < 0:
            return None
        spans.append((at, at + len(s)))
        cursor = at + len(s)
    if n_before + n_after > len(spans):
        return None

    def raw_after(text_end: int) -> int:  # raw offset right after the char ending at text_end
        n = sum(1 for ch in text[:text_end] if not ch.isspace())
        return ref.piece.start + (raw_chars[n - 1] + 1 if n else 0)

    def raw_before(text_start: int) -> int:  # raw offset of the char starting at text_start
        n = sum(1 for ch in text[:text_start] if not ch.isspace())
        return ref.piece.start + (raw_chars[n] if n < len(raw_chars) else len(region))

    a = raw_after(spans[n_before - 1][1]) if n_before else ref.piece.start
    b = (
        raw_before(spans[len(spans) - n_after][0])
        if n_after
        else ref.piece.start + (raw_chars[-1] + 1 if raw_chars else 0)
    )
    gap = raw[a:b]
    multi_line = "\n" in region.strip()
    join = joiner(tgt.lang)
    newline = "\n"
    if multi_line and block.kind is BlockKind.LIST_ITEM:
        # A new line of a list item is indented like the item's own continuation lines.
        second = region.strip().split("\n", 1)[1]
        newline += second[: len(second) - len(second.lstrip(" \t"))]
    if gap.strip():
        lead, trail = gap[: len(gap) - len(gap.lstrip())], gap[len(gap.rstrip()) :]
    elif n_before and n_after:
        lead = trail = gap
    elif n_before:
        lead, trail = (newline if multi_line else (gap or join)), ""
    else:
        lead, trail = "", (newline if multi_line else (gap or join))
    cut = gap[: len(gap) - len(gap.lstrip())] if n_before and n_after else ""
    return _Splice(block_index=ref.block_index, start=a, end=b, lead=lead, trail=trail, cut=cut)


def _partial_segment(p: _Edited, *, whole: bool = False) -> tuple[SegmentToTranslate, int, int] | None:
    """The changed run of sentences of ``seg``'s piece with the human text before and after it,
    and how many target sentences precede and follow it. ``members``: the new pieces of a group
    the translator merged (in order, ``seg``'s among them), whose sentences are taken together;
    the run must lie inside ``seg``'s piece. A run from the first to the last sentence gives
    None unless ``whole`` (see :func:`_edges_changed`)."""
    seg, plan, sbeads, tgt_sents = p.seg, p.plan, p.sbeads, p.tgt_sents
    owned = _sentence_owners(p)
    if owned is None:
        return None
    where, owner = owned
    changed = [j for j in range(len(where)) if j not in owner]
    if not changed:
        return _deletion(p, owner)
    start, end = _widen(min(changed), max(changed) + 1, owner)
    if start == 0 and end == len(where) and not whole:
        return None
    if seg.index not in {where[j][0] for j in range(start, end)}:
        return None  # the edit is elsewhere in the group: nothing of this piece to send
    before = sorted({owner[j] for j in range(start)})
    after = sorted({owner[j] for j in range(end, len(where))})
    lang = plan.target_lang

    def human(beads: list[int]) -> str:
        return _join([tgt_sents[t][1].strip() for n in beads for t in sorted(sbeads[n].target)], lang)

    # The run's text, piece by piece (a run may start in a merged neighbour's last sentences).
    parts: list[str] = []
    spans: list[Span] = []
    at = 0
    for m in dict.fromkeys(where[j][0] for j in range(start, end)):
        ref = plan.new_source.pieces[m]
        inside = [where[j] for j in range(start, end) if where[j][0] == m]
        offset, stop = inside[0][1], inside[-1][2]
        if parts:
            at += 1  # the space joining two pieces' sentences
        spans.extend(_spans_within(ref.piece.spans, offset, stop, at))
        parts.append(ref.text[offset:stop])
        at += stop - offset
    segment = replace(
        seg, text=" ".join(parts), spans=tuple(spans), prefix=human(before), suffix=human(after)
    )
    return segment, sum(len(sbeads[n].target) for n in before), sum(len(sbeads[n].target) for n in after)


def _sentence_owners(p: _Edited) -> tuple[list[tuple[int, int, int]], dict[int, int]] | None:
    """The new sentences of ``seg``'s piece (or of the merged group ``members``) as (piece, start,
    end), and which of them are unchanged: new sentence → the reusable sentence bead holding it.
    None when ``seg``'s piece has no sentence."""
    seg, plan, old_ids, sbeads, src_sents, members = (
        p.seg,
        p.plan,
        p.old_ids,
        p.sbeads,
        p.src_sents,
        p.members,
    )
    where: list[tuple[int, int, int]] = []  # new sentence → (piece, start, end)
    for m in members or [seg.index]:
        ref = plan.new_source.pieces[m]
        where.extend((m, a, b) for a, b in sentence_bounds(ref.text, plan.source_lang, ref.piece.spans))
    new_s = [segment_key(plan.new_source.pieces[m].text[a:b]) for m, a, b in where]
    if all(m != seg.index for m, _a, _b in where):
        return None
    old_s = [segment_key(src_sents[k][1]) for k in old_ids]
    local = {k: i for i, k in enumerate(old_ids)}
    old_to_new: dict[int, int] = {}
    for tag, i1, i2, j1, _j2 in difflib.SequenceMatcher(None, old_s, new_s, autojunk=False).get_opcodes():
        if tag == "equal":
            for d in range(i2 - i1):
                old_to_new[i1 + d] = j1 + d
    # A sentence bead is reusable when all its sentences are unchanged and still adjacent.
    owner: dict[int, int] = {}  # new sentence → reusable sentence bead
    for n, b in enumerate(sbeads):
        news = [old_to_new.get(local[k]) for k in b.source]
        first = news[0]
        if first is not None and news == list(range(first, first + len(news))):
            for j in news:
                owner[j] = n  # type: ignore[index]
    return where, owner


def _widen(start: int, end: int, owner: Mapping[int, int]) -> tuple[int, int]:
    """The run of new sentences [start, end) widened to whole sentence beads: a bead cut by the
    run is translated with it."""
    while True:
        cut = {owner[j] for j in range(start, end) if j in owner}
        joined = [j for j, n in owner.items() if n in cut]
        new_start, new_end = min([start, *joined]), max([end, *(m + 1 for m in joined)])
        if (new_start, new_end) == (start, end):
            return start, end
        start, end = new_start, new_end


def _changed_runs(n: int, owner: Mapping[int, int], n_beads: int) -> list[tuple[int, int]]:
    """The separate runs of changed sentences of a paragraph of ``n`` new sentences, each widened
    to whole sentence beads. Two runs stay apart only when the unchanged sentences between them
    are whole beads that follow each other in the translation (none deleted among them) and come
    after those before them: then the translator's text between the two places is kept as it
    is. Otherwise the runs are joined (what lies between them is sent too)."""
    runs: list[tuple[int, int]] = []
    for j in range(n):
        if j in owner:
            continue
        if runs and runs[-1][1] == j:
            runs[-1] = (runs[-1][0], j + 1)
        else:
            runs.append((j, j + 1))
    outside = [owner[j] for j in range(n) if j in owner]
    if any(a > b for a, b in itertools.pairwise(outside)):
        return [(runs[0][0], runs[-1][1])] if runs else []
    changed = True
    while changed:
        changed = False
        runs = [_widen(a, b, owner) for a, b in runs]
        merged: list[tuple[int, int]] = []
        for a, b in runs:
            if merged and a <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(b, merged[-1][1]))
                changed = True
                continue
            if merged:
                gap = {owner[j] for j in range(merged[-1][1], a)}
                if set(range(min(gap), max(gap) + 1)) - gap:
                    merged[-1] = (merged[-1][0], b)  # a deleted sentence between: sent with them
                    changed = True
                    continue
            merged.append((a, b))
        runs = merged
    if len(runs) > 1:
        # Sentences deleted before the first run or after the last: one run (as before).
        lead = {owner[j] for j in range(runs[0][0])}
        trail = {owner[j] for j in range(runs[-1][1], n)}
        if lead != set(range(len(lead))) or trail != set(range(n_beads - len(trail), n_beads)):
            return [(runs[0][0], runs[-1][1])]
    return runs


def _run_segments(p: _Edited) -> list[tuple[SegmentToTranslate, int, int]] | None:
    """An edited paragraph with several separate changed runs of sentences: one segment per run,
    with how many target sentences precede and follow it. None when there are fewer than two
    runs (:func:`_partial_segment` handles that). ``members``: a group the translator merged
    (two items of a list written as one line, both edited): each run must then lie inside one
    member, whose text it takes, so the translator's text between the members is kept."""
    seg, plan, sbeads, tgt_sents = p.seg, p.plan, p.sbeads, p.tgt_sents
    owned = _sentence_owners(p)
    if owned is None:
        return None
    where, owner = owned
    runs = _changed_runs(len(where), owner, len(sbeads))
    if len(runs) < 2 or any(where[a][0] != where[b - 1][0] for a, b in runs):
        return None
    lang = plan.target_lang
    n_pieces = len(plan.new_source.pieces)
    out: list[tuple[SegmentToTranslate, int, int]] = []
    for sub, (start, end) in enumerate(runs):
        ref = plan.new_source.pieces[where[start][0]]
        # The translator's sentences kept before and after this run (other runs' too: each splice
        # is placed in the translator's paragraph as it was).
        before = sorted({owner[j] for j in range(start) if j in owner})
        after = sorted({owner[j] for j in range(end, len(where)) if j in owner})
        n_before = sum(len(b.target) for b in sbeads[: before[-1] + 1]) if before else 0
        n_after = sum(len(b.target) for b in sbeads[after[0] :]) if after else 0
        offset, stop = where[start][1], where[end - 1][2]
        if any(
            sp.start < stop and sp.end > offset and not (offset <= sp.start and sp.end <= stop)
            for sp in ref.piece.spans
        ):
            return None  # a protected span across a run's edge
        spans = _spans_within(ref.piece.spans, offset, stop)
        segment = replace(
            seg,
            text=ref.text[offset:stop],
            spans=spans,
            prefix=_join([tgt_sents[t][1].strip() for n in before for t in sorted(sbeads[n].target)], lang),
            suffix=_join([tgt_sents[t][1].strip() for n in after for t in sorted(sbeads[n].target)], lang),
            key=seg.index + sub * n_pieces,
            # The run's own piece (another member of a merged group: a second edited item of a
            # list glued to its heading) is what its review marker names.
            sha1=sha1_short(ref.text),
        )
        out.append((segment, n_before, n_after))
    return out


_ADDED_START = re.compile(r"[A-Z\[(*`$:]")
_SENTENCE_END = re.compile(r"[.!?:;。！？：；]\W*$")


def _added_at_edge(
    seg: SegmentToTranslate,
    plan: SyncPlan,
    old_text: str,
    tgt_ids: list[int],
    tgt_sents: list[tuple[int, str]],
) -> tuple[SegmentToTranslate, int, int] | None:
    """A paragraph that only gained text at its end (or start), after (before) a finished
    sentence: only that text is sent, after (before) all the translator's sentences. This holds
    whatever the sentence alignment says, and also when the segmenter glues the new text to the
    old last sentence (a sentence added after a colon that introduces an equation)."""
    ref = plan.new_source.pieces[seg.index]
    new_text = ref.text
    old_key, new_key = normalise(old_text), normalise(new_text)
    if not old_key or len(new_key) <= len(old_key) or not tgt_ids:
        return None
    n_old = sum(1 for ch in old_text if not ch.isspace())
    chars = _nonspace_offsets(new_text)
    if new_key.startswith(old_key) and _SENTENCE_END.search(old_key):
        offset, stop = chars[n_old - 1] + 1, len(new_text.rstrip())
        while offset < stop and new_text[offset].isspace():
            offset += 1
        if not _ADDED_START.match(new_text[offset:stop]):
            return None
        at_end = True
    elif new_key.endswith(old_key):
        offset, stop = 0, chars[len(chars) - n_old - 1] + 1
        if not _SENTENCE_END.search(new_text[offset:stop]):
            return None
        at_end = False
    else:
        return None
    spans = _spans_within(ref.piece.spans, offset, stop)
    if any(
        sp.start < stop and sp.end > offset and not (sp.start >= offset and sp.end <= stop)
        for sp in ref.piece.spans
    ):
        return None  # a protected span across the edge
    human = _join([tgt_sents[t][1].strip() for t in tgt_ids], plan.target_lang)
    segment = replace(
        seg,
        text=new_text[offset:stop],
        spans=spans,
        prefix=human if at_end else "",
        suffix="" if at_end else human,
    )
    return (segment, len(tgt_ids), 0) if at_end else (segment, 0, len(tgt_ids))


def _deletion(p: _Edited, owner: Mapping[int, int]) -> tuple[SegmentToTranslate, int, int] | None:
    """Sentences deleted from a paragraph, none added or edited: nothing to translate. The
    segment returned has no text; the human sentences before and after the deleted run of
    sentence beads (one run) are its prefix and suffix."""
    seg, plan, sbeads, tgt_sents = p.seg, p.plan, p.sbeads, p.tgt_sents
    used = set(owner.values())
    gone = [n for n in range(len(sbeads)) if n not in used]
    if not gone or gone != list(range(gone[0], gone[-1] + 1)):
        return None
    before = [n for n in range(gone[0]) if n in used]
    after = [n for n in range(gone[-1] + 1, len(sbeads)) if n in used]
    # The kept sentences must still come in the old order around the gap.
    last_before = max((j for j, n in owner.items() if n in before), default=-1)
    first_after = min((j for j, n in owner.items() if n in after), default=len(owner))
    if last_before >= first_after:
        return None

    def human(beads: list[int]) -> str:
        return _join(
            [tgt_sents[t][1].strip() for n in beads for t in sorted(sbeads[n].target)], plan.target_lang
        )

    segment = replace(seg, text="", spans=(), prefix=human(before), suffix=human(after))
    return segment, sum(len(sbeads[n].target) for n in before), sum(len(sbeads[n].target) for n in after)


def _settle_groups(
    plan: SyncPlan, diff: SourceDiff, groups: list[tuple[list[int], tuple[int, ...]]], al: _Alignment
) -> None:
    """Merged groups spanning several new blocks that no raw target run placed.

    The English did not change, so what the translator wrote stays (section 1 of the contract):
    when the other members' blocks hold nothing else, the translator's merged paragraph is written
    at the first member (raw, line breaks kept, when its target blocks are a clean run; else as
    text) and the other members' blocks are not written: the translator's layout. Only a group
    sharing a block with other text is retranslated (``group_changed``).
    """
    raw_blocks = {e.block_index for e in plan._layout if e.target_span is not None or e.skip}
    by_block = _pieces_by_block(plan.new_source)
    emits = {e.block_index: e for e in plan._layout}
    changed = False
    for members, targets in groups:
        blocks = [plan.new_source.pieces[m].block_index for m in members]
        if all(b in raw_blocks for b in blocks):
            continue
        others = sorted(set(blocks[1:]) - {blocks[0]})
        alone = all(
            set(by_block.get(b, ())) <= set(members) and b in emits and not emits[b].skip for b in others
        )
        if alone and blocks[0] in emits and not emits[blocks[0]].skip:
            first = emits[blocks[0]]
            span = _group_span(plan, al, targets)
            if span is not None and set(by_block.get(blocks[0], ())) <= set(members):
                first.target_span = span
                inside = set(range(span[0], span[1] + 1))
                for emit in plan._layout:
                    emit.before = [tb for tb in emit.before if tb not in inside]
                    emit.after = [tb for tb in emit.after if tb not in inside]
            for b in others:
                emits[b].omit = True
            continue
        for m in members:
            plan.reused.pop(m, None)
            plan.to_translate.append(_segment(plan.new_source, m, Reason.GROUP_CHANGED, diff.piece_status[m]))
            changed = True
    if changed:
        plan.to_translate.sort(key=lambda seg: seg.index)


def _group_span(plan: SyncPlan, al: _Alignment, targets: Sequence[int]) -> tuple[int, int] | None:
    """The old-target blocks holding exactly the pieces ``targets`` (with blank lines and the
    translator's additions between them), when no other entry writes them; else None."""
    tgt = al.tgt
    own = {tgt.pieces[t].block_index for t in targets}
    first, last = min(own), max(own)
    claimed = {t for e in plan._layout for t in _emit_targets(e)}
    for tb in range(first, last + 1):
        if tb in claimed:
            return None
        if tb in own:
            if any(i not in targets for i in al.tgt_block_pieces.get(tb, ())):
                return None
        elif tgt.blocks[tb].kind is not BlockKind.BLANK and not al.target_only(tb):
            return None
    return first, last


def _plan_blocks(plan: SyncPlan, diff: SourceDiff, al: _Alignment) -> None:
    """Per new block: copy target raw text where whole blocks correspond, place target-only
    blocks next to their surviving anchors."""
    new = plan.new_source
    tgt = al.tgt
    old_to_new_block = diff.old_to_new_block
    layout: dict[int, _Emit] = {
        i: _Emit(i) for i, b in enumerate(new.blocks) if b.kind is not BlockKind.BLANK
    }
    order = sorted(layout)
    position = {b: k for k, b in enumerate(order)}
    used_tgt: set[int] = set()
    demoted: set[int] = set()  # old blocks the diff paired with a changed block unlike them

    for nb in order:
        emit = layout[nb]
        if emit.skip:
            continue
        block = new.blocks[nb]
        ob = diff.block_old.get(nb)
        if block.pieces and all(
            plan.new_source._first_piece[nb] + k in plan.left_out for k in range(len(block.pieces))
        ):
            emit.omit = True
            continue
        if (
            ob is not None
            and not diff.block_same.get(nb, False)
            and not block.pieces
            and not al.src.blocks[ob].pieces
        ):
            # A changed protected block (code cell, equation, fence, directive) replaces its
            # counterpart (never a second copy); the lines that did not change keep the
            # translator's version.
            if not _resembles(al.src.blocks[ob], block):
                # The diff paired it with an old block it does not resemble (a cell inserted
                # before a rewritten one): it is new, and the old block's counterpart is free
                # for what really replaced it (see _claim_translators_cells).
                demoted.add(ob)
                continue
            tb = al.protected.get(ob)
            if tb is not None and tb not in used_tgt and tgt.blocks[tb].kind is block.kind:
                emit.merged = merge_code(al.src.blocks[ob].raw, tgt.blocks[tb].raw, block.raw, al.names)
                emit.merged_from = tb
                used_tgt.add(tb)
            continue
        if ob is None or not diff.block_same.get(nb, False):
            continue
        if not block.pieces:
            tb = al.protected.get(ob)
            if tb is not None and tb not in used_tgt and _keep_target_version(block, tgt.blocks[tb]):
                emit.target_span = (tb, tb)
                used_tgt.add(tb)
            elif tb is None and plan.has_old_source and block.kind in _TRANSLATOR_OWNED:
                emit.omit = True
            continue
        run = _target_run(plan, diff, al, nb, ob, order, position, used_tgt)
        if run is None:
            continue
        absorbed, t_first, t_last = run
        emit.target_span = (t_first, t_last)
        used_tgt.update(range(t_first, t_last + 1))
        for other in absorbed:
            layout[other].skip = True

    _claim_translators_cells(plan, diff, al, layout, order, used_tgt, demoted)
    if al.names:
        # Code cells written from the English use the translator's variable names too.
        for nb in order:
            emit, block = layout[nb], new.blocks[nb]
            if (
                block.kind is BlockKind.CODE
                and not (emit.skip or emit.omit)
                and emit.target_span is None
                and emit.merged is None
            ):
                raw = "".join(rename(block.raw.splitlines(keepends=True), al.names))
                if raw != block.raw:
                    emit.merged = raw

    # Target-only blocks: attach to the nearest anchored target block.
    tgt_anchor_to_new: dict[int, int] = {}
    for tb, sbs in al.tgt_to_src_blocks.items():
        news = [old_to_new_block[s] for s in sbs if s in old_to_new_block]
        if news:
            tgt_anchor_to_new[tb] = min(news)
    for sb, tb in al.protected.items():
        if sb in old_to_new_block:
            tgt_anchor_to_new[tb] = old_to_new_block[sb]
    merged_into = {m: nb for nb in order if (m := layout[nb].merged_from) is not None}
    tgt_anchor_to_new.update(merged_into)
    # Target blocks copied raw (doubtful alignment included) anchor what the translator added
    # after them: a list item they added stays after the items copied before it.
    copied = {
        tb: nb
        for nb in order
        if (span := layout[nb].target_span) is not None
        for tb in range(span[0], span[1] + 1)
        if tgt.blocks[tb].kind is not BlockKind.BLANK
    }
    tgt_anchor_to_new.update(copied)
    anchored = {tb for tb in range(len(tgt.blocks)) if tb in al.tgt_to_src_blocks or tb in al.protected_rev}
    anchored |= set(merged_into) | set(copied)
    # A figure the aligner could not pair is not the translator's addition when the new source
    # shows the same image: writing it would show the figure twice.
    # (Only blocks that are written: a figure whose caption the translator left out, because they
    # wrote the figure their own way, does not replace the translator's.)
    new_images = set(_IMAGE_PATH.findall("".join(new.blocks[nb].raw for nb in order if not layout[nb].omit)))
    # Blocks the new source adds that the translator had already added on their own (a label,
    # a code cell): the source's copy is written, the translator's is not written twice.
    new_sigs = Counter(_signature(new.blocks[nb]) for nb in order if not new.blocks[nb].pieces)
    added_by_source = {
        _signature(new.blocks[nb])
        for nb in order
        if nb not in diff.block_old
        and not new.blocks[nb].pieces
        and new.blocks[nb].kind in (BlockKind.CODE, BlockKind.MATH, BlockKind.DIRECTIVE)
        and new_sigs[_signature(new.blocks[nb])] == 1
        and not new.blocks[nb].raw.lstrip().startswith((":begin_tab:", ":end_tab:"))
    }
    for tb, block in enumerate(tgt.blocks):
        # Blocks aligned to a source piece with low confidence are not "target-only": that piece
        # is retranslated and the doubtful text is dropped.
        if tb in used_tgt or not al.target_only(tb):
            continue
        if _signature(block) in added_by_source or set(_IMAGE_PATH.findall(block.raw)) & new_images:
            plan.target_only_dropped += 1  # the new source now has this block itself
            continue
        prev_anchor = next((a for a in range(tb - 1, -1, -1) if a in anchored), None)
        next_anchor = next((a for a in range(tb + 1, len(tgt.blocks)) if a in anchored), None)
        if _is_marker(block):
            # A review marker from an earlier sync belongs to the block right after it.
            if next_anchor is not None and next_anchor in used_tgt and next_anchor in tgt_anchor_to_new:
                layout[_emitter(layout, order, tgt_anchor_to_new[next_anchor])].before.append(tb)
            continue
        if prev_anchor is not None and prev_anchor in tgt_anchor_to_new:
            layout[_emitter(layout, order, tgt_anchor_to_new[prev_anchor])].after.append(tb)
            plan.target_only_kept += 1
        elif next_anchor is not None and next_anchor in tgt_anchor_to_new:
            layout[_emitter(layout, order, tgt_anchor_to_new[next_anchor])].before.append(tb)
            plan.target_only_kept += 1
        else:
            plan.target_only_dropped += 1
    plan._layout = _translators_order(diff, [layout[b] for b in order])


def _translators_order(diff: SourceDiff, emits: list[_Emit]) -> list[_Emit]:
    """The emission order: blocks the English did not move keep the translator's order, so an
    edit elsewhere does not move a section the translator laid out otherwise (a translation
    that follows a newer English layout); only blocks the English moved, added or wrote from
    the source follow the new English order.

    The blocks the English did not move are the longest run of new blocks whose old blocks stay
    in order; those written from the translation (a copied span, a merged or spliced block) are
    put in the translator's order, and every other entry goes right after the one that precedes
    it in the new English order."""
    unmoved = _unmoved(diff, [e.block_index for e in emits])

    def anchor(e: _Emit) -> int | None:
        if e.splice is not None:
            return e.splice.first
        targets = _emit_targets(e)
        return min(targets) if targets else None

    fixed = {
        k: t
        for k, e in enumerate(emits)
        if k in unmoved and not e.skip and not e.omit and (t := anchor(e)) is not None
    }
    if not fixed:
        return emits
    head: list[int] = []
    follow: dict[int, list[int]] = {k: [] for k in fixed}
    last: int | None = None
    for k in range(len(emits)):
        if k in fixed:
            last = k
        elif last is None:
            head.append(k)
        else:
            follow[last].append(k)
    out = [emits[k] for k in head]
    for k in sorted(fixed, key=lambda k: (fixed[k], k)):
        out.append(emits[k])
        out.extend(emits[j] for j in follow[k])
    return out


def _unmoved(diff: SourceDiff, order: Sequence[int]) -> set[int]:
    """The positions in ``order`` (new block indices) of the blocks the English did not move: the
    longest run of them whose old blocks stay in order."""
    old_of = {nb: ob for ob, nb in diff.old_to_new_block.items()}
    seq = [(k, old_of[nb]) for k, nb in enumerate(order) if nb in old_of]
    # Longest increasing subsequence of the old block indices (patience sorting).
    tails: list[int] = []
    tail_k: list[int] = []
    prev: dict[int, int | None] = {}
    for k, ob in seq:
        i = bisect.bisect_left(tails, ob)
        prev[k] = tail_k[i - 1] if i else None
        if i == len(tails):
            tails.append(ob)
            tail_k.append(k)
        else:
            tails[i] = ob
            tail_k[i] = k
    unmoved: set[int] = set()
    cur = tail_k[-1] if tail_k else None
    while cur is not None:
        unmoved.add(cur)
        cur = prev[cur]
    return unmoved


def _emit_targets(emit: _Emit) -> list[int]:
    if emit.target_span is not None:
        return [emit.target_span[0], emit.target_span[1]]
    if emit.merged_from is not None:
        return [emit.merged_from, emit.merged_last if emit.merged_last is not None else emit.merged_from]
    return []


def _claim_translators_cells(
    plan: SyncPlan,
    diff: SourceDiff,
    al: _Alignment,
    layout: dict[int, _Emit],
    order: list[int],
    used_tgt: set[int],
    demoted: set[int],
) -> None:
    """A protected block of the new source written from the source (changed, or new in the
    source) whose counterpart the translator has in a version the alignment did not pair
    (comments translated, cell reshaped, tabs merged or split, an equation rewritten) takes the
    place of that version instead of being written next to it as a second copy. The
    counterpart is looked for between the target blocks written before and after the block,
    among the translator's blocks no surviving English block stands for:

    * the most similar block of the same kind (for code: same tab, or a ``#@tab`` list covering
      the block's framework) when similar enough (comments, docstrings and spacing ignored);
    * else the only cell of the same tab there when the new source writes only this one cell of
      that tab there and the code still reads alike (d2l's tensorflow cells are rewritten
      wholesale between versions);
    * else the consecutive cells of narrower tabs the translator split the cell into
      (``#@tab all`` written as one cell per framework), each holding lines of it.

    A changed block is merged into it (:func:`merge_code`). A code cell new in the source that
    the translator already had in their own version (d2l-zh wrote tensorflow and paddle cells
    before d2l-en had them) leaves theirs as it is: without an old English version nothing
    tells what the English changed, and the translator's version is theirs. Other new blocks
    (an equation, a label) are the English's to add and are inserted.
    """
    new, tgt = plan.new_source, al.tgt
    # Old source blocks the new source no longer has: their translator's versions are free to be
    # claimed by what replaced them.
    gone = set(range(len(al.src.blocks))) - set(diff.old_to_new_block) | demoted

    def written(k: int) -> bool:
        emit = layout[order[k]]
        return (
            not new.blocks[order[k]].pieces
            and not emit.skip
            and not emit.omit
            and emit.target_span is None
            and emit.merged is None
        )

    moved: set[int] = set()  # new blocks merged into a copy the translator moved out of order
    unmoved = _unmoved(diff, order)  # positions in ``order`` of the blocks the English did not move
    shared: dict[int, int] = {}  # translator's multi-tab cell taken for a new-source cell → its k
    folded: set[int] = set()  # new-source cells that cell stands for too
    for k, nb in enumerate(order):
        block = new.blocks[nb]
        emit = layout[nb]
        if block.pieces or not written(k):
            continue
        ob = diff.block_old.get(nb)
        if ob is not None and diff.block_same.get(nb, False):
            continue  # unchanged: kept or left out above
        if ob is not None and (al.src.blocks[ob].pieces or ob in demoted):
            ob = None
        # The gap: between the target blocks written before and after this block.
        k_lo = max((j for j in range(k) if _emit_targets(layout[order[j]])), default=-1)
        k_hi = min(
            (j for j in range(k + 1, len(order)) if _emit_targets(layout[order[j]])), default=len(order)
        )
        before = [t for b in order[:k] if b not in moved for t in _emit_targets(layout[b])]
        after = [t for b in order[k + 1 :] if b not in moved for t in _emit_targets(layout[b])]
        lo, hi = max(before, default=-1), min(after, default=len(tgt.blocks))
        near_lo = max(_emit_targets(layout[order[k_lo]])) if k_lo >= 0 else -1
        near_hi = min(_emit_targets(layout[order[k_hi]])) if k_hi < len(order) else len(tgt.blocks)
        if lo >= hi and near_lo < near_hi:
            # Text the English moved (its translation elsewhere) does not close the gap: the
            # neighbours written right before and after this block, in the translation's
            # order, do.
            lo = max((t for t in before if t < near_hi), default=-1)
            hi = min((t for t in after if t > lo), default=len(tgt.blocks))
        if lo >= hi:
            # The English moved the blocks right around it (two paragraphs swapped across
            # it): the nearest blocks it did not move, before and after, close the gap.
            kept_before = [t for j in range(k) if j in unmoved for t in _emit_targets(layout[order[j]])]
            kept_after = [
                t for j in range(k + 1, len(order)) if j in unmoved for t in _emit_targets(layout[order[j]])
            ]
            lo, hi = max(kept_before, default=-1), min(kept_after, default=len(tgt.blocks))
        last = layout[order[k_lo]] if k_lo >= 0 else None
        if (
            last is not None
            and last.merged_from is not None
            and shared.get(last.merged_from) == k_lo
            and all(j in folded for j in range(k_lo + 1, k) if written(j) or j in folded)
            and _covers(tgt.blocks[last.merged_from], block)
            and _code_similarity(block, tgt.blocks[last.merged_from], tabs=False) >= 0.5
        ):
            # The translator's cell taken for a previous cell also covers this one's tab
            # (``#@tab mxnet, pytorch`` for an mxnet and a pytorch cell): written once.
            emit.omit = True
            folded.add(k)
            continue
        free = [
            tb
            for tb in range(lo + 1, hi)
            if tb not in used_tgt
            and (al.target_only(tb) or al.protected_rev.get(tb, -1) in gone)
            and not _is_marker(tgt.blocks[tb])
        ]
        if ob is None and _is_tab_directive(block):
            _claim_tab_wrapper(plan, diff, tgt, layout, order, k, free, used_tgt)
            continue
        peers = [order[j] for j in range(k_lo + 1, k_hi) if written(j)]
        run = _counterparts(block, al.src.blocks[ob] if ob is not None else None, free, tgt, peers, new)
        if not run and ob is not None:
            run = _moved_counterpart(al.src.blocks[ob], al, used_tgt, gone)
            if run:
                moved.add(nb)
        if not run and ob is None and block.kind in (BlockKind.CODE, BlockKind.FENCE):
            # The diff saw a block moved into another wrapper as new: the only old block gone
            # from the English that it still resembles is its old version.
            like = [
                g
                for g in sorted(gone - demoted)
                if _same_slot(al.src.blocks[g], block) and _resembles(al.src.blocks[g], block)
            ]
            tb = al.protected.get(like[0]) if len(like) == 1 else None
            if tb is not None and tb not in used_tgt:
                run = [tb]
                moved.add(nb)
        if not run:
            if ob is not None and block.kind is BlockKind.MATH and _written_inline(al.src.blocks[ob], al):
                # The translator wrote this equation inline in their paragraph: that choice is
                # theirs, and inserting the new display block would give the equation twice.
                emit.omit = True
                label = _EQLABEL.search(block.raw)
                plan.notes.append(
                    "changed equation "
                    + (f"`{label.group(1)}`" if label else f"${_math_body(block.raw)}$")
                    + " is written inline in the translation: kept as the translator wrote it, check it"
                )
            elif (
                ob is not None
                and plan.has_old_source
                and al.protected.get(ob) is None
                and block.kind in _TRANSLATOR_OWNED
                and not _is_tab_directive(block)
            ):
                # The translator left the old version out (a section they dropped) and has no
                # version of it anywhere: their decision stands for the changed block as for an
                # unchanged one, rather than the English block written alone in their text.
                emit.omit = True
                plan.notes.append(
                    f"line {block.line}: changed {block.kind} block left out of the translation like its "
                    "old version (not added), check it"
                )
            continue
        first, last_tb = run[0], run[-1]
        base = ob if ob is not None else al.protected_rev.get(first)
        if base is None and block.kind is not BlockKind.CODE:
            # A new equation, label or fence is the English's to add (a label must match
            # the references to it): inserted, whatever the translator has nearby.
            continue
        used_tgt.update(run)
        emit.merged_from = first
        if _covers(tgt.blocks[first], block) and not _same_slot(block, tgt.blocks[first]):
            shared[first] = k
        if base is None:
            emit.target_span = (first, last_tb)  # the translator's version stands
            continue
        texts: list[str] = []
        for n, tb in enumerate(run):
            if n:
                texts.append("".join(b.raw for b in tgt.blocks[run[n - 1] + 1 : tb]))
            texts.append(merge_code(al.src.blocks[base].raw, tgt.blocks[tb].raw, block.raw, al.names))
        emit.merged = "".join(texts)
        emit.merged_last = last_tb


# Math in running text: ``$$…$$`` written mid-line (not a display block) or ``$…$``.
_INLINE_MATH = re.compile(r"\$\$((?:\\.|[^$\\])+)\$\$|(?<![$\\])\$((?:\\.|[^$\\])+)\$")


def _math_body(raw: str) -> str:
    """The body of a display equation between its outer ``$$``, spacing collapsed."""
    first, last = raw.find("$$"), raw.rfind("$$")
    return " ".join(raw[first + 2 : last if last > first + 1 else len(raw)].split())


def _written_inline(old: Block, al: _Alignment) -> bool:
    """Whether the translator wrote the old display equation ``old`` into their text (``$…$``,
    or ``$$…$$`` mid-line, in a paragraph) while the old English has no such inline math: their
    paragraph then stands for the equation (spacing and a closing ``.``/``,`` aside)."""

    def key(math: str) -> str:
        return "".join(math.split()).rstrip(".,;")

    body = key(_math_body(old.raw))
    if not body:
        return False

    def inline(doc: Document) -> bool:
        return any(
            key(m.group(1) or m.group(2)) == body
            for b in doc.blocks
            if b.pieces
            for m in _INLINE_MATH.finditer(b.raw)
        )

    return inline(al.tgt) and not inline(al.src)


def _is_tab_directive(block: Block) -> bool:
    return block.kind is BlockKind.DIRECTIVE and block.raw.lstrip().startswith((":begin_tab:", ":end_tab:"))


def _claim_tab_wrapper(
    plan: SyncPlan,
    diff: SourceDiff,
    tgt: Document,
    layout: dict[int, _Emit],
    order: list[int],
    k: int,
    free: list[int],
    used_tgt: set[int],
) -> None:
    """A ``:begin_tab:`` / ``:end_tab:`` line new in the source that the translator already
    wrote there (d2l-zh wrapped text in framework tabs before d2l-en did) is theirs: their
    line stands for it, so the wrapper is written once, never the translator's and the
    English's one after the other. When the English wrapper is new as a whole (nothing in it
    comes from the old English) and the translator has a wrapper of the same frameworks
    there, their whole wrapper stands for it and nothing of it is sent: as for a code cell the
    translator already had, without an old English version nothing tells what changed."""
    block = layout[order[k]]
    key = normalise_block(plan.new_source.blocks[block.block_index])
    same = [tb for tb in free if _is_tab_directive(tgt.blocks[tb]) and normalise_block(tgt.blocks[tb]) == key]
    if not same:
        return
    tb = same[0]
    new = plan.new_source
    if key.startswith(":begin_tab:"):
        k_end = next(
            (
                j
                for j in range(k + 1, len(order))
                if new.blocks[order[j]].raw.lstrip().startswith(":end_tab:")
            ),
            None,
        )
        t_end = next(
            (t for t in range(tb + 1, len(tgt.blocks)) if tgt.blocks[t].raw.lstrip().startswith(":end_tab:")),
            None,
        )
        free_set = set(free)
        if (
            k_end is not None
            and t_end is not None
            and all(
                diff.block_old.get(order[j]) is None
                and not layout[order[j]].skip
                and layout[order[j]].target_span is None
                and layout[order[j]].merged is None
                for j in range(k + 1, k_end + 1)
            )
            and all(t in free_set or tgt.blocks[t].kind is BlockKind.BLANK for t in range(tb, t_end + 1))
        ):
            inner = {order[j] for j in range(k + 1, k_end + 1)}
            for nb in inner:
                layout[nb].skip = True
            block.target_span = (tb, t_end)
            used_tgt.update(range(tb, t_end + 1))
            plan.to_translate = [s for s in plan.to_translate if new.pieces[s.index].block_index not in inner]
            return
    block.target_span = (tb, tb)
    used_tgt.add(tb)


def _moved_counterpart(old: Block, al: _Alignment, used_tgt: set[int], gone: set[int]) -> list[int]:
    """The translator's copy of a changed block's old version that they moved elsewhere (a cell
    put after the paragraph that followed it, a section put elsewhere, outside the gap the
    alignment looked in): the only unpaired translator block of the same kind and tab whose
    text is the old English block's, comments and spacing aside; for a code cell, else the only
    one whose code lines are alike (Jaccard >= 0.5) and closest to this old cell."""
    tgt = al.tgt
    key = code_lines_of(old.raw.splitlines()) if old.kind is BlockKind.CODE else [normalise_block(old)]
    found = [
        tb
        for tb in range(len(tgt.blocks))
        if tb not in used_tgt
        and (al.target_only(tb) or al.protected_rev.get(tb, -1) in gone)
        and _same_slot(old, tgt.blocks[tb])
        and (
            code_lines_of(tgt.blocks[tb].raw.splitlines())
            if old.kind is BlockKind.CODE
            else [normalise_block(tgt.blocks[tb])]
        )
        == key
    ]
    if found or old.kind is not BlockKind.CODE:
        return found if len(found) == 1 and key else []
    # A copy they also edited (a line left out): the only such cell still as close to the old
    # English cell as to any other old English cell (else it is the translation of another).
    close = [
        tb
        for tb in range(len(tgt.blocks))
        if tb not in used_tgt
        and (al.target_only(tb) or al.protected_rev.get(tb, -1) in gone)
        and _same_slot(old, tgt.blocks[tb])
        and _code_similarity(old, tgt.blocks[tb]) >= 0.5
    ]
    if len(close) != 1:
        return []
    cand = tgt.blocks[close[0]]
    score = _code_similarity(old, cand)
    others = (b for b in al.src.blocks if b is not old and b.kind is BlockKind.CODE)
    return [] if any(_code_similarity(b, cand) >= score for b in others) else close


def _counterparts(
    block: Block, old: Block | None, free: list[int], tgt: Document, peers: list[int], new: Document
) -> list[int]:
    """The translator's block (or run of split cells) in ``free`` standing for ``block`` (whose
    old version is ``old``; see :func:`_claim_translators_cells`); ``peers``: the new blocks
    written from the source in the same gap."""
    single = [tb for tb in free if _same_slot(block, tgt.blocks[tb]) or _covers(tgt.blocks[tb], block)]
    if single:
        scores = {
            tb: _counterpart_similarity(block, tgt.blocks[tb], tabs=_same_slot(block, tgt.blocks[tb]))
            for tb in single
        }
        best = max(single, key=lambda tb: scores[tb])
        if scores[best] >= 0.5:
            return [best]
        if block.kind is BlockKind.CODE and len(single) == 1:
            cand = tgt.blocks[single[0]]
            same_peers = [
                nb for nb in peers if _same_slot(new.blocks[nb], cand) or _covers(cand, new.blocks[nb])
            ]
            if len(same_peers) == 1 and _text_similarity(block, cand) >= 0.5:
                return single
    if block.kind is not BlockKind.CODE:
        return []
    # Cells of narrower tabs holding lines of this one: the translator split it.
    lines = _code_lines(block) | (_code_lines(old) if old is not None else set())
    parts = [
        tb
        for tb in free
        if tgt.blocks[tb].kind is BlockKind.CODE
        and _covers(block, tgt.blocks[tb])
        and not _same_slot(block, tgt.blocks[tb])
        and _containment(tgt.blocks[tb], lines) >= 0.5
    ]
    best_run: list[int] = []
    run: list[int] = []
    for tb in parts:
        if run and any(b.kind is not BlockKind.BLANK for b in tgt.blocks[run[-1] + 1 : tb]):
            run = []
        run.append(tb)
        if len(run) > len(best_run):
            best_run = list(run)
    return best_run


def _containment(cell: Block, lines: set[str]) -> float:
    """Share of a cell's code lines (``#@tab`` line aside) found in ``lines``."""
    mine = {x for x in _code_lines(cell) if not x.startswith("#@tab")}
    return len(mine & lines) / len(mine) if mine else 0.0


def _tab(block: Block) -> str:
    first = block.raw.splitlines()[1:2]
    return first[0].strip() if first and first[0].strip().startswith("#@tab") else ""


# d2lbook's default framework in the d2l books: a code cell without ``#@tab`` is for it.
_DEFAULT_TAB = "mxnet"
_DIRECTIVE_NAME = re.compile(r"^\s*:([a-z_]+):")


def _same_slot(a: Block, b: Block) -> bool:
    """Whether ``b`` could be the translator's version of protected block ``a``: same kind and
    code tab, same fence type, same directive (tab wrappers are structure, never paired)."""
    if a.kind is not b.kind or a.pieces or b.pieces:
        return False
    if a.kind is BlockKind.CODE:
        return _tabs(a) == _tabs(b)
    head_a, head_b = a.raw.lstrip().split("\n", 1)[0], b.raw.lstrip().split("\n", 1)[0]
    if a.kind is BlockKind.FENCE:
        return head_a.split() == head_b.split()
    if a.kind is BlockKind.DIRECTIVE:
        name_a, name_b = _DIRECTIVE_NAME.match(head_a), _DIRECTIVE_NAME.match(head_b)
        return (
            name_a is not None
            and name_b is not None
            and name_a.group(1) == name_b.group(1)
            and name_a.group(1) not in ("begin_tab", "end_tab")
        )
    return True


def _resembles(old: Block, new: Block) -> bool:
    """Whether a changed protected block is still recognisably its old version (same kind, tabs
    one within the other, code or text alike), rather than a different block the diff happened
    to pair it with."""
    if old.kind is not new.kind:
        return False
    if old.kind is BlockKind.CODE:
        return (_covers(old, new) or _covers(new, old)) and (
            _code_similarity(old, new, tabs=False) > 0 or _text_similarity(old, new) >= 0.5
        )
    return similarity(normalise_block(old), normalise_block(new)) >= 0.5


def _text_similarity(a: Block, b: Block) -> float:
    """Character similarity of two code cells' code (comments, docstrings and spacing ignored):
    a rewritten cell still reads like the one it replaces where its lines all changed."""

    def code(block: Block) -> str:
        return "\n".join(x for x in code_lines_of(block.raw.splitlines()) if not x.startswith("#@tab"))

    return similarity(code(a), code(b))


def _tabs(block: Block) -> frozenset[str]:
    """The frameworks a d2lbook code cell is for (a cell without ``#@tab`` is the default one)."""
    tab = _tab(block)
    names = [n.strip() for n in tab[len("#@tab") :].split(",") if n.strip()] if tab else []
    return frozenset(names or [_DEFAULT_TAB])


def _covers(cell: Block, block: Block) -> bool:
    """Whether code cell ``cell`` is written for every framework of code cell ``block`` (a
    translator's ``#@tab mxnet, pytorch, paddle`` covers a new ``#@tab pytorch`` cell)."""
    if cell.kind is not BlockKind.CODE or block.kind is not BlockKind.CODE:
        return False
    mine = _tabs(cell)
    return "all" in mine or _tabs(block) <= mine


def _counterpart_similarity(a: Block, b: Block, *, tabs: bool = True) -> float:
    if a.kind is BlockKind.CODE:
        return _code_similarity(a, b, tabs=tabs)
    return similarity(normalise_block(a), normalise_block(b))


def _separator_after(doc: Document, index: int) -> str:
    parts: list[str] = []
    i = index + 1
    while i < len(doc.blocks) and doc.blocks[i].kind is BlockKind.BLANK:
        parts.append(doc.blocks[i].raw)
        i += 1
    return "".join(parts)


def _emitter(layout: dict[int, _Emit], order: list[int], nb: int) -> int:
    """The entry that writes new block ``nb`` (the run start when ``nb`` was absorbed)."""
    k = order.index(nb)
    while k > 0 and layout[order[k]].skip:
        k -= 1
    return order[k]


def _target_run(
    plan: SyncPlan,
    diff: SourceDiff,
    al: _Alignment,
    nb: int,
    ob: int,
    order: list[int],
    position: dict[int, int],
    used_tgt: set[int],
) -> tuple[list[int], int, int] | None:
    """When new block ``nb`` starts a run of unchanged blocks that corresponds exactly to a run
    of whole target blocks (1-1, or merged/split by the translator), return (the other new
    blocks of the run, first target block, last target block)."""
    doubtful_ok = plan.has_old_source
    s_edges = al.src_to_tgt_any if doubtful_ok else al.src_to_tgt_blocks
    t_edges = al.tgt_to_src_any if doubtful_ok else al.tgt_to_src_blocks
    src_blocks: set[int] = {ob}
    tgt_blocks: set[int] = set()
    frontier = [("s", ob)]
    while frontier:
        side, b = frontier.pop()
        if side == "s":
            for t in s_edges.get(b, ()):
                if t not in tgt_blocks:
                    tgt_blocks.add(t)
                    frontier.append(("t", t))
        else:
            for s in t_edges.get(b, ()):
                if s not in src_blocks:
                    src_blocks.add(s)
                    frontier.append(("s", s))
        if len(src_blocks) > 8 or len(tgt_blocks) > 8:
            return None
    if not tgt_blocks or tgt_blocks & used_tgt:
        return None
    # Every piece on both sides must be in a confident bead inside this component (or, on the
    # target side, a translator's addition 0-1 inside the block).
    for s in src_blocks:
        for i in al.src_block_pieces.get(s, ()):
            bead = al.bead_of_src.get(i)
            if bead is None or not bead.target or not (al.confident(bead) or doubtful_ok):
                return None
    for t in tgt_blocks:
        for i in al.tgt_block_pieces.get(t, ()):
            bead = al.bead_of_tgt.get(i)
            if bead is not None and bead.source and not (al.confident(bead) or doubtful_ok):
                return None
    # The source blocks must be consecutive old blocks mapped, unchanged and in order, to
    # consecutive new blocks starting at nb.
    src_sorted = sorted(src_blocks)
    if src_sorted[0] != ob:
        return None
    # Old source blocks between them must be blank, or a protected block the translator does not
    # have (an equation they wrote inline in the merged paragraph): it would be left out anyway,
    # so it is absorbed with the run. Any other block hidden inside the group stops the copy.
    inner = [
        i for i in range(src_sorted[0], src_sorted[-1] + 1) if al.src.blocks[i].kind is not BlockKind.BLANK
    ]
    for i in inner:
        block = al.src.blocks[i]
        if i not in src_blocks and (
            block.pieces or i in al.protected or block.kind not in _TRANSLATOR_OWNED or not doubtful_ok
        ):
            return None
    k = position[nb]
    absorbed: list[int] = []
    for n, s in enumerate(inner):
        if k + n >= len(order):
            return None
        cand = order[k + n]
        if diff.block_old.get(cand) != s or not diff.block_same.get(cand, False):
            return None
        if plan.new_source.blocks[cand].kind is not al.src.blocks[s].kind:
            return None
        if n:
            absorbed.append(cand)
    t_first, t_last = min(tgt_blocks), max(tgt_blocks)
    # Between them only blank lines and the translator's own additions (an equation the
    # translator inserted between two halves of a paragraph travels with it).
    if any(
        al.tgt.blocks[i].kind is not BlockKind.BLANK and i not in tgt_blocks and not al.target_only(i)
        for i in range(t_first, t_last + 1)
    ):
        return None
    # A figure path changed in the source is followed (the caption is reused in the new block);
    # an unchanged one keeps the translator's image (a localised copy is theirs).
    new_blocks = {nb, *absorbed}
    old_images = _IMAGE_PATH.findall("".join(al.src.blocks[b].raw for b in src_sorted))
    new_images = _IMAGE_PATH.findall("".join(plan.new_source.blocks[b].raw for b in sorted(new_blocks)))
    if old_images != new_images:
        return None
    # Every piece of the new blocks must be reused (not translated) for the raw copy to be right.
    for r in plan.new_source.pieces:
        if r.block_index in new_blocks and r.index not in plan.reused:
            return None
    return absorbed, t_first, t_last


def apply_sync(
    plan: SyncPlan, translations: Mapping[int, Translation], *, style: TargetStyle | None = None
) -> str:
    """Write the new target file: reused human text, ``translations`` (by new piece index) for
    the segments of ``plan.to_translate``, review markers before machine output.

    ``style``: the target language's settings for machine output (lineStyle, cjkLatinSpace,
    punctuationWidth; :mod:`amts.domain.style`), applied to engine output only, never to kept
    human text. None: the engine's text as it is, on one line.
    """
    if plan.identical and plan.old_target is not None:
        return plan.old_target.render()
    new = plan.new_source
    wanted = {s.key for s in plan.to_translate}
    texts: dict[int, str] = dict(plan.reused)
    machine: dict[int, list[str]] = {}  # new block → sha1s of machine-translated pieces
    untranslated: dict[int, list[str]] = {}
    # new block → (splice, its text) of what goes into the translator's paragraph (several for
    # a paragraph with separate changed runs)
    edits: dict[int, list[tuple[_Splice, str]]] = {}
    for seg in sorted(plan.to_translate, key=lambda s: (s.index, s.key)):
        index = seg.index
        ref = new.pieces[index]
        tr = translations.get(seg.key)
        splice = plan.splices.get(seg.key)
        if tr is None or tr.origin is Origin.UNTRANSLATED or not tr.text.strip():
            # The source text stays; in a partly reused paragraph only the changed sentences do,
            # between the translator's sentences, which is what a translator needs to see.
            texts[index] = (
                _join([seg.prefix, seg.text, seg.suffix], plan.target_lang)
                if seg.partial
                else (seg.text if seg.alone else ref.text)
            )
            if splice is not None:
                edits.setdefault(ref.block_index, []).append(
                    (splice, _splice_text(seg.sha1, splice, seg.text, UNTRANSLATED_MARKER))
                )
                continue
            untranslated.setdefault(ref.block_index, []).append(sha1_short(ref.text))
        else:
            texts[index] = _fit(tr.text, ref.block.kind)
            if style is not None and tr.origin is not Origin.HUMAN:
                whole = not seg.partial and splice is None
                texts[index] = styled_machine_piece(texts[index], ref, style, whole=whole)
            if splice is not None:
                marker = MACHINE_MARKER if tr.origin is not Origin.HUMAN else ""
                edits.setdefault(ref.block_index, []).append(
                    (splice, _splice_text(seg.sha1, splice, texts[index], marker))
                )
                continue
            if seg.partial:
                texts[index] = _join([seg.prefix, texts[index], seg.suffix], plan.target_lang)
            if tr.origin is not Origin.HUMAN:
                machine.setdefault(ref.block_index, []).append(sha1_short(ref.text))

    for key, splice in plan.splices.items():
        if key not in wanted:
            # A paragraph that only lost sentences (its key is its piece index): the
            # translator's paragraph without them.
            edits.setdefault(new.pieces[key].block_index, []).append((splice, splice.cut))
    spliced = {nb: _spliced(plan, parts) for nb, parts in edits.items()}
    chunks: list[tuple[int | None, str]] = []  # (new block index for markers, text)
    layout = plan._layout or [_Emit(i) for i, b in enumerate(new.blocks) if b.kind is not BlockKind.BLANK]
    tgt = plan.old_target
    # Between two pieces of old-target text that were neighbours in the old target, its own
    # blank lines are kept (a smaller diff for reviewers); elsewhere the new source's. The start
    # of the file counts as a neighbour of the target's first block (front matter the translator
    # left out leaves no blank line behind).
    prev_t: int | None = -1

    def target_gap(start: int) -> str | None:
        if tgt is None or prev_t is None or start <= prev_t:
            return None
        gap = tgt.blocks[prev_t + 1 : start]
        if all(b.kind is BlockKind.BLANK for b in gap):
            return "".join(b.raw for b in gap)
        return None

    for emit in layout:
        if emit.skip:
            continue
        nb = emit.block_index
        new_sep = _separator_before(new, nb)
        for tb in emit.before:
            assert tgt is not None
            gap = target_gap(tb)
            chunks.append((None, (new_sep if gap is None else gap) + tgt.blocks[tb].raw))
            new_sep = _separator_after(tgt, tb)
            prev_t = tb
        if emit.target_span is not None and tgt is not None:
            first, last = emit.target_span
            gap = target_gap(first)
            chunks.append((None, new_sep if gap is None else gap))
            chunks.append((nb, "".join(b.raw for b in tgt.blocks[first : last + 1])))
            prev_t = last
        elif emit.splice is not None and tgt is not None and nb in spliced:
            gap = target_gap(emit.splice.first)
            chunks.append((None, new_sep if gap is None else gap))
            chunks.append((nb, spliced[nb]))
            prev_t = emit.splice.last
        elif emit.merged is not None:
            # Written where the translator's version was: their blank lines around it are kept.
            gap = target_gap(emit.merged_from) if emit.merged_from is not None else None
            chunks.append((None, new_sep if gap is None else gap))
            chunks.append((nb, emit.merged))
            prev_t = emit.merged_last if emit.merged_last is not None else emit.merged_from
        elif emit.omit:
            pass  # the translator's decision: the block stays out (what hangs off it does not)
        else:
            chunks.append((None, new_sep))
            chunks.append((nb, new.render_block(nb, texts)))
            prev_t = None
        for tb in emit.after:
            assert tgt is not None
            gap = target_gap(tb)
            chunks.append((None, (_separator_before(tgt, tb) if gap is None else gap) + tgt.blocks[tb].raw))
            prev_t = tb
    # Trailing blank lines: the target's when it ends the same way, else the new source's.
    last_new = len(new.blocks) - 1
    tail: list[str] = []
    while last_new >= 0 and new.blocks[last_new].kind is BlockKind.BLANK:
        tail.append(new.blocks[last_new].raw)
        last_new -= 1
    end_gap = target_gap(len(tgt.blocks)) if tgt is not None else None
    chunks.append((None, "".join(reversed(tail)) if end_gap is None else end_gap))
    return _with_markers(new, chunks, machine, untranslated)


def _splice_text(sha1: str, splice: _Splice, text: str, marker: str) -> str:
    """What replaces ``splice``'s span: ``text`` (the changed sentences) followed by its review
    marker as an inline comment (a marker at the start of a line would end the paragraph), which
    names ``sha1``: the segment's own piece (each run of a merged group names its member)."""
    note = marker.format(ids=sha1) if marker else ""
    return splice.lead + text + note + splice.trail if text else splice.cut


def _spliced(plan: SyncPlan, parts: Sequence[tuple[_Splice, str]]) -> str:
    """The translator's paragraph with each splice's span replaced by its text (the splices of
    one paragraph lie in the same block and do not overlap)."""
    assert plan.old_target is not None
    blocks = plan.old_target.blocks
    splice = parts[0][0]
    raw = blocks[splice.block_index].raw
    for part, text in sorted(parts, key=lambda p: p[0].start, reverse=True):
        raw = raw[: part.start] + text + raw[part.end :]
    return (
        "".join(b.raw for b in blocks[splice.first : splice.block_index])
        + raw
        + "".join(b.raw for b in blocks[splice.block_index + 1 : splice.last + 1])
    )


_LINE_BREAK = re.compile(r"\s*\n\s*")
_UNESCAPED_PIPE = re.compile(r"(?<!\\)\|")


def _fit(text: str, kind: BlockKind) -> str:
    """Engine output made safe for the place it goes: one line (a line break would end a list
    item, heading or table row), and no bare ``|`` inside a table cell."""
    text = _LINE_BREAK.sub(" ", text.strip())
    if kind is BlockKind.TABLE:
        text = _UNESCAPED_PIPE.sub(r"\|", text)
    return text


def _with_markers(
    doc: Document,
    chunks: list[tuple[int | None, str]],
    machine: Mapping[int, list[str]],
    untranslated: Mapping[int, list[str]],
) -> str:
    """Join the chunks, writing review markers on their own line before the marked block, or
    before the first item of the list it belongs to."""
    markers: dict[int, tuple[list[str], list[str]]] = {}  # chunk position → (machine, untranslated)
    list_start: int | None = None
    for pos, (nb, text) in enumerate(chunks):
        if nb is None:
            if text.strip():
                list_start = None
            continue
        block = doc.blocks[nb]
        if block.kind is BlockKind.LIST_ITEM or (list_start is not None and block.raw[:1] in (" ", "\t")):
            # Items and their indented continuations: one marker before the whole list.
            if list_start is None:
                list_start = pos
            anchor = list_start
        else:
            list_start = None
            anchor = pos
        if nb in machine or nb in untranslated:
            m, u = markers.setdefault(anchor, ([], []))
            m.extend(machine.get(nb, []))
            u.extend(untranslated.get(nb, []))
    out: list[str] = []
    for pos, (_nb, text) in enumerate(chunks):
        if pos in markers:
            if out and out[-1] and not out[-1].endswith("\n"):
                out.append("\n")
            m, u = markers[pos]
            if m:
                out.append(MACHINE_MARKER.format(ids=",".join(m)) + "\n")
            if u:
                out.append(UNTRANSLATED_MARKER.format(ids=",".join(u)) + "\n")
        if text and out and out[-1] and not out[-1].endswith("\n"):
            out.append("\n")
        out.append(text)
    return "".join(out)


def sync_totals(plans: Sequence[SyncPlan]) -> dict[str, Any]:
    """The plan figures summed over files (a run, a book)."""
    keys = (
        "segments_reused",
        "segments_to_translate",
        "segments_deleted",
        "characters_to_translate",
        "characters_total",
    )
    totals: dict[str, Any] = {k: 0 for k in keys}
    for plan in plans:
        data = plan.to_json()
        for k in keys:
            totals[k] += data[k]
    totals["files"] = len(plans)
    totals["files_identical"] = sum(1 for p in plans if p.identical)
    totals["estimated_cost_usd"] = price_estimate(totals["characters_to_translate"])
    totals["whole_file_cost_usd"] = price_estimate(totals["characters_total"])
    return totals


__all__ = [
    "MACHINE_MARKER",
    "UNTRANSLATED_MARKER",
    "Reason",
    "SegmentToTranslate",
    "SyncPlan",
    "apply_sync",
    "normalise",
    "plan_sync",
    "sync_totals",
]
