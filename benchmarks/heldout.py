"""A deterministic calibration / held-out split of the book's sections (benchmarks only).

The held-out figures of ``align_multi.py --heldout`` must not depend on the order files are
listed in, on which sections exist in a given checkout, or on a random seed: each section goes
to a half by a hash of its name alone, so adding or removing a section never moves another one.
``unit="chapter"`` hashes the chapter part of ``chapter/name`` instead, which keeps whole
chapters together, closer to the issue's own held-out set (three chapters per language).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Literal

CALIBRATION = "calibration"
HELDOUT = "heldout"
Unit = Literal["section", "chapter"]


def half(name: str, unit: Unit = "section") -> str:
    """``CALIBRATION`` or ``HELDOUT`` for a section ``chapter/name``: sha1 of the key, mod 2."""
    key = name.split("/", 1)[0] if unit == "chapter" else name
    digest = hashlib.sha1(key.encode("utf-8")).digest()
    return HELDOUT if int.from_bytes(digest[:8], "big") % 2 else CALIBRATION


def split(names: Iterable[str], unit: Unit = "section") -> tuple[list[str], list[str]]:
    """(calibration, held-out) names, each in the order given; together they are ``names``."""
    cal: list[str] = []
    held: list[str] = []
    for name in names:
        (held if half(name, unit) == HELDOUT else cal).append(name)
    return cal, held
