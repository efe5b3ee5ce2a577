"""Bilingual alignment: paragraphs (pieces) then sentences.

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
    align_pieces / align_sentences / align_documents take ``model=PairModel`` (keyword) to
    replace the shipped :data:`PAIR_MODELS` entry: benchmarks score held-out calibrations.

How it works. Protected blocks found in both files (code cells, display math, labels, figure
paths, framework tabs) are matched in order (:func:`amts.domain.anchors.match_signatures`, a
weighted LCS; code cells match fuzzily because translators edit comments, same-named tabs by
content size) and cut both documents into regions. A ``:begin_tab:`` range present on one side
only is *detached*: its pieces are cheap to leave unaligned and cost more to pair, so an extra
framework tab cannot shift its neighbours, yet text that the other file keeps outside any tab
can still find its translation; in a run of adjacent one-sided tabs (one copy per framework)
only the first copy may pair. Each region is aligned by a Gale-Church style dynamic program over
beads 1-1, 1-0, 0-1, 2-1, 1-2, 2-2, 3-1, 1-3, 4-1, 1-4 (and up to 1-8 when a paragraph became
a list) whose cost is the negative log-probability of the length ratio (calibrated per
language pair, see :data:`PAIR_MODELS`; Latin text inside CJK counts at its translated weight)
plus anchor agreement (:mod:`amts.domain.anchors`) and block-kind agreement (headings only
with headings of the same level, tables with tables). The confidence of a bead is its
posterior probability in the same lattice (forward-backward): a bead is sure when no other
segmentation of its neighbourhood comes close. Sentences are aligned the same way inside every
paragraph bead with two non-empty sides (:func:`sentence_model`), their confidence multiplied
by the paragraph's.

The dynamic program is monotone inside each region, which real translations are not always.
Three second passes follow it (:func:`align_pieces`): neighbouring regions are aligned again
as one when text moved across the cut between them (:func:`_join_regions`); pieces left alone
on both sides pair up when both clearly prefer each other and share anchors, even across
other beads (a paragraph the translator moved, :func:`pair_leftovers`); a piece stranded next
to a bead across a cut joins it when the bead reads much better with it
(:func:`attach_leftovers`). None of them crosses a label, the one anchor that says where a
piece of text belongs. Precision matters more than recall (a wrong pair teaches the engine a wrong
translation), hence the threshold on what enters parallel data.

Measured with ``benchmarks/align_eval.py`` on hand-made gold alignments of D2L sections.
"""

from __future__ import annotations

import bisect
import itertools
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum

from amts.domain.anchors import (
    AnchorSet,
    BlockSignature,
    block_signature,
    compare,
    extract_anchors,
    glossary_sides,
    match_signatures,
    tab_ranges,
)
from amts.domain.glossary import Glossary
from amts.domain.languages import base as _base_lang
from amts.domain.languages import joiner as _language_joiner
from amts.domain.languages import uses_cjk_script
from amts.domain.model import BlockKind, Document, Span

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


# --------------------------------------------------------------------------- the pair model


@dataclass(frozen=True, slots=True)
class PairModel:
    """Scoring constants for one language pair.

    ``ratio`` is the expected target/source character ratio and ``variance`` the variance of
    ``(l_t - ratio * l_s) / sqrt(l_s)`` (Gale & Church's s²), both measured on 1-1 paragraph
    beads (``benchmarks/calibrate.py``). ``priors`` are bead-type probabilities.
    """

    ratio: float
    variance: float
    priors: tuple[tuple[tuple[int, int], float], ...]
    src_cjk: bool = False
    tgt_cjk: bool = False
    strong_match: float = 1.0
    strong_miss: float = 0.8
    latin_match: float = 0.6
    latin_miss: float = 0.3
    term_match: float = 0.5
    kind_mismatch: float = 3.0
    list_expansion: float = 0.5  # a paragraph whose enumeration became list items
    heading_same_level: float = 2.0
    heading_swallow: float = 1.0  # a heading whose line also holds its paragraph (see _swallowed)
    detached_pair: float = 1.0
    detached_skip: float = 0.7
    # weight of a Latin-script character inside CJK text (about one CJK character per 2.4
    # English characters: copied terms/code should weigh what their translation would)
    latin_weight: float = 0.42

    def side_weight(self, cjk: bool) -> float | None:
        return self.latin_weight if cjk else None

    def reversed(self) -> PairModel:
        flipped = tuple(((b, a), p) for (a, b), p in self.priors)
        return PairModel(
            ratio=1.0 / self.ratio,
            variance=self.variance / self.ratio**3,  # same z-scores in both directions
            priors=flipped,
            src_cjk=self.tgt_cjk,
            tgt_cjk=self.src_cjk,
            strong_match=self.strong_match,
            strong_miss=self.strong_miss,
            latin_match=self.latin_match,
            latin_miss=self.latin_miss,
            term_match=self.term_match,
            kind_mismatch=self.kind_mismatch,
            list_expansion=self.list_expansion,
            heading_same_level=self.heading_same_level,
            heading_swallow=self.heading_swallow,
            detached_pair=self.detached_pair,
            detached_skip=self.detached_skip,
            latin_weight=self.latin_weight,
        )


_PRIORS: tuple[tuple[tuple[int, int], float], ...] = (
    ((1, 1), 0.86),
    ((1, 0), 0.01),
    ((0, 1), 0.01),
    ((2, 1), 0.04),
    ((1, 2), 0.04),
    ((2, 2), 0.01),
    ((3, 1), 0.008),
    ((1, 3), 0.008),
    ((4, 1), 0.002),
    ((1, 4), 0.002),
    # Long beads (allowed only for a paragraph turned into a list, or a heading that swallowed
    # what follows it): up to 16, so that a summary heading the translator glued to its list of
    # ten or more items (d2l-ja random-variables: ``## 概要 * … * …``) pairs with all of them.
    *(((1, k), 0.001) for k in range(5, 17)),
    *(((k, 1), 0.001) for k in range(5, 17)),
)

