"""How machine output is written in the target language: line layout, CJK/Latin spacing,
punctuation width (the per-language settings ``lineStyle``, ``cjkLatinSpace``,
``punctuationWidth`` and ``gluedPeriod`` of cdk.json ``amts.languages`` / ``--lang-setting``).

Why a module of its own: the settings only shape what the engine wrote. Human text that sync
keeps is copied byte for byte (docs/SYNC.md), so nothing here is ever applied to it; the sync
assembly (:func:`amts.domain.sync.apply_sync`) calls these functions on machine text only.

Contract:
    TargetStyle.of(lang, *, line_style=None, cjk_latin_space=None, punctuation_width=None,
                   glued_period=None) -> TargetStyle     unset values: the language's facts
    style_machine_text(text, style) -> str     spacing and punctuation of one machine text
    layout_machine_paragraph(text, style, continuation="") -> str
                                               one sentence per line when lineStyle is "sentence"
    styled_machine_piece(text, ref, style, *, whole) -> str
                                               both, for one machine-translated piece of a
                                               document (what the sync assembly calls)

What each setting does (figures from the book's own translations, see amts.domain.languages):

* ``cjkLatinSpace`` (zh, ja only): true puts one space between a CJK character and an adjacent
  Latin word, number, inline code or inline math (``使用 PyTorch 的 `x` 值``); false removes such
  spaces (``使用PyTorch的`x`值``). Nothing inside inline code, math, roles, links or URLs is
  touched, and the space before a role (``如 :numref:`fig_x` 所示``) is never removed: d2lbook
  turns roles into reStructuredText, which needs it. Korean is written with spaces between
  words and particles attached to Latin words (``GPU를``), so there the spacing is grammar, not
  style, and the setting is refused for it (amts.config).
* ``punctuationWidth`` (CJK targets): "full" turns ``, ; : ? !`` after CJK text (or between a
  Latin token and CJK text) into ``，；：？！`` (dropping the space after them) and a pair of
  ``( )`` next to or around CJK text into ``（ ）``; "half" does the reverse (with a space after
  ``, ; : ? !`` before more text); "keep" leaves the engine's punctuation as it is. Numbers
  (``1,000``, ``3:2``) and everything protected are untouched.
* ``lineStyle``: a paragraph that is machine-translated as a whole is written one sentence per
  line ("sentence", as d2l-zh) or on one line ("paragraph"). Sentences come from the target
  language's rules (:mod:`amts.domain.segment`), with ``gluedPeriod``.
* ``gluedPeriod`` (Korean): whether ``했습니다.또한`` ends a sentence; used for this layout and
  passed on to the parsed translation (``Document.glued_period``) so alignment, sync and parallel
  data segment it the same way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from amts.domain import languages
from amts.domain.model import BlockKind, PieceRef, SpanKind

__all__ = ["TargetStyle", "layout_machine_paragraph", "style_machine_text", "styled_machine_piece"]


@dataclass(frozen=True, slots=True)
class TargetStyle:
    """The effective style of one target language's machine output (facts + settings)."""

    lang: str
    line_style: str = "paragraph"
    cjk_latin_space: bool | None = None  # None: not a spaceless CJK language, spacing untouched
    punctuation_width: str = "keep"  # "full", "half" or "keep"
    glued_period: bool = False

    @classmethod
    def of(
        cls,
        lang: str,
        *,
        line_style: str | None = None,
        cjk_latin_space: bool | None = None,
        punctuation_width: str | None = None,
        glued_period: bool | None = None,
    ) -> TargetStyle:
        """The style of ``lang``: each value given, else the language's fact."""
        facts = languages.facts(lang)
        spacing = facts.cjk_latin_space if cjk_latin_space is None else cjk_latin_space
        return cls(
            lang=facts.code,
            line_style=line_style or facts.line_style,
            cjk_latin_space=spacing if facts.cjk_script and facts.spaceless else None,
            punctuation_width=(punctuation_width or facts.punctuation_width) if facts.cjk_script else "keep",
            glued_period=facts.glued_period if glued_period is None else glued_period,
        )


