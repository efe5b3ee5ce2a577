"""The calibration / held-out split of benchmarks/align_multi.py --heldout."""

from __future__ import annotations

from tests.benchmark_scripts import load

heldout = load("heldout")
CALIBRATION, HELDOUT, half, split = heldout.CALIBRATION, heldout.HELDOUT, heldout.half, heldout.split

NAMES = [f"chapter_{c}/section-{s}" for c in "abcdefgh" for s in range(12)]


def test_split_is_disjoint_covers_every_section_and_uses_both_halves() -> None:
    # Given 96 section names
    # When split
    cal, held = split(NAMES)
    # Then every name lands in exactly one half, both halves are used, order is kept
    assert sorted(cal + held) == sorted(NAMES) and not set(cal) & set(held)
    assert 20 < len(held) < 76
    assert cal == [n for n in NAMES if n in set(cal)]


def test_split_depends_on_the_name_only() -> None:
    # Given the same names in another order, and a subset of them
    shuffled = list(reversed(NAMES))
    subset = NAMES[::3]
    # When split
    # Then each name keeps its half whatever else is listed with it
    assert set(split(shuffled)[1]) == set(split(NAMES)[1])
    assert set(split(subset)[1]) == set(split(NAMES)[1]) & set(subset)
    assert half("chapter_a/section-0") in (CALIBRATION, HELDOUT)


def test_chapter_split_keeps_each_chapter_in_one_half() -> None:
    # When split by chapter
    cal, held = split(NAMES, unit="chapter")
    # Then no chapter has sections in both halves
    chapters = {n.split("/")[0] for n in cal} & {n.split("/")[0] for n in held}
    assert chapters == set()
    assert cal and held