# en→zh measured by benchmarks/calibrate.py on the 124 sections of ../shared/d2l-dev
# (lengths as in text_length: non-space characters, Latin characters inside Chinese weighted
# 0.42): 1-1 paragraph beads with confidence ≥ 0.9 (n = 3,876): sum l_zh / sum l_en = 0.349,
# per-bead mean 0.353, median 0.349; s² of (l_zh - 0.35 l_en) / sqrt(l_en) = 0.49 on those
# (selected, hence optimistic) beads; 1.2 scored best on the gold alignments (0.5 / 0.8 / 1.2
# tried). en→es cannot be measured here: literature figures (Spanish ≈ 1.15 × English in
# characters) and Gale & Church's s² = 6.8.
# en→ja, en→ko, en→tr, en→vi measured the same way on ../shared/d2l-dev-multi (benchmarks/
# calibrate.py --corpus ../shared/d2l-dev-multi/<lang> --tgt <lang>; n = 4,474 / 4,911 / 5,061 /
# 4,873 confident 1-1 beads): ratio 0.495 / 0.412 / 1.049 / 0.959, s² 0.70 / 0.34 / 1.69 / 1.42
# on those selected beads; the variance is set about 2.4 × the measured one, the factor that
# scored best for Chinese (0.49 measured, 1.2 chosen), and checked on benchmarks/align_multi.py.
PAIR_MODELS: dict[tuple[str, str], PairModel] = {
    ("en", "zh"): PairModel(ratio=0.35, variance=1.2, priors=_PRIORS, tgt_cjk=True),
    ("en", "ja"): PairModel(ratio=0.50, variance=1.7, priors=_PRIORS, tgt_cjk=True),
    ("en", "ko"): PairModel(ratio=0.41, variance=1.2, priors=_PRIORS, tgt_cjk=True),
    ("en", "tr"): PairModel(ratio=1.05, variance=4.0, priors=_PRIORS),
    ("en", "vi"): PairModel(ratio=0.96, variance=3.4, priors=_PRIORS),
    ("en", "es"): PairModel(ratio=1.15, variance=6.8, priors=_PRIORS),
}


def pair_model(src_lang: str, tgt_lang: str) -> PairModel:
    """The calibrated model of a pair, its reverse, or a neutral default for unknown pairs."""
    s, t = _base_lang(src_lang), _base_lang(tgt_lang)
    if (s, t) in PAIR_MODELS:
        return PAIR_MODELS[(s, t)]
    if (t, s) in PAIR_MODELS:
        return PAIR_MODELS[(t, s)].reversed()
    src_cjk, tgt_cjk = uses_cjk_script(s), uses_cjk_script(t)
    if tgt_cjk and not src_cjk:
        return replace(PAIR_MODELS[("en", "zh")], priors=_PRIORS)
    if src_cjk and not tgt_cjk:
        return PAIR_MODELS[("en", "zh")].reversed()
    return PairModel(ratio=1.0, variance=6.8, priors=_PRIORS, src_cjk=src_cjk, tgt_cjk=tgt_cjk)


# Chosen on the gold sentence alignments (benchmarks/align_eval.py; merges and skips ×1/×2/×3-4,
# variance ×0.5-2 tried): doubling merge and skip priors and a tighter variance did best, by a
# few beads out of ~380, i.e. weak evidence; the direction (more merges) matches the data.
SENTENCE_PRIOR_SCALE: dict[tuple[int, int], float] = {
    (2, 1): 2.0,
    (1, 2): 2.0,
    (2, 2): 2.0,
    (3, 1): 2.0,
    (1, 3): 2.0,
    (1, 0): 2.0,
    (0, 1): 2.0,
}
SENTENCE_VARIANCE_SCALE = 0.7


def sentence_model(model: PairModel) -> PairModel:
    """The paragraph model adapted to sentences (translators merge and split sentences more
    often than paragraphs)."""
    priors = tuple((bt, p * SENTENCE_PRIOR_SCALE.get(bt, 1.0)) for bt, p in model.priors)
    return replace(model, priors=priors, variance=model.variance * SENTENCE_VARIANCE_SCALE)


# --------------------------------------------------------------------------- the DP over units


@dataclass(frozen=True, slots=True)
class Unit:
    """An alignable unit: a piece or a sentence. ``kind`` is ``h1``…``h6``, ``p``, ``li``,
    ``table``, ``fig`` or ``s`` (sentence); ``index`` is what beads report."""

    index: int
    length: float
    kind: str
    anchors: AnchorSet = field(default_factory=AnchorSet)
    detached: int = 0  # DETACHED / BLOCKED: inside a tab range the other document lacks


_LOG_SQRT2 = math.sqrt(2.0)


def _length_cost(ls: float, lt: float, model: PairModel) -> float:
    """-log P(|delta| ≥ observed): Gale & Church's two-sided tail on character lengths."""
    mean = (ls + lt / model.ratio) / 2.0
    delta = (lt - model.ratio * ls) / math.sqrt(model.variance * max(mean, 1.0))
    p = math.erfc(abs(delta) / _LOG_SQRT2)
    if p < 1e-300:
        return 690.0
    return -math.log(p)


_EMPTY = AnchorSet()