# Han, kana (with the prolonged sound mark), CJK compatibility ideographs, Hangul.
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7a3"
_LATIN = "A-Za-z0-9\u00c0-\u024f"
# Protected spans become one private-use character each while the text is restyled:
_TOKEN = "\U000f0000"  # code, math, image: a Latin token (spacing applies on both sides)
_ROLE = "\U000f0001"  # a role: spacing after it; before it a space may be added, never removed
_OPAQUE = "\U000f0002"  # link targets, URLs, HTML, slide markers: nothing changes next to them
_KIND_TOKEN = {
    SpanKind.CODE: _TOKEN,
    SpanKind.MATH: _TOKEN,
    SpanKind.IMAGE: _TOKEN,
    SpanKind.ROLE: _ROLE,
}

_ADD_AFTER_CJK = re.compile(rf"(?<=[{_CJK}])(?=[{_LATIN}{_TOKEN}{_ROLE}])")
_ADD_BEFORE_CJK = re.compile(rf"(?<=[{_LATIN}{_TOKEN}{_ROLE}])(?=[{_CJK}])")
_DROP_AFTER_CJK = re.compile(rf"(?<=[{_CJK}])[ \u00a0]+(?=[{_LATIN}{_TOKEN}])")
_DROP_BEFORE_CJK = re.compile(rf"(?<=[{_LATIN}{_TOKEN}{_ROLE}])[ \u00a0]+(?=[{_CJK}])")

_HALF_TO_FULL = {",": "，", ";": "；", ":": "：", "?": "？", "!": "！"}
_FULL_TO_HALF = {v: k for k, v in _HALF_TO_FULL.items()}
# a half-width mark right after CJK text, or after a token/Latin word with CJK text after it;
# never between digits ("1,000", "3:2")
_HALF_MARK = re.compile(
    rf"(?<=[{_CJK}）」』”])([,;:?!])[ \u00a0]*"
    rf"|(?<=[{_LATIN}{_TOKEN}{_ROLE})\]])([,;:?!])[ \u00a0]*(?=[{_CJK}])"
)
_FULL_MARK = re.compile(r"([，；：？！])(?=(.?))")
# a pair of half-width parentheses (no nesting) next to or around CJK text
_HALF_PARENS = re.compile(
    rf"(?P<before>[{_CJK}]?)[ \u00a0]*\((?P<inner>[^()]*)\)[ \u00a0]*(?P<after>[{_CJK}]?)"
)
_CJK_CHAR = re.compile(rf"[{_CJK}]")
_LITERAL = re.compile(
    r"\\.|&(?:#[0-9]+|#x[0-9A-Fa-f]+|[A-Za-z][A-Za-z0-9]*);"
    rf"|(?:https?|ftp)://[^\s<>{_CJK}，。；：？！（）「」、]+"
)


def _protect(text: str) -> tuple[str, list[str]]:
    """``text`` with its protected spans (inline code, math, roles, links, URLs, HTML) replaced
    by placeholder characters, and the originals in order."""
    from amts.domain.markdown import scan_spans

    out: list[str] = []
    originals: list[str] = []

    def free(chunk: str) -> None:
        # backslash escapes (\( is not a parenthesis), HTML entities (&amp; ends with ";") and
        # bare URLs glued to CJK text (which scan_spans, looking for a word start, leaves alone);
        # a URL's trailing punctuation is prose, and the spaces next to a URL are never changed
        def opaque(m: re.Match[str]) -> str:
            found = m.group(0)
            tail = ""
            if found[:1] not in "\\&":
                kept = found.rstrip(".,;:!?'\"*)")
                found, tail = kept, found[len(kept) :]
            originals.append(found)
            return _OPAQUE + tail

        out.append(_LITERAL.sub(opaque, chunk))

    cursor = 0
    for span in scan_spans(text):
        if span.start < cursor:
            continue
        free(text[cursor : span.start])
        out.append(_KIND_TOKEN.get(span.kind, _OPAQUE))
        originals.append(text[span.start : span.end])
        cursor = span.end
    free(text[cursor:])
    return "".join(out), originals


