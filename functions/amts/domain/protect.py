"""Segments ⇄ HTML with ``translate="no"`` around protected spans (OWNER: translate-adapter helper).

Contract:
    segments_to_html(segments: Sequence[tuple[str, str, Sequence[Span]]]) -> str
        (segment id, text, protected spans) → one HTML document, one element per segment.
    html_to_segments(html: str) -> dict[str, str]
        Inverse for the service's output: segment id → translated text with protected spans
        restored byte for byte.
"""

from __future__ import annotations
