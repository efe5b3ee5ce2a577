"""The language's glossary reaches the cloud planner and the parallel-data aligner, as it reaches
``amts sync --glossary``; Assemble File re-plans with the glossary version Plan File Sync read."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from amts.config import LanguagePair, LanguageSettings, Settings
from amts.domain import align, sync
from amts.handlers import collect_changes, plan_sync
from amts.local.runner import Book, LocalAws, _Context, local_aws, upload_book
from amts.models import FilePlan
from amts.service import language

from tests.workflow.conftest import BOOK, manifest_items, plan_language

EXECUTION = "exec-glossary"
GLOSSARY_KEY = "TERMINOLOGY.zh.md"
PATH = "chapter_optimization/gradient-descent.md"
V1 = "梯度下降，gradient descent\n\n学习率，learning rate\n"
V2 = "坡度滑行，gradient descent\n"


def _settings(glossary: str | None) -> Settings:
    languages = {"zh": LanguageSettings("zh", glossary=glossary)} if glossary else {}
    return Settings(language_pairs=(LanguagePair("en", "zh"),), granularity="paragraph", languages=languages)


@pytest.fixture
def aws() -> Iterator[LocalAws]:
    with local_aws(_settings(GLOSSARY_KEY)) as env:
        yield env


def _put_glossary(aws: LocalAws, text: str) -> str:
    put = aws.clients["s3"].put_object(
        Bucket=aws.deps.buckets.reference, Key=GLOSSARY_KEY, Body=text.encode()
    )
    return str(put["VersionId"])


def _spy(monkeypatch: pytest.MonkeyPatch, module: Any, name: str) -> list[Any]:
    """Record the glossary every call of ``module.name`` receives (keyword or 4th positional)."""
    seen: list[Any] = []
    original = getattr(module, name)

    def spy(*args: Any, **kwargs: Any) -> Any:
        seen.append(kwargs["glossary"] if "glossary" in kwargs else (args[3] if len(args) > 3 else None))
        return original(*args, **kwargs)

    monkeypatch.setattr(module, name, spy)
    return seen


def _collected(aws: LocalAws) -> dict[str, Any]:
    run: dict[str, Any] = collect_changes.handler(
        {"records": upload_book(aws, Book(BOOK)), "execution": EXECUTION}, _Context("collect")
    )
    return run


def _plan_one(aws: LocalAws) -> FilePlan:
    run = _collected(aws)
    (item,) = [i for i in manifest_items(aws, run) if i["path"] == PATH]
    plan_sync.handler({"run_id": run["run_id"], "execution": EXECUTION, "file": item}, _Context("plan"))
    (record,) = aws.deps.work.list_keys(f"plans/{run['run_id']}/en-zh/")
    return FilePlan.model_validate_json(aws.deps.work.get_text(record))


def test_plan_file_sync_plans_with_the_glossary_and_records_the_version_it_read(
    aws: LocalAws, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given the zh glossary in the reference bucket, named in the zh settings
    v1 = _put_glossary(aws, V1)
    seen = _spy(monkeypatch, sync, "plan_sync")
    # When Plan File Sync plans one file
    record = _plan_one(aws)
    # Then the planner got the glossary's terms, in the en → zh direction
    (glossary,) = seen
    assert glossary is not None and ("gradient descent", "梯度下降") in glossary.terms
    # And the plan record pins the glossary's key and the version it read
    assert (record.glossary_key, record.glossary_version_id) == (GLOSSARY_KEY, v1)


def test_assemble_replans_with_the_pinned_glossary_after_the_glossary_changed(
    aws: LocalAws, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a file planned with glossary version 1
    _put_glossary(aws, V1)
    record = _plan_one(aws)
    # When someone uploads glossary version 2 before Assemble File re-reads the plan's inputs
    _put_glossary(aws, V2)
    seen = _spy(monkeypatch, sync, "plan_sync")
    state = language._state_of(record, "en", "zh", aws.deps)
    # Then the re-plan used version 1's terms, not version 2's
    (glossary,) = seen
    assert ("gradient descent", "梯度下降") in glossary.terms
    assert ("gradient descent", "坡度滑行") not in glossary.terms
    assert state.glossary is not None and state.glossary.version_id == record.glossary_version_id


def test_build_parallel_data_aligns_with_the_glossary_and_caches_per_glossary(
    aws: LocalAws, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given the glossary in the reference bucket and the book uploaded
    _put_glossary(aws, V1)
    run = _collected(aws)
    seen = _spy(monkeypatch, align, "align_documents")
    # When the language is planned and its parallel data built
    built = plan_language(aws, run, EXECUTION)
    # Then every human translation was aligned with the glossary as anchor
    assert built["parallel_data"]["files_aligned"] == len(seen) > 0
    assert all(g is not None and ("learning rate", "学习率") in g.terms for g in seen)
    # And with another glossary the cached alignments are not reused (each is aligned again)
    _put_glossary(aws, V2)
    seen.clear()
    plan_language(aws, run, EXECUTION + "-again")
    assert seen and all(("gradient descent", "坡度滑行") in g.terms for g in seen)


def test_a_glossary_named_but_missing_fails_the_file_with_its_key(aws: LocalAws) -> None:
    # Given the zh settings name a glossary that is not in the reference bucket
    run = _collected(aws)
    (item,) = [i for i in manifest_items(aws, run) if i["path"] == PATH]
    # When Plan File Sync runs
    with pytest.raises(Exception) as raised:
        plan_sync.handler({"run_id": run["run_id"], "execution": EXECUTION, "file": item}, _Context("plan"))
    # Then the error is the configuration error, naming the key and the pair
    assert type(raised.value).__name__ == "ConfigurationError"
    assert GLOSSARY_KEY in str(raised.value) and "en-zh" in str(raised.value)


def test_without_a_glossary_the_plan_records_none() -> None:
    # Given no glossary in the zh settings
    with local_aws(_settings(None)) as aws:
        record = _plan_one(aws)
    # Then the plan names no glossary
    assert (record.glossary_key, record.glossary_version_id) == (None, None)
    assert json.loads(record.model_dump_json())["glossary_key"] is None
