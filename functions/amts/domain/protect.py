"""Segments ⇄ HTML with ``translate="no"`` around protected spans.

Amazon Translate keeps the text of any HTML element marked ``translate="no"``, in batch jobs
and in TranslateText. Sending each segment as its own ``<p>`` keeps segment boundaries through a
batch job, and wrapping inline code, math, roles and link targets in ``translate="no"`` spans
keeps them out of the machine translation.

The original text of each protected span is also stored in a ``data-o`` attribute and restored
from there, so a service that re-spaces, re-escapes or otherwise touches the inner text cannot
damage code. A segment element records how many protected spans it had (``data-n``): when the
service drops one, the segment is reported as damaged instead of silently losing code.

Contract:
    segments_to_html(segments: Sequence[tuple[str, str, Sequence[Span]]]) -> str
    html_to_segments(html: str, *, on_damage="omit"|"raise"|"keep") -> dict[str, str]
    decode_html(html: str) -> DecodedHtml   (texts + spans + damaged segments with the reason)
"""

from __future__ import annotations

import html as htmllib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Literal

from amts.domain.model import Span, SpanKind
from amts.errors import AmtsError

SEGMENT_TAG = "p"
_WS = re.compile(r"\s+")


class ProtectedSpanLost(AmtsError):
    """The translation of a segment lost one of its protected spans (code, math, role...)."""


def _attr(value: str) -> str:
    return htmllib.escape(value, quote=True)


def _segment_body(text: str, spans: Sequence[Span]) -> str:
    """Escape ``text`` and wrap each protected span; overlapping/invalid spans are rejected."""
    out: list[str] = []
    cursor = 0
    for n, span in enumerate(sorted(spans, key=lambda s: (s.start, s.end))):
        if span.start < cursor or span.end > len(text) or span.start >= span.end:
            raise ValueError(f"protected span {span} overlaps another span or lies outside the text")
        original = text[span.start : span.end]
        out.append(htmllib.escape(text[cursor : span.start], quote=False))
        out.append(
            f'<span translate="no" data-p="{n}" data-k="{_attr(str(span.kind))}" data-o="{_attr(original)}">'
            f"{htmllib.escape(original, quote=False)}</span>"
        )
        cursor = span.end
    out.append(htmllib.escape(text[cursor:], quote=False))
    return "".join(out)


def segments_to_html(segments: Sequence[tuple[str, str, Sequence[Span]]]) -> str:
    """One HTML document, one ``<p id=...>`` per segment, in order.

    Only text inside ``<html>`` is translated by the batch service, hence the full skeleton.
    """
    lines = ['<!DOCTYPE html>\n<html><head><meta charset="utf-8"></head><body>']
    seen: set[str] = set()
    for seg_id, text, spans in segments:
        if seg_id in seen:
            raise ValueError(f"duplicate segment id {seg_id!r}")
        seen.add(seg_id)
        lines.append(
            f'<{SEGMENT_TAG} id="{_attr(seg_id)}" data-n="{len(spans)}">'
            f"{_segment_body(text, spans)}</{SEGMENT_TAG}>"
        )
    lines.append("</body></html>\n")
    return "\n".join(lines)


@dataclass(slots=True)
class DecodedHtml:
    """The service's output, back in segment form."""

    texts: dict[str, str] = field(default_factory=dict)  # id -> text, protected spans restored
    spans: dict[str, tuple[Span, ...]] = field(default_factory=dict)  # id -> spans in that text
    damaged: dict[str, str] = field(default_factory=dict)  # id -> what went wrong


@dataclass(slots=True)
class _Segment:
    seg_id: str
    expected: int | None
    parts: list[str | tuple[int, str, str]] = field(default_factory=list)