class _Region:
    """Bead costs of one region, with per-unit facts precomputed (the DP asks for each bead
    cost once; the forward and backward passes reuse them)."""

    def __init__(self, src: Sequence[Unit], tgt: Sequence[Unit], model: PairModel, anchors: bool) -> None:
        self.src = src
        self.tgt = tgt
        self.model = model
        self.use_anchors = anchors
        self.prior = {bt: -math.log(p) for bt, p in model.priors}
        self.src_pre = _prefix([u.length for u in src])
        self.tgt_pre = _prefix([u.length for u in tgt])
        self.det_s = _prefix([1.0 if u.detached else 0.0 for u in src])
        self.det_t = _prefix([1.0 if u.detached else 0.0 for u in tgt])
        self.blk_s = _prefix([1.0 if u.detached == BLOCKED else 0.0 for u in src])
        self.blk_t = _prefix([1.0 if u.detached == BLOCKED else 0.0 for u in tgt])
        self._anchor_cache: dict[tuple[int, int, int], AnchorSet] = {}
        # cost of leaving a unit out, anchors included (what a 1-0 / 0-1 bead loses)
        self.skip_s = [self._skip(u, model.src_cjk != model.tgt_cjk and model.src_cjk) for u in src]
        self.skip_t = [self._skip(u, model.src_cjk != model.tgt_cjk and model.tgt_cjk) for u in tgt]

    def _skip(self, u: Unit, embedded: bool) -> float:
        if not self.use_anchors:
            return 0.0
        m = self.model
        miss = m.strong_miss * sum(u.anchors.strong.values())
        if embedded:
            miss += m.latin_miss * len(u.anchors.words)
        return miss

    def _merged(self, side: int, a: int, b: int) -> AnchorSet:
        key = (side, a, b)
        got = self._anchor_cache.get(key)
        if got is None:
            units = self.src if side == 0 else self.tgt
            got = AnchorSet.merge([u.anchors for u in units[a:b]])
            self._anchor_cache[key] = got
        return got

    def cost(self, i0: int, i1: int, j0: int, j1: int) -> float:
        di, dj = i1 - i0, j1 - j0
        m = self.model
        if not dj:
            if self.det_s[i1] - self.det_s[i0] == di:
                return m.detached_skip
            return self.prior[(di, 0)] + sum(self.skip_s[i0:i1])
        if not di:
            if self.det_t[j1] - self.det_t[j0] == dj:
                return m.detached_skip
            return self.prior[(0, dj)] + sum(self.skip_t[j0:j1])
        if self.blk_s[i1] - self.blk_s[i0] or self.blk_t[j1] - self.blk_t[j0]:
            return math.inf
        cost = self.prior[(di, dj)]
        det_s = self.det_s[i1] - self.det_s[i0]
        det_t = self.det_t[j1] - self.det_t[j0]
        if (det_s or det_t) and not (det_s == di and det_t == dj):
            cost += m.detached_pair  # tab text against untabbed text: possible, less likely
        ks = self.src[i0].kind
        kt = self.tgt[j0].kind
        if di == 1 and dj == 1:
            if ks[0] == "h" or kt[0] == "h":
                if ks[0] != kt[0]:
                    return math.inf
                cost += -m.heading_same_level if ks == kt else m.heading_same_level
            elif ks != kt:
                if ks in ("table", "fig") or kt in ("table", "fig"):
                    return math.inf
                cost += m.kind_mismatch
        else:
            many = self.src[i0:i1] if dj == 1 else self.tgt[j0:j1] if di == 1 else ()
            one = self.tgt[j0] if dj == 1 else self.src[i0]
            expansion = bool(many) and _list_expansion([u.kind for u in many])
            swallow = bool(many) and _swallowed(one.kind, [u.kind for u in many])
            if (di > 4 or dj > 4) and not (expansion or swallow):
                return math.inf  # long beads only for a paragraph turned into a list
            kinds = {u.kind for u in self.src[i0:i1]} | {u.kind for u in self.tgt[j0:j1]}
            if any(k[0] == "h" for k in kinds):
                if not swallow:
                    return math.inf
                cost += m.heading_swallow
            elif len(kinds) > 1:
                if "table" in kinds or "fig" in kinds:
                    return math.inf
                cost += m.list_expansion if expansion else m.kind_mismatch
        cost += _length_cost(self.src_pre[i1] - self.src_pre[i0], self.tgt_pre[j1] - self.tgt_pre[j0], m)
        if self.use_anchors:
            a_s = self._merged(0, i0, i1)
            a_t = self._merged(1, j0, j1)
            sm, su, lm, lu, gm = compare(a_s, a_t, m.src_cjk, m.tgt_cjk)
            cost += m.strong_miss * su + m.latin_miss * lu
            cost -= m.strong_match * sm + m.latin_match * lm + m.term_match * gm
        return cost


def _swallowed(heading: str, kinds: Sequence[str]) -> bool:
    """Whether one heading of kind ``heading`` may stand for a heading of the same level and
    the text after it: machine-translated d2l-ja/ko/vi files sometimes put a heading and its
    paragraph (or its list) on one line (``## まとめ * ベルヌーイ…``), which parses as one
    long heading; without this bead the heading pairs with the next heading instead."""
    return (
        heading[0] == "h"
        and kinds[0] == heading
        and all(k[0] != "h" and k not in ("table", "fig") for k in kinds[1:])
    )


def _list_expansion(kinds: Sequence[str]) -> bool:
    """Whether pieces of these kinds can be one paragraph that the other side wrote as a
    list: an introduction, the items, and possibly the paragraph's end after the list."""
    if len(kinds) < 2 or kinds[0] != "p" or kinds[1] != "li":
        return False
    k = 1
    while k < len(kinds) and kinds[k] == "li":
        k += 1
    return all(kind == "p" for kind in kinds[k:])


def _prefix(values: Sequence[float]) -> list[float]:
    out = [0.0]
    for v in values:
        out.append(out[-1] + v)
    return out


def _logaddexp(a: float, b: float) -> float:
    if a == -math.inf:
        return b
    if b == -math.inf:
        return a
    if a > b:
        return a + math.log1p(math.exp(b - a))
    return b + math.log1p(math.exp(a - b))


FULL_DP_CELLS = 900
BAND = 8


def align_units(
    src: Sequence[Unit],
    tgt: Sequence[Unit],
    model: PairModel,
    *,
    use_anchors: bool = True,
    temperature: float = 1.0,
) -> list[Bead]:
    """Best bead sequence over two unit lists, each bead with its posterior probability.

    Large regions are searched in a diagonal band of width ``BAND`` (plus the length
    difference), which keeps the cost linear in the region size.
    """
    n, m = len(src), len(tgt)
    if n == 0 or m == 0:
        return [Bead((u.index,), (), 1.0) for u in src] + [Bead((), (u.index,), 1.0) for u in tgt]
    region = _Region(src, tgt, model, use_anchors)
    bead_types = [bt for bt, _ in model.priors]
    kinds = {u.kind for u in src} | {u.kind for u in tgt}
    if not ("p" in kinds and "li" in kinds):  # long beads exist only for paragraph → list
        bead_types = [bt for bt in bead_types if max(bt) <= 4]
    banded = (n + 1) * (m + 1) > FULL_DP_CELLS
    width = BAND + abs(n - m)

    def inside(i: int, j: int) -> bool:
        return not banded or abs(j - i * m / n) <= width

    inf = math.inf
    costs: dict[tuple[int, int, int, int], float] = {}
    best = [[inf] * (m + 1) for _ in range(n + 1)]
    back: list[list[tuple[int, int] | None]] = [[None] * (m + 1) for _ in range(n + 1)]
    alpha = [[-inf] * (m + 1) for _ in range(n + 1)]
    best[0][0] = 0.0
    alpha[0][0] = 0.0
    for i in range(n + 1):
        for j in range(m + 1):
            if (i == 0 and j == 0) or not inside(i, j):
                continue
            b = inf
            arg: tuple[int, int] | None = None
            a = -inf
            for di, dj in bead_types:
                i0, j0 = i - di, j - dj
                if i0 < 0 or j0 < 0 or best[i0][j0] == inf:
                    continue
                c = region.cost(i0, i, j0, j)
                if c == inf:
                    continue
                costs[(i0, i, j0, j)] = c
                if best[i0][j0] + c < b:
                    b = best[i0][j0] + c
                    arg = (di, dj)
                a = _logaddexp(a, alpha[i0][j0] - c / temperature)
            best[i][j] = b
            back[i][j] = arg
            alpha[i][j] = a
    if best[n][m] == inf:  # cannot happen with 1-0/0-1 beads allowed; kept for safety
        return [Bead((u.index,), (), 0.0) for u in src] + [Bead((), (u.index,), 0.0) for u in tgt]
    beta = [[-inf] * (m + 1) for _ in range(n + 1)]
    beta[n][m] = 0.0
    # backward pass in reverse topological order of the start cell
    starts: dict[tuple[int, int], list[tuple[int, int, float]]] = {}
    for (i0, i1, j0, j1), c in costs.items():
        starts.setdefault((i0, j0), []).append((i1, j1, c))
    for i in range(n, -1, -1):
        for j in range(m, -1, -1):
            if i == n and j == m:
                continue
            acc = -inf
            for i1, j1, c in starts.get((i, j), ()):
                if beta[i1][j1] != -inf:
                    acc = _logaddexp(acc, beta[i1][j1] - c / temperature)
            beta[i][j] = acc
    total = alpha[n][m]
    beads: list[Bead] = []
    i, j = n, m
    while i > 0 or j > 0:
        step = back[i][j]
        assert step is not None
        di, dj = step
        i0, j0 = i - di, j - dj
        c = costs[(i0, i, j0, j)]
        post = math.exp(min(0.0, alpha[i0][j0] - c / temperature + beta[i][j] - total))
        beads.append(
            Bead(tuple(u.index for u in src[i0:i]), tuple(u.index for u in tgt[j0:j]), round(post, 4))
        )
        i, j = i0, j0
    beads.reverse()
    return beads


