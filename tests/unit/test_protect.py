"""Protected spans survive the trip through HTML and a translation service."""

from __future__ import annotations

import random
import re

import pytest
from amts.domain.model import Span, SpanKind
from amts.domain.protect import (
    ProtectedSpanLost,
    decode_html,
    find_protected_spans,
    html_to_segments,
    segments_to_html,
)

TRICKY = [
    "a < b && c > d",
    "Use `x < y & z` in code",
    "The set $a<b$ and $\\{x \\mid x > 0\\}$ are shown in :numref:`fig_x`.",
    'Quotes "double" and \'single\' and `"quoted" code`',
    "深度学习使用 `torch.tensor` 和 $\\mathbf{x}$，见 :numref:`sec_intro`。",
    "Entities &amp; &lt;tag&gt; stay literal",
    "See [the docs](https://example.com/a?b=1&c=2) now",
    "[**Slide mark**] and `a`",
    "Ends with code `y`",
    "`only code`",
]

ALPHABET = [*list("abc xyz<>&\"'`$:数学，。"), "&amp;", "<p>", "</span>", 'data-o="x"']


def _segments(texts: list[str]) -> list[tuple[str, str, list[Span]]]:
    return [(f"s{i}", t, find_protected_spans(t)) for i, t in enumerate(texts)]


def _random_text(rng: random.Random) -> str:
    words = [
        "".join(rng.choice(ALPHABET) for _ in range(rng.randint(1, 6))) for _ in range(rng.randint(1, 8))
    ]
    text = " ".join(words)
    if rng.random() < 0.5:
        text += f" `{rng.choice(ALPHABET)}x` end"
    # normalised piece text: one line, single spaces, no surrounding blanks
    return re.sub(r"\s+", " ", text).strip()


def test_identity_translation_round_trips_tricky_text() -> None:
    # Given segments with markup characters, math, roles, quotes and Chinese
    segments = _segments(TRICKY)
    # When the "service" returns the document unchanged
    restored = html_to_segments(segments_to_html(segments), on_damage="raise")
    # Then every segment comes back byte for byte
    assert restored == {seg_id: text for seg_id, text, _ in segments}


def test_identity_round_trip_holds_for_random_normalised_text() -> None:
    # Given many random one-line texts built from HTML-hostile characters (fixed seed)
    rng = random.Random(20241124)
    texts = [_random_text(rng) for _ in range(300)]
    segments = _segments(texts)
    # When encoded and decoded without translation
    restored = html_to_segments(segments_to_html(segments), on_damage="raise")
    # Then the texts are unchanged
    assert [restored[f"s{i}"] for i in range(len(texts))] == texts


def test_protected_spans_are_marked_translate_no_with_their_original() -> None:
    # Given a segment with inline code
    html = segments_to_html([("p1", "Call `f(a<b)` now", [Span(5, 13, SpanKind.CODE)])])
    # Then the code is in a translate="no" span and its original is in data-o
    assert '<span translate="no" data-p="0" data-k="code" data-o="`f(a&lt;b)`">`f(a&lt;b)`</span>' in html
    assert '<p id="p1" data-n="1">Call ' in html


def test_mangled_inner_text_is_restored_from_the_attribute() -> None:
    # Given a service that re-spaced and re-escaped the protected text
    text = "Use `x[0] <= y` here"
    html = segments_to_html(_segments([text]))
    translated = html.replace(">`x[0] &lt;= y`</span>", "> ` x [0] < = y ` </span>").replace("Use ", "使用")
    translated = translated.replace(" here", " 这里")
    # When decoded
    restored = html_to_segments(translated, on_damage="raise")
    # Then the code is the original, byte for byte
    assert restored["s0"] == "使用`x[0] <= y` 这里"


def test_reordered_spans_and_added_spaces_are_tolerated() -> None:
    # Given a translation that swapped two spans and put spaces around them
    text = "From `a` to `b`."
    html = segments_to_html(_segments([text]))
    m = re.findall(r"<span [^>]*>[^<]*</span>", html)
    translated = html.replace(m[0], "@@0").replace(m[1], "@@1")
    translated = translated.replace("From @@0 to @@1.", f"到  {m[1]}  从 {m[0]} 。")
    # When decoded
    decoded = decode_html(translated)
    # Then both spans are restored in the new order, double spaces squeezed, nothing damaged
    assert decoded.texts["s0"] == "到 `b` 从 `a` 。"
    assert decoded.damaged == {}
    assert [decoded.texts["s0"][s.start : s.end] for s in decoded.spans["s0"]] == ["`b`", "`a`"]


def test_a_dropped_span_is_reported_per_segment() -> None:
    # Given two segments, and a service that dropped the protected span of the first
    html = segments_to_html(_segments(["Keep `code` here", "Plain text"]))
    translated = re.sub(r"<span [^>]*>[^<]*</span>", "", html, count=1)
    # When decoded
    decoded = decode_html(translated)
    # Then only the first segment is damaged; the default omits it, strict mode raises
    assert set(decoded.damaged) == {"s0"}
    assert "1 of 1" in decoded.damaged["s0"]
    assert html_to_segments(translated) == {"s1": "Plain text"}
    assert set(html_to_segments(translated, on_damage="keep")) == {"s0", "s1"}
    with pytest.raises(ProtectedSpanLost, match="s0"):
        html_to_segments(translated, on_damage="raise")


def test_overlapping_spans_are_rejected() -> None:
    # Given spans that overlap
    spans = [Span(0, 4, SpanKind.CODE), Span(2, 6, SpanKind.MATH)]
    # Then encoding refuses them instead of producing ambiguous HTML
    with pytest.raises(ValueError, match="overlaps"):
        segments_to_html([("p", "abcdefgh", spans)])


def test_duplicate_segment_ids_are_rejected() -> None:
    with pytest.raises(ValueError, match="duplicate"):
        segments_to_html([("p", "a", []), ("p", "b", [])])


def test_find_protected_spans_covers_d2l_inline_markup() -> None:
    # Given a sentence with a role, code, math and a link target
    text = "See :numref:`fig_x`, call `f()` with $x_1$ as in [docs](http://a.b/c)."
    # When protected spans are found
    found = [(text[s.start : s.end], s.kind) for s in find_protected_spans(text)]
    # Then each kind is found with its exact text
    assert found == [
        (":numref:`fig_x`", SpanKind.ROLE),
        ("`f()`", SpanKind.CODE),
        ("$x_1$", SpanKind.MATH),
        ("(http://a.b/c)", SpanKind.LINK_TARGET),
    ]
