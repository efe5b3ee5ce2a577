"""Synchronisation: translate only what changed, keep every human translation that still fits.

Contract (used by the workflow handlers and ``amts sync``):
    plan_sync(old_source: Document | None, new_source: Document, old_target: Document | None,
              *, glossary: Glossary | None = None) -> SyncPlan
    SyncPlan.to_translate: list[SegmentToTranslate]  (piece index in new_source + text + spans)
    SyncPlan.to_json() -> dict  (keys at least segments_reused, segments_to_translate,
              characters_to_translate, characters_total)
    apply_sync(plan: SyncPlan, translations: Mapping[int, Translation]) -> str
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
* A bead where the translator merged several English pieces keeps its translation only when all
  of them are unchanged and still adjacent; otherwise the whole group is retranslated (reason
  ``group_changed``: counted, not hidden).
* An unchanged piece keeps what the translator wrote for it even when the alignment is below the
  confidence threshold (listed under ``low_confidence``); an unchanged source paragraph the
  translator left out (1-0 bead) stays out (``segments_left_out``). Only edited and new text,
  and merged groups with a changed member, are sent.
* Protected blocks: an unchanged source block keeps the translator's version (translated code
  comments, rewritten equations, extra tabs in ``:begin_tab:``); an unchanged block without
  counterpart (left out or replaced by the translator's own version) is not written. A changed
  code cell replaces its counterpart (a line-level three-way merge keeps the translator's
  rewrites of unchanged lines); a new one is inserted, replacing the translator's unpaired
  version of the same tab when there is one. Never a second copy.
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

import difflib
import re
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from amts.config import price_estimate
from amts.domain.align import DEFAULT_MIN_CONFIDENCE, Bead, align_pieces, align_sentences, document_sentences
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
from amts.domain.style import TargetStyle, styled_machine_piece
from amts.ports import Origin, Translation

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

    @property
    def partial(self) -> bool:
        return bool(self.prefix or self.suffix)

    def to_json(self) -> dict[str, Any]:
        return {
            "index": self.index,
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
    # A changed code cell: the new source cell with the translator's edits (translated comments)
    # of the lines that did not change (see :func:`_merge_code`).
    merged: str | None = None
    merged_from: int | None = None  # the old-target block it replaces
    splice: _Splice | None = None  # an edited paragraph written as the translator's, spliced
    before: list[int] = field(default_factory=list)
    after: list[int] = field(default_factory=list)


def _join(texts: Sequence[str], lang: str) -> str:
    return joiner(lang).join(t for t in texts if t)


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
_IMAGE_PATH = re.compile(r"!\[[^\]]*\]\(([^)\s]+)")


# Protected kinds whose unchanged source block stays out when the translation has no counterpart:
# the translator's decision (a tab wrapper they removed, a cell they replaced) stands.
_TRANSLATOR_OWNED = frozenset(
    {BlockKind.CODE, BlockKind.MATH, BlockKind.FENCE, BlockKind.HTML, BlockKind.DIRECTIVE}
)


def _merge_code(old_source: str, old_target: str, new_source: str) -> str:
    """Three-way line merge of a code cell: the new source's lines, where a line is unchanged
    from the old source and the translator had rewritten it one for one (a translated comment),
    the translator's line."""
    old_lines = old_source.splitlines(keepends=True)
    tgt_lines = old_target.splitlines(keepends=True)
    new_lines = new_source.splitlines(keepends=True)
    theirs: dict[int, str] = {}
    ours = difflib.SequenceMatcher(None, old_lines, tgt_lines, autojunk=False)
    for tag, i1, i2, j1, j2 in ours.get_opcodes():
        if tag == "replace" and i2 - i1 == j2 - j1:
            for k in range(i2 - i1):
                theirs[i1 + k] = tgt_lines[j1 + k]
    out: list[str] = []
    edit = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    for tag, i1, i2, j1, j2 in edit.get_opcodes():
        if tag == "equal":
            for k in range(i2 - i1):
                line = theirs.get(i1 + k, new_lines[j1 + k])
                if not line.endswith("\n") and new_lines[j1 + k].endswith("\n"):
                    line += "\n"
                out.append(line)
        else:
            out.extend(new_lines[j1:j2])
    return "".join(out)


