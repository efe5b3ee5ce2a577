"""cdk synth with a glossary per language: the terminology wiring and its least-privilege IAM."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_cdk.assertions import Template

from tests.infra.infra_testkit import cdk_context, synth_stack

LANGUAGES = {
    "zh": {"glossary": "TERMINOLOGY.zh.md", "lineStyle": "sentence"},
    "ko": {"glossary": "TERMINOLOGY.ko.md", "formality": "FORMAL"},
    "vi": {"glossary": "TERMINOLOGY.vi.md", "profanityMask": True},
}


@pytest.fixture(scope="module")
def template() -> Template:
    amts = dict(cdk_context()["amts"])
    amts["languagePairs"] = ["en:zh", "en:ko", "en:vi", "zh:en"]
    amts["languages"] = LANGUAGES
    return Template.from_stack(synth_stack(amts=amts))


def _policies_of(template: Template, needle: str) -> list[dict[str, Any]]:
    out = []
    for policy in template.find_resources("AWS::IAM::Policy").values():
        for st in policy["Properties"]["PolicyDocument"]["Statement"]:
            if needle in json.dumps(st):
                out.append(st)
    return out


def test_terminology_actions_are_granted_on_amts_terminologies_only(template: Template) -> None:
    statements = _policies_of(template, "translate:ImportTerminology")
    # Then two functions (start translation, translate without ACT) get exactly Import/Get
    assert len(statements) == 2
    for st in statements:
        assert sorted(st["Action"]) == ["translate:GetTerminology", "translate:ImportTerminology"]
        resource = json.dumps(st["Resource"])
        # one exact ARN per pair with a glossary (zh->en uses the zh glossary), no wildcard
        for name in ("en-zh", "en-ko", "en-vi", "zh-en"):
            assert f":terminology/amts-d2l-terms-{name}" in resource
        assert "*" not in resource


def test_only_the_configured_glossaries_are_readable(template: Template) -> None:
    statements = [
        s for s in _policies_of(template, "TERMINOLOGY.") if s.get("Sid") == "ReadConfiguredGlossaries"
    ]
    assert statements
    text = json.dumps(statements[0]["Resource"])
    assert all(f"TERMINOLOGY.{c}.md" in text for c in LANGUAGES)
    assert statements[0]["Action"] == "s3:GetObject"


def test_the_language_settings_reach_the_lambdas(template: Template) -> None:
    envs = [
        fn["Properties"].get("Environment", {}).get("Variables", {})
        for fn in template.find_resources("AWS::Lambda::Function").values()
    ]
    settings = [json.loads(e["AMTS_LANGUAGES"]) for e in envs if "AMTS_LANGUAGES" in e]
    assert settings and settings[0]["ko"] == {"glossary": "TERMINOLOGY.ko.md", "formality": "FORMAL"}


def test_without_glossaries_no_terminology_permission_exists() -> None:
    template = Template.from_stack(synth_stack())
    assert _policies_of(template, "Terminology") == []