def align_diagonal(src: Sequence[Unit], tgt: Sequence[Unit]) -> list[Bead]:
    """Baseline: the i-th unit with the i-th unit, leftovers unmatched."""
    k = min(len(src), len(tgt))
    beads = [Bead((src[i].index,), (tgt[i].index,), 1.0) for i in range(k)]
    beads += [Bead((u.index,), (), 1.0) for u in src[k:]]
    beads += [Bead((), (u.index,), 1.0) for u in tgt[k:]]
    return beads


# --------------------------------------------------------------------------- documents


def _unit_kind(kind: BlockKind, raw: str) -> str:
    if kind is BlockKind.HEADING:
        level = len(raw) - len(raw.lstrip("#"))
        return f"h{max(1, min(level, 6))}"
    return {
        BlockKind.LIST_ITEM: "li",
        BlockKind.TABLE: "table",
        BlockKind.FIGURE: "fig",
    }.get(kind, "p")


_CJK = re.compile("[\u3000-\u9fff\uf900-\ufaff\uff00-\uffef\uac00-\ud7af]")
_SPACE = re.compile(r"\s")
_DISPLAY_IN_TEXT = re.compile(r"\$\$.+?\$\$", re.S)
_ROLE_TEXT = re.compile(r":\w+:`[^`]*`")
_WORD = re.compile(r"\w")

# Part of the key of every cached alignment (Build Parallel Data's align-cache): a release whose
# aligner pairs differently changes it, so that a deployed stack re-aligns instead of reusing
# pairs of the previous aligner. 2: ``$$…$$`` inside text no longer counts as length.
ALIGNER_VERSION = "2"


def text_length(text: str, latin_weight: float | None = None) -> float:
    """Length used by the length model: non-space characters.

    In a CJK text (``latin_weight`` given) the Latin-script characters (English terms, code,
    math, URLs) count ``latin_weight`` each: they are copied, not translated, so counting them
    as CJK characters would make every paragraph with inline code look far too long.

    A ``$$…$$`` formula inside the text counts as its two delimiters only. The English has
    display math as a block of its own, outside every piece; a translation that wrote it into a
    paragraph (machine-translated ko/vi appendices: ``다시 … 고려하십시오: $$ L (mathbf …$$``)
    would otherwise look several times longer than its English and pair with two paragraphs.
    A piece that is only the equation (and its label, slide markers) keeps its full length: the
    translator wrote the display block as a paragraph, and at nearly no length it would join a
    neighbour's bead and go when the English deletes that neighbour.
    Measured: zh gold and the ja/ko/tr/vi held-out F1 unchanged; made-up edits send 2.0 → 0.3 %
    (ko) and 2.2 → 0.4 % (vi) unchanged English.
    """
    if "$$" in text:
        rest = _DISPLAY_IN_TEXT.sub("$$", text)
        if _WORD.search(_ROLE_TEXT.sub("", rest)):
            text = rest  # (a piece that is only the equation and its label keeps its length)
    visible = len(text) - len(_SPACE.findall(text))
    if latin_weight is None:
        return float(visible)
    cjk = len(_CJK.findall(text))
    return cjk + latin_weight * (visible - cjk)


def piece_units(doc: Document, terms: Sequence[str] = (), latin_weight: float | None = None) -> list[Unit]:
    """One :class:`Unit` per piece of ``doc`` (anchors precomputed once per piece);
    ``latin_weight`` is given for a CJK document (see :func:`text_length`)."""
    return [
        Unit(
            ref.index,
            text_length(ref.text, latin_weight),
            _unit_kind(ref.block.kind, ref.block.raw),
            extract_anchors(ref.text, terms),
        )
        for ref in doc.pieces
    ]


def _signatures(
    doc: Document, tabs: dict[int, int], latin_weight: float | None
) -> list[tuple[int, BlockSignature]]:
    """Hard-anchor signatures of ``doc`` (block index, signature); tabs carry their content size."""
    lengths: dict[int, float] = {}
    for ref in doc.pieces:
        lengths[ref.block_index] = lengths.get(ref.block_index, 0) + text_length(ref.text, latin_weight)
    out: list[tuple[int, BlockSignature]] = []
    for bi, block in enumerate(doc.blocks):
        sig = block_signature(block)
        if sig is None or sig.kind == "end_tab":
            continue
        if sig.kind == "tab" and bi in tabs:
            size = round(sum(lengths.get(k, 0) for k in range(bi, tabs[bi] + 1)))
            sig = BlockSignature(sig.kind, sig.exact, sig.lines, size)
        out.append((bi, sig))
    return out


