"""Anchors: the parts of a text that survive translation, used to score alignments.

Lengths alone cannot tell two neighbouring paragraphs of similar size apart; what survives
translation verbatim can: numbers, inline code, math, role targets (``fig_x``, ``sec_x``,
``eq_x``), link targets, Latin-script terms inside Chinese text and glossary term pairs.

Two kinds of anchors live here:

* *soft* anchors per text (:class:`AnchorSet`, built by :func:`extract_anchors`), compared by
  the dynamic-programming aligner bead by bead;
* *hard* anchors per protected block (:class:`BlockSignature`, built by
  :func:`block_signature`): code cells, display math, labels, figures, framework tabs that occur
  in both documents cut the documents into independent regions.

Everything is regex based on the normalised piece text so that it works on sentences cut out of
pieces as well as on whole pieces, without the parser's spans.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from amts.domain.glossary import Glossary
from amts.domain.model import Block, BlockKind

_ROLE = re.compile(r":([a-z]+):`([^`]*)`")
_CODE = re.compile(r"(`+)(.+?)\1")
_DMATH = re.compile(r"\$\$(.+?)\$\$")
_MATH = re.compile(r"\$([^$]+?)\$")
_LINK = re.compile(r"\]\(([^)\s]+)[^)]*\)")
_NUM = re.compile(r"(?<![A-Za-z0-9_.])\d+(?:,\d{3})*(?:\.\d+)?%?")
_LATIN = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:['’-][A-Za-z0-9]+)*")
_SPACE = re.compile(r"\s+")
_NUM_ONLY = re.compile(r"\d+(?:\.\d+)?%?")
_TAB = re.compile(r"^\s*:begin_tab:`([^`]*)`")
_END_TAB = re.compile(r"^\s*:end_tab:")
_LABEL = re.compile(r"^\s*:label:`([^`]*)`")
_DIRECTIVE = re.compile(r"^\s*:([a-z_]+):(?:`([^`]*)`)?")
_FIG_PATH = re.compile(r"!\[[^\]]*\]\(([^)\s]+)")
_EQLABEL = re.compile(r":eqlabel:`([^`]*)`")
_CODE_COMMENT = re.compile(r"(^|\s)#(?!@).*$")
# Latin words in Chinese text that carry no alignment information.
_LATIN_STOP = frozenset({"a", "an", "the", "of", "and", "or", "to", "in", "is", "i", "e", "g", "ie", "eg"})


def _base(lang: str) -> str:
    return lang.split("-")[0].split("_")[0].lower()


@dataclass(frozen=True, slots=True)
class AnchorSet:
    """Anchors of one unit (piece or sentence).

    ``strong`` holds anchors that must appear on both sides of a correct bead (numbers, code,
    math, role and link targets), ``words`` the lowercased Latin words (all of them for a
    Latin-script language; only the embedded ones for a CJK language), ``terms`` the indices of
    glossary entries whose side-specific term occurs in the text.
    """

    strong: Counter[str] = field(default_factory=Counter)
    words: frozenset[str] = frozenset()
    terms: frozenset[int] = frozenset()

    @staticmethod
    def merge(sets: Sequence[AnchorSet]) -> AnchorSet:
        if len(sets) == 1:
            return sets[0]
        strong: Counter[str] = Counter()
        words: set[str] = set()
        terms: set[int] = set()
        for s in sets:
            strong.update(s.strong)
            words |= s.words
            terms |= s.terms
        return AnchorSet(strong, frozenset(words), frozenset(terms))


def _norm_math(body: str) -> str:
    return _SPACE.sub("", body).rstrip(".,;:，。；：")


def _math_atoms(body: str) -> list[str]:
    """Anchor keys of one inline formula.

    Translators regroup formulas: "$t_1, t_2$ and $t_3$" becomes "$t_1, t_2, t_3$", a plain
    "10000" becomes "$10000$". So a formula counts as its comma-separated parts (outside
    braces and brackets), and a part that is only a number is the same anchor as that number
    written as text.
    """
    norm = _norm_math(body)
    parts: list[str] = []
    depth = 0
    start = 0
    for k, ch in enumerate(norm):
        if ch in "{([":
            depth += 1
        elif ch in "})]":
            depth = max(0, depth - 1)
        elif ch == "," and depth == 0:
            parts.append(norm[start:k])
            start = k + 1
    parts.append(norm[start:])
    out: list[str] = []
    for part in parts:
        part = part.strip(".,;:")
        if not part:
            continue
        out.append("n:" + part if _NUM_ONLY.fullmatch(part) else "m:" + part)
    return out


def extract_anchors(
    text: str, glossary_terms: Sequence[str] = (), candidates: Iterable[int] | None = None
) -> AnchorSet:
    """Anchors of ``text``; ``glossary_terms`` are the lowercased terms of this text's language
    (``candidates``: only these term indices can occur, e.g. those found in the enclosing
    piece of a sentence).

    Language-independent on purpose: how Latin words are compared (only those embedded in CJK
    text count) is decided per language pair by :func:`compare`.
    """
    strong: Counter[str] = Counter()
    rest = text

    def _sub(pattern: re.Pattern[str], fn: object) -> None:
        nonlocal rest
        rest = pattern.sub(fn, rest)  # type: ignore[call-overload]

    def role(m: re.Match[str]) -> str:
        name = m.group(1)
        for target in m.group(2).split(","):
            target = target.strip()
            if target:
                strong[f"r:{name if name in ('cite', 'citet', 'citep') else 'ref'}:{target}"] += 1
        return " "

    def code(m: re.Match[str]) -> str:
        strong["c:" + m.group(2).strip()] += 1
        return " "

    def math(m: re.Match[str]) -> str:
        for atom in _math_atoms(m.group(1)):
            strong[atom] += 1
        return " "

    def link(m: re.Match[str]) -> str:
        strong["u:" + m.group(1)] += 1
        return "] "

    _sub(_ROLE, role)
    _sub(_CODE, code)
    _sub(_DMATH, math)
    _sub(_MATH, math)
    _sub(_LINK, link)
    for num in _NUM.findall(rest):
        strong["n:" + num.replace(",", "")] += 1
    words = frozenset(w.lower() for w in _LATIN.findall(rest) if len(w) > 1 and w.lower() not in _LATIN_STOP)
    lowered = text.lower()
    indices = range(len(glossary_terms)) if candidates is None else candidates
    terms = frozenset(i for i in indices if glossary_terms[i] and glossary_terms[i] in lowered)
    return AnchorSet(strong, words, terms)


def glossary_sides(
    glossary: Glossary | None, src_cjk: bool, tgt_cjk: bool, src_lang: str | None = None
) -> tuple[list[str], list[str]]:
    """Lowercased source/target term lists (aligned by index), dropping terms too short to
    be evidence: one CJK character or a Latin term under three letters matches everywhere.

    A glossary written for the other direction (its ``source_lang`` is the target document's
    language) is flipped, so one book glossary serves en→zh and zh→en.
    """
    if glossary is None:
        return [], []
    pairs = glossary.terms
    if src_lang is not None and _base(glossary.target_lang) == _base(src_lang) != _base(glossary.source_lang):
        pairs = tuple((t, s) for s, t in pairs)
    src: list[str] = []
    tgt: list[str] = []
    for s, t in pairs:
        s_l, t_l = s.lower().strip(), t.lower().strip()
        # "long short-term memory (LSTM)": keep the expansion without the parenthesised acronym
        s_l = re.sub(r"\s*[(（][^)）]*[)）]\s*$", "", s_l) or s_l
        t_l = re.sub(r"\s*[(（][^)）]*[)）]\s*$", "", t_l) or t_l
        if len(s_l) < (2 if src_cjk else 3) or len(t_l) < (2 if tgt_cjk else 3):
            continue
        src.append(s_l)
        tgt.append(t_l)
    return src, tgt


def compare(src: AnchorSet, tgt: AnchorSet, src_cjk: bool, tgt_cjk: bool) -> tuple[int, int, int, int, int]:
    """(strong matched, strong unmatched, latin matched, latin unmatched, glossary matched).

    Latin words are compared only when exactly one side is CJK: the Latin words embedded in the
    CJK side are looked up among the other side's words. Between two Latin-script languages
    shared words are mostly function words and say nothing.
    """
    if src.strong and tgt.strong:
        common = src.strong & tgt.strong
        sm = sum(common.values())
    else:
        sm = 0
    su = sum(src.strong.values()) + sum(tgt.strong.values()) - 2 * sm
    lm = lu = 0
    if src_cjk != tgt_cjk:
        embedded, other = (src.words, tgt.words) if src_cjk else (tgt.words, src.words)
        if embedded:
            lm = len(embedded & other)
            lu = len(embedded) - lm
    gm = len(src.terms & tgt.terms) if src.terms and tgt.terms else 0
    return sm, su, lm, lu, gm


# --------------------------------------------------------------------------- hard anchors


@dataclass(frozen=True, slots=True)
class BlockSignature:
    """Identity of a protected block for cross-language matching.

    ``kind`` is one of ``code``, ``math``, ``label``, ``figure``, ``tab``, ``end_tab``,
    ``fence``, ``other``; ``exact`` is the comparable key; ``lines`` the normalised code lines
    (code cells are compared fuzzily: translators edit comments and imports).
    """

    kind: str
    exact: str
    lines: frozenset[str] = frozenset()
    # for tabs: characters of translatable text inside the range (-1: unknown), so that among
    # several same-named tabs the one whose content has a plausible length wins
    content_length: int = -1


def _code_lines(raw: str) -> frozenset[str]:
    lines: set[str] = set()
    for line in raw.splitlines():
        s = line.strip()
        if s.startswith("```") or not s:
            continue
        s = _CODE_COMMENT.sub("", s).strip()
        if s:
            lines.add(_SPACE.sub(" ", s))
    return frozenset(lines)


def block_signature(block: Block) -> BlockSignature | None:
    """The hard-anchor identity of ``block``, or ``None`` when it cannot anchor anything."""
    raw = block.raw
    kind = block.kind
    if kind is BlockKind.CODE:
        lines = _code_lines(raw)
        return BlockSignature("code", block.key or "\n".join(sorted(lines)), lines)
    if kind is BlockKind.MATH:
        label = _EQLABEL.search(raw)
        body = _EQLABEL.sub("", raw)
        return BlockSignature(
            "math", _norm_math(body.replace("$$", "")) + ("#" + label.group(1) if label else "")
        )
    if kind is BlockKind.FIGURE:
        m = _FIG_PATH.search(raw)
        if m:
            return BlockSignature("figure", m.group(1))
        return None
    if kind is BlockKind.FENCE:
        return BlockSignature("fence", _SPACE.sub("", raw))
    if kind is BlockKind.DIRECTIVE:
        if m := _TAB.match(raw):
            names = ",".join(sorted(n.strip() for n in m.group(1).split(",")))
            return BlockSignature("tab", names)
        if _END_TAB.match(raw):
            return BlockSignature("end_tab", "")
        if m := _LABEL.match(raw):
            return BlockSignature("label", m.group(1).strip())
        if m := _DIRECTIVE.match(raw):
            if m.group(1) in ("width", "height"):
                return None  # too generic to anchor anything
            return BlockSignature("other", m.group(1) + ":" + (m.group(2) or ""))
    return None


def _dice(a: str, b: str) -> float:
    if not a or not b:
        return 0.0
    ga = Counter(a[i : i + 2] for i in range(len(a) - 1))
    gb = Counter(b[i : i + 2] for i in range(len(b) - 1))
    total = sum(ga.values()) + sum(gb.values())
    return 2 * sum((ga & gb).values()) / total if total else 0.0


def signature_similarity(a: BlockSignature, b: BlockSignature, ratio: float = 1.0) -> float:
    """How sure we are that two protected blocks are the same block, in [0, 1].

    ``ratio`` is the expected target/source length ratio, used to compare tab contents.
    """
    if a.kind != b.kind:
        return 0.0
    if a.kind == "end_tab":
        return 0.0  # matched through their opening tab, never on their own
    if a.kind == "tab":
        if a.exact != b.exact:
            return 0.0
        if a.content_length < 0 or b.content_length < 0:
            return 0.9
        expected = ratio * a.content_length
        r = (min(expected, b.content_length) + 5) / (max(expected, b.content_length) + 5)
        return 0.4 + 0.55 * r  # under 0.5 (no match) when the contents differ fivefold
    if a.exact == b.exact:
        return 1.0
    if a.kind == "code":
        if not a.lines or not b.lines:
            return 0.0
        inter = len(a.lines & b.lines)
        jac = inter / len(a.lines | b.lines)
        return jac if jac >= 0.5 else 0.0
    if a.kind == "math":
        d = _dice(a.exact, b.exact)
        return d if d >= 0.85 else 0.0
    return 0.0


def match_signatures(
    src: Sequence[BlockSignature],
    tgt: Sequence[BlockSignature],
    min_similarity: float = 0.5,
    ratio: float = 1.0,
) -> list[tuple[int, int]]:
    """Ordered (monotone) matching maximising total similarity: a weighted LCS.

    Exact matches of rare keys weigh a little more than exact matches of common ones (a tab
    named ``mxnet`` appears many times; a code cell once) so that ties are broken by the
    blocks that identify a place in the document.
    """
    n, m = len(src), len(tgt)
    if not n or not m:
        return []
    freq: Counter[tuple[str, str]] = Counter((s.kind, s.exact) for s in src)
    freq.update((t.kind, t.exact) for t in tgt)
    sim = [[0.0] * m for _ in range(n)]
    for i, a in enumerate(src):
        for j, b in enumerate(tgt):
            s = signature_similarity(a, b, ratio)
            if s >= min_similarity:
                rarity = 1.0 / freq[(a.kind, a.exact)] if s == 1.0 else 0.0
                sim[i][j] = s + 0.2 * rarity
    score = [[0.0] * (m + 1) for _ in range(n + 1)]
    for i in range(n - 1, -1, -1):
        row, nxt = score[i], score[i + 1]
        simrow = sim[i]
        for j in range(m - 1, -1, -1):
            best = nxt[j] if nxt[j] >= row[j + 1] else row[j + 1]
            s = simrow[j]
            if s > 0.0 and nxt[j + 1] + s > best:
                best = nxt[j + 1] + s
            row[j] = best
    pairs: list[tuple[int, int]] = []
    i = j = 0
    while i < n and j < m:
        s = sim[i][j]
        if s > 0.0 and abs(score[i][j] - (score[i + 1][j + 1] + s)) < 1e-9:
            pairs.append((i, j))
            i += 1
            j += 1
        elif score[i + 1][j] >= score[i][j + 1]:
            i += 1
        else:
            j += 1
    return pairs


def tab_ranges(blocks: Iterable[Block]) -> list[tuple[int, int]]:
    """(begin block index, end block index) of every ``:begin_tab:`` … ``:end_tab:`` range."""
    out: list[tuple[int, int]] = []
    start: int | None = None
    for i, b in enumerate(blocks):
        if b.kind is not BlockKind.DIRECTIVE:
            continue
        if _TAB.match(b.raw):
            start = i
        elif _END_TAB.match(b.raw) and start is not None:
            out.append((start, i))
            start = None
    return out
