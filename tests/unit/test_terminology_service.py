"""Custom terminology against the botocore-validated Translate fake: imported once per content,
named on every batch job and TranslateText call, with the language's Formality/Profanity."""

from __future__ import annotations

from typing import Any

import pytest
from amts.adapters.translate import AmazonTranslateEngine, AmazonTranslateService
from amts.config import Settings
from amts.errors import ConfigurationError
from amts.service.terminology import job_options

from tests.fakes import FakeTranslateClient

ROLE = "arn:aws:iam::123456789012:role/amts-translate"
GLOSSARY = "| English | 한국어 |\n|---|---|\n| accuracy | 정확도 |\n| batch | 배치 |\n"


class _Blobs:
    """The reference bucket: key -> text."""

    def __init__(self, files: dict[str, str]) -> None:
        self.files = files

    def get_text(self, key: str, version_id: str | None = None) -> str:
        return self.files[key]


def _settings(**ko: Any) -> Settings:
    return Settings.from_context({"languagePairs": ["en:ko", "en:tr"], "languages": {"ko": ko}})


def _run_job(
    service: AmazonTranslateService, settings: Settings, blobs: _Blobs, run: str, target: str
) -> str:
    options = job_options(settings, blobs, service, "en", target)  # type: ignore[arg-type]
    extra: dict[str, Any] = {}
    if options.terminology_name:
        extra["terminology_name"] = options.terminology_name
    if options.settings:
        extra["settings"] = options.settings
    return service.start_job(
        job_name=f"amts-{run}-en-{target}",
        input_uri=f"s3://work/jobs/{run}/en-{target}/input",
        output_uri=f"s3://work/jobs/{run}/en-{target}/output",
        source_lang="en",
        target_lang=target,
        parallel_data_name=None,
        client_token=f"amts-{run}-{target}",
        **extra,
    )


def test_terminology_is_imported_once_per_content_and_named_on_every_job() -> None:
    # Given a Korean glossary configured for en->ko, with formality and profanity masking
    fake = FakeTranslateClient()
    service = AmazonTranslateService(fake, ROLE)
    settings = _settings(glossary="TERMINOLOGY.ko.md", formality="FORMAL", profanityMask=True)
    blobs = _Blobs({"TERMINOLOGY.ko.md": GLOSSARY})
    # When three runs start jobs with the same glossary
    for run in ("r1", "r2", "r3"):
        _run_job(service, settings, blobs, run, "ko")
    # Then the terminology is imported once (OVERWRITE), and every job names it with the settings
    imports = fake.calls_to("ImportTerminology")
    assert len(imports) == 1
    assert imports[0]["MergeStrategy"] == "OVERWRITE"
    assert imports[0]["Name"] == "amts-d2l-terms-en-ko"
    assert imports[0]["TerminologyData"]["Format"] == "CSV"
    assert imports[0]["TerminologyData"]["File"].decode().splitlines()[0] == "en,ko"
    jobs = fake.calls_to("StartTextTranslationJob")
    assert [j["TerminologyNames"] for j in jobs] == [["amts-d2l-terms-en-ko"]] * 3
    assert all(j["Settings"] == {"Formality": "FORMAL", "Profanity": "MASK"} for j in jobs)
    # When the glossary changes, the next run imports again, once
    blobs.files["TERMINOLOGY.ko.md"] = GLOSSARY + "| bias | 편향 |\n"
    _run_job(service, settings, blobs, "r4", "ko")
    _run_job(service, settings, blobs, "r5", "ko")
    assert len(fake.calls_to("ImportTerminology")) == 2
    assert "bias,편향" in fake.terminologies["amts-d2l-terms-en-ko"]["file"].decode()


def test_without_a_glossary_nothing_changes() -> None:
    # Given en->tr with no language settings
    fake = FakeTranslateClient()
    service = AmazonTranslateService(fake, ROLE)
    _run_job(service, _settings(glossary="TERMINOLOGY.ko.md"), _Blobs({}), "r1", "tr")
    # Then no terminology call is made and the job carries neither TerminologyNames nor Settings
    assert fake.calls_to("ImportTerminology") == [] and fake.calls_to("GetTerminology") == []
    (job,) = fake.calls_to("StartTextTranslationJob")
    assert "TerminologyNames" not in job and "Settings" not in job


