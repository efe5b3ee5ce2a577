"""Keys derived from source keys: injective, validated, kept inside the output folder."""

from __future__ import annotations

from pathlib import Path

import pytest
from amts.domain.keys import DERIVED_OVERHEAD, MAX_KEY_BYTES, flat_name, inside, key_problem, unflatten


def test_flat_names_of_different_paths_never_collide() -> None:
    # Given paths that a '/' → '__' flattening would merge, and ones using the escape character
    paths = ["a/b.md", "a__b.md", "a~1b.md", "a~b.md", "a/~/b.md", "a~/b.md"]
    names = [flat_name(p) for p in paths]
    # Then every flat name is different, has no '/', and gives its path back
    assert len(set(names)) == len(paths)
    assert not any("/" in n for n in names)
    assert [unflatten(n) for n in names] == paths


@pytest.mark.parametrize(
    ("key", "reason"),
    [
        ("", "empty key"),
        ("en//a.md", "empty path segment"),
        ("/en/a.md", "empty path segment"),
        ("en/./a.md", "'.' or '..'"),
        ("en/../../etc/passwd.md", "'.' or '..'"),
        ("en/" + "é" * 600 + ".md", "over S3's 1024-byte limit"),
    ],
)
def test_unsafe_keys_are_rejected_with_a_reason(key: str, reason: str) -> None:
    problem = key_problem(key)
    assert problem is not None and reason in problem


def test_a_path_just_under_the_derived_limit_is_accepted_and_one_byte_more_is_not() -> None:
    room = MAX_KEY_BYTES - DERIVED_OVERHEAD
    assert key_problem("en/" + "a" * room, "a" * room) is None
    assert key_problem("en/" + "a" * (room + 1), "a" * (room + 1)) is not None


def test_inside_refuses_paths_that_leave_the_folder(tmp_path: Path) -> None:
    assert inside(str(tmp_path), "zh/ch1/intro.md")
    assert not inside(str(tmp_path), "../outside.md")
    assert not inside(str(tmp_path), "zh/../../outside.md")
    assert not inside(str(tmp_path), "/etc/passwd")
