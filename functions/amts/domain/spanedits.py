"""English edits the translation can follow without translating anything.

Contract:
    carry_span_edits(old_source, new_source, old_target, beads, diff, min_confidence)
        -> SpanEdits(old_source, old_target, notes)

Some English edits change only what the translation copies verbatim: an inline formula
(``$P$`` → ``$p$``), an inline code span (```torch.cuda.device('cuda')```), a cross-reference
role (``:numref:`sec_a``` → ``:numref:`sec_b```), a link target. The translator wrote those
spans exactly as the English had them, so the edit is carried into their text by replacing the
span, and the sentence keeps the translator's words: it is not sent for translation (a machine
translation of an unchanged sentence is worse than the human one with the formula updated).
Likewise, d2lbook's slide-only text ``[~~…~~]`` (shown in slides, never in the book) that the
English removed is removed from the translation where the translator wrote it, and is no edit
where they left it out.

How: both the old English and the old translation are rewritten (the old span replaced by the
new one, in the raw text of the blocks of one aligned bead), so that the ordinary sync sees
those sentences as unchanged and copies the (rewritten) translation byte for byte. An edit is
carried only when it is unambiguous: every occurrence of the old span in the English paragraph
becomes the same new span, the translation of the paragraph holds the old span exactly as often
as the English did, and no other text of the blocks involved holds it. Rewritten documents must
parse into the same blocks and pieces, so the alignment computed before stays valid; otherwise
nothing is carried.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from amts.domain.align import Bead
from amts.domain.diff import ChangeKind, SourceDiff
from amts.domain.markdown import parse
from amts.domain.model import Document, SpanKind

__all__ = ["SpanEdits", "carry_span_edits"]

# Spans a translation copies as they are (link text and slide-marker delimiters are not here:
# the first is translated, the second is markup of the English only).
_CARRIED = frozenset({SpanKind.CODE, SpanKind.MATH, SpanKind.ROLE, SpanKind.LINK_TARGET})
_SLIDE_ONLY = re.compile(r"\[~~.*?~~\]")
_SLIDE_ONLY_RAW = re.compile(r"\[~~[\s\S]*?~~\][ \t]*")


@dataclass(slots=True)
class SpanEdits:
    old_source: Document
    old_target: Document
    notes: list[str] = field(default_factory=list)  # one per carried edit, by line


def _spans(doc: Document, index: int) -> list[str]:
    piece = doc.pieces[index].piece
    return [piece.text[s.start : s.end] for s in piece.spans if s.kind in _CARRIED]


def _mapping(old: Sequence[str], new: Sequence[str]) -> dict[str, str] | None:
    """Old span text → new span text for the spans replaced one for one, or None when one old
    span text would become two different ones (or stays in one place and changes in another)."""
    mapping: dict[str, str] = {}
    kept: set[str] = set()
    matcher = difflib.SequenceMatcher(None, list(old), list(new), autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            kept.update(old[i1:i2])
        elif op == "replace" and i2 - i1 == j2 - j1:
            for a, b in zip(old[i1:i2], new[j1:j2], strict=True):
                if mapping.setdefault(a, b) != b:
                    return None
    if kept & set(mapping):
        return None
    return mapping


def _replace_all(text: str, mapping: Mapping[str, str]) -> str:
    pattern = re.compile("|".join(re.escape(a) for a in sorted(mapping, key=len, reverse=True)))
    return pattern.sub(lambda m: mapping[m.group()], text)


def _same_shape(a: Document, b: Document) -> bool:
    return len(a.blocks) == len(b.blocks) and all(
        x.kind is y.kind and len(x.pieces) == len(y.pieces) for x, y in zip(a.blocks, b.blocks, strict=True)
    )


def _drop_slide_only(raw: str) -> str:
    """``raw`` without its ``[~~…~~]`` runs; a line left empty by that goes with them."""
    out = _SLIDE_ONLY_RAW.sub("", raw)
    lines = out.splitlines(keepends=True)
    before = raw.splitlines(keepends=True)
    if len(lines) == len(before):
        kept = (line for line, was in zip(lines, before, strict=True) if line.strip() or not was.strip())
        return "".join(kept)
    return out


def carry_span_edits(
    old_source: Document,
    new_source: Document,
    old_target: Document,
    beads: Sequence[Bead],
    diff: SourceDiff,
    min_confidence: float,
) -> SpanEdits:
    """The old English and old translation with the verbatim-span edits of the new English
    carried into both (see the module doc); the documents themselves when there is none."""
    bead_of = {s: b for b in beads for s in b.source}
    src_raw: dict[int, str] = {}
    tgt_raw: dict[int, str] = {}
    notes: list[str] = []
    done: set[Bead] = set()
    source, target = old_source, old_target  # the documents as rewritten so far
    for i, status in enumerate(diff.piece_status):
        if status is not ChangeKind.EDITED:
            continue
        o = diff.piece_old[i]
        bead = bead_of.get(o)
        if bead is None or not bead.target or bead.confidence < min_confidence or bead in done:
            continue
        old_text, new_text = old_source.pieces[o].text, new_source.pieces[i].text
        mapping = _mapping(_spans(old_source, o), _spans(new_source, i)) or {}
        slide = bool(_SLIDE_ONLY.search(old_text)) and not _SLIDE_ONLY.search(new_text)
        if not mapping and not slide:
            continue
        s_blocks = sorted({old_source.pieces[s].block_index for s in bead.source})
        t_blocks = sorted({old_target.pieces[t].block_index for t in bead.target})
        if any(b in src_raw for b in s_blocks) or any(b in tgt_raw for b in t_blocks):
            continue  # a block shared with an edit already carried: one rewrite per block
        s_text = "\n".join(old_source.pieces[s].text for s in bead.source)
        t_text = "\n".join(old_target.pieces[t].text for t in bead.target)
        s_all = "".join(old_source.blocks[b].raw for b in s_blocks)
        t_all = "".join(old_target.blocks[b].raw for b in t_blocks)
        if any(
            not (s_text.count(a) == s_all.count(a) == t_text.count(a) == t_all.count(a) > 0) for a in mapping
        ):
            continue
        t_slides = len(_SLIDE_ONLY.findall(t_text))
        if slide and t_slides not in (0, len(_SLIDE_ONLY.findall(s_text))):
            continue
        new_src = {b: old_source.blocks[b].raw for b in s_blocks}
        new_tgt = {b: old_target.blocks[b].raw for b in t_blocks}
        if mapping:
            new_src = {b: _replace_all(raw, mapping) for b, raw in new_src.items()}
            new_tgt = {b: _replace_all(raw, mapping) for b, raw in new_tgt.items()}
        if slide:
            new_src = {b: _drop_slide_only(raw) for b, raw in new_src.items()}
            if t_slides:
                new_tgt = {b: _drop_slide_only(raw) for b, raw in new_tgt.items()}
        trial_src = {**src_raw, **new_src}
        trial_tgt = {**tgt_raw, **{b: raw for b, raw in new_tgt.items() if raw != old_target.blocks[b].raw}}
        trial_source = _rewritten(old_source, trial_src)
        trial_target = _rewritten(old_target, trial_tgt)
        if trial_source is None or trial_target is None:
            continue  # this rewrite would change the blocks: the paragraph is synced as before
        src_raw, tgt_raw = trial_src, trial_tgt
        source, target = trial_source, trial_target
        done.add(bead)
        what = ", ".join(f"{a} → {b}" for a, b in mapping.items())
        if slide:
            what = ", ".join(filter(None, [what, "slide-only text removed"]))
        line = new_source.pieces[i].block.line
        notes.append(f"line {line}: {what} carried into the translation (not retranslated)")
    return SpanEdits(source, target, notes)


def _rewritten(doc: Document, raws: Mapping[int, str]) -> Document | None:
    """``doc`` with the raw text of some blocks replaced, re-parsed; None when that changes the
    document's blocks or pieces (the alignment computed on ``doc`` would no longer apply)."""
    if not raws:
        return doc
    text = "".join(raws.get(b, block.raw) for b, block in enumerate(doc.blocks))
    out = parse(text, doc.lang, doc.path, glued_period=doc.glued_period)
    return out if _same_shape(doc, out) else None
