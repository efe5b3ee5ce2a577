"""The changed-file set of a git range (pure parsing and filtering)."""

from __future__ import annotations

import pytest
from amts.domain.changes import Change, markdown_changes, parse_name_status, pending


def test_name_status_records_become_changes() -> None:
    # Given git's -z name-status output with every record kind
    out = "M\0a.md\0A\0b.md\0D\0c.md\0R087\0ch1/d.md\0ch2/d.md\0C100\0e.md\0f.md\0T\0g.md\0"
    # When it is parsed
    changes = parse_name_status(out)
    # Then each record is one change; a rename keeps both paths and its score; a copy is an addition
    assert changes == [
        Change("modified", "a.md", "a.md"),
        Change("added", "b.md"),
        Change("deleted", "c.md", "c.md"),
        Change("renamed", "ch2/d.md", "ch1/d.md", 87),
        Change("added", "f.md", None, 100),
        Change("modified", "g.md", "g.md"),
    ]


def test_paths_with_spaces_and_unicode_survive() -> None:
    # Given -z output (no quoting) with a space and non-ASCII characters, Then they are verbatim
    assert parse_name_status("M\0chapter one/数据.md\0") == [
        Change("modified", "chapter one/数据.md", "chapter one/数据.md")
    ]


def test_a_truncated_rename_record_is_an_error() -> None:
    with pytest.raises(ValueError, match="truncated"):
        parse_name_status("R100\0only-old.md")


def test_only_markdown_counts_and_a_rename_out_of_markdown_is_a_deletion() -> None:
    # Given changes to markdown and other files, and renames into and out of markdown
    changes = [
        Change("modified", "setup.py", "setup.py"),
        Change("modified", "z.md", "z.md"),
        Change("renamed", "notes.txt", "notes.md", 100),
        Change("renamed", "intro.md", "intro.rst", 95),
    ]
    # When filtered, Then sorted by path: notes.md deleted, intro.md added, z.md kept, setup.py gone
    assert markdown_changes(changes) == [
        Change("added", "intro.md"),
        Change("deleted", "notes.md", "notes.md"),
        Change("modified", "z.md", "z.md"),
    ]


def test_pending_leaves_out_what_the_record_holds_with_the_same_blob() -> None:
    # Given three changes, a record holding a.md at its current blob and b.md at an older one
    changes = [
        Change("modified", "a.md", "a.md"),
        Change("modified", "b.md", "b.md"),
        Change("deleted", "c.md"),
    ]
    blobs = {"a.md": "1111", "b.md": "2222"}
    record = {"a.md": "1111", "b.md": "0000"}
    # When computing what is pending, Then only b.md (changed since it was pushed); deletions never
    assert [c.path for c in pending(changes, blobs, record)] == ["b.md"]
    assert [c.path for c in pending(changes, blobs, {})] == ["a.md", "b.md"]