def _keep_target_version(source: Block, target: Block) -> bool:
    """Whether the translator's version of an unchanged protected block is written: always (the
    contract: where the English did not change, the translation is kept byte for byte, be it a
    code cell with translated comments, an equation they rewrote, a tab list with an extra
    framework or a label they fixed)."""
    del source, target
    return True


def _code_lines(block: Block) -> set[str]:
    lines: set[str] = set()
    for line in block.raw.splitlines():
        s = line.strip()
        if not s or s.startswith("```") or (s.startswith("#") and not s.startswith("#@")):
            continue
        s = s.split("  #", 1)[0].split(" # ", 1)[0].strip()
        if s:
            lines.add(s)
    return lines


def _code_similarity(a: Block, b: Block) -> float:
    """Jaccard similarity of two code cells' code lines (comments ignored), 0 for another tab."""
    la, lb = _code_lines(a), _code_lines(b)
    if not la or not lb:
        return 0.0
    first_a = a.raw.splitlines()[1:2]
    first_b = b.raw.splitlines()[1:2]
    tab_a = first_a[0].strip() if first_a and first_a[0].strip().startswith("#@tab") else ""
    tab_b = first_b[0].strip() if first_b and first_b[0].strip().startswith("#@tab") else ""
    return len(la & lb) / len(la | lb) if tab_a == tab_b else 0.0


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
    alignment = _Alignment(old_source, old_target, beads, min_confidence)
    groups = _plan_pieces(plan, diff, alignment)
    _plan_blocks(plan, diff, alignment)
    _settle_groups(plan, diff, groups)
    if sentence_reuse:
        _reuse_sentences(plan, diff, alignment, glossary)
    return plan


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


def _plan_pieces(plan: SyncPlan, diff: SourceDiff, al: _Alignment) -> list[list[int]]:
    """Per new piece: reused human text, or a segment to translate with its reason. Returns the
    merged groups whose reuse depends on a raw copy of whole target blocks."""
    new = plan.new_source
    groups: list[list[int]] = []
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
        if not al.confident(bead) and not (plan.has_old_source and len(bead.source) == 1):
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
                groups.append([m for m in members if m is not None])
        else:
            reasons[i] = Reason.GROUP_CHANGED
    if plan.has_old_source:
        # An unchanged paragraph the translators left out stays out: when every piece of a new
        # block is such a piece, the block is not written (see _plan_blocks) and nothing is sent.
        by_block = _pieces_by_block(new)
        for pieces in by_block.values():
            if all(reasons.get(p) is Reason.NO_TRANSLATION for p in pieces):
                for p in pieces:
                    del reasons[p]
                    plan.left_out.add(p)
    for i, reason in sorted(reasons.items()):
        plan.to_translate.append(_segment(new, i, reason, diff.piece_status[i]))
        if reason is Reason.LOW_CONFIDENCE:
            plan.low_confidence.append(i)
    return groups


