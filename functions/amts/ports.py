"""Ports: the small interfaces behind which every outside system sits.

Domain code and handlers depend on these protocols only. ``amts.adapters`` holds the real
(boto3) implementations and the offline ones (translation memory, local folders); tests use
in-memory fakes. That is what lets the same workflow code run in Lambda, in the CLI and in
tests.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol, runtime_checkable


class Origin(StrEnum):
    """Where a translated segment came from; reports and review markers depend on it."""

    HUMAN = "human"  # kept verbatim from the existing human translation
    EXACT = "exact"  # translation memory, exact match
    FUZZY = "fuzzy"  # translation memory, fuzzy match (needs review)
    MACHINE = "machine"  # a machine translation service
    UNTRANSLATED = "untranslated"  # nothing found: left in the source language, counted


@dataclass(frozen=True, slots=True)
class Translation:
    text: str
    origin: Origin
    score: float = 1.0  # match quality for memory hits, 1.0 for machine output


@runtime_checkable
class TranslationEngine(Protocol):
    """Synchronous segment translation (TranslateText, or the offline translation memory)."""

    name: str

    def translate(self, segments: Sequence[str], source_lang: str, target_lang: str) -> list[Translation]:
        """Translate each segment; the result has one entry per input segment, in order."""
        ...


@runtime_checkable
class BlobStore(Protocol):
    """Object storage (S3 in the cloud, moto or a folder locally)."""

    def get_text(self, key: str, version_id: str | None = None) -> str: ...

    def put_text(self, key: str, text: str, content_type: str = "text/plain; charset=utf-8") -> None: ...

    def exists(self, key: str) -> bool: ...

    def list_keys(self, prefix: str) -> list[str]: ...
