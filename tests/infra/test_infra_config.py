"""cdk.json context validation at synth time: bad settings fail with one clear message."""

from __future__ import annotations

import json
from typing import Any

import aws_cdk as cdk
import pytest
from amts.config import Settings
from amts.errors import ConfigurationError
from infra_testkit import REPO_ROOT, cdk_context

from infra.app_builder import build_app
from infra.bundling import BundleMode


def test_cdk_json_settings_are_valid_and_complete() -> None:
    # Given the committed cdk.json
    ctx = cdk_context()["amts"]
    # Then it validates, and it spells out every known key (the file documents the options)
    settings = Settings.from_context(ctx)
    assert [str(p) for p in settings.language_pairs] == ["en-zh", "en-es", "zh-en"]
    with pytest.raises(ConfigurationError, match="unknown setting"):
        Settings.from_context({**ctx, "zzz": 1})


@pytest.mark.parametrize(
    ("amts", "message"),
    [
        ({"languagePairs": ["en:xx"]}, "language 'xx'"),
        ({"languagePairs": "en:zh"}, "languagePairs must be a list"),
        ({"granularity": "word"}, "granularity 'word'"),
        ({"parallelDataName": "bad name!"}, "parallelDataName"),
        ({"pollerScheduleMinutes": 0}, "pollerScheduleMinutes"),
        ({"batchSize": 500}, "batchSize must be between 1 and 100"),
        ({"reservedConcurrency": 11}, "reservedConcurrency"),
        ({"languagePair": ["en:zh"]}, "unknown setting.*languagePair"),
        ({"batchSize": 50, "batchWindowSeconds": 0}, "batchWindowSeconds of at least 1"),
    ],
)
def test_bad_settings_fail_synth_with_a_clear_error(amts: dict[str, Any], message: str) -> None:
    # Given a cdk.json context with one bad value
    app = cdk.App(context={"amts": amts, "amts:bundle": "false"})
    # When the app is built, Then synth stops with a message naming the problem
    with pytest.raises(ConfigurationError, match=message):
        build_app(app)


def test_context_must_be_an_object() -> None:
    with pytest.raises(ConfigurationError, match="must be an object"):
        build_app(cdk.App(context={"amts": ["en:zh"], "amts:bundle": "false"}))


@pytest.mark.parametrize(
    ("value", "mode"),
    [(None, BundleMode.AUTO), ("auto", BundleMode.AUTO), (False, BundleMode.OFF), ("true", BundleMode.ON)],
)
def test_bundle_mode_accepts_bools_and_strings(value: object, mode: BundleMode) -> None:
    assert BundleMode.parse(value) is mode


def test_bundle_mode_rejects_anything_else() -> None:
    with pytest.raises(ConfigurationError, match="amts:bundle must be true, false or auto"):
        BundleMode.parse("sometimes")


def test_cdk_json_turns_off_telemetry_and_notices() -> None:
    config = json.loads((REPO_ROOT / "cdk.json").read_text(encoding="utf-8"))
    assert config["notices"] is False
    assert config["versionReporting"] is False
    assert config["context"]["cli-telemetry"] is False


def test_command_line_json_context_is_accepted_and_validated() -> None:
    # Given `-c amts='{...}'` (the CLI passes context values as strings)
    good = cdk.App(context={"amts": json.dumps({"languagePairs": ["en:ja"]}), "amts:bundle": "false"})
    stack = build_app(good).node.find_child("AmtsStack")
    assert [str(p) for p in stack.settings.language_pairs] == ["en-ja"]  # type: ignore[attr-defined]
    # And a malformed string is a clear error
    with pytest.raises(ConfigurationError, match="not valid JSON"):
        build_app(cdk.App(context={"amts": "{languagePairs", "amts:bundle": "false"}))