def _reuse_sentences(plan: SyncPlan, diff: SourceDiff, al: _Alignment, glossary: Glossary | None) -> None:
    """Inside edited paragraphs, keep the translator's sentences whose English did not change.

    Only for a paragraph aligned 1-1 (or 1-n) with confidence, whose sentences align with its
    translation completely and confidently (no sentence the translator left out or added). The
    changed sentences, widened to whole sentence beads, must form one run: that run is sent as
    the piece's segment (one segment per piece, so the workflow contract is unchanged) and the
    human sentences before and after it are put back around the machine translation.
    """
    candidates: list[tuple[int, SegmentToTranslate, int, Bead]] = []
    for pos, seg in enumerate(plan.to_translate):
        old = diff.piece_old.get(seg.index)
        if seg.reason is not Reason.EDITED or old is None:
            continue
        bead = al.bead_of_src.get(old)
        if bead is None or bead.source != (old,) or not bead.target or not al.confident(bead):
            continue
        candidates.append((pos, seg, old, bead))
    if not candidates:
        return
    src_sents = document_sentences(al.src)
    tgt_sents = document_sentences(al.tgt)
    sentence_beads = align_sentences(
        al.src, al.tgt, [c[3] for c in candidates], glossary, src_sentences=src_sents, tgt_sentences=tgt_sents
    )
    src_piece_of_tgt = {t: c[2] for c in candidates for t in c[3].target}
    beads_of: dict[int, list[Bead]] = {}
    for sb in sentence_beads:
        piece = src_sents[sb.source[0]][0] if sb.source else src_piece_of_tgt.get(tgt_sents[sb.target[0]][0])
        if piece is not None:
            beads_of.setdefault(piece, []).append(sb)
    src_by_piece: dict[int, list[int]] = {}
    for k, (piece, _text) in enumerate(src_sents):
        src_by_piece.setdefault(piece, []).append(k)
    tgt_by_piece: dict[int, list[int]] = {}
    for k, (piece, _text) in enumerate(tgt_sents):
        tgt_by_piece.setdefault(piece, []).append(k)
    for pos, seg, old, bead in candidates:
        old_ids = src_by_piece.get(old, [])
        tgt_ids = [k for t in bead.target for k in tgt_by_piece.get(t, [])]
        sbeads = sorted(beads_of.get(old, []), key=lambda b: b.source or b.target)
        covered_s = sorted(k for b in sbeads for k in b.source)
        covered_t = sorted(k for b in sbeads for k in b.target)
        if (
            not old_ids
            or covered_s != old_ids
            or covered_t != sorted(tgt_ids)
            or any(not b.source or not b.target for b in sbeads)
        ):
            continue
        result = _partial_segment(seg, plan, old_ids, sbeads, src_sents, tgt_sents)
        if result is None:
            continue
        partial, n_before, n_after = result
        plan.to_translate[pos] = partial
        if len(bead.target) == 1:
            t = bead.target[0]
            splice = _splice(al.tgt, t, [tgt_sents[k][1] for k in tgt_by_piece.get(t, [])], n_before, n_after)
            nb = plan.new_source.pieces[seg.index].block_index
            if splice is not None and len(plan.new_source.blocks[nb].pieces) == 1:
                plan.splices[seg.index] = splice
                for emit in plan._layout:
                    if emit.block_index == nb:
                        emit.splice = splice


def _nonspace_offsets(text: str) -> list[int]:
    return [i for i, ch in enumerate(text) if not ch.isspace()]


def _splice(tgt: Document, t: int, sentences: list[str], n_before: int, n_after: int) -> _Splice | None:
    """Where, in the raw text of the target block holding piece ``t``, the machine translation
    of the changed sentences goes: between the translator's first ``n_before`` and last
    ``n_after`` sentences, keeping their line structure. None when the piece is not alone in its
    block or its raw text cannot be mapped (then the paragraph is rebuilt from its sentences)."""
    ref = tgt.pieces[t]
    block = ref.block
    if len(block.pieces) != 1 or block.kind is not BlockKind.PARAGRAPH:
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
    if gap.strip():
        lead, trail = gap[: len(gap) - len(gap.lstrip())], gap[len(gap.rstrip()) :]
    elif n_before and n_after:
        lead = trail = gap
    elif n_before:
        lead, trail = ("\n" if multi_line else (gap or join)), ""
    else:
        lead, trail = "", ("\n" if multi_line else (gap or join))
    return _Splice(block_index=ref.block_index, start=a, end=b, lead=lead, trail=trail)


