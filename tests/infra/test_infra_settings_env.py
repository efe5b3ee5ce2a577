"""Every setting reaches the code that reads it: derived from the Settings model's own field
metadata (RUNTIME / SYNTH), not from a kept list of names."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest
from amts.config import LanguagePair, LanguageSettings, Settings
from aws_cdk.assertions import Template
from infra_testkit import cdk_context, synth_stack

BOOK = Path(__file__).resolve().parents[2] / "samples" / "book"


def function_environments(template: Template) -> dict[str, dict[str, Any]]:
    functions = template.find_resources("AWS::Lambda::Function")
    return {
        logical: props["Properties"].get("Environment", {}).get("Variables", {})
        for logical, props in functions.items()
    }


def test_every_setting_is_marked_run_time_or_synth_only() -> None:
    # Given the fields of the settings model, Then each one says whether the functions read it
    unmarked = [
        f.name for f in dataclasses.fields(Settings) if f.name != "extra" and "runtime" not in f.metadata
    ]
    assert unmarked == []
    assert {"source_prefix", "source_suffix", "language_pairs"} <= set(Settings.runtime_fields())


def test_every_run_time_setting_is_in_every_functions_environment(template: Template) -> None:
    # Given the synthesized stack (all handlers build their Deps from Settings.from_env)
    settings = Settings.from_context(cdk_context()["amts"])
    expected = settings.to_env()
    # Then each function's environment holds every run-time setting with the configured value
    environments = function_environments(template)
    assert len(environments) >= 10
    for logical, env in environments.items():
        for name in Settings.runtime_fields():
            var = Settings.env_name(name)
            assert env.get(var) == expected[var], (logical, var)


def test_environment_round_trips_every_run_time_setting() -> None:
    # Given settings where every run-time field differs from its default
    changed = Settings(
        language_pairs=(LanguagePair("en", "ja"),),
        granularity="paragraph",
        parallel_data_name="book-memory",
        run_baseline=True,
        min_confidence=0.7,
        source_prefix="book/",
        source_suffix=".markdown",
        review_markers="visible",
        languages={"ja": LanguageSettings(code="ja", glossary="TERMINOLOGY.ja.md", formality="FORMAL")},
    )
    defaults = Settings()
    same = [n for n in Settings.runtime_fields() if getattr(changed, n) == getattr(defaults, n)]
    assert same == [], "extend this test with a non-default value for the new run-time setting"
    # When they go through the Lambda environment, Then the function reads back the same settings
    assert Settings.from_env(changed.to_env()) == changed


@pytest.mark.slow
def test_source_prefix_and_suffix_from_a_synth_reach_a_local_run(tmp_path: Path) -> None:
    # Given a synth with sourcePrefix "book/" (and the suffix spelled out)
    amts = {**cdk_context()["amts"], "sourcePrefix": "book/", "sourceSuffix": ".md"}
    amts["languagePairs"] = ["en:zh"]
    template = Template.from_stack(synth_stack(amts=amts))
    # And the settings a deployed function would read from its environment
    env = next(iter(function_environments(template).values()))
    settings = Settings.from_env({k: v for k, v in env.items() if isinstance(v, str)})
    assert settings.source_prefix == "book/"
    # And the trigger rule filters on the same prefix
    rules = json.dumps(template.find_resources("AWS::Events::Rule"))
    assert "book/" in rules
    # When the sample book runs locally with those settings (uploads under book/en/...)
    from amts.local.runner import run_local

    settings = dataclasses.replace(settings, granularity="paragraph")
    run = run_local(BOOK, tmp_path, settings=settings, timeout=90)
    # Then the uploads are processed, not ignored
    assert run.status == "SUCCEEDED", (run.error, run.cause)
    assert "Nothing Changed" not in [s.name for s in run.steps]
    assert sorted(p.name for p in (tmp_path / "translated" / "zh").rglob("*.md")) == sorted(
        p.name for p in (BOOK / "en-next").rglob("*.md")
    )
