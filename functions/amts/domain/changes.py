"""Which English markdown files a range of commits changed (pure: no git, no I/O).

``git diff -z --name-status --find-renames SINCE UNTIL`` compares the two trees, so a merge
commit inside the range is part of one diff (what the range changed, not what each parent
changed). Its records become :class:`Change` s:

* ``A`` added, ``M`` modified (and ``T`` type change) → translate the new file;
* ``R<score>`` renamed (also across chapters) → a *move*: the translation of the old path is the
  reference for the new path, and the old path's translation goes away with it;
* ``D`` deleted → reported, never translated;
* ``C`` copied (only with ``--find-copies``) → the copy is treated as added.

Only markdown (``.md``) counts. :func:`pending` drops what a record of earlier pushes already
holds (path → blob sha), which makes pushing the same range twice a no-op.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

ChangeKind = Literal["added", "modified", "renamed", "deleted"]
MARKDOWN_SUFFIX = ".md"


@dataclass(frozen=True, slots=True)
class Change:
    kind: ChangeKind
    path: str  # the path at UNTIL (for a deletion: the path at SINCE)
    old_path: str | None = None  # the path at SINCE (renamed, modified); None for added
    similarity: int | None = None  # git's rename score, 0-100

    @property
    def translated(self) -> bool:
        return self.kind != "deleted"

    def to_json(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "path": self.path,
            "old_path": self.old_path,
            "similarity": self.similarity,
        }


def parse_name_status(output: str) -> list[Change]:
    """The records of ``git diff -z --name-status`` as changes, in git's order."""
    fields = output.split("\0")
    changes: list[Change] = []
    i = 0
    while i < len(fields):
        status = fields[i]
        i += 1
        if not status:
            continue
        letter = status[0]
        if letter in "RC":
            if i + 1 >= len(fields):
                raise ValueError(f"truncated {status} record in git diff output")
            old, new = fields[i], fields[i + 1]
            i += 2
            score = int(status[1:]) if status[1:].isdigit() else None
            if letter == "R":
                changes.append(Change("renamed", new, old, score))
            else:
                changes.append(Change("added", new, None, score))
            continue
        if i >= len(fields):
            raise ValueError(f"truncated {status} record in git diff output")
        path = fields[i]
        i += 1
        if letter == "A":
            changes.append(Change("added", path))
        elif letter in "MT":
            changes.append(Change("modified", path, path))
        elif letter == "D":
            changes.append(Change("deleted", path, path))
        else:  # U (unmerged) or X: git never prints these for two commits
            raise ValueError(f"unexpected git status {status!r} for {path}")
    return changes


def is_markdown(path: str) -> bool:
    return path.endswith(MARKDOWN_SUFFIX)


def markdown_changes(changes: Iterable[Change]) -> list[Change]:
    """The changes that concern markdown files.

    A rename from or to a non-markdown name is what it is for the book: a markdown file that
    appears (added) or disappears (deleted).
    """
    kept: list[Change] = []
    for change in changes:
        if change.kind == "renamed" and change.old_path is not None:
            old_md, new_md = is_markdown(change.old_path), is_markdown(change.path)
            if old_md and new_md:
                kept.append(change)
            elif new_md:
                kept.append(Change("added", change.path))
            elif old_md:
                kept.append(Change("deleted", change.old_path, change.old_path))
        elif is_markdown(change.path):
            kept.append(change)
    return sorted(kept, key=lambda c: c.path)


def pending(changes: Iterable[Change], blobs: Mapping[str, str], record: Mapping[str, str]) -> list[Change]:
    """The translated changes whose (path, blob at UNTIL) the record does not hold yet.

    ``blobs`` maps each changed path to its blob sha at UNTIL; ``record`` is what earlier pushes
    to the same destination recorded. Deletions are never pending (nothing is pushed for them).
    """
    return [c for c in changes if c.translated and record.get(c.path) != blobs.get(c.path)]
