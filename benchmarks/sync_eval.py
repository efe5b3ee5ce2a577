"""Sync benchmark over the d2l-dev sync cases (``name.en.md`` → ``name.en-next.md`` with ``name.zh.md``).

Usage: ``python benchmarks/sync_eval.py [D2L_DEV_DIR] [--target LANG] [--worst N] [--json OUT.json]
[--synthetic] [--multi-real [--lang L]]`` (default ``../shared/d2l-dev`` relative to the repository).

``--target LANG`` (default ``zh``) reads ``name.LANG.md`` as the translation (and
``TERMINOLOGY.LANG.md`` as the glossary when there is one): any directory laid out like d2l-dev
(``name.en.md``, ``name.en-next.md``, ``name.LANG.md``) is a set of sync cases, a held-out set
in another language included.

``--multi-real`` measures real next-version sync cases in Japanese, Korean, Turkish and
Vietnamese instead of Chinese: for every section of d2l-dev-multi (``--multi``, default next to
D2L_DEV_DIR) that d2l-dev also has with a ``name.en-next.md``, the old English is the
``<lang>/<chapter>/<name>.en.md`` the translation was made from (d2l-en 0.16-0.17), the new
English is d2l-dev's ``name.en-next.md`` (a d2l-en commit later than the d2l-zh 2.0 origin, so
later than the multi original; a section whose original already equals it is skipped) and the
translation is ``<name>.<lang>.md``. The same figures (1)-(4c'') and worst files are printed per
language (no glossary; JSON per language as ``OUT.<lang>.json``). With ``--synthetic`` the cases
are made-up edits of every multi section instead. Figures at the time of writing (64 ja, 70 ko,
70 tr, 70 vi cases): sent 9.2-9.5% of whole-file re-translation; kept 99.95-100%; (a) and
invalid 0 in all four (tr had 11 lines and 1 invalid output before a cell whose variables the
translator renamed, in ``chapter_preliminaries/pandas``, and a fence the English moved into a
wrapper of its own, in ``chapter_installation/index``, replaced the translator's block); (b) 0
but 1 line in tr, a translated docstring whose English line the new version removed (a right
removal the line rule cannot tell). (c) 0.8-1.1% (c' 0.5-0.8%); (c'')
0.9 / 0.8 / 1.1 / 0.8% (ja / ko / tr / vi; only ko has a fusion left out, a lead-in glued to a
changed sentence). Since then the number-range dash (``4-8`` = ``4--8``), the straight quote
that opens a sentence (``belirtir. "Nat" nedir``), formula/code edits carried into the
translator's sentence (``$P$`` → ``$p$``) and removed slide-only text (``[~~…~~]``) are no longer
sent, and a paragraph the English joined across a removed display equation keeps the
translator's sentences of the paragraph it absorbed (``softmax-regression-concise``): (c) 0.0%
in ja, tr, vi and 16 characters in ko, a lead-in the translator glued to a changed sentence
((c'') 0 in all four).
With ``--synthetic`` (123 ja, 131 ko, 131 tr, 129 vi sections): (a), (b) and invalid 0 in all
four, kept 99.76-99.96%, sent 2.4%, (c) 0.7% in tr, 1.0% in ja, 2.0% in ko and 2.7% in vi (was
9.4-9.9% before glued summary lists were spliced per item, then 1.9-4.5%: a moved paragraph that
gained a sentence sent a sentence the summary repeats, a summary of ten items glued to its heading
was paired with eight of them, vi items without a period were not cut, and a re-wrap made a list
item of ``+ …`` inside inline math). Left: sentence alignments that pair a sentence with the
neighbouring paragraph's (ko/vi multivariable-calculus), 2-2 sentence beads chosen on length
(ja information-theory, tr multivariable-calculus), a paragraph the aligner left unpaired (vi
aws), headings the translator fused with the first sentence of a paragraph that moved or went.

For every case it runs the real planner (``plan_sync`` with the real aligner) and assembles the
new Chinese file with a fake engine (each segment becomes a tagged copy of its English text, so
nothing is sent anywhere), then reports:

1. **Characters sent for translation vs. characters that really changed.** The ground truth is
   computed independently of the planner: both English files are cut into *units* by plain text
   rules (blank-line separated paragraphs, with list items and table rows as units of their own;
   fenced code, ``$$`` math and directive lines such as ``:label:`` left out because nobody
   translates them), each unit normalised (whitespace collapsed, list/heading/quote markers and
   image paths removed), and ``difflib.SequenceMatcher`` over the two unit lists says which new
   units are not in an ``equal`` run; moved units whose exact text still exists in the old file
   count as unchanged. "Really changed" = the characters of those new units. The same figure
   is also printed with units cut further at plain sentence ends (a stricter ground truth: the
   planner sends whole sentences, and whole paragraphs where it cannot align sentences).
   Whole-file re-translation would send ``characters_total`` (every piece of the new file).
2. **Unchanged paragraphs that keep their human translation byte for byte.** For every new piece
   the planner's diff calls unchanged or moved, the human translation is what the aligner pairs
   the old piece with in the old Chinese file; the piece passes when the translator's raw text
   of every target piece of that bead (``block.raw[start:end]``, line breaks included) occurs
   verbatim in the synced file. Pieces the aligner could not pair confidently count as failures.
   A piece the translator merged with neighbours into one paragraph passes when its own
   translated sentences (sentence alignment inside the paragraph bead) are in the synced file,
   spacing aside: the merged paragraph as a whole changes with an edited member or is cut
   when its members moved apart.
3. **Validity**: the synced file must parse as d2lbook markdown, and its structure (heading
   levels, ``:label:`` / ``:eqlabel:`` names and figure paths in order) must match the new
   English file, and no ``#@tab`` has more code cells than both the new English and the old
   translation (a second copy of a cell), nor any ``:begin_tab:`` framework list more
   wrappers than both have (a second copy of a wrapper). New English cells are *not* required: a cell the
   translators left out or replaced with their own stays theirs.
4. **Faithfulness** (sync contract, docs/SYNC.md), by plain line rules independent of the planner:
   (a) output lines absent from the old translation but present in the old English
   (resurrected); (b) in files whose translatable English did not change, old-translation lines
   missing from the output; (c) characters sent whose English sentence already exists in the old
   English (slide markers, labels and whitespace ignored), printed twice: as a *substring* of
   the old English, and (c') at *sentence level*, only when it equals a whole old sentence. The
   first figure also counts what is left of an old run-on sentence the English split or cut
   ("By converting the model using X This seems almost too good…" losing its leading
   fragment): that sentence did change and its translation (one target sentence for the
   run-on) has to be redone, so sending it is right; (c') counts only sentences that really
   exist unchanged in the old English (sent because the translator fused them with a changed
   neighbour into one translated sentence, or because the planner could not cut finer);
   (c'') is (c) less the sentences the translator fused with a changed one. The translator's
   unit is the sentence they wrote: when one translated sentence renders an unchanged English
   sentence together with a changed one (hybridize: "This seems almost too good to be true:
   write … ``torch.jit.script``. Once this happens the network is optimized …" is one Chinese
   sentence "我们编写…，当完成这些任务后，网络就将得到优化…。"), it has to be redone whole
   and no planner can send less, so (c) and (c') cannot reach 0 on such a book; (c'') counts only
   what a planner could keep. Which sentences are fused is decided without the planner, by the
   aligner and the English texts: the sentence alignment of the old English with the old
   translation (``align_pieces``, then ``align_sentences`` over ``document_sentences`` cut
   further at the plain sentence ends of (c'), so that an English run-on "… in PyTorch. that
   maintains …" is two sentences and a translated sentence the segmenter leaves uncut is not
   taken for a fusion); a sent sentence is left out when the old sentence it matches lies in a
   sentence bead with target sentences and two or more English sentences, one of them not among
   the new English sentences (keys as in (c')). On d2l-dev (zh) (c'') is 0: all 594 characters of
   (c) are such fusions (hybridize, model-construction, padding-and-strides);
   (d) locality: one sentence appended
   to one plain English paragraph of every section (old English → that), the output must differ
   from the old translation in exactly one contiguous place (one non-equal group of a line
   diff), on d2l-dev (zh) and a spread sample of d2l-dev-multi (ja, ko, tr, vi).

Per-file worst cases are printed for each figure.
"""

