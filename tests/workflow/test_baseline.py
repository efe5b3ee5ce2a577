"""The evaluation branch (``runBaseline``): ACT vs "without ACT" on text with a human reference."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from amts.adapters.local_batch import read_parallel_data
from amts.adapters.translate import AmazonTranslateEngine
from amts.config import Settings
from amts.domain import markdown
from amts.domain.align import Granularity, align_documents
from amts.domain.model import Document
from amts.errors import TranslateThrottled
from amts.handlers import collect_changes, report, translate_baseline
from amts.local.runner import (
    Book,
    LocalAws,
    LocalRun,
    _Context,
    download,
    local_aws,
    run_execution,
    upload_book,
)
from amts.service.baseline import EVAL_DOCUMENT, select_evaluation_set
from amts.steps import failed_state_of

from tests.fakes.translate_fake import FakeTranslateClient, tagging_translator
from tests.workflow.conftest import BOOK, plan_language

EDITED = "chapter_optimization/gradient-descent.md"


def _edited_documents() -> tuple[Document, Document, Document]:
    """(previous English, human translation, new English) of the edited fixture file."""
    source = markdown.parse((BOOK / "en" / EDITED).read_text(encoding="utf-8"), "en", EDITED)
    target = markdown.parse((BOOK / "zh" / EDITED).read_text(encoding="utf-8"), "zh", EDITED)
    new = markdown.parse((BOOK / "en-next" / EDITED).read_text(encoding="utf-8"), "en", EDITED)
    return source, target, new


def _expected_evaluation_references(settings: Settings) -> list[str]:
    """The references the evaluation set takes from the edited file (computed from the fixture)."""
    chosen = select_evaluation_set([(EDITED, *_edited_documents())], settings.min_confidence)
    return [s.reference for s in chosen.segments]


def _edited_file_targets(settings: Settings) -> set[str]:
    """Every confident pair's human text of the edited file's previous version."""
    source, target, _ = _edited_documents()
    result = align_documents(
        source, target, Granularity(settings.granularity), min_confidence=settings.min_confidence
    )
    return {p.target for p in result.pairs}


def _parallel_data_targets(aws: LocalAws) -> list[str]:
    keys = aws.deps.work.list_keys("parallel-data/en-zh/")
    assert len(keys) == 1, keys
    return [t for _, t in read_parallel_data(aws.deps.work.get_text(keys[0]), "tmx", "en", "zh")]


def _run(settings: Settings, tmp_path: Path) -> tuple[LocalRun, list[str], list[str]]:
    """Run the whole state machine; (run, parallel-data targets, output bucket keys)."""
    with local_aws(settings) as aws:
        run = run_execution(aws, upload_book(aws, Book(BOOK)), timeout=90)
        download(aws, tmp_path, run)
        return run, _parallel_data_targets(aws), aws.deps.output.list_keys("")


def _entered(run: LocalRun) -> list[str]:
    return [e["stateEnteredEventDetails"]["name"] for e in run.events if e["type"].endswith("StateEntered")]


def _en_zh(tmp_path: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    report = json.loads((tmp_path / "reports" / "report.json").read_text(encoding="utf-8"))
    (lang,) = [x for x in report["languages"] if (x["source_lang"], x["target_lang"]) == ("en", "zh")]
    return report, lang


@pytest.mark.slow
def test_baseline_on_scores_act_against_without_act_on_held_out_text(
    tmp_path: Path, settings: Settings
) -> None:
    # Given the sample book and runBaseline on
    on = dataclasses.replace(settings, run_baseline=True)
    expected = _expected_evaluation_references(on)
    assert expected, "the fixture must give an evaluation set"
    # When the whole workflow runs locally
    run, pd_targets, output_keys = _run(on, tmp_path)
    # Then it succeeds through "Translate Without ACT"
    assert run.status == "SUCCEEDED", (run.error, run.cause)
    assert "Translate Without ACT" in _entered(run)
    # And the report scores both variants on the evaluation set, with their delta, for en-zh
    report, lang = _en_zh(tmp_path)
    assert report["variants"] == ["workflow", "without-act", "act"]
    summaries = {v["variant"]: v for v in lang["variants"]}
    for variant in ("without-act", "act"):
        corpus = summaries[variant]["corpus"]
        assert corpus["segments"] == len(expected) and corpus["tokenizer"] == "zh", variant
        assert summaries[variant]["average_bleu"] is not None
    delta = next(d for d in lang["deltas"] if (d["baseline"], d["variant"]) == ("without-act", "act"))
    assert delta["average_bleu"] == pytest.approx(
        summaries["act"]["average_bleu"] - summaries["without-act"]["average_bleu"], abs=1e-4
    )
    edited = next(f for f in lang["files"] if f["path"] == EDITED)
    assert {"workflow", "without-act", "act"} <= set(edited["scores"])
    # And it says how many segments, from which file, and that the parallel data left them out
    notes = " ".join(lang["notes"])
    assert f"evaluation set: {len(expected)} unchanged paragraph(s)" in notes and EDITED in notes
    assert "parallel data excluded" in notes and "held out" in notes
    html = (tmp_path / "reports" / "report.html").read_text(encoding="utf-8")
    assert "<svg" in html and "without-act" in html
    # And the eval document is not written to the output bucket
    assert sorted(output_keys) == sorted(
        f"zh/{p.relative_to(BOOK / 'en-next').as_posix()}" for p in (BOOK / "en-next").rglob("*.md")
    )
    assert not any(EVAL_DOCUMENT.removesuffix(".html") in k for k in output_keys)
    # And no reference of the evaluation set is in the parallel data (ACT cannot echo it)
    assert pd_targets and not set(expected) & set(pd_targets)
    # But the edited paragraphs' own previous pairs stay: they are what ACT needs for the new text
    kept = _edited_file_targets(on) - set(expected)
    assert kept and kept <= set(pd_targets)


@pytest.mark.slow
def test_baseline_off_skips_translate_without_act_and_keeps_all_pairs(
    tmp_path: Path, settings: Settings
) -> None:
    # Given runBaseline off (the default)
    assert settings.run_baseline is False
    expected = _expected_evaluation_references(settings)
    # When the whole workflow runs locally
    run, pd_targets, _ = _run(settings, tmp_path)
    # Then the choice is taken but "Translate Without ACT" is never entered
    assert run.status == "SUCCEEDED", (run.error, run.cause)
    entered = _entered(run)
    assert "Evaluate Baseline?" in entered and "Translate Without ACT" not in entered
    # And the report has no evaluation variants and no deltas
    report, lang = _en_zh(tmp_path)
    assert report["variants"] == ["workflow"]
    assert [v["variant"] for v in lang["variants"]] == ["workflow"] and lang["deltas"] == []
    # And the edited file's pairs are in the parallel data (the leave-out is the baseline's only)
    assert set(expected) & set(pd_targets)


# --- the handler on its own, against the botocore-validated Translate fake ----------------------


@pytest.fixture
def aws(settings: Settings) -> Iterator[LocalAws]:
    with local_aws(dataclasses.replace(settings, run_baseline=True)) as env:
        yield env


@pytest.fixture
def fake(aws: LocalAws) -> FakeTranslateClient:
    client = FakeTranslateClient(translator=tagging_translator)
    aws.deps.extra["baseline_engine"] = AmazonTranslateEngine(client)
    return client


def _planned(aws: LocalAws) -> dict[str, Any]:
    batch = upload_book(aws, Book(BOOK))
    collected = collect_changes.handler({"records": batch, "execution": "e1"}, _Context("collect"))
    planned = plan_language(aws, collected, "e1")
    planned["manifest_key"] = collected["manifest_key"]
    return planned


def test_build_parallel_data_writes_the_evaluation_set_and_its_input_document(
    aws: LocalAws, settings: Settings
) -> None:
    # When the file plans and Build Parallel Data run with runBaseline on
    planned = _planned(aws)
    evaluation = planned["plan"]["evaluation"]
    # Then it flags the item for "Evaluate Baseline?" and writes the set and the eval document
    assert planned["evaluate_baseline"] is True
    written_set = json.loads(aws.deps.work.get_text(evaluation["key"]))
    assert written_set["files"] == [EDITED]
    assert "files" not in evaluation  # the state carries keys and counts, not per-file lists
    # And only paragraphs the new English keeps unchanged are in the set
    new_texts = {p.text for p in _edited_documents()[2].pieces}
    chosen = written_set["segments"]
    assert chosen and all(s["source"] in new_texts for s in chosen)
    assert evaluation["segments"] == len(_expected_evaluation_references(settings))
    html = aws.deps.work.get_text(evaluation["input_key"])
    assert evaluation["input_key"] == planned["plan"]["input_prefix"] + EVAL_DOCUMENT
    assert html.count("<p id=") == evaluation["segments"]


def test_translate_without_act_sends_valid_translate_text_requests(
    aws: LocalAws, fake: FakeTranslateClient
) -> None:
    # Given a planned item with an evaluation set
    planned = _planned(aws)
    # When Translate Without ACT runs
    out = translate_baseline.handler(planned, _Context("baseline"))
    # Then every request is a valid TranslateText call, en → zh, without terminology or settings
    calls = fake.calls_to("TranslateText")
    assert calls
    assert all((c["SourceLanguageCode"], c["TargetLanguageCode"]) == ("en", "zh") for c in calls)
    assert all("TerminologyNames" not in c and "Settings" not in c for c in calls)
    # And each segment of the set has its translation, counted as translated characters
    baseline = out["baseline"]
    hyps = json.loads(aws.deps.work.get_text(baseline["key"]))["hypotheses"]
    assert len(hyps) == baseline["segments"] == planned["plan"]["evaluation"]["segments"]
    assert all(text.startswith("[zh] ") for text in hyps.values())
    assert baseline["untranslated"] == 0 and baseline["error"] is None
    assert baseline["characters"] == planned["plan"]["evaluation"]["characters"]


def test_translate_without_act_throttled_raises_for_the_retry(
    aws: LocalAws, fake: FakeTranslateClient
) -> None:
    # Given TranslateText throttles
    planned = _planned(aws)
    fake.throttle_next("TranslateText")
    # Then the state's function raises TranslateThrottled (the ASL retries it with backoff)
    with pytest.raises(TranslateThrottled):
        translate_baseline.handler(planned, _Context("baseline"))


def test_translate_without_act_other_error_is_recorded_not_fatal(
    aws: LocalAws, fake: FakeTranslateClient
) -> None:
    # Given TranslateText refuses the language pair
    planned = _planned(aws)
    fake.fail_next("TranslateText", "UnsupportedLanguagePairException")
    # When Translate Without ACT runs
    out = translate_baseline.handler(planned, _Context("baseline"))
    # Then the language goes on: the error is in the result for the report, nothing is written
    assert "UnsupportedLanguagePair" in out["baseline"]["error"]
    assert not aws.deps.work.exists(out["baseline"]["key"])


# --- the selection on its own ---------------------------------------------------------------------


def _fixture_candidates() -> list[tuple[str, Document, Document, Document]]:
    out = []
    for path in ("chapter_optimization/gradient-descent.md", "chapter_optimization/learning-rate.md"):
        docs = [
            markdown.parse((BOOK / folder / path).read_text(encoding="utf-8"), lang, path)
            for folder, lang in (("en", "en"), ("zh", "zh"), ("en-next", "en"))
        ]
        out.append((path, docs[0], docs[1], docs[2]))
    return out


def test_capped_selection_shares_the_segments_between_files(settings: Settings) -> None:
    # Given two files with usable pairs, and what the selection takes without caps
    candidates = _fixture_candidates()
    full = select_evaluation_set(candidates, settings.min_confidence, max_segments=10**6)
    counts = {p: sum(s.path == p for s in full.segments) for p, *_ in candidates}
    assert all(n >= 2 for n in counts.values()) and not full.capped
    # When the segment cap is four
    capped = select_evaluation_set(candidates, settings.min_confidence, max_segments=4)
    # Then both files have two segments each, the set says it was capped, ids are in order
    assert capped.capped and len(capped.segments) == 4
    assert {p: sum(s.path == p for s in capped.segments) for p in counts} == {p: 2 for p in counts}
    assert [s.id for s in capped.segments] == ["e0", "e1", "e2", "e3"]
    # And a character cap is never passed, whole paragraphs only
    limit = full.characters // 3
    by_chars = select_evaluation_set(candidates, settings.min_confidence, max_characters=limit)
    assert by_chars.capped and 0 < by_chars.characters <= limit
    assert {s.source for s in by_chars.segments} <= {s.source for s in full.segments}


def test_failure_report_names_the_state_the_catch_recorded() -> None:
    # Given the language Catch of Translate Without ACT wrote its error under its id
    failed_at = {"translate_baseline": {"Error": "States.Timeout", "Cause": ""}}
    # Then the failed state is named from the steps table, not guessed from what is missing
    assert failed_state_of(failed_at) == "Translate Without ACT"
    assert failed_state_of({"build_parallel_data": {}}) == "Build Parallel Data"
    assert failed_state_of({}) is None


def test_report_says_why_a_variant_has_no_score(aws: LocalAws, fake: FakeTranslateClient) -> None:
    # Given TranslateText failed for good, and the language stopped before Assemble
    planned = _planned(aws)
    fake.fail_next("TranslateText", "UnsupportedLanguagePairException")
    item = translate_baseline.handler(planned, _Context("baseline"))
    # When Write Report runs
    event = {
        "run_id": item["run_id"],
        "execution": "e1",
        "manifest_key": planned["manifest_key"],
        "results": [item],
    }
    out = report.handler(event, _Context("report"))
    # Then the report is written, both variants carry the reason instead of a fake score
    assert out["report_keys"]
    data = json.loads(aws.deps.reports.get_text(f"{item['run_id']}/report.json"))
    (lang,) = data["languages"]
    edited = next(f for f in lang["files"] if f["path"] == EDITED)
    assert "TranslateText failed" in edited["scores"]["without-act"]["error"]
    assert "not translated" in edited["scores"]["act"]["error"]
    assert edited["scores"]["act"]["bleu"] is None and edited["scores"]["without-act"]["bleu"] is None
    assert any("without-act: TranslateText failed" in n for n in lang["notes"])