def test_a_missing_glossary_is_a_configuration_error() -> None:
    service = AmazonTranslateService(FakeTranslateClient(), ROLE)
    with pytest.raises(ConfigurationError, match=r"TERMINOLOGY\.ko\.md"):
        _run_job(service, _settings(glossary="TERMINOLOGY.ko.md"), _Blobs({}), "r1", "ko")


def test_translate_text_names_the_terminology_and_the_settings() -> None:
    # Given the TranslateText engine with the terminology and the Korean settings
    fake = FakeTranslateClient()
    engine = AmazonTranslateEngine(fake, ["amts-d2l-terms-en-ko"], settings={"Formality": "INFORMAL"})
    # When two segments are translated
    engine.translate(["The accuracy.", "A batch."], "en", "ko")
    # Then each request (validated by botocore's model) names both
    calls = fake.calls_to("TranslateText")
    assert calls and all(c["TerminologyNames"] == ["amts-d2l-terms-en-ko"] for c in calls)
    assert all(c["Settings"] == {"Formality": "INFORMAL"} for c in calls)


def test_translate_without_act_uses_the_pair_terminology_too() -> None:
    # Given the cloud baseline engine for en->ko with a glossary and formality configured
    from types import SimpleNamespace

    from amts.service.baseline import baseline_engine

    fake = FakeTranslateClient()
    deps = SimpleNamespace(
        settings=_settings(glossary="TERMINOLOGY.ko.md", formality="FORMAL"),
        reference=_Blobs({"TERMINOLOGY.ko.md": GLOSSARY}),
        extra={"translate_client": fake},
    )
    # When it translates, twice (a warm Lambda)
    for _ in range(2):
        baseline_engine(deps, "en", "ko").translate(["The accuracy."], "en", "ko")  # type: ignore[arg-type]
    # Then the terminology was imported once and every TranslateText call names it
    assert len(fake.calls_to("ImportTerminology")) == 1
    calls = fake.calls_to("TranslateText")
    assert len(calls) == 2
    assert all(c["TerminologyNames"] == ["amts-d2l-terms-en-ko"] for c in calls)
    assert all(c["Settings"] == {"Formality": "FORMAL"} for c in calls)


# --- the check of the written files (Assemble File, issue 13) ----------------------------------

EN = "# Training\n\nWe measure the accuracy of each batch.\n\nThe accuracy goes up.\n"
KO = "# 훈련\n\n각 배치의 정밀도를 측정합니다.\n\n정확도가 올라갑니다.\n"


def _check(settings: Settings, blobs: _Blobs, source: str = "en", target: str = "ko") -> Any:
    from types import SimpleNamespace

    from amts.domain.markdown import parse
    from amts.service.language import check_output_terms

    deps = SimpleNamespace(settings=settings, reference=blobs)
    english = parse(EN, "en", "en/ch/train.md")
    return check_output_terms(deps, source, target, english, KO, f"{target}/ch/train.md")  # type: ignore[arg-type]


def test_assemble_checks_the_written_file_against_the_glossary() -> None:
    # Given a ko glossary (accuracy: 정확도) and a written file that says 정밀도 in one paragraph
    outcome = _check(_settings(glossary="TERMINOLOGY.ko.md"), _Blobs({"TERMINOLOGY.ko.md": GLOSSARY}))
    # Then the one miss is recorded with the term, the agreed translation and both lines
    assert outcome is not None and outcome.glossary == "TERMINOLOGY.ko.md" and outcome.error is None
    assert [(v.term, v.translation, v.source_line, v.target_line) for v in outcome.violations] == [
        ("accuracy", "정확도", 3, 3)
    ]
    assert outcome.occurrences == 3  # accuracy twice, batch once


def test_the_check_runs_only_with_a_glossary_and_an_english_source() -> None:
    blobs = _Blobs({"TERMINOLOGY.ko.md": GLOSSARY})
    # Without a glossary, or for a pair whose source is not English: no check at all
    assert _check(_settings(), blobs) is None
    assert _check(_settings(glossary="TERMINOLOGY.ko.md"), blobs, source="ko", target="en") is None


def test_an_unreadable_glossary_is_recorded_not_raised() -> None:
    # Given a glossary key that is not in the reference bucket
    outcome = _check(_settings(glossary="TERMINOLOGY.ko.md"), _Blobs({}))
    # Then the check says why it could not run, and the file is not failed
    assert outcome is not None and outcome.violations == [] and "terminology check failed" in outcome.error
