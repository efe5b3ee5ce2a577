"""Helpers for running the real state machine locally in tests."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from amts.adapters.translate import AmazonTranslateService
from amts.config import LanguagePair, Settings

from tests.fakes.translate_fake import FakeTranslateClient, tagging_translator

BOOK = Path(__file__).resolve().parents[2] / "samples" / "book"
ROLE = "arn:aws:iam::123456789012:role/amts-translate-data"

# Same ASL, shorter waits: retries and callback timeouts sized for a test, not for the service.
FAST: dict[str, dict[str, Any]] = {}


def fast_overrides(definition_states: list[str]) -> dict[str, dict[str, Any]]:
    return {}


@pytest.fixture
def settings() -> Settings:
    return Settings(language_pairs=(LanguagePair("en", "zh"),), granularity="paragraph")


class FakeFactory:
    """Builds the real Translate adapter over the botocore-validated fake, once moto is up."""

    def __init__(self, prepare: Callable[[FakeTranslateClient], None] | None = None) -> None:
        self.prepare = prepare
        self.fake: FakeTranslateClient | None = None

    def __call__(self, store_for: Callable[[str], Any]) -> AmazonTranslateService:
        import boto3

        self.fake = FakeTranslateClient(
            boto3.client("s3", region_name="us-east-1"), translator=tagging_translator
        )
        if self.prepare is not None:
            self.prepare(self.fake)
        return AmazonTranslateService(self.fake, data_access_role_arn=ROLE)


class PerLanguageJobs:
    """Wraps the fake so a job for one target language ends with a scripted status."""

    def __init__(self, fake: FakeTranslateClient, target: str, **script: Any) -> None:
        self._fake = fake
        self._target = target
        self._script = script
        self._lock = threading.Lock()
        original = fake.start_text_translation_job

        def start(**params: Any) -> dict[str, Any]:
            with self._lock:
                if self._target in params["TargetLanguageCodes"]:
                    fake.script_job(**self._script)
                return original(**params)

        fake.start_text_translation_job = start  # type: ignore[method-assign]


CODE_OR_MATH = re.compile(r"```.*?```|\$\$.*?\$\$\n:eqlabel:`[^`]*`", re.S)


def protected_blocks(text: str) -> list[str]:
    """Fenced code cells and display math with their labels, in order."""
    return CODE_OR_MATH.findall(text)


def manifest_items(aws: Any, collected: dict[str, Any]) -> list[dict[str, Any]]:
    """The run's manifest, as Collect Changed Files wrote it."""
    import json

    items: list[dict[str, Any]] = json.loads(aws.deps.work.get_text(collected["manifest_key"]))
    return items


def plan_language(aws: Any, collected: dict[str, Any], execution: str, index: int = 0) -> dict[str, Any]:
    """Plan File Sync for every file of one language pair, then Build Parallel Data: the work item."""
    from amts.handlers import build_parallel_data, plan_sync
    from amts.local.runner import _Context

    language = collected["languages"][index]
    for item in manifest_items(aws, collected):
        if (item["source"], item["target"]) == (language["source"], language["target"]):
            plan_sync.handler(
                {"run_id": collected["run_id"], "execution": execution, "file": item}, _Context("plan")
            )
    work = {"run_id": collected["run_id"], "execution": execution, "language": language}
    built: dict[str, Any] = build_parallel_data.handler(work, _Context("build"))
    return built