class _Parser(HTMLParser):
    """Collects segment elements; inside a protected span only its attributes matter."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.segments: list[_Segment] = []
        self._current: _Segment | None = None
        self._depth = 0  # element depth inside the current segment
        self._protected_depth = 0  # >0 while inside a translate="no" span
        self._protected_inner: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = dict(attrs)
        if self._current is None:
            if tag == SEGMENT_TAG and attr.get("id") is not None:
                n = attr.get("data-n")
                expected = int(n) if n is not None and n.isdigit() else None
                self._current = _Segment(str(attr["id"]), expected)
                self._depth = 0
            return
        if tag in _VOID:
            return
        self._depth += 1
        if self._protected_depth:
            self._protected_depth += 1
            return
        if attr.get("translate") == "no":
            self._protected_depth = 1
            self._protected_inner = []
            p = attr.get("data-p")
            index = int(p) if p is not None and p.isdigit() else -1
            original = attr.get("data-o")
            kind = attr.get("data-k") or str(SpanKind.CODE)
            # Without the attribute (a hand-written span) the inner text is the best we have.
            self._current.parts.append((index, original if original is not None else "\0inner", kind))

    def handle_endtag(self, tag: str) -> None:
        if self._current is None:
            return
        if self._depth == 0:
            if tag == SEGMENT_TAG:
                self.segments.append(self._current)
                self._current = None
            return
        self._depth -= 1
        if self._protected_depth:
            self._protected_depth -= 1
            if self._protected_depth == 0:
                last = self._current.parts[-1]
                if isinstance(last, tuple) and last[1] == "\0inner":
                    self._current.parts[-1] = (last[0], "".join(self._protected_inner), last[2])

    def handle_data(self, data: str) -> None:
        if self._current is None:
            return
        if self._protected_depth:
            self._protected_inner.append(data)
        else:
            self._current.parts.append(data)

    def close(self) -> None:
        super().close()
        if self._current is not None:  # an unclosed last segment still counts
            self.segments.append(self._current)
            self._current = None


_VOID = frozenset({"br", "img", "meta", "hr", "input", "link", "wbr"})


def _assemble(segment: _Segment) -> tuple[str, tuple[Span, ...], str | None]:
    """Join text and restored spans; normalise whitespace the service may have added."""
    out: list[str] = []
    spans: list[Span] = []
    seen: set[int] = set()
    problem: str | None = None
    length = 0
    for part in segment.parts:
        if isinstance(part, str):
            squeezed = _WS.sub(" ", part)
            out.append(squeezed)
            length += len(squeezed)
            continue
        index, original, kind = part
        if index >= 0 and index in seen:
            problem = f"protected span {index} appears twice"
        seen.add(index)
        start = length
        out.append(original)
        length += len(original)
        try:
            span_kind = SpanKind(kind)
        except ValueError:
            span_kind = SpanKind.CODE
        spans.append(Span(start, start + len(original), span_kind))
    text = "".join(out)
    # Collapse double spaces created at span borders and strip the ends; span offsets follow.
    text, spans = _tidy(text, spans)
    if segment.expected is not None and len(seen) < segment.expected:
        problem = f"{segment.expected - len(seen)} of {segment.expected} protected span(s) lost"
    return text, tuple(spans), problem


def _tidy(text: str, spans: list[Span]) -> tuple[str, list[Span]]:
    """Strip the text and squeeze runs of spaces outside protected spans, keeping offsets right."""
    if "  " not in text and not text.startswith(" ") and not text.endswith(" "):
        return text, spans  # nothing to tidy (the usual case)
    protected = [False] * len(text)
    for s in spans:
        for i in range(s.start, s.end):
            protected[i] = True
    keep: list[int] = []
    for i, ch in enumerate(text):
        if not protected[i] and ch == " ":
            prev_space = keep and text[keep[-1]] == " " and not protected[keep[-1]]
            if not keep or prev_space:
                continue
        keep.append(i)
    while keep and text[keep[-1]] == " " and not protected[keep[-1]]:
        keep.pop()
    new_index = {old: new for new, old in enumerate(keep)}
    new_text = "".join(text[i] for i in keep)
    new_spans = [Span(new_index[s.start], new_index[s.end - 1] + 1, s.kind) for s in spans if s.end > s.start]
    return new_text, new_spans


def decode_html(html: str) -> DecodedHtml:
    """Parse a translated document: every segment with its text, spans and any damage."""
    parser = _Parser()
    parser.feed(html)
    parser.close()
    result = DecodedHtml()
    for segment in parser.segments:
        text, spans, problem = _assemble(segment)
        if segment.seg_id in result.texts:
            problem = "segment appears twice in the output"
        result.texts[segment.seg_id] = text
        result.spans[segment.seg_id] = spans
        if problem:
            result.damaged[segment.seg_id] = problem
    return result


def html_to_segments(html: str, *, on_damage: Literal["omit", "raise", "keep"] = "omit") -> dict[str, str]:
    """Segment id → text with protected spans restored byte for byte from the original.

    A segment whose translation lost a protected span is left out by default (the caller then
    treats it as untranslated and keeps the human or source text); ``on_damage="raise"``
    raises :class:`ProtectedSpanLost` naming the segments, ``"keep"`` returns them anyway.
    """
    decoded = decode_html(html)
    if decoded.damaged and on_damage == "raise":
        detail = "; ".join(f"{k}: {v}" for k, v in decoded.damaged.items())
        raise ProtectedSpanLost(f"translated HTML lost protected spans in segment(s) {detail}")
    if on_damage == "omit":
        return {k: v for k, v in decoded.texts.items() if k not in decoded.damaged}
    return dict(decoded.texts)


# Light-weight detection of protected inline markup in plain strings, for callers that have no
# parsed Piece (TranslateText baseline, translation memory). The markdown parser's spans are
# authoritative where available.
_PROTECTED_RE = re.compile(
    r"(?P<role>:[A-Za-z]+:`[^`]*`)"
    r"|(?P<code>`+)(?P<codebody>.+?)(?P=code)"
    r"|(?P<math>\$\$.+?\$\$|(?<![\\$])\$(?!\s)[^$]+?(?<![\s\\])\$)"
    r"|(?P<link>\]\([^)\s]*\))"
    r"|(?P<slide>\[\*\*|\*\*\]|\(\*\*|\*\*\))"
)


def find_protected_spans(text: str) -> list[Span]:
    """Spans of inline code, math, d2lbook roles, link targets and slide marks in ``text``."""
    spans: list[Span] = []
    for m in _PROTECTED_RE.finditer(text):
        if m.group("role"):
            spans.append(Span(m.start(), m.end(), SpanKind.ROLE))
        elif m.group("code"):
            spans.append(Span(m.start(), m.end(), SpanKind.CODE))
        elif m.group("math"):
            spans.append(Span(m.start(), m.end(), SpanKind.MATH))
        elif m.group("link"):
            # keep "](" ... ")" protected: the link text before it stays translatable
            spans.append(Span(m.start() + 1, m.end(), SpanKind.LINK_TARGET))
        else:
            spans.append(Span(m.start(), m.end(), SpanKind.SLIDE_MARKER))
    return spans
