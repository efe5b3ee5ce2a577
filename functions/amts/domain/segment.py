"""Sentence segmentation per language.

Contract:
    split_sentences(text: str, lang: str, spans: Sequence[Span] = ()) -> list[str]
        ``text`` is a normalised piece text; protected spans are never split inside.
        ``"".join`` of the result with the separators removed covers the text: for space-delimited
        languages the sentences are stripped; for zh/ja the concatenation equals the text minus
        surrounding whitespace.
    split_piece(piece: Piece, lang: str) -> list[str]   # convenience over split_sentences

Why not pysbd itself: on d2l pieces it costs about 2 ms each (the corpus would take tens of
seconds) and still splits after "Eq." before a number, inside "(i) … (ii)" and after the
Spanish "Sr." and "p. ej.". The rules here are few and fast: a sentence ends at ``.``, ``!``,
``?`` or ``…`` (with closing quotes and brackets), followed by white space and a character that
is not a lower-case letter, unless the word before the period is an abbreviation that never ends
a sentence ("e.g.", "Fig.", "et al.", "Sr.", "p. ej.", an initial) or one that only ends a
sentence before a capital ("etc."). pysbd's per-language abbreviation lists are reused as data.
Chinese and Japanese end a sentence at 。！？ (and ASCII ! ?) plus closing quotes, no space needed.

Protected spans (inline code, math, roles, links, slide markers) are replaced by one private-use
character each before splitting and restored afterwards, so nothing inside them (``np.mean``,
``$3.5$``) can end a sentence; a closing slide marker ``**]`` stays with its sentence.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from amts.domain.model import Piece, Span, SpanKind

__all__ = ["sentence_bounds", "split_piece", "split_sentences"]

# placeholders: one supplementary private-use character per protected span
_WORD_BASE = 0xF0000  # an ordinary protected token (code, math, role, link, opening slide marker)
_CLOSE_BASE = 0xF8000  # a closing slide marker: behaves like a closing bracket
_MAX_SPANS = 0x7FFF
_CLOSE_CLASS = "\U000f8000-\U000fffff"

_CJK_LANGS = frozenset({"zh", "ja"})


def _bar_list(words: str) -> frozenset[str]:
    return frozenset(words.split("|"))


# Abbreviations that are never the end of a sentence, whatever follows (lower case, without
# the final period). Added to pysbd's prepositive abbreviations.
_NON_FINAL: dict[str, frozenset[str]] = {
    "en": _bar_list(
        "e.g|i.e|cf|viz|vs|al|et al|fig|figs|eq|eqs|sec|secs|sect|ch|chap|appx|resp|approx"
        "|dr|mr|mrs|ms|prof|thm|lem|eds"
    ),
    "es": _bar_list(
        "sr|sra|srta|sres|sras|dr|dra|dres|ud|uds|vd|vds|d|da|dña|lic|ing|prof|profa|p. ej|ej|fig"
        "|figs|ec|eq|sec|cap|caps|pág|págs|núm|vol|art|aprox|vs|cf|ee|ee. uu|uu|et al|al|i.e|e.g"
        "|ref|tab"
    ),
}
# Lower-case units that look like abbreviations of the lists above ("Ms.", "Sec.", "Min.")
_UNITS = frozenset({"ms", "ns", "us", "sec", "min", "mm", "cm", "km", "kg", "mg", "hr", "hrs"})
# Abbreviations that do not end a sentence when a number follows ("No. 5", "p. 12").
_BEFORE_NUMBER = frozenset({"no", "nos", "nr", "núm", "p", "pp", "art", "ext", "tel", "vol", "n", "nº"})

_TERMINALS = ".!?…。！？؟।"
_CLOSERS = "\"'”’»)\\]}」』）》〉】"
# the end of a candidate sentence: terminal marks, closers, then the white space that separates
# (French sets a space before its closing guillemet: « Bonjour. » belongs to its sentence)
_SPACE_BOUNDARY = re.compile(
    rf"(?:[{_TERMINALS}]+[{_CLOSERS}{_CLOSE_CLASS}]*)+(?:[ \u00a0\u202f]+[»{_CLOSE_CLASS}])*(?P<ws>\s+)"
)
# "！”。" and "？”）。" are one end: marks and closers may alternate
_CJK_BOUNDARY = re.compile(rf"(?:[。！？!?…]+[{_CLOSERS}{_CLOSE_CLASS}]*)+\s*")
_OPENERS = "\"'“‘«([{¿¡「『（《"
_INITIALS = re.compile(r"(?:[A-Za-z]\.)+[A-Za-z]")


@dataclass(frozen=True, slots=True)
class _Rules:
    non_final: frozenset[str]  # never end a sentence
    titles: frozenset[str]  # never end a sentence when capitalised ("Dr.", "Gen.", not "gen.")
    before_number: frozenset[str]
    general: frozenset[str]


def _base(lang: str) -> str:
    return lang.replace("_", "-").split("-")[0].lower()


@lru_cache(maxsize=64)
def _rules(lang: str) -> _Rules:
    """Abbreviation sets of one language, built once (pysbd's lists are data, not code)."""
    general: set[str] = set()
    prepositive: set[str] = set()
    number: set[str] = set(_BEFORE_NUMBER)
    try:
        from pysbd.languages import LANGUAGE_CODES  # imported lazily: only its tables are used

        language = LANGUAGE_CODES.get(lang) or LANGUAGE_CODES["en"]
        abbreviation = language.Abbreviation
        general = {a.lower() for a in abbreviation.ABBREVIATIONS}
        number |= {a.lower() for a in abbreviation.NUMBER_ABBREVIATIONS}
        if lang not in ("es",):  # pysbd's Spanish "prepositive" list holds word prefixes
            prepositive = {a.lower() for a in abbreviation.PREPOSITIVE_ABBREVIATIONS}
    except (ImportError, AttributeError):  # pragma: no cover - pysbd is a dependency
        pass
    non_final = _NON_FINAL.get(lang, _NON_FINAL["en"]) | _NON_FINAL["en"]
    return _Rules(non_final, frozenset(prepositive), frozenset(number), frozenset(general | non_final))


def _protect(text: str, spans: Sequence[Span]) -> tuple[str, dict[str, str]]:
    """``text`` with each span replaced by one placeholder character, and the way back."""
    if not spans:
        return text, {}
    out: list[str] = []
    back: dict[str, str] = {}
    cursor = 0
    for i, span in enumerate(sorted(spans, key=lambda s: s.start)[:_MAX_SPANS]):
        if span.start < cursor or span.end <= span.start:
            continue  # overlapping or empty: keep the text as it is
        original = text[span.start : span.end]
        closing = span.kind is SpanKind.SLIDE_MARKER and original.startswith("**")
        ph = chr((_CLOSE_BASE if closing else _WORD_BASE) + i)
        out.append(text[cursor : span.start])
        out.append(ph)
        back[ph] = original
        cursor = span.end
    out.append(text[cursor:])
    return "".join(out), back


def _ends_sentence(text: str, mark_start: int, next_char: str, rules: _Rules) -> bool:
    """Decide one candidate boundary of a space-delimited language."""
    if next_char.islower() or next_char in _CLOSERS:
        return False  # "e.g. apples", "et al. proposed", "p. ej. las": the sentence goes on
    mark = text[mark_start]
    if mark != "." or text.startswith("..", mark_start):
        return True
    ws = max(text.rfind(" ", 0, mark_start), -1)
    word = text[ws + 1 : mark_start].lstrip(_OPENERS)
    if not word:
        return True
    low = word.lower()
    if word in _UNITS:
        return True  # "60 ms. If": a unit in lower case, not "Ms." or "Sec."
    prev_ws = text.rfind(" ", 0, max(ws, 0))
    two = text[prev_ws + 1 : mark_start].lower() if ws > 0 else low
    if low in rules.non_final or two in rules.non_final:
        return False
    if word[0].isupper() and low in rules.titles:
        return False
    if len(word) == 1 and word.isupper():
        return False  # an initial: "J. Smith", "M. Dupont"
    if next_char.isdigit() and (low in rules.before_number or low in rules.general):
        return False  # "No. 5", "Jan. 3"
    if low in rules.general or _INITIALS.fullmatch(word):
        return next_char.isupper()  # "etc. The" ends, "etc. (see)" does not
    return True


def _space_bounds(text: str, rules: _Rules) -> list[tuple[int, int]]:
    bounds: list[tuple[int, int]] = []
    start = 0
    for m in _SPACE_BOUNDARY.finditer(text):
        after = m.end()
        if after >= len(text):
            break
        if _ends_sentence(text, m.start(), text[after], rules):
            bounds.append((start, m.start("ws")))
            start = after
    bounds.append((start, len(text)))
    return bounds


def _cjk_bounds(text: str) -> list[tuple[int, int]]:
    bounds: list[tuple[int, int]] = []
    start = 0
    for m in _CJK_BOUNDARY.finditer(text):
        if m.end() >= len(text):
            break
        bounds.append((start, m.end()))
        start = m.end()
    bounds.append((start, len(text)))
    return bounds


def sentence_bounds(text: str, lang: str, spans: Sequence[Span] = ()) -> list[tuple[int, int]]:
    """Half-open ``(start, end)`` offsets of the sentences of ``text`` (see split_sentences).

    Offsets are into ``text`` itself, so a caller can map spans or alignments onto sentences.
    Empty ``spans`` means "find them": the text is scanned for inline code, math and roles.
    """
    if not spans:
        from amts.domain.markdown import scan_spans

        spans = scan_spans(text)
    lead = len(text) - len(text.lstrip())
    trail = len(text.rstrip())
    if trail <= lead:
        return []
    protected, back = _protect(text, spans)
    # placeholder offsets -> original offsets
    offsets: list[int] | range
    if back:
        offsets = []
        pos = 0
        for c in protected:
            offsets.append(pos)
            pos += len(back[c]) if c in back else 1
        offsets.append(pos)
    else:
        offsets = range(len(text) + 1)
    p_lead = len(protected) - len(protected.lstrip())
    p_trail = len(protected.rstrip())
    body = protected[p_lead:p_trail]
    base = _base(lang)
    raw = _cjk_bounds(body) if base in _CJK_LANGS else _space_bounds(body, _rules(base))
    return [(offsets[s + p_lead], offsets[e + p_lead]) for s, e in raw if e > s]


def split_sentences(text: str, lang: str, spans: Sequence[Span] = ()) -> list[str]:
    """Sentences of a piece text in ``lang``; never cuts inside a protected span."""
    base = _base(lang)
    out: list[str] = []
    for s, e in sentence_bounds(text, lang, spans):
        sentence = text[s:e]
        out.append(sentence if base in _CJK_LANGS else sentence.strip())
    return [s for s in out if s]


def split_piece(piece: Piece, lang: str) -> list[str]:
    return split_sentences(piece.text, lang, piece.spans)