def _regions(
    src: Document, tgt: Document, model: PairModel, firm: list[tuple[int, int]] | None = None
) -> tuple[list[tuple[list[int], list[int]]], dict[int, int], dict[int, int]]:
    """Cut both documents at matched protected blocks (``firm`` receives the cuts made by
    labels, the anchors nothing may cross, as (source block, target block)).

    Returns the regions as (source piece indices, target piece indices) in document order, and
    per side the status of the pieces inside a tab range present on one side only: ``DETACHED``
    pieces stay in their region (the other file may hold the same text outside any tab) but are
    cheap to leave unaligned and cost more to pair, so they cannot pull their neighbours out of
    place; ``BLOCKED`` pieces are later alternatives of a run of adjacent one-sided tabs (the
    same paragraph once per framework) facing tab-free text: only the first of the run may pair.
    """
    tabs_s = dict(tab_ranges(src.blocks))
    tabs_t = dict(tab_ranges(tgt.blocks))
    sigs_s = _signatures(src, tabs_s, model.side_weight(model.src_cjk))
    sigs_t = _signatures(tgt, tabs_t, model.side_weight(model.tgt_cjk))
    pairs = match_signatures([s for _, s in sigs_s], [s for _, s in sigs_t], ratio=model.ratio)
    cuts = [(sigs_s[a][0], sigs_t[b][0]) for a, b in pairs]
    matched_s = {c[0] for c in cuts}
    matched_t = {c[1] for c in cuts}
    for a, b in list(cuts):
        if a in tabs_s and b in tabs_t:
            cuts.append((tabs_s[a], tabs_t[b]))
    # keep a strictly monotone chain of cuts (end-of-tab cuts could cross a stray match)
    cuts.sort()
    chain: list[tuple[int, int]] = []
    for a, b in cuts:
        if not chain or (a > chain[-1][0] and b > chain[-1][1]):
            chain.append((a, b))

    def bucket(doc: Document, side: int) -> dict[int, list[int]]:
        # region number for each piece: 2k = before cut k, 2k+1 = inside the cut block k
        out: dict[int, list[int]] = {}
        k = 0
        for ref in doc.pieces:
            while k < len(chain) and chain[k][side] < ref.block_index:
                k += 1
            slot = 2 * k + 1 if k < len(chain) and chain[k][side] == ref.block_index else 2 * k
            out.setdefault(slot, []).append(ref.index)
        return out

    sig_at = dict(sigs_s)
    firm = firm if firm is not None else []
    firm.extend(
        (a, b)
        for a, b in chain
        if a in sig_at
        and (sig_at[a].kind == "label" or (sig_at[a].kind == "math" and "#" in sig_at[a].exact))
    )
    bs = bucket(src, 0)
    bt = bucket(tgt, 1)
    regions = [(bs.get(k, []), bt.get(k, [])) for k in sorted(set(bs) | set(bt))]
    status_s = _one_sided(src, tabs_s, matched_s)
    status_t = _one_sided(tgt, tabs_t, matched_t)
    for ps, pt in regions:
        # alternatives compete with nothing when the other side has its own one-sided tabs
        if any(j in status_t for j in pt):
            for i in ps:
                if status_s.get(i) == BLOCKED:
                    status_s[i] = DETACHED
        if any(i in status_s for i in ps):
            for j in pt:
                if status_t.get(j) == BLOCKED:
                    status_t[j] = DETACHED
    return regions, status_s, status_t


DETACHED = 1
BLOCKED = 2


def _one_sided(doc: Document, tabs: dict[int, int], matched: set[int]) -> dict[int, int]:
    """Status of the pieces in unmatched tab ranges: the first range of a run of adjacent
    ranges (only blank lines between them) is DETACHED, the others BLOCKED."""
    block_status: dict[int, int] = {}
    prev_end = -10
    for start, end in sorted(tabs.items()):
        if start in matched:
            prev_end = -10
            continue
        adjacent = prev_end >= 0 and all(
            doc.blocks[k].kind is BlockKind.BLANK for k in range(prev_end + 1, start)
        )
        for bi in range(start, end + 1):
            block_status[bi] = BLOCKED if adjacent else DETACHED
        prev_end = end
    return {r.index: block_status[r.block_index] for r in doc.pieces if r.block_index in block_status}


Aligner = Callable[[Sequence[Unit], Sequence[Unit]], list[Bead]]


def align_pieces(
    src: Document,
    tgt: Document,
    glossary: Glossary | None = None,
    *,
    use_anchors: bool = True,
    use_regions: bool = True,
    aligner: Aligner | None = None,
    model: PairModel | None = None,
) -> list[Bead]:
    """Paragraph-level beads covering every piece of both documents, in document order.

    ``use_anchors`` / ``use_regions`` / ``aligner`` exist for the benchmark's baselines (plain
    Gale-Church, diagonal pairing); ``model`` replaces the shipped :func:`pair_model` so a
    benchmark can score a length model calibrated on other sections (held-out evaluation).
    Production code leaves them alone.
    """
    model = model or pair_model(src.lang, tgt.lang)
    terms_s, terms_t = (
        glossary_sides(glossary, model.src_cjk, model.tgt_cjk, src.lang) if use_anchors else ([], [])
    )
    units_s = piece_units(src, terms_s, model.side_weight(model.src_cjk))
    units_t = piece_units(tgt, terms_t, model.side_weight(model.tgt_cjk))

    def run(us: Sequence[Unit], ut: Sequence[Unit]) -> list[Bead]:
        if aligner is not None:
            return aligner(us, ut)
        return align_units(us, ut, model, use_anchors=use_anchors)

    if not use_regions:
        return run(units_s, units_t)
    firm: list[tuple[int, int]] = []
    regions, status_s, status_t = _regions(src, tgt, model, firm)
    for i, st in status_s.items():
        units_s[i] = replace(units_s[i], detached=st)
    for j, st in status_t.items():
        units_t[j] = replace(units_t[j], detached=st)
    per_region = [run([units_s[i] for i in ps], [units_t[j] for j in pt]) for ps, pt in regions]
    if use_anchors and aligner is None:
        # a piece's side of every label cut: second passes never cross a label
        cuts_s = sorted(a for a, _ in firm)
        cuts_t = sorted(b for _, b in firm)
        zone_s = [bisect.bisect_left(cuts_s, ref.block_index) for ref in src.pieces]
        zone_t = [bisect.bisect_left(cuts_t, ref.block_index) for ref in tgt.pieces]
        regions, per_region = _join_regions(regions, per_region, units_s, units_t, model, zone_s, zone_t)
    beads = [b for rb in per_region for b in rb]
    if use_anchors and aligner is None:
        tab_names_s, tab_names_t = _tab_names(src), _tab_names(tgt)
        beads = pair_leftovers(beads, units_s, units_t, model, zone_s, zone_t, tab_names_s, tab_names_t)
        beads = attach_leftovers(beads, units_s, units_t, model, zone_s, zone_t)
    return beads


ATTACH_MARGIN = 2.0