from __future__ import annotations

import argparse
import difflib
import json
import random
import re
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from amts.domain.align import Bead, align_pieces, align_sentences, document_sentences
from amts.domain.diff import ChangeKind, diff_documents, normalise
from amts.domain.glossary import Glossary
from amts.domain.markdown import parse
from amts.domain.model import BlockKind, Document
from amts.domain.sync import SyncPlan, apply_sync, plan_sync
from amts.errors import AmtsError
from amts.ports import Origin, Translation

DEFAULT_DIR = Path(__file__).resolve().parents[1] / ".." / "shared" / "d2l-dev"

_FENCE = re.compile(r"^\s*(```+|~~~+)")
_DIRECTIVE = re.compile(r"^\s*:[a-z_]+:(`[^`]*`)?\s*$")
_LIST = re.compile(r"^\s*([*+-]|\d+[.)])\s+")
_MARKERS = re.compile(r"^\s*(#{1,6}\s+|>\s*|[*+-]\s+|\d+[.)]\s+)")
_IMAGE_PATH = re.compile(r"(!\[[^\]]*\])\([^)]*\)")


# --- ground truth ---------------------------------------------------------------------------


def text_units(text: str) -> list[str]:
    """Translatable units of a markdown file by plain line rules (independent of amts' parser)."""
    units: list[str] = []
    current: list[str] = []
    in_fence: str | None = None
    in_math = False

    def flush() -> None:
        if current:
            unit = normalise(
                " ".join(_IMAGE_PATH.sub(r"\1", _MARKERS.sub("", line, count=1)) for line in current)
            )
            unit = unit.replace("|", " ").strip()
            unit = normalise(unit)
            if unit and set(unit) - set("-: "):
                units.append(unit)
            current.clear()

    for line in text.splitlines():
        stripped = line.strip()
        if in_fence is not None:
            if stripped.startswith(in_fence):
                in_fence = None
            continue
        if m := _FENCE.match(line):
            flush()
            in_fence = m.group(1)
            continue
        if in_math:
            if "$$" in stripped:
                in_math = False
            continue
        if stripped.startswith("$$"):
            flush()
            in_math = not (stripped.count("$$") >= 2)
            continue
        if not stripped or _DIRECTIVE.match(line):
            flush()
            continue
        if _LIST.match(line) or stripped.startswith("|") or stripped.startswith("#"):
            flush()
            current.append(line)
            if stripped.startswith("|") or stripped.startswith("#"):
                flush()
            continue
        current.append(line)
    flush()
    return units


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z\[(*`$])")


def sentence_units(text: str) -> list[str]:
    """The units of :func:`text_units` cut further at plain sentence ends (". " before a capital)."""
    return [s for unit in text_units(text) for s in _SENTENCE_END.split(unit) if s]


def really_changed(old_text: str, new_text: str, sentences: bool = False) -> tuple[int, int]:
    """(characters of new units that changed, characters of all new units); units are
    paragraphs, or sentences with ``sentences``."""
    split = sentence_units if sentences else text_units
    old_units, new_units = split(old_text), split(new_text)
    matcher = difflib.SequenceMatcher(None, old_units, new_units, autojunk=False)
    changed: list[str] = []
    for tag, _i1, _i2, j1, j2 in matcher.get_opcodes():
        if tag != "equal":
            changed.extend(new_units[j1:j2])
    old_set = set(old_units)
    return sum(len(u) for u in changed if u not in old_set), sum(len(u) for u in new_units)


# --- structure check ------------------------------------------------------------------------

_LABEL = re.compile(r":(?:label|eqlabel):`([^`]*)`")
_FIG = re.compile(r"!\[[^\]]*\]\(([^)\s]+)")


def structure(doc: Document) -> tuple[list[str], list[str]]:
    """(anchors in order, code cells' first lines in order) of a document."""
    anchors: list[str] = []
    cells: list[str] = []
    for block in doc.blocks:
        if block.kind is BlockKind.HEADING:
            anchors.append("h" + str(len(block.raw) - len(block.raw.lstrip("#"))))
        if block.kind is BlockKind.CODE:
            lines = block.raw.splitlines()
            # A cell is identified by its tab (the fence's cell options such as ``n=1`` are
            # metadata the translator's copy may not carry).
            cells.append(
                lines[1].strip() if len(lines) > 1 and lines[1].startswith("#@tab") else "#@tab default"
            )
        if block.kind is not BlockKind.CODE:
            anchors.extend(_block_anchors(block.raw))
    return anchors, cells


def _block_anchors(raw: str) -> list[str]:
    """The ``l:`` label and ``f:`` figure anchors of one block in the order they are written (a
    translator's figure line ``![…](x.svg) :label:`y``` is figure then label, as in English)."""
    found = [(m.start(), "l:" + m.group(1)) for m in _LABEL.finditer(raw)]
    found += [(m.start(), "f:" + m.group(1)) for m in _FIG.finditer(raw)]
    return [anchor for _, anchor in sorted(found)]


_BEGIN_TAB = re.compile(r"^\s*:begin_tab:`([^`]*)`", re.MULTILINE)


def tab_wrappers(text: str) -> list[str]:
    """The framework lists of a file's ``:begin_tab:`` wrappers, in order (spaces removed)."""
    return [m.replace(" ", "") for m in _BEGIN_TAB.findall(text)]


def _heading_keys(doc: Document) -> list[str]:
    """The anchors of ``structure`` with each heading's text (to tell an unchanged heading)."""
    keys: list[str] = []
    for block in doc.blocks:
        if block.kind is BlockKind.HEADING:
            level = len(block.raw) - len(block.raw.lstrip("#"))
            keys.append(f"h{level}:" + normalise(block.raw.lstrip("#")))
        if block.kind is not BlockKind.CODE:
            keys.extend(_block_anchors(block.raw))
    return keys


def _expected_anchors(old: Document, new: Document, tgt: Document) -> list[str]:
    """The new English anchors, less those the translator left out or replaced (a heading or
    label absent from the old translation, a label they fixed) whose English did not change:
    the contract keeps the translators' decisions about unchanged content."""
    old_anchors, tgt_anchors, new_anchors = structure(old)[0], structure(tgt)[0], structure(new)[0]
    theirs: set[int] = set()  # old English anchors the translation has no copy of
    for tag, i1, i2, _j1, _j2 in difflib.SequenceMatcher(
        None, old_anchors, tgt_anchors, autojunk=False
    ).get_opcodes():
        if tag in ("delete", "replace"):
            theirs.update(range(i1, i2))
    dropped: set[int] = set()
    old_keys, new_keys = _heading_keys(old), _heading_keys(new)
    for tag, i1, i2, j1, _j2 in difflib.SequenceMatcher(
        None, old_keys, new_keys, autojunk=False
    ).get_opcodes():
        if tag == "equal":
            dropped.update(j1 + k for k in range(i2 - i1) if i1 + k in theirs)
    return [a for j, a in enumerate(new_anchors) if j not in dropped]


def _drop_added_headings(expected: list[str], actual: list[str]) -> list[str]:
    """Remove heading markers that only the translator's added sections bring (as few as
    needed to match ``expected``); anything else that differs stays and is reported."""
    matcher = difflib.SequenceMatcher(None, expected, actual, autojunk=False)
    out: list[str] = []
    for tag, _i1, _i2, j1, j2 in matcher.get_opcodes():
        if tag == "insert" and all(a.startswith("h") for a in actual[j1:j2]):
            continue
        out.extend(actual[j1:j2])
    return out


# --- faithfulness checks (ground truth independent of the planner) -------------------------

_SLIDE = re.compile(r"\[\*\*|\*\*\]|\(\*\*|\*\*\)")
_LABEL_ROLE = re.compile(r":(?:label|eqlabel):`[^`]*`")
_SENTENCE_CUT = re.compile(r"(?<=[.!?])\s+")


def _lines(text: str) -> list[str]:
    """Non-blank lines exactly as written (review markers of the sync left out)."""
    return [line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("<!-- amts:")]


def resurrected_lines(old_en: str, old_tgt: str, output: str, new_en: str = "") -> list[str]:
    """(a) Output lines absent from the old translation but present in the OLD English: content
    the translators had left out or replaced that the sync brought back. A line the new English
    has more often than the old one (a code line of a new ``#@tab jax`` cell, an edited line that
    now reads like another cell's) is new content, not a resurrection, and is not counted."""
    old_en_count = Counter(_lines(old_en))
    added = Counter(_lines(new_en)) - old_en_count
    tgt_lines = set(_lines(old_tgt))
    return [
        line
        for line in _lines(output)
        if line not in tgt_lines and line in old_en_count and line not in added
    ]


def translatable_unchanged(old_en: str, new_en: str) -> bool:
    """Whether the translatable English (plain-rule text units) is the same in both versions."""
    return text_units(old_en) == text_units(new_en)


def lost_lines(old_en: str, new_en: str, old_tgt: str, output: str) -> list[str]:
    """(b) Old-translation lines missing from the output (as a multiset), except lines of old
    English protected content that the new English removed."""
    gone_from_en = set(_lines(old_en)) - set(_lines(new_en))
    missing = Counter(_lines(old_tgt)) - Counter(_lines(output))
    return [line for line, n in missing.items() for _ in range(n) if line not in gone_from_en]


def _key(text: str) -> str:
    return normalise(_LABEL_ROLE.sub("", _SLIDE.sub("", text)))


def _sent_matching(segments: list[str], unchanged: Callable[[str], bool]) -> int:
    """Characters of the sent sentences whose key (12 characters or more) ``unchanged`` accepts."""
    total = 0
    for text in segments:
        for sentence in _SENTENCE_CUT.split(text):
            k = _key(sentence)
            if len(k) >= 12 and unchanged(k):
                total += len(sentence)
    return total


def unchanged_sent(old_en: str, segments: list[str]) -> int:
    """(c) Characters of the sent text whose English sentence already exists in the old English
    (slide markers, labels and whitespace ignored)."""
    old_key = "\n".join(_key(u) for u in text_units(old_en))
    return _sent_matching(segments, lambda k: k in old_key)


def unchanged_sent_whole(old_en: str, segments: list[str]) -> int:
    """(c') Characters of the sent text whose English sentence equals a whole sentence of the old
    English (same cut and normalisation as :func:`unchanged_sent`): a sentence that is only part
    of an old (run-on) sentence did change and is not counted."""
    old_sentences = {_key(s) for u in text_units(old_en) for s in _SENTENCE_CUT.split(u)}
    return _sent_matching(segments, lambda k: k in old_sentences)


def fused_with_changed(
    old: Document,
    tgt: Document,
    new_en: str,
    glossary: Glossary | None = None,
    piece_beads: list[Bead] | None = None,
) -> tuple[list[tuple[str, str]], set[int]]:
    """The old English sentences (:func:`finer_sentences`) as (sentence key, key of its
    paragraph), and the indices of those the translator fused with a changed one: the sentence
    bead of the old English with the old translation (:func:`align_sentences` inside
    :func:`align_pieces`' paragraph beads) that holds it has target sentences and two or more
    English sentences, at least one of them not unchanged in the new English. Only the aligner
    and the English texts decide, never the planner.

    An English sentence is unchanged when its key is among the new English sentence keys (the
    cut and normalisation of (c')) or, cut differently there (a figure caption, whose plain-rule
    unit carries ``![…]``), occurs in the new English text units."""
    new_units = [_key(u) for u in text_units(new_en)]
    new_sentences = {_key(s) for u in text_units(new_en) for s in _SENTENCE_CUT.split(u)}
    new_joined = "\n".join(new_units)
    src_sents, tgt_sents = finer_sentences(old), finer_sentences(tgt)
    keys = [(_key(text), _key(old.pieces[p].text)) for p, text in src_sents]

    def unchanged(k: str) -> bool:
        return k in new_sentences or k in new_joined

    beads = piece_beads if piece_beads is not None else align_pieces(old, tgt, glossary)
    fused: set[int] = set()
    for sb in align_sentences(old, tgt, beads, glossary, src_sentences=src_sents, tgt_sentences=tgt_sents):
        if sb.target and len(sb.source) >= 2 and not all(unchanged(keys[s][0]) for s in sb.source):
            fused.update(sb.source)
    return keys, fused


def finer_sentences(doc: Document) -> list[tuple[int, str]]:
    """:func:`document_sentences` cut further by the plain rule of (c') (white space after
    ``.!?``), on both sides of the sentence alignment of (c''). Without it a sentence the
    segmenter keeps whole would look like a fusion: an English run-on whose period is followed
    by a lower-case word ("… a block in PyTorch. that maintains …") is two sentences the
    translator may have fused (and (c) counts them apart); a translated sentence the segmenter
    does not cut before a straight quote ("… belirtir. \"Nat\" nedir …") is two the translator
    wrote apart. An over-cut (after "e.g.") leaves both parts in the bead of their one translated
    sentence."""
    return [
        (p, part) for p, text in document_sentences(doc) for part in _SENTENCE_CUT.split(text) if part.strip()
    ]


def unchanged_sent_unfused(
    old_en: str, segments: list[str], old_sentences: list[tuple[str, str]], fused: set[int]
) -> int:
    """(c'') Characters of (c), less the sentences the translator fused with a changed one into
    one translated sentence (``old_sentences`` and ``fused`` from :func:`fused_with_changed`):
    that translated sentence is their unit, it has to be redone whole, so no planner can send
    less. A sent sentence is matched to the old sentences whose key contains its key (or, cut
    finer there, whose keys it contains); several matches (a sentence the book repeats)
    are narrowed to those whose paragraph holds most of the segment's other sentences. It is
    left out only when every match is fused; no match leaves it counted."""
    old_key = "\n".join(_key(u) for u in text_units(old_en))
    total = 0
    for text in segments:
        parts = [(sentence, _key(sentence)) for sentence in _SENTENCE_CUT.split(text)]
        context = [k for _, k in parts if len(k) >= 12]
        for sentence, k in parts:
            if len(k) < 12 or k not in old_key:
                continue
            matches = [i for i, (sk, _) in enumerate(old_sentences) if k in sk]
            if not matches:
                matches = [i for i, (sk, _) in enumerate(old_sentences) if len(sk) >= 12 and sk in k]
            if len(matches) > 1:
                score = {i: sum(1 for c in context if c in old_sentences[i][1]) for i in matches}
                best = max(score.values())
                matches = [i for i in matches if score[i] == best]
            if matches and all(i in fused for i in matches):
                continue
            total += len(sentence)
    return total


def locality_case(old_en: str, seed: str) -> str | None:
    """The old English with one sentence appended to one plain paragraph (chosen by ``seed``), or
    None when the file has no such paragraph."""
    chunks = re.split(r"(\n[ \t]*\n)", old_en)
    candidates: list[int] = []
    in_fence = False
    for k in range(0, len(chunks), 2):
        chunk = chunks[k]
        fences = sum(1 for line in chunk.splitlines() if _FENCE.match(line))
        if not in_fence and fences == 0:
            first = chunk.lstrip("\n")
            plain = first[:1].isalpha() and "$$" not in chunk and "|" not in first
            if plain and not _LIST.match(first) and len(chunk.split()) >= 8:
                candidates.append(k)
        if fences % 2:
            in_fence = not in_fence
    if not candidates:
        return None
    k = random.Random(seed).choice(candidates)
    chunks[k] = (
        chunks[k].rstrip("\n")
        + "\nThis sentence was appended to the paragraph in the next version."
        + ("\n" if chunks[k].endswith("\n") else "")
    )
    return "".join(chunks)


def change_places(old_tgt: str, output: str) -> int:
    """Number of contiguous places (non-equal opcode groups of a line diff) where ``output``
    differs from ``old_tgt``."""
    a, b = old_tgt.splitlines(), output.splitlines()
    opcodes = difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes()
    places, previous_equal = 0, True
    for tag, *_ in opcodes:
        if tag != "equal" and previous_equal:
            places += 1
        previous_equal = tag == "equal"
    return places


# --- evaluation -----------------------------------------------------------------------------


@dataclass
class CaseResult:
    name: str
    sent: int = 0
    changed: int = 0
    changed_sentences: int = 0
    total: int = 0
    unchanged: int = 0
    kept: int = 0
    valid: bool = True
    problem: str = ""
    reasons: dict[str, int] = field(default_factory=dict)
    misses: dict[str, int] = field(default_factory=dict)  # why unchanged pieces were not kept
    seconds: float = 0.0
    resurrected: list[str] = field(default_factory=list)  # (a)
    english_same: bool = False  # translatable English unchanged (the files (b) is measured on)
    lost: list[str] = field(default_factory=list)  # (b)
    sent_unchanged: int = 0  # (c)
    sent_unchanged_whole: int = 0  # (c'): whole old sentences only
    sent_unchanged_unfused: int = 0  # (c''): (c) less sentences fused with a changed one


def fake_translations(plan: SyncPlan) -> dict[int, Translation]:
    return {s.key: Translation(f"〔{s.text}〕", Origin.MACHINE) for s in plan.to_translate}


def evaluate(
    base: Path, root: Path, glossary: Glossary | None = None, synthetic: bool = False, lang: str = "zh"
) -> CaseResult:
    name = str(base.relative_to(root))
    old_text = base.with_name(base.name + ".en.md").read_text(encoding="utf-8")
    tgt_text = base.with_name(f"{base.name}.{lang}.md").read_text(encoding="utf-8")
    if synthetic:
        new_text = perturb(old_text, seed=name)
    else:
        new_text = base.with_name(base.name + ".en-next.md").read_text(encoding="utf-8")
    return evaluate_texts(name, old_text, new_text, tgt_text, glossary, lang)


def _one_paragraph(raw: str) -> bool:
    """Whether ``raw`` parses as a single paragraph."""
    blocks = [b for b in parse(raw, "en").blocks if b.kind is not BlockKind.BLANK]
    return len(blocks) == 1 and blocks[0].kind is BlockKind.PARAGRAPH


def perturb(text: str, seed: str) -> str:
    """A made-up next version of ``text`` (deterministic per ``seed``): edited, deleted, inserted,
    re-wrapped and moved paragraphs, edited list items and code cells, so the planner is also
    measured on edits it was not developed on."""
    rng = random.Random(seed)
    doc = parse(text, "en")
    out: list[str] = []
    paragraphs: list[int] = []
    for block in doc.blocks:
        raw = block.raw
        r = rng.random()
        if block.kind is BlockKind.PARAGRAPH and not raw.lstrip().startswith(("!", "[", ":")):
            if r < 0.08:
                raw = raw.rstrip("\n") + " Moreover, this sentence was changed in the next version.\n"
            elif r < 0.13:
                continue  # deleted (its blank separator stays: harmless)
            elif r < 0.28:
                wrapped = (
                    raw.replace("\n", " ").rstrip() + "\n"
                    if raw.count("\n") > 1
                    else raw.replace(", ", ",\n")
                )
                # A re-wrap only moves line breaks: one that changes the markdown structure (a line
                # now starting with ``+ `` inside inline math reads as a list item) is an edit
                # the perturbation does not mean to make, so the paragraph stays as it was.
                if _one_paragraph(wrapped):
                    raw = wrapped
            elif r < 0.34:
                raw += f"\nA new paragraph number {len(out)} explains something the old version did not.\n"
            paragraphs.append(len(out))
        elif block.kind is BlockKind.LIST_ITEM and r < 0.06:
            raw = raw.rstrip("\n") + " (updated)\n"
        elif block.kind is BlockKind.CODE and r < 0.05:
            lines = raw.splitlines(keepends=True)
            raw = "".join([*lines[:-1], "print('changed')\n", lines[-1]]) if len(lines) > 2 else raw
        out.append(raw)
    if len(paragraphs) > 6:
        # Move one paragraph a few paragraphs further down.
        i = rng.randrange(len(paragraphs) - 4)
        a, b = paragraphs[i], paragraphs[i + 3]
        out[a], out[b] = out[b], out[a]
    return "".join(out)


def evaluate_texts(
    name: str,
    old_text: str,
    new_text: str,
    tgt_text: str,
    glossary: Glossary | None = None,
    lang: str = "zh",
) -> CaseResult:
    result = CaseResult(name)
    start = time.perf_counter()
    old = parse(old_text, "en", name + ".en.md")
    new = parse(new_text, "en", name + ".en-next.md")
    tgt = parse(tgt_text, lang, f"{name}.{lang}.md")
    plan = plan_sync(old, new, tgt, glossary=glossary)
    output = apply_sync(plan, fake_translations(plan))
    result.seconds = time.perf_counter() - start
    result.sent = plan.characters_to_translate
    result.total = plan.characters_total
    result.changed, _ = really_changed(old_text, new_text)
    result.changed_sentences, _ = really_changed(old_text, new_text, sentences=True)
    for seg in plan.to_translate:
        result.reasons[str(seg.reason)] = result.reasons.get(str(seg.reason), 0) + 1
    result.resurrected = resurrected_lines(old_text, tgt_text, output, new_text)
    result.english_same = translatable_unchanged(old_text, new_text)
    if result.english_same:
        result.lost = lost_lines(old_text, new_text, tgt_text, output)
    result.sent_unchanged = unchanged_sent(old_text, [seg.text for seg in plan.to_translate])
    result.sent_unchanged_whole = unchanged_sent_whole(old_text, [seg.text for seg in plan.to_translate])
    piece_beads = align_pieces(old, tgt, glossary)
    old_sentences, fused = fused_with_changed(old, tgt, new_text, glossary, piece_beads)
    result.sent_unchanged_unfused = unchanged_sent_unfused(
        old_text, [seg.text for seg in plan.to_translate], old_sentences, fused
    )

    # (2) human translations kept byte for byte
    beads = {s: b for b in piece_beads for s in b.source}
    piece_old = diff_documents(old, new).piece_old
    reason_of = {seg.index: f"retranslated ({seg.reason})" for seg in plan.to_translate}
    for i, status in enumerate(plan.statuses):
        if status not in (ChangeKind.UNCHANGED, ChangeKind.MOVED):
            continue
        result.unchanged += 1
        if plan.identical:
            result.kept += 1
            continue
        old_index = piece_old.get(i)
        bead = beads.get(old_index) if old_index is not None else None
        if bead is None or not bead.target:
            why = "aligner: no translation paired (1-0)"
        else:
            regions = [
                tgt.pieces[t].block.raw[tgt.pieces[t].piece.start : tgt.pieces[t].piece.end]
                for t in bead.target
            ]
            if all(r in output for r in regions):
                result.kept += 1
                continue
            if len(bead.source) > 1 and member_kept(old, tgt, bead, old_index, output, glossary):
                # A paragraph the translator merged with others: when another member changed
                # (its sentences spliced in) or moved away (each member gets its own sentences),
                # the whole merged text cannot be there; this member's own sentences must be.
                result.kept += 1
                continue
            why = f"sync: {reason_of.get(i, 'reused, but not byte for byte')}"
        result.misses[why] = result.misses.get(why, 0) + 1

    # (3) validity
    try:
        out_doc = parse(output, lang, name + ".synced.md")
    except AmtsError as error:
        result.valid, result.problem = False, f"does not parse: {error}"
        return result
    if out_doc.render() != output:
        result.valid, result.problem = False, "parser does not round-trip the output"
        return result
    new_cells = structure(new)[1]
    new_anchors = _expected_anchors(old, new, tgt)
    out_anchors, out_cells = structure(out_doc)
    # Anchors the translator added (in the old Chinese file, not in the old English one) are
    # target-only content the sync keeps on purpose.
    added = set(structure(tgt)[0]) - set(structure(old)[0]) - set(structure(new)[0])
    out_anchors = [a for a in out_anchors if a not in added or not a.startswith(("l:", "f:"))]
    if len(out_anchors) != len(new_anchors):
        out_anchors = _drop_added_headings(new_anchors, out_anchors)
    if new_anchors != out_anchors:
        diff = list(difflib.unified_diff(new_anchors, out_anchors, lineterm="", n=0))[2:6]
        result.valid, result.problem = False, "anchors differ: " + " ".join(diff)
    else:
        # (Not required: every new English cell. A cell the translators left out or replaced
        # with their own stays theirs.)
        # No second copy: per tab, at most as many cells as the new English or the old
        # translation has (the translator's extra tabs are theirs to keep).
        new_count, tgt_count = Counter(new_cells), Counter(structure(tgt)[1])
        extra = {tab: n for tab, n in Counter(out_cells).items() if n > max(new_count[tab], tgt_count[tab])}
        if extra:
            result.valid, result.problem = False, f"duplicated code cells: {extra}"
        else:
            # Same for ``:begin_tab:`` wrappers: the translator's and the English's wrapper of one
            # framework list written one after the other is a second copy.
            new_tabs, tgt_tabs = Counter(tab_wrappers(new_text)), Counter(tab_wrappers(tgt_text))
            extra = {
                tab: n
                for tab, n in Counter(tab_wrappers(output)).items()
                if n > max(new_tabs[tab], tgt_tabs[tab])
            }
            if extra:
                result.valid, result.problem = False, f"duplicated tab wrappers: {extra}"
    return result


def _squeezed(text: str) -> str:
    return "".join(text.split())


def member_kept(
    old: Document, tgt: Document, bead: Bead, member: int, output: str, glossary: Glossary | None
) -> bool:
    """Whether the translator's sentences of one unchanged member of a merged paragraph bead
    (several English paragraphs, one translated paragraph) are all in the output (spacing
    aside: the splice may re-join lines around the changed member's sentences)."""
    src_sents, tgt_sents = document_sentences(old), document_sentences(tgt)
    mine = [
        t
        for sb in align_sentences(
            old, tgt, [bead], glossary, src_sentences=src_sents, tgt_sentences=tgt_sents
        )
        if sb.target and all(src_sents[s][0] == member for s in sb.source)
        for t in sb.target
    ]
    flat = _squeezed(output)
    return bool(mine) and all(_squeezed(tgt_sents[t][1]) in flat for t in mine)


def locality(name: str, old_text: str, tgt_text: str, lang: str, glossary: Glossary | None) -> int | None:
    """(d) In how many contiguous places the output differs from the old translation when one
    sentence is appended to one English paragraph (None: the file has no plain paragraph)."""
    new_text = locality_case(old_text, seed=name)
    if new_text is None:
        return None
    old = parse(old_text, "en", name + ".en.md")
    new = parse(new_text, "en", name + ".en-next.md")
    tgt = parse(tgt_text, lang, f"{name}.{lang}.md")
    plan = plan_sync(old, new, tgt, glossary=glossary)
    return change_places(tgt_text, apply_sync(plan, fake_translations(plan)))


def locality_sections(root: Path, lang: str, limit: int | None) -> list[tuple[str, str, str]]:
    """(name, English, translation) of the sections under ``root`` with a ``.{lang}.md``
    translation; ``limit`` picks that many spread evenly over the sorted list."""
    bases = sorted(p.with_name(p.name[: -len(f".{lang}.md")]) for p in root.rglob(f"*.{lang}.md"))
    bases = [b for b in bases if b.with_name(b.name + ".en.md").exists()]
    if limit is not None and len(bases) > limit:
        step = len(bases) / limit
        bases = [bases[int(k * step)] for k in range(limit)]
    return [
        (
            str(b.relative_to(root)),
            b.with_name(b.name + ".en.md").read_text(encoding="utf-8"),
            b.with_name(f"{b.name}.{lang}.md").read_text(encoding="utf-8"),
        )
        for b in bases
    ]


def report_locality(
    label: str, sections: list[tuple[str, str, str]], lang: str, glossary: Glossary | None
) -> None:
    places = {name: locality(name, en, tgt, lang, glossary) for name, en, tgt in sections}
    measured = {n: p for n, p in places.items() if p is not None}
    good = sum(1 for p in measured.values() if p == 1)
    print(
        f"(d) locality {label} ({lang}): one appended sentence changes the translation in exactly one "
        f"place in {good}/{len(measured)} sections = {100 * good / max(len(measured), 1):.1f}%"
    )
    bad = sorted((n, p) for n, p in measured.items() if p != 1)
    if bad:
        print("    not local: " + ", ".join(f"{n} ({p} places)" for n, p in bad))


def multi_real_cases(root: Path, multi: Path, lang: str) -> list[tuple[str, str, str, str]]:
    """(name, old English, new English, translation) real sync cases of one d2l-dev-multi language.

    The old English is the ``<name>.en.md`` the ``<lang>`` translation was made from (d2l-en
    0.16-0.17); the new English is d2l-dev's ``<name>.en-next.md`` of the same section, a d2l-en
    commit later than the d2l-zh 2.0 origin and so later than the multi original. A section whose
    multi original already equals that later version has nothing to sync and is skipped."""
    cases: list[tuple[str, str, str, str]] = []
    for tgt_path in sorted((multi / lang).rglob(f"*.{lang}.md")):
        base = tgt_path.with_name(tgt_path.name[: -len(f".{lang}.md")])
        rel = base.relative_to(multi / lang)
        old_path, next_path = base.with_name(base.name + ".en.md"), root / f"{rel}.en-next.md"
        if not old_path.exists() or not next_path.exists():
            continue
        old_text, new_text = old_path.read_text(encoding="utf-8"), next_path.read_text(encoding="utf-8")
        if old_text == new_text:
            continue
        cases.append((f"{lang}/{rel}", old_text, new_text, tgt_path.read_text(encoding="utf-8")))
    return cases


def multi_synthetic_cases(multi: Path, lang: str) -> list[tuple[str, str, str, str]]:
    """(name, old English, made-up next English, translation) for every section of one language."""
    cases: list[tuple[str, str, str, str]] = []
    for name, en, tgt in locality_sections(multi / lang, lang, None):
        cases.append((f"{lang}/{name}", en, perturb(en, seed=name), tgt))
    return cases


def report(results: list[CaseResult], n: int) -> None:
    """Print the figures (1)-(4c'') over ``results`` and the ``n`` worst files of each."""
    sent = sum(r.sent for r in results)
    changed = sum(r.changed for r in results)
    changed_sentences = sum(r.changed_sentences for r in results)
    total = sum(r.total for r in results)
    unchanged = sum(r.unchanged for r in results)
    kept = sum(r.kept for r in results)
    invalid = [r for r in results if not r.valid]
    reasons: dict[str, int] = {}
    misses: dict[str, int] = {}
    for r in results:
        for k, v in r.reasons.items():
            reasons[k] = reasons.get(k, 0) + v
        for k, v in r.misses.items():
            misses[k] = misses.get(k, 0) + v
    seconds = [r.seconds for r in results]
    lines = [
        f"characters really changed (ground truth): {changed:,}",
        f"characters sent for translation (sync): {sent:,} = {sent / max(changed, 1):.2f} x really changed",
        f"  (ground truth at sentence level: {changed_sentences:,} changed; "
        f"sent = {sent / max(changed_sentences, 1):.2f} x that)",
        f"characters whole-file re-translation: {total:,} (sync sends {100 * sent / max(total, 1):.1f}%)",
        f"segments to translate by reason: {json.dumps(reasons, sort_keys=True)}",
        "unchanged paragraphs keeping their human translation byte for byte: "
        f"{kept}/{unchanged} = {100 * kept / max(unchanged, 1):.2f}%",
        f"  not kept, by cause: {json.dumps(misses, sort_keys=True, ensure_ascii=False)}",
        f"files whose output is not valid d2lbook markdown / differs in structure: {len(invalid)}",
        f"time (plan + assemble): {sum(seconds):.1f} s total, max {max(seconds):.2f} s per file",
    ]
    same = [r for r in results if r.english_same]
    resurrected = sum(len(r.resurrected) for r in results)
    lost = sum(len(r.lost) for r in same)
    sent_unchanged = sum(r.sent_unchanged for r in results)
    sent_unchanged_whole = sum(r.sent_unchanged_whole for r in results)
    sent_unchanged_unfused = sum(r.sent_unchanged_unfused for r in results)
    lines += [
        "(a) output lines absent from the old translation but present in the old English "
        f"(resurrected): {resurrected} in {sum(1 for r in results if r.resurrected)} files",
        f"(b) old-translation lines missing from the output, in the {len(same)} files whose "
        f"translatable English did not change: {lost} in {sum(1 for r in same if r.lost)} files",
        f"(c) characters sent whose English sentence is unchanged: {sent_unchanged:,} = "
        f"{100 * sent_unchanged / max(sent, 1):.1f}% of all sent",
        "(c') the same at sentence level (a whole old sentence, not part of one): "
        f"{sent_unchanged_whole:,} = "
        f"{100 * sent_unchanged_whole / max(sent, 1):.1f}% of all sent",
        "(c'') the same, not counting sentences the translator fused with a changed one: "
        f"{sent_unchanged_unfused:,} = "
        f"{100 * sent_unchanged_unfused / max(sent, 1):.1f}% of all sent",
    ]
    print("\n".join(lines))

    print("\nworst files by characters sent beyond the real change (sent - changed):")
    beyond = [r for r in results if r.sent > r.changed]
    for r in sorted(beyond, key=lambda r: r.sent - r.changed, reverse=True)[:n]:
        print(f"  {r.name}: sent {r.sent:,}, changed {r.changed:,}, reasons {r.reasons}")
    if not beyond:
        print("  none: no file sends more than its English really changed")
    print("worst files by kept share:")
    for r in sorted(results, key=lambda r: (r.kept / r.unchanged) if r.unchanged else 1.0)[:n]:
        print(f"  {r.name}: kept {r.kept}/{r.unchanged}")
    if invalid:
        print("invalid outputs:")
        for r in invalid[:n]:
            print(f"  {r.name}: {r.problem}")
    print("worst files by resurrected lines (a):")
    for r in sorted(results, key=lambda r: len(r.resurrected), reverse=True)[:n]:
        if r.resurrected:
            print(f"  {r.name}: {len(r.resurrected)}, e.g. {r.resurrected[0][:70]!r}")
    print("worst files by lost lines (b):")
    for r in sorted(same, key=lambda r: len(r.lost), reverse=True)[:n]:
        if r.lost:
            print(f"  {r.name}: {len(r.lost)}, e.g. {r.lost[0][:70]!r}")
    print("worst files by unchanged characters sent (c):")
    for r in sorted(results, key=lambda r: r.sent_unchanged, reverse=True)[:n]:
        if r.sent_unchanged:
            print(
                f"  {r.name}: {r.sent_unchanged:,} of {r.sent:,}"
                f" (whole sentences: {r.sent_unchanged_whole:,};"
                f" not fused with a changed one: {r.sent_unchanged_unfused:,})"
            )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("root", nargs="?", type=Path, default=DEFAULT_DIR)
    parser.add_argument("--worst", type=int, default=5, help="worst files to list per figure")
    parser.add_argument("--json", type=Path, help="write per-file figures here")
    parser.add_argument(
        "--synthetic",
        action="store_true",
        help="instead of name.en-next.md, sync against a made-up next version of every name.en.md",
    )
    parser.add_argument(
        "--multi",
        type=Path,
        help="d2l-dev-multi corpus for the locality check (ja, ko, tr, vi; default: next to ROOT); "
        "skipped when absent",
    )
    parser.add_argument(
        "--multi-limit", type=int, default=15, help="sections per language of d2l-dev-multi (0: all)"
    )
    parser.add_argument(
        "--multi-real",
        action="store_true",
        help="real sync cases of d2l-dev-multi per language instead (old: the English the ja/ko/tr/vi "
        "translation was made from; new: d2l-dev's name.en-next.md); with --synthetic, made-up edits",
    )
    parser.add_argument(
        "--lang", action="append", help="with --multi-real: only these languages (repeatable)"
    )
    parser.add_argument("--no-locality", action="store_true", help="skip the locality check (d)")
    parser.add_argument(
        "--no-glossary", action="store_true", help="align without the book's TERMINOLOGY.<lang>.md glossary"
    )
    parser.add_argument(
        "--target",
        default="zh",
        metavar="LANG",
        help="the translation language of ROOT's sync cases: name.en.md, name.en-next.md and "
        "name.LANG.md (default zh, as in d2l-dev; any language of amts.languages, for a held-out set)",
    )
    args = parser.parse_args(argv)
    root: Path = args.root.resolve()
    if not root.is_dir():
        print(f"sync_eval: {root} not found: this benchmark needs the d2l-dev corpus", file=sys.stderr)
        return 2
    bases = sorted(p.with_name(p.name[: -len(".en-next.md")]) for p in root.rglob("*.en-next.md"))
    target: str = args.target
    bases = [
        b
        for b in bases
        if b.with_name(b.name + ".en.md").exists() and b.with_name(f"{b.name}.{target}.md").exists()
    ]
    if not bases and not args.multi_real:
        print(
            f"sync_eval: no sync cases (name.en.md, name.en-next.md, name.{target}.md) under {root}",
            file=sys.stderr,
        )
        return 2
    glossary = None
    if not args.no_glossary and (root / f"TERMINOLOGY.{target}.md").exists():
        glossary = Glossary.load(root / f"TERMINOLOGY.{target}.md", "en", target)
    if args.multi_real:
        multi_dir: Path = (args.multi or root.parent / "d2l-dev-multi").resolve()
        for lang in args.lang or ["ja", "ko", "tr", "vi"]:
            if not (multi_dir / lang).is_dir():
                continue
            cases = (
                multi_synthetic_cases(multi_dir, lang)
                if args.synthetic
                else multi_real_cases(root, multi_dir, lang)
            )
            lang_results = [evaluate_texts(*case, lang=lang) for case in cases]
            kind = "synthetic edits" if args.synthetic else "multi original -> d2l-dev en-next"
            print(f"\n=== {lang}: {len(lang_results)} sync cases ({kind}) under {multi_dir / lang}")
            if lang_results:
                report(lang_results, args.worst)
            if args.json:
                out = args.json.with_name(f"{args.json.stem}.{lang}{args.json.suffix}")
                out.write_text(json.dumps([r.__dict__ for r in lang_results], indent=1), encoding="utf-8")
        return 0
    if args.synthetic:
        # Every section with a translation, each with a made-up next version.
        suffix = f".{target}.md"
        bases = sorted(p.with_name(p.name[: -len(suffix)]) for p in root.rglob(f"*{suffix}"))
        bases = [b for b in bases if b.with_name(b.name + ".en.md").exists()]
    results = [evaluate(b, root, glossary, args.synthetic, target) for b in bases]

    kind = "synthetic edits of name.en.md" if args.synthetic else "name.en.md -> name.en-next.md"
    print(
        f"sync cases: {len(results)} ({kind}, en -> {target}) under {root} "
        f"(glossary: {'yes' if glossary else 'no'})"
    )
    report(results, args.worst)
    if not args.no_locality and not args.synthetic:
        report_locality(root.name, locality_sections(root, target, None), target, glossary)
        multi: Path = (args.multi or root.parent / "d2l-dev-multi").resolve()
        if multi.is_dir():
            for lang in ("ja", "ko", "tr", "vi"):
                if (multi / lang).is_dir():
                    limit = args.multi_limit or None
                    report_locality("d2l-dev-multi", locality_sections(multi / lang, lang, limit), lang, None)
    if args.json:
        args.json.write_text(json.dumps([r.__dict__ for r in results], indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