def _partial_segment(
    seg: SegmentToTranslate,
    plan: SyncPlan,
    old_ids: list[int],
    sbeads: list[Bead],
    src_sents: list[tuple[int, str]],
    tgt_sents: list[tuple[int, str]],
) -> tuple[SegmentToTranslate, int, int] | None:
    ref = plan.new_source.pieces[seg.index]
    bounds = sentence_bounds(ref.text, plan.source_lang, ref.piece.spans)
    if len(bounds) < 2:
        return None
    new_s = [segment_key(ref.text[a:b]) for a, b in bounds]
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
    changed = [j for j in range(len(new_s)) if j not in owner]
    if not changed:
        return None
    start, end = min(changed), max(changed) + 1
    # Widen to whole beads: a bead cut by the run is translated with it.
    while True:
        cut = {owner[j] for j in range(start, end) if j in owner}
        members = [j for j, n in owner.items() if n in cut]
        new_start, new_end = min([start, *members]), max([end, *(m + 1 for m in members)])
        if (new_start, new_end) == (start, end):
            break
        start, end = new_start, new_end
    if start == 0 and end == len(new_s):
        return None
    before = sorted({owner[j] for j in range(start)})
    after = sorted({owner[j] for j in range(end, len(new_s))})
    lang = plan.target_lang

    def human(beads: list[int]) -> str:
        return _join([tgt_sents[t][1].strip() for n in beads for t in sorted(sbeads[n].target)], lang)

    offset, stop = bounds[start][0], bounds[end - 1][1]
    spans = tuple(
        Span(sp.start - offset, sp.end - offset, sp.kind)
        for sp in ref.piece.spans
        if sp.start >= offset and sp.end <= stop
    )
    segment = replace(seg, text=ref.text[offset:stop], spans=spans, prefix=human(before), suffix=human(after))
    return segment, sum(len(sbeads[n].target) for n in before), sum(len(sbeads[n].target) for n in after)


def _settle_groups(plan: SyncPlan, diff: SourceDiff, groups: list[list[int]]) -> None:
    """Merged groups spanning several new blocks that no raw target run placed: retranslate."""
    raw_blocks = {e.block_index for e in plan._layout if e.target_span is not None or e.skip}
    changed = False
    for members in groups:
        if all(plan.new_source.pieces[m].block_index in raw_blocks for m in members):
            continue
        for m in members:
            plan.reused.pop(m, None)
            plan.to_translate.append(_segment(plan.new_source, m, Reason.GROUP_CHANGED, diff.piece_status[m]))
            changed = True
    if changed:
        plan.to_translate.sort(key=lambda seg: seg.index)


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
        if ob is not None and not diff.block_same.get(nb, False) and block.kind is BlockKind.CODE:
            # A changed code cell replaces its counterpart (never a second copy); the lines that
            # did not change keep the translator's version.
            tb = al.protected.get(ob)
            if tb is not None and tb not in used_tgt:
                emit.merged = _merge_code(al.src.blocks[ob].raw, tgt.blocks[tb].raw, block.raw)
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

    _claim_translators_cells(plan, diff, al, layout, order, used_tgt)

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
    anchored = {tb for tb in range(len(tgt.blocks)) if tb in al.tgt_to_src_blocks or tb in al.protected_rev}
    anchored |= set(merged_into)
    # A figure the aligner could not pair is not the translator's addition when the new source
    # shows the same image: writing it would show the figure twice.
    new_images = set(_IMAGE_PATH.findall(new.render()))
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
    plan._layout = [layout[b] for b in order]


def _emit_targets(emit: _Emit) -> list[int]:
    if emit.target_span is not None:
        return [emit.target_span[0], emit.target_span[1]]
    return [emit.merged_from] if emit.merged_from is not None else []