def attach_leftovers(
    beads: Sequence[Bead],
    units_s: Sequence[Unit],
    units_t: Sequence[Unit],
    model: PairModel,
    zone_s: Sequence[int] | None = None,
    zone_t: Sequence[int] | None = None,
) -> list[Bead]:
    """Third pass: a leftover piece next to a bead joins it when the bead then reads much
    better (by ``ATTACH_MARGIN`` over the cost of leaving it alone).

    Inside a region the dynamic program already weighed this; across a cut it could not:
    translators move a clause to the other side of a display formula or a code cell, which
    leaves a short piece stranded next to the paragraph it belongs to.
    """
    out = list(beads)
    where_s = {i: k for k, b in enumerate(out) for i in b.source}
    where_t = {j: k for k, b in enumerate(out) for j in b.target}
    allowed = {bt for bt, _ in model.priors}
    for k in range(len(out)):
        b = out[k]
        if (b.source and b.target) or len(b.source) + len(b.target) != 1:
            continue
        side = 0 if b.source else 1
        piece = (b.source or b.target)[0]
        units = units_s if side == 0 else units_t
        if units[piece].detached == BLOCKED:
            continue
        where = where_s if side == 0 else where_t
        best: tuple[float, int, Bead] | None = None
        for nb in (piece - 1, piece + 1):
            kn = where.get(nb)
            if kn is None:
                continue
            other = out[kn]
            if not other.source or not other.target:
                continue
            if side == 0:
                merged = Bead(tuple(sorted((*other.source, piece))), other.target, other.confidence)
            else:
                merged = Bead(other.source, tuple(sorted((*other.target, piece))), other.confidence)
            if (len(merged.source), len(merged.target)) not in allowed:
                continue
            if zone_s is not None and zone_t is not None:
                zones = {zone_s[i] for i in merged.source} | {zone_t[j] for j in merged.target}
                if len(zones) > 1:
                    continue
            gain = _bead_cost(other, units_s, units_t, model) + _bead_cost(b, units_s, units_t, model)
            gain -= _bead_cost(merged, units_s, units_t, model)
            if gain > ATTACH_MARGIN and (best is None or gain > best[0]):
                best = (gain, kn, merged)
        if best is None:
            continue
        gain, kn, merged = best
        conf = merged.confidence / (1.0 + math.exp(-gain))
        out[kn] = Bead(merged.source, merged.target, round(conf, 4))
        out[k] = Bead((), (), 0.0)  # removed below; indices in where_* stay valid
        for i in merged.source:
            where_s[i] = kn
        for j in merged.target:
            where_t[j] = kn
    return [b for b in out if b.source or b.target]


def _bead_cost(bead: Bead, units_s: Sequence[Unit], units_t: Sequence[Unit], model: PairModel) -> float:
    us = [units_s[i] for i in bead.source]
    ut = [units_t[j] for j in bead.target]
    return _Region(us, ut, model, True).cost(0, len(us), 0, len(ut))


JOIN_MARGIN = 3.0


def _tab_names(doc: Document) -> dict[int, frozenset[str]]:
    """Piece index → framework names of the ``:begin_tab:`` range holding it."""
    names_of: dict[int, frozenset[str]] = {}
    for start, end in tab_ranges(doc.blocks):
        m = _TAB_NAMES.match(doc.blocks[start].raw)
        names = frozenset(n.strip() for n in m.group(1).split(",")) if m else frozenset()
        for bi in range(start, end + 1):
            names_of[bi] = names
    return {r.index: names_of[r.block_index] for r in doc.pieces if r.block_index in names_of}


_TAB_NAMES = re.compile(r"^\s*:begin_tab:`([^`]*)`")


def _join_regions(
    regions: list[tuple[list[int], list[int]]],
    per_region: list[list[Bead]],
    units_s: Sequence[Unit],
    units_t: Sequence[Unit],
    model: PairModel,
    zone_s: Sequence[int],
    zone_t: Sequence[int],
) -> tuple[list[tuple[list[int], list[int]]], list[list[Bead]]]:
    """Re-align two neighbouring regions as one when text moved across the cut between them.

    A translator who writes a heading and its paragraph before a code cell the source has
    after them leaves 0-1 beads at the end of one region and 1-0 beads at the start of the
    next; inside its region the dynamic program may even pair a neighbour wrongly to fill the
    gap. When one region has leftovers on one side and the next on the other, both are aligned
    again without the cut, and the joint alignment replaces them when its cost is lower by
    ``JOIN_MARGIN`` (what the matched protected block between them is worth) and every bead
    that crosses the cut shares anchors (:func:`_evidence`): lengths alone do not outweigh a
    matched protected block. Cuts made by labels (``zone_*``: per piece, the number of label
    cuts before it) are never removed.
    """
    out_r: list[tuple[list[int], list[int]]] = []
    out_b: list[list[Bead]] = []
    for region, beads in zip(regions, per_region, strict=True):
        if out_r and _crossing(out_b[-1], beads):
            prev_s, prev_t = out_r[-1]
            ps, pt = prev_s + region[0], prev_t + region[1]
            if len({zone_s[i] for i in ps} | {zone_t[j] for j in pt}) == 1:
                joint = align_units([units_s[i] for i in ps], [units_t[j] for j in pt], model)
                before = sum(_bead_cost(b, units_s, units_t, model) for b in (*out_b[-1], *beads))
                after = sum(_bead_cost(b, units_s, units_t, model) for b in joint)
                first_s, first_t = set(prev_s), set(prev_t)
                crossing = [
                    b
                    for b in joint
                    if b.source and b.target and (b.source[0] in first_s) != (b.target[0] in first_t)
                ]
                if after + JOIN_MARGIN < before and all(
                    _evidence(
                        _merged_unit([units_s[i] for i in b.source]),
                        _merged_unit([units_t[j] for j in b.target]),
                        model,
                    )
                    for b in crossing
                ):
                    out_r[-1] = (ps, pt)
                    out_b[-1] = joint
                    continue
        out_r.append(region)
        out_b.append(beads)
    return out_r, out_b


def _merged_unit(units: Sequence[Unit]) -> Unit:
    if len(units) == 1:
        return units[0]
    return Unit(
        units[0].index,
        sum(u.length for u in units),
        units[0].kind if len({u.kind for u in units}) == 1 else "p",
        AnchorSet.merge([u.anchors for u in units]),
    )


def _crossing(first: Sequence[Bead], second: Sequence[Bead]) -> bool:
    """Leftovers on one side in ``first`` and on the other side in ``second``."""
    s1 = any(b.source and not b.target for b in first)
    t1 = any(b.target and not b.source for b in first)
    s2 = any(b.source and not b.target for b in second)
    t2 = any(b.target and not b.source for b in second)
    return (t1 and s2) or (s1 and t2)


REORDER_PENALTY = 3.0


def _evidence(u: Unit, v: Unit, model: PairModel) -> bool:
    """Whether two units share what survives translation: more matched anchors than
    unmatched ones (a same-level heading counts as one match). Lengths alone say nothing
    about two pieces taken from anywhere in the documents."""
    sm, su, lm, lu, gm = compare(u.anchors, v.anchors, model.src_cjk, model.tgt_cjk)
    matched = sm + lm + gm + (1 if u.kind == v.kind and u.kind[0] == "h" else 0)
    return matched > su + lu


