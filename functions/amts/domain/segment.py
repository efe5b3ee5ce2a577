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
sentence before a capital ("etc."). A straight quote ``"`` or ``'`` after the white space is
ambiguous (it opens or closes): followed by a capital, a digit or protected text it opens the next
sentence and the character after it decides (``it. "Nat" is`` is two sentences), otherwise it
keeps the sentence going like any closer. pysbd's per-language abbreviation lists are reused as
data.
Chinese and Japanese end a sentence at 。！？ (and ASCII ! ?) plus closing quotes, no space needed;
Korean also ends one at a period glued to the next sentence (``했습니다.또한``), and after a verb
ending whatever follows (``합니다.GPU``, ``바랍니다. softmax``: Hangul has no letter case, so a
lower-case Latin word does not continue the sentence). Which language is
written how, and its abbreviations, come from :mod:`amts.domain.languages`.

Protected spans (inline code, math, roles, links, slide markers) are replaced by one private-use
character each before splitting and restored afterwards, so nothing inside them (``np.mean``,
``$3.5$``) can end a sentence; a closing slide marker ``**]`` stays with its sentence.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from amts.domain.languages import base as _base
from amts.domain.languages import facts
from amts.domain.model import Piece, Span, SpanKind

__all__ = ["sentence_bounds", "split_piece", "split_sentences"]

# placeholders: one supplementary private-use character per protected span
_WORD_BASE = 0xF0000  # an ordinary protected token (code, math, role, link, opening slide marker)
_CLOSE_BASE = 0xF8000  # a closing slide marker: behaves like a closing bracket
_MAX_SPANS = 0x7FFF
_CLOSE_CLASS = "\U000f8000-\U000fffff"


# Lower-case units that look like abbreviations of the lists above ("Ms.", "Sec.", "Min.")
_UNITS = frozenset({"ms", "ns", "us", "sec", "min", "mm", "cm", "km", "kg", "mg", "hr", "hrs"})
# Abbreviations that do not end a sentence when a number follows ("No. 5", "p. 12").
_BEFORE_NUMBER = frozenset({"no", "nos", "nr", "núm", "p", "pp", "art", "ext", "tel", "vol", "n", "nº"})

_TERMINALS = ".!?…。！？؟।"
# Korean (languages.facts(...).glued_period): a period with no space after it still ends a
# sentence when Hangul is on both sides ("했습니다.또한"), or Hangul before it and markup, inline
# code or math right after ("했습니다.**중요", "입니다.`x`"), or a closing bracket/quote/span
# before it and Hangul after ("(그림).이"). Latin "np.mean" and "3.5" never match.
_HANGUL = "\uac00-\ud7a3\u1100-\u11ff\u3130-\u318f"
_PLACEHOLDER_CLASS = "\U000f0000-\U000fffff"
_CLOSERS = "\"'”’»)\\]}」』）》〉】"
# straight quotes both open and close: after a sentence end and white space, one followed by a
# capital opens the next sentence ('it. "Nat" is'), otherwise it closes the sentence before
_STRAIGHT_QUOTES = "\"'"
# the end of a candidate sentence: terminal marks, closers, then the white space that separates
# (French sets a space before its closing guillemet: « Bonjour. » belongs to its sentence)
_SPACE_BOUNDARY = re.compile(
    rf"(?:[{_TERMINALS}]+[{_CLOSERS}{_CLOSE_CLASS}]*)+(?:[ \u00a0\u202f]+[»{_CLOSE_CLASS}])*(?P<ws>\s+)"
)
# "！”。" and "？”）。" are one end: marks and closers may alternate
_CJK_BOUNDARY = re.compile(rf"(?:[。！？!?…]+[{_CLOSERS}{_CLOSE_CLASS}]*)+\s*")
_OPENERS = "\"'“‘«([{¿¡「『（《"
_GLUED_BOUNDARY = re.compile(
    rf"(?:(?<=[{_HANGUL}])[.!?]+[{_CLOSERS}{_CLOSE_CLASS}]*(?=[{_HANGUL}*({_PLACEHOLDER_CLASS}“‘\"'\[])"
    rf"|(?<=[)\]”’\"'*{_PLACEHOLDER_CLASS}])[.!?]+(?=[{_HANGUL}]))"
)
_INITIALS = re.compile(r"(?:[A-Za-z]\.)+[A-Za-z]")


@dataclass(frozen=True, slots=True)
class _Rules:
    non_final: frozenset[str]  # never end a sentence
    titles: frozenset[str]  # never end a sentence when capitalised ("Dr.", "Gen.", not "gen.")
    before_number: frozenset[str]
    general: frozenset[str]
    glued_period: bool = False  # Korean: "했습니다.또한" is two sentences
    endings: str = ""  # Korean verb endings: "합니다.GPU" and "합니다. softmax는" are two sentences
    glued_ending: re.Pattern[str] | None = None


