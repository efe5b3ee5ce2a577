"""``amts push``: the English files a range of commits changed, and a record of what was pushed.

:func:`plan_push` reads the range from the English repository (through the
:class:`~amts.ports.GitRepository` port), keeps the markdown changes
(:mod:`amts.domain.changes`) and leaves out what an earlier push to the same destination already
sent (the *push record*: destination → path → blob sha, kept inside the English repository's git
directory, ``.git/amts/pushed.json``, so it never shows up as a change in the working tree).

The run manifest (:class:`RunManifest`, ``amts-run.json`` in the run folder) is what ``amts
publish`` reads back: the English range, every change, and for each translation repository the
commit and the blob sha of every translation the run read, so publish can refuse a checkout
whose translation changed in between.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel, Field

from amts.domain.changes import Change, markdown_changes, parse_name_status, pending
from amts.ports import GitRepository

MANIFEST_NAME = "amts-run.json"
RECORD_NAME = "amts/pushed.json"


class ChangeRecord(BaseModel):
    kind: str
    path: str
    old_path: str | None = None
    blob: str | None = None  # English blob at UNTIL (None for a deletion)


class TranslationRead(BaseModel):
    """One translation repository as the run read it."""

    repo: str
    commit: str
    # target path (= the English path at UNTIL) → (path read in the translation repo, its blob sha)
    read: dict[str, tuple[str, str | None]] = Field(default_factory=dict)


class EnglishRange(BaseModel):
    repo: str
    since: str
    until: str
    since_commit: str
    until_commit: str

    @property
    def short(self) -> str:
        return f"{self.since_commit[:7]}..{self.until_commit[:7]}"


class RunManifest(BaseModel):
    schema_version: int = 1
    run_id: str
    status: str
    english: EnglishRange
    changes: list[ChangeRecord] = Field(default_factory=list)
    translations: dict[str, TranslationRead] = Field(default_factory=dict)  # lang → repo read

    def write(self, folder: Path) -> Path:
        path = folder / MANIFEST_NAME
        path.write_text(self.model_dump_json(indent=2) + "\n", encoding="utf-8")
        return path

    @classmethod
    def load(cls, folder: Path) -> RunManifest:
        return cls.model_validate_json((folder / MANIFEST_NAME).read_text(encoding="utf-8"))


@dataclass(slots=True)
class PushPlan:
    english: EnglishRange
    changes: list[Change]  # every markdown change in the range (deletions included)
    blobs: dict[str, str]  # path at UNTIL → blob sha
    to_push: list[Change]  # the translated changes the record does not hold yet
    destination: str
    record_path: Path
    skipped: list[Change] = field(default_factory=list)  # already pushed

    @property
    def deleted(self) -> list[Change]:
        return [c for c in self.changes if c.kind == "deleted"]


def load_record(path: Path, destination: str) -> dict[str, str]:
    if not path.is_file():
        return {}
    data = json.loads(path.read_text(encoding="utf-8"))
    return dict(data.get(destination, {}))


def save_record(path: Path, destination: str, pushed: Mapping[str, str]) -> None:
    data = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    data.setdefault(destination, {}).update(pushed)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def plan_push(repo: GitRepository, since: str, until: str, destination: str) -> PushPlan:
    since_commit, until_commit = repo.commit_of(since), repo.commit_of(until)
    changes = markdown_changes(parse_name_status(repo.diff_name_status(since_commit, until_commit)))
    blobs = {c.path: b for c in changes if c.translated and (b := repo.blob_of(until_commit, c.path))}
    record_path = Path(repo.git_path(RECORD_NAME))
    record = load_record(record_path, destination)
    to_push = pending(changes, blobs, record)
    english = EnglishRange(
        repo=repo.root, since=since, until=until, since_commit=since_commit, until_commit=until_commit
    )
    skipped = [c for c in changes if c.translated and c not in to_push]
    return PushPlan(english, changes, blobs, to_push, destination, record_path, skipped)


def record_pushed(plan: PushPlan) -> None:
    save_record(plan.record_path, plan.destination, {c.path: plan.blobs[c.path] for c in plan.to_push})


def change_records(plan: PushPlan) -> list[ChangeRecord]:
    return [
        ChangeRecord(kind=c.kind, path=c.path, old_path=c.old_path, blob=plan.blobs.get(c.path))
        for c in plan.changes
        if c in plan.to_push or c.kind == "deleted"
    ]