LEFTOVER_MIN_CONFIDENCE = 0.8
# a length mismatch this unlikely (two-sided tail under 2%) is not a translation, however many
# anchors the two pieces share: one of them translates only part of the other
LEFTOVER_MAX_LENGTH_COST = 4.0


def pair_leftovers(
    beads: Sequence[Bead],
    units_s: Sequence[Unit],
    units_t: Sequence[Unit],
    model: PairModel,
    zone_s: Sequence[int] | None = None,
    zone_t: Sequence[int] | None = None,
    tabs_s: dict[int, frozenset[str]] | None = None,
    tabs_t: dict[int, frozenset[str]] | None = None,
) -> list[Bead]:
    """Second pass: pair pieces the monotone pass left alone on both sides.

    The dynamic program cannot pair a paragraph the translator moved across a code cell or a
    figure, nor across another paragraph: both copies end up as 1-0 / 0-1 beads. Among those
    leftovers (single pieces, or two adjacent leftovers of one side that the translator merged)
    a bead is accepted when it is the clear choice of each of its pieces: its posterior in a
    small model where each leftover either stays alone (the cost of a 1-0 bead) or joins one
    candidate bead (its bead cost, plus ``REORDER_PENALTY`` when its pieces do not sit between
    the same aligned neighbours, i.e. the bead crosses other beads). Candidates need shared
    anchors (:func:`_evidence`) and a plausible length ratio. Text inside framework tabs
    (``tabs_*``: piece → tab names) pairs only with text of a tab of the same framework or with
    untabbed text.
    """
    left_s = {b.source[0]: k for k, b in enumerate(beads) if len(b.source) == 1 and not b.target}
    left_t = {b.target[0]: k for k, b in enumerate(beads) if len(b.target) == 1 and not b.source}
    if not left_s or not left_t:
        return list(beads)
    gap: list[int] = []
    seen = 0
    for bead in beads:
        if bead.source and bead.target:
            seen += 1
        gap.append(seen)
    tabs_s = tabs_s or {}
    tabs_t = tabs_t or {}

    def groups(left: dict[int, int]) -> list[tuple[int, ...]]:
        singles: list[tuple[int, ...]] = [(i,) for i in sorted(left)]
        return singles + [
            (i, i + 1) for i in sorted(left) if i + 1 in left and gap[left[i]] == gap[left[i + 1]]
        ]

    # what leaving a piece alone costs, tab text included: the discount a one-sided tab gets
    # in the first pass keeps it from shifting its neighbours, a concern this pass does not have
    skip_s = {i: _Region([replace(units_s[i], detached=0)], [], model, True).cost(0, 1, 0, 0) for i in left_s}
    skip_t = {j: _Region([], [replace(units_t[j], detached=0)], model, True).cost(0, 0, 0, 1) for j in left_t}
    gain: dict[tuple[tuple[int, ...], tuple[int, ...]], float] = {}
    for gs in groups(left_s):
        for gt in groups(left_t):
            if len(gs) > 1 and len(gt) > 1:
                continue
            g = _leftover_gain(gs, gt, units_s, units_t, model, zone_s, zone_t, tabs_s, tabs_t)
            if g is None:
                continue
            if gap[left_s[gs[0]]] != gap[left_t[gt[0]]]:
                g -= REORDER_PENALTY
            g += sum(skip_s[i] for i in gs) + sum(skip_t[j] for j in gt)
            if g > 0.0:
                gain[(gs, gt)] = g
    if not gain:
        return list(beads)
    z: dict[tuple[int, int], float] = {}
    for (gs, gt), g in gain.items():
        e = math.exp(min(g, 700.0))
        for key in (*((0, i) for i in gs), *((1, j) for j in gt)):
            z[key] = z.get(key, 1.0) + e
    scored = sorted(
        (
            (
                min(
                    math.exp(min(g, 700.0)) / z[key] for key in (*((0, i) for i in gs), *((1, j) for j in gt))
                ),
                gs,
                gt,
            )
            for (gs, gt), g in gain.items()
        ),
        reverse=True,
    )
    out: list[Bead | None] = list(beads)
    used: set[tuple[int, int]] = set()
    for conf, gs, gt in scored:
        keys = {*((0, i) for i in gs), *((1, j) for j in gt)}
        if conf < LEFTOVER_MIN_CONFIDENCE or keys & used:
            continue
        used |= keys
        for i in gs:
            out[left_s[i]] = None
        for j in gt:
            out[left_t[j]] = None
        out[left_s[gs[0]]] = Bead(gs, gt, round(conf, 4))
    return [b for b in out if b is not None]


def _leftover_gain(
    gs: tuple[int, ...],
    gt: tuple[int, ...],
    units_s: Sequence[Unit],
    units_t: Sequence[Unit],
    model: PairModel,
    zone_s: Sequence[int] | None,
    zone_t: Sequence[int] | None,
    tabs_s: dict[int, frozenset[str]],
    tabs_t: dict[int, frozenset[str]],
) -> float | None:
    """Minus the cost of the bead ``gs`` ↔ ``gt`` built from leftovers, or ``None`` when it is
    not a candidate at all."""
    if (
        zone_s is not None
        and zone_t is not None
        and len({zone_s[i] for i in gs} | {zone_t[j] for j in gt}) > 1
    ):
        return None
    us = [units_s[i] for i in gs]
    ut = [units_t[j] for j in gt]
    names_s = [tabs_s.get(i) for i in gs]
    names_t = [tabs_t.get(j) for j in gt]
    if all(names_s) and all(names_t):
        common = frozenset.intersection(*(n for n in names_s if n), *(n for n in names_t if n))
        if not common:
            return None  # text of different frameworks' tabs
        # the same framework's tab text on both sides: a plain bead
        us = [replace(u, detached=0) for u in us]
        ut = [replace(u, detached=0) for u in ut]
    elif any(u.detached == BLOCKED for u in (*us, *ut)):
        return None
    if not _evidence(_merged_unit(us), _merged_unit(ut), model):
        return None
    if _length_cost(sum(u.length for u in us), sum(u.length for u in ut), model) > LEFTOVER_MAX_LENGTH_COST:
        return None
    c = _Region(us, ut, model, True).cost(0, len(us), 0, len(ut))
    return None if c == math.inf else -c


# --------------------------------------------------------------------------- sentences


def _joiner(lang: str) -> str:
    return _language_joiner(lang)  # Korean joins with a space: "…입니다. 오늘날…"


def document_sentences(doc: Document) -> list[tuple[int, str]]:
    """Every sentence of ``doc`` as (piece index, text), numbered in document order.

    The position in this list is the sentence index used by sentence-level beads.
    """
    from amts.domain.segment import split_piece

    out: list[tuple[int, str]] = []
    for ref in doc.pieces:
        sentences = split_piece(ref.piece, doc.lang, glued_period=doc.glued_period)
        if ref.block.kind is BlockKind.HEADING and _glued_item_marks(ref.piece.text, ref.piece.spans):
            sentences = _glued_items(ref.piece.text, ref.piece.spans, doc.lang, doc.glued_period)
        for sent in sentences:
            if sent.strip():
                out.append((ref.index, sent))
    return out