@lru_cache(maxsize=64)
def _rules(lang: str, glued_period: bool | None = None) -> _Rules:
    """Abbreviation sets of one language, built once (pysbd's lists are data, not code).

    ``glued_period``: the language's ``gluedPeriod`` setting (None: its fact), so the translation
    is segmented as the configuration says, not only as the facts say.
    """
    general: set[str] = set()
    prepositive: set[str] = set()
    number: set[str] = set(_BEFORE_NUMBER)
    lang_facts = facts(lang)
    try:
        from pysbd.languages import LANGUAGE_CODES  # imported lazily: only its tables are used

        language = LANGUAGE_CODES.get(lang_facts.pysbd_code or "en") or LANGUAGE_CODES["en"]
        abbreviation = language.Abbreviation
        general = {a.lower() for a in abbreviation.ABBREVIATIONS}
        number |= {a.lower() for a in abbreviation.NUMBER_ABBREVIATIONS}
        if lang not in ("es",):  # pysbd's Spanish "prepositive" list holds word prefixes
            prepositive = {a.lower() for a in abbreviation.PREPOSITIVE_ABBREVIATIONS}
    except (ImportError, AttributeError):  # pragma: no cover - pysbd is a dependency
        pass
    english = facts("en").non_final_abbreviations
    non_final = lang_facts.non_final_abbreviations | english
    general |= lang_facts.etc_abbreviations
    endings = lang_facts.sentence_endings
    glued = lang_facts.glued_period if glued_period is None else glued_period
    return _Rules(
        non_final,
        frozenset(prepositive),
        frozenset(number),
        frozenset(general | non_final),
        glued,
        endings,
        # an ending, the terminal, then a Latin letter or a digit with no space between: a glued
        # period too, so the gluedPeriod setting turns it off with the rest. The ending may be
        # closed by a bracket or quote first ("것입니다).API": the sentence ends inside the
        # parenthesis, the period after it is still glued to the next sentence)
        re.compile(
            rf"(?<=[{re.escape(endings)}])[{_CLOSERS}{_CLOSE_CLASS}]*[.!?]+[{_CLOSERS}{_CLOSE_CLASS}]*"
            r"(?=[A-Za-z0-9])"
        )
        if endings and glued
        else None,
    )


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


def _opens_after_quote(char: str) -> bool:
    """Whether ``char`` after a straight quote shows the quote opens a sentence: an upper-case
    letter, a digit or a protected span (not a closing slide marker)."""
    return char.isupper() or char.isdigit() or _WORD_BASE <= ord(char) < _CLOSE_BASE


def _ends_sentence(text: str, mark_start: int, after: int, rules: _Rules) -> bool:
    """Decide one candidate boundary of a space-delimited language; the next sentence would
    start at ``after`` (just past the white space)."""
    next_char = text[after]
    if next_char in _STRAIGHT_QUOTES and after + 1 < len(text) and _opens_after_quote(text[after + 1]):
        # '... to encode it. "Nat" is': a straight quote may open or close; before a capital it
        # opens the next sentence, so the character after it decides (abbreviations still apply)
        next_char = text[after + 1]
    elif next_char in _CLOSERS:
        return False
    if rules.endings and mark_start > 0 and text[mark_start - 1] in rules.endings:
        return True  # "바랍니다. eigendecomposition 은": the Korean ending decides, not the case
    if next_char.islower():
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
    # candidates: (end of the sentence, start of the next one)
    cuts: list[tuple[int, int]] = []
    for m in _SPACE_BOUNDARY.finditer(text):
        after = m.end()
        if after >= len(text):
            break
        if _ends_sentence(text, m.start(), after, rules):
            cuts.append((m.start("ws"), after))
    if rules.glued_period:
        cuts.extend((m.end(), m.end()) for m in _GLUED_BOUNDARY.finditer(text) if 0 < m.end() < len(text))
    if rules.glued_ending is not None:
        cuts.extend((m.end(), m.end()) for m in rules.glued_ending.finditer(text) if 0 < m.end() < len(text))
    if rules.glued_period or rules.glued_ending is not None:
        cuts.sort()
    bounds: list[tuple[int, int]] = []
    start = 0
    for end, after in cuts:
        if end > start:
            bounds.append((start, end))
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


def sentence_bounds(
    text: str, lang: str, spans: Sequence[Span] = (), *, glued_period: bool | None = None
) -> list[tuple[int, int]]:
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
    raw = _cjk_bounds(body) if facts(base).spaceless else _space_bounds(body, _rules(base, glued_period))
    return [(offsets[s + p_lead], offsets[e + p_lead]) for s, e in raw if e > s]


def split_sentences(
    text: str, lang: str, spans: Sequence[Span] = (), *, glued_period: bool | None = None
) -> list[str]:
    """Sentences of a piece text in ``lang``; never cuts inside a protected span."""
    spaceless = facts(lang).spaceless
    out: list[str] = []
    for s, e in sentence_bounds(text, lang, spans, glued_period=glued_period):
        sentence = text[s:e]
        out.append(sentence if spaceless else sentence.strip())
    return [s for s in out if s]


def split_piece(piece: Piece, lang: str, *, glued_period: bool | None = None) -> list[str]:
    return split_sentences(piece.text, lang, piece.spans, glued_period=glued_period)