def _restore(text: str, originals: list[str]) -> str:
    found = iter(originals)
    return re.sub(f"[{_TOKEN}{_ROLE}{_OPAQUE}]", lambda _m: next(found), text)


def _space(text: str, add: bool) -> str:
    if add:
        return _ADD_BEFORE_CJK.sub(" ", _ADD_AFTER_CJK.sub(" ", text))
    return _DROP_BEFORE_CJK.sub("", _DROP_AFTER_CJK.sub("", text))


def _widen(text: str) -> str:
    def mark(m: re.Match[str]) -> str:
        return _HALF_TO_FULL[m.group(1) or m.group(2)]

    def parens(m: re.Match[str]) -> str:
        before, inner, after = m.group("before"), m.group("inner"), m.group("after")
        if not (before or after or _CJK_CHAR.search(inner)):
            return m.group(0)  # Latin in Latin context: "(see below)" stays as it is
        return f"{before}（{inner}）{after}"

    return _HALF_PARENS.sub(parens, _HALF_MARK.sub(mark, text))


def _narrow(text: str) -> str:
    def mark(m: re.Match[str]) -> str:
        nxt = m.group(2)
        half = _FULL_TO_HALF[m.group(1)]
        # a space after the mark before more text, as half-width punctuation is written
        return half + " " if nxt and not nxt.isspace() and nxt not in ")]}）」』”’\"'" else half

    return _FULL_MARK.sub(mark, text).replace("（", "(").replace("）", ")")


def style_machine_text(text: str, style: TargetStyle) -> str:
    """One machine translation restyled for its language (spacing, punctuation width).

    Only for text the engine wrote: applied to a translator's text it would rewrite their
    choices, which the sync contract forbids. A language whose style changes nothing (not CJK,
    or "keep" and no spacing rule) gets ``text`` back unchanged.
    """
    if style.cjk_latin_space is None and style.punctuation_width == "keep":
        return text
    protected, originals = _protect(text)
    if style.punctuation_width == "full":
        protected = _widen(protected)
    elif style.punctuation_width == "half":
        protected = _narrow(protected)
    if style.cjk_latin_space is not None:
        protected = _space(protected, style.cjk_latin_space)
    return _restore(protected, originals)


def layout_machine_paragraph(text: str, style: TargetStyle, continuation: str = "") -> str:
    """A machine-translated paragraph laid out as the language's translators write it.

    ``lineStyle`` "sentence": one sentence per line (sentences by the target language's rules,
    with its ``gluedPeriod``), each following line starting with ``continuation`` (the
    paragraph's indentation or blockquote prefix); "paragraph": ``text`` on one line.
    """
    if style.line_style != "sentence":
        return text
    from amts.domain.segment import split_sentences

    sentences = [s.strip() for s in split_sentences(text, style.lang, glued_period=style.glued_period)]
    sentences = [s for s in sentences if s]
    if len(sentences) < 2:
        return text
    return ("\n" + continuation).join(sentences)


_CONTINUATION = re.compile(r"[ \t>]*")


def styled_machine_piece(text: str, ref: PieceRef, style: TargetStyle, *, whole: bool) -> str:
    """The engine's translation of piece ``ref`` (already on one line) as it is written.

    ``whole``: the piece is machine-translated as a whole (no translator's sentences around it).
    Only then, and only for the text of a paragraph, does ``lineStyle`` change lines: machine
    sentences put into a translator's paragraph follow that paragraph's own lines, and a line
    break would end a heading, a table cell or a list item's first line.
    """
    text = style_machine_text(text, style)
    block = ref.block
    if not whole or block.kind is not BlockKind.PARAGRAPH or len(block.pieces) != 1:
        return text
    line_start = block.raw.rfind("\n", 0, ref.piece.start) + 1
    prefix = block.raw[line_start : ref.piece.start].lstrip("\ufeff")
    if not _CONTINUATION.fullmatch(prefix):
        return text
    return layout_machine_paragraph(text, style, continuation=prefix)