def _glued_item_marks(text: str, spans: Sequence[Span]) -> list[int]:
    """Offsets of the list markers (``* `` after text) in a heading the translator glued to its
    list (``## まとめ * … * …``, ``## Tóm lượng* … thời gian* Mật độ …``): an asterisk followed by
    a space that does not close an emphasis (``*softmax* function``), outside protected spans."""
    marks: list[int] = []
    emphasis = False
    for k, ch in enumerate(text):
        if ch != "*" or any(sp.start <= k < sp.end for sp in spans):
            continue
        before = text[k - 1] if k else " "
        after = text[k + 1] if k + 1 < len(text) else " "
        if before == "*" or after == "*":
            continue  # strong emphasis
        if after.isspace():
            if emphasis and not before.isspace():
                emphasis = False
            elif k:
                marks.append(k)
        elif before.isspace() or not k:
            emphasis = True
    return marks


def _glued_items(text: str, spans: Sequence[Span], lang: str, glued_period: bool | None) -> list[str]:
    """The sentences of a heading glued to its list, also cut before each list marker: the
    segmenter does not end a sentence where the translator left out the period before the next
    item (``… thời gian* Mật độ …``), and each item is a sentence of its own in the English."""
    from amts.domain.languages import facts
    from amts.domain.segment import sentence_bounds

    marks = _glued_item_marks(text, spans)
    pieces: list[str] = []
    for start, end in sentence_bounds(text, lang, spans, glued_period=glued_period):
        edges = [start, *(k for k in marks if start < k < end), end]
        pieces.extend(text[a:b] for a, b in itertools.pairwise(edges))
    if facts(lang).spaceless:
        return [p for p in pieces if p]
    return [p.strip() for p in pieces if p.strip()]


def align_sentences(
    src: Document,
    tgt: Document,
    piece_beads: Sequence[Bead],
    glossary: Glossary | None = None,
    *,
    src_sentences: Sequence[tuple[int, str]] | None = None,
    tgt_sentences: Sequence[tuple[int, str]] | None = None,
    model: PairModel | None = None,
) -> list[Bead]:
    """Sentence beads (indices into :func:`document_sentences`) inside each paragraph bead
    with both sides non-empty. A sentence bead's confidence is multiplied by its paragraph's.
    ``model`` as in :func:`align_pieces` (the paragraph model; sentences adapt it)."""
    model = model or pair_model(src.lang, tgt.lang)
    smodel = sentence_model(model)
    terms_s, terms_t = glossary_sides(glossary, model.src_cjk, model.tgt_cjk, src.lang)
    sents_s = list(src_sentences) if src_sentences is not None else document_sentences(src)
    sents_t = list(tgt_sentences) if tgt_sentences is not None else document_sentences(tgt)
    by_piece_s: dict[int, list[int]] = {}
    for k, (p, _) in enumerate(sents_s):
        by_piece_s.setdefault(p, []).append(k)
    by_piece_t: dict[int, list[int]] = {}
    for k, (p, _) in enumerate(sents_t):
        by_piece_t.setdefault(p, []).append(k)
    found: dict[tuple[int, int], frozenset[int]] = {}

    def piece_terms(side: int, piece: int) -> frozenset[int]:
        # glossary terms present in a piece, looked up once for all its sentences
        key = (side, piece)
        if key not in found:
            doc, terms = (src, terms_s) if side == 0 else (tgt, terms_t)
            found[key] = extract_anchors(doc.pieces[piece].text, terms).terms
        return found[key]

    out: list[Bead] = []
    weight_s, weight_t = model.side_weight(model.src_cjk), model.side_weight(model.tgt_cjk)
    for bead in piece_beads:
        if not bead.source or not bead.target:
            continue
        ks = [k for p in bead.source for k in by_piece_s.get(p, [])]
        kt = [k for p in bead.target for k in by_piece_t.get(p, [])]
        if not ks or not kt:
            continue
        if len(ks) == 1 and len(kt) == 1:
            out.append(Bead((ks[0],), (kt[0],), bead.confidence))
            continue
        us = [
            Unit(k, text_length(text, weight_s), "s", extract_anchors(text, terms_s, piece_terms(0, piece)))
            for k in ks
            for piece, text in (sents_s[k],)
        ]
        ut = [
            Unit(k, text_length(text, weight_t), "s", extract_anchors(text, terms_t, piece_terms(1, piece)))
            for k in kt
            for piece, text in (sents_t[k],)
        ]
        for sb in align_units(us, ut, smodel):
            out.append(Bead(sb.source, sb.target, round(sb.confidence * bead.confidence, 4)))
    return out


def align_documents(
    src: Document,
    tgt: Document,
    granularity: Granularity,
    glossary: Glossary | None = None,
    min_confidence: float = DEFAULT_MIN_CONFIDENCE,
    *,
    model: PairModel | None = None,
) -> AlignmentResult:
    """Aligned text pairs ready for parallel data; pairs under ``min_confidence`` go to
    ``dropped`` (kept for reports, never used as training data). ``model``: see
    :func:`align_pieces` (benchmarks only)."""
    beads = align_pieces(src, tgt, glossary, model=model)
    result = AlignmentResult()
    js, jt = _joiner(src.lang), _joiner(tgt.lang)
    if Granularity(granularity) is Granularity.PARAGRAPH:
        for b in beads:
            if not b.source or not b.target:
                continue
            pair = AlignedPair(
                js.join(src.pieces[i].text for i in b.source),
                jt.join(tgt.pieces[j].text for j in b.target),
                b.confidence,
                Granularity.PARAGRAPH,
                b.source,
                b.target,
            )
            (result.pairs if b.confidence >= min_confidence else result.dropped).append(pair)
        return result
    sents_s = document_sentences(src)
    sents_t = document_sentences(tgt)
    for b in align_sentences(
        src, tgt, beads, glossary, src_sentences=sents_s, tgt_sentences=sents_t, model=model
    ):
        if not b.source or not b.target:
            continue
        pair = AlignedPair(
            js.join(sents_s[k][1].strip() for k in b.source),
            jt.join(sents_t[k][1].strip() for k in b.target),
            b.confidence,
            Granularity.SENTENCE,
            tuple(sorted({sents_s[k][0] for k in b.source})),
            tuple(sorted({sents_t[k][0] for k in b.target})),
        )
        (result.pairs if b.confidence >= min_confidence else result.dropped).append(pair)
    return result