def _claim_translators_cells(
    plan: SyncPlan,
    diff: SourceDiff,
    al: _Alignment,
    layout: dict[int, _Emit],
    order: list[int],
    used_tgt: set[int],
) -> None:
    """A code cell of the new source written from the source (changed, or new in the source)
    whose counterpart the translator has in a version the alignment did not pair (comments
    translated, cell reshaped): the translator's cell of the same tab, between the target blocks
    written before and after it and similar when comments are ignored, is replaced (merged)
    rather than kept next to a second copy."""
    new, tgt = plan.new_source, al.tgt
    for k, nb in enumerate(order):
        emit = layout[nb]
        block = new.blocks[nb]
        if block.kind is not BlockKind.CODE or emit.skip or emit.omit:
            continue
        if emit.target_span is not None or emit.merged is not None:
            continue
        ob = diff.block_old.get(nb)
        if ob is not None and diff.block_same.get(nb, False):
            continue  # unchanged: kept or left out above
        lo = max((t for b in order[:k] for t in _emit_targets(layout[b])), default=-1)
        hi = min((t for b in order[k + 1 :] for t in _emit_targets(layout[b])), default=len(tgt.blocks))
        best, best_score = None, 0.5
        for tb in range(lo + 1, hi):
            cand = tgt.blocks[tb]
            if tb in used_tgt or cand.kind is not BlockKind.CODE or not al.target_only(tb):
                continue
            score = _code_similarity(block, cand)
            if score >= best_score:
                best, best_score = tb, score
        if best is None:
            continue
        base = al.src.blocks[ob].raw if ob is not None else block.raw
        emit.merged = _merge_code(base, tgt.blocks[best].raw, block.raw)
        emit.merged_from = best
        used_tgt.add(best)


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
    k = position[nb]
    absorbed: list[int] = []
    for n, s in enumerate(src_sorted):
        if k + n >= len(order):
            return None
        cand = order[k + n]
        if diff.block_old.get(cand) != s or not diff.block_same.get(cand, False):
            return None
        if plan.new_source.blocks[cand].kind is not al.src.blocks[s].kind:
            return None
        if n:
            absorbed.append(cand)
    # Old source blocks between them must be blank (no protected block hidden inside the group).
    if any(
        al.src.blocks[i].kind is not BlockKind.BLANK and i not in src_blocks
        for i in range(src_sorted[0], src_sorted[-1] + 1)
    ):
        return None
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
    segments = {s.index: s for s in plan.to_translate}
    wanted = set(segments)
    texts: dict[int, str] = dict(plan.reused)
    machine: dict[int, list[str]] = {}  # new block → sha1s of machine-translated pieces
    untranslated: dict[int, list[str]] = {}
    spliced: dict[int, str] = {}  # new block → the translator's paragraph with the machine text in it
    for index in sorted(wanted):
        ref = new.pieces[index]
        tr = translations.get(index)
        if tr is None or tr.origin is Origin.UNTRANSLATED or not tr.text.strip():
            # The source text stays; in a partly reused paragraph only the changed sentences do,
            # between the translator's sentences, which is what a translator needs to see.
            seg = segments[index]
            texts[index] = (
                _join([seg.prefix, seg.text, seg.suffix], plan.target_lang) if seg.partial else ref.text
            )
            if index in plan.splices:
                spliced[ref.block_index] = _spliced(plan, index, seg.text, UNTRANSLATED_MARKER)
                continue
            untranslated.setdefault(ref.block_index, []).append(sha1_short(ref.text))
        else:
            texts[index] = _fit(tr.text, ref.block.kind)
            seg = segments[index]
            if style is not None and tr.origin is not Origin.HUMAN:
                whole = not seg.partial and index not in plan.splices
                texts[index] = styled_machine_piece(texts[index], ref, style, whole=whole)
            if index in plan.splices:
                marker = MACHINE_MARKER if tr.origin is not Origin.HUMAN else ""
                spliced[ref.block_index] = _spliced(plan, index, texts[index], marker)
                continue
            if seg.partial:
                texts[index] = _join([seg.prefix, texts[index], seg.suffix], plan.target_lang)
            if tr.origin is not Origin.HUMAN:
                machine.setdefault(ref.block_index, []).append(sha1_short(ref.text))

    chunks: list[tuple[int | None, str]] = []  # (new block index for markers, text)
    layout = plan._layout or [_Emit(i) for i, b in enumerate(new.blocks) if b.kind is not BlockKind.BLANK]
    tgt = plan.old_target
    # Between two pieces of old-target text that were neighbours in the old target, its own
    # blank lines are kept (a smaller diff for reviewers); elsewhere the new source's.
    prev_t: int | None = None

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
            gap = target_gap(emit.splice.block_index)
            chunks.append((None, new_sep if gap is None else gap))
            chunks.append((nb, spliced[nb]))
            prev_t = emit.splice.block_index
        elif emit.merged is not None:
            chunks.append((None, new_sep))
            chunks.append((nb, emit.merged))
            prev_t = None
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


def _spliced(plan: SyncPlan, index: int, text: str, marker: str) -> str:
    """The translator's paragraph with ``text`` (the changed sentences) in place, followed by its
    review marker as an inline comment (a marker at the start of a line would end the paragraph)."""
    splice = plan.splices[index]
    assert plan.old_target is not None
    raw = plan.old_target.blocks[splice.block_index].raw
    note = marker.format(ids=sha1_short(plan.new_source.pieces[index].text)) if marker else ""
    return raw[: splice.start] + splice.lead + text + note + splice.trail + raw[splice.end :]


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
