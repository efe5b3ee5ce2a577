"""The experiment runner and ``amts evaluate`` / ``amts bleu``: offline (translation memory), with
the offline batch service, and with the botocore-validated Translate fake on moto S3."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from amts.adapters.folder import FolderBlobStore
from amts.adapters.local_batch import LocalBatchTranslationService
from amts.cli import app
from amts.domain.report import RunReport, load_report
from amts.errors import BadInputError, ConfigurationError
from amts.service.evaluate import (
    AmazonBackend,
    EvaluationConfig,
    MemoryBackend,
    evaluate,
    find_articles,
    parse_variants,
)
from typer.testing import CliRunner

ROOT = Path(__file__).resolve().parents[2]
EVAL_BOOK = ROOT / "tests" / "fixtures" / "eval" / "book"
SAMPLE_BOOK = ROOT / "samples" / "book"
VARIANTS = ["no-act", "act-paragraph", "act-sentence"]


def _config(**kwargs: object) -> EvaluationConfig:
    base: dict[str, object] = {
        "articles": [EVAL_BOOK / "en"],
        "references": EVAL_BOOK / "zh",
        "execution": "test-run",
    }
    base.update(kwargs)
    return EvaluationConfig(**base)  # type: ignore[arg-type]


def _avg(report: RunReport, lang: int, variant: str) -> float | None:
    return {s.variant: s.average_bleu for s in report.languages[lang].variants}[variant]


@pytest.fixture(scope="module")
def offline_report() -> RunReport:
    return evaluate(_config(both_directions=True), MemoryBackend())


def test_offline_run_scores_every_article_variant_and_direction(offline_report: RunReport) -> None:
    # Given the fixture book evaluated offline in both directions
    report = offline_report
    # Then both directions, every article and every variant have a real score (no errors)
    assert [(x.source_lang, x.target_lang) for x in report.languages] == [("en", "zh"), ("zh", "en")]
    for lang in report.languages:
        assert [f.path for f in lang.files] == [
            "chapter_tensors/broadcasting.md",
            "chapter_tensors/indexing.md",
            "chapter_tensors/tensors.md",
        ]
        for f in lang.files:
            assert set(f.scores) == set(VARIANTS)
            assert all(s.error is None and s.bleu is not None for s in f.scores.values()), f.scores
    assert report.status == "succeeded" and report.kind == "evaluation"


def test_parallel_data_from_other_sections_beats_the_untranslated_baseline(offline_report: RunReport) -> None:
    # Given sections that share paragraphs with each other (leave-one-out memory)
    for i in (0, 1):
        no_act, act_par = _avg(offline_report, i, "no-act"), _avg(offline_report, i, "act-paragraph")
        act_sent = _avg(offline_report, i, "act-sentence")
        assert no_act is not None and act_par is not None and act_sent is not None
        # Then paragraph parallel data lifts BLEU above the baseline, sentences never do worse
        assert act_par > no_act + 0.05
        assert act_sent >= no_act
        # And without the section itself in the memory the score is far from a trivial 1.0
        assert act_par < 0.9


def test_deltas_match_the_averages(offline_report: RunReport) -> None:
    # Given the summary of en→zh / Then each delta is the difference of the two averages
    lang = offline_report.languages[0]
    averages = {s.variant: s.average_bleu for s in lang.variants}
    for d in lang.deltas:
        assert d.average_bleu == pytest.approx(averages[d.variant] - averages[d.baseline], abs=2e-4)  # type: ignore[operator]


def test_report_metadata_parallel_data_and_cost(offline_report: RunReport) -> None:
    # Given the en→zh result / Then parallel data size, cost per variant and the honesty notes are there
    lang = offline_report.languages[0]
    pds = {p.variant: p for p in lang.parallel_data}
    assert set(pds) == {"act-paragraph", "act-sentence"}
    assert pds["act-paragraph"].pairs > 0 and pds["act-paragraph"].bytes > 0
    assert pds["act-paragraph"].source_files == 3
    costs = {s.variant: s.cost_estimate_usd for s in lang.variants}
    assert costs["act-paragraph"] is not None and costs["no-act"] is not None
    assert costs["act-paragraph"] == pytest.approx(4 * costs["no-act"], rel=0.01)  # $60 vs $15 per M chars
    assert any("lower bound" in n for n in lang.notes)
    assert any("exclude" in n for n in lang.notes)


def test_including_the_article_itself_inflates_the_score() -> None:
    # Given the same run with the article's own pairs kept in the memory
    included = evaluate(_config(variants=["act-paragraph"], exclude_self=False), MemoryBackend())
    excluded = evaluate(_config(variants=["act-paragraph"]), MemoryBackend())
    # Then the score is (near) perfect — which is why --exclude-self is the default
    inc, exc = _avg(included, 0, "act-paragraph"), _avg(excluded, 0, "act-paragraph")
    assert inc is not None and exc is not None
    assert inc > 0.9 > exc


def test_missing_reference_is_reported_per_article(tmp_path: Path) -> None:
    # Given a copy of the book where one reference is missing
    book = tmp_path / "book"
    shutil.copytree(EVAL_BOOK, book)
    (book / "zh/chapter_tensors/indexing.md").unlink()
    # When evaluating
    report = evaluate(
        _config(articles=[book / "en"], references=book / "zh", variants=["no-act", "act-paragraph"]),
        MemoryBackend(),
    )
    # Then that article carries an error naming the file; the others are scored; the run is partial
    files = {f.path: f for f in report.languages[0].files}
    bad = files["chapter_tensors/indexing.md"]
    assert bad.status == "error" and bad.message is not None and "indexing.md" in bad.message
    assert all(s.bleu is None and s.error for s in bad.scores.values())
    assert files["chapter_tensors/tensors.md"].scores["act-paragraph"].bleu is not None
    assert report.status == "partial"
    summary = {s.variant: s for s in report.languages[0].variants}
    assert summary["no-act"].articles_failed == 1 and summary["no-act"].articles_scored == 2


def test_empty_article_is_an_error_not_a_zero(tmp_path: Path) -> None:
    # Given an empty source article next to its reference
    (tmp_path / "en").mkdir()
    (tmp_path / "zh").mkdir()
    (tmp_path / "en/empty.md").write_text("", encoding="utf-8")
    (tmp_path / "zh/empty.md").write_text("# 空\n", encoding="utf-8")
    # When evaluating / Then the file is an error saying it is empty, and the run failed
    report = evaluate(_config(articles=[tmp_path / "en"], references=tmp_path / "zh"), MemoryBackend())
    f = report.languages[0].files[0]
    assert f.status == "error" and f.message is not None and "empty" in f.message
    assert report.status == "failed"


def test_d2l_dev_layout_pairs_by_language_suffix(tmp_path: Path) -> None:
    # Given the x.en.md / x.zh.md layout in one folder (with an en-next file that is not an article)
    src = EVAL_BOOK / "en/chapter_tensors/tensors.md"
    shutil.copy(src, tmp_path / "tensors.en.md")
    shutil.copy(src, tmp_path / "tensors.en-next.md")
    shutil.copy(EVAL_BOOK / "zh/chapter_tensors/tensors.md", tmp_path / "tensors.zh.md")
    # When finding articles / Then one article, named without the suffix, with its reference
    (bf,) = find_articles([tmp_path], tmp_path, "en", "zh")
    assert bf.name == "tensors"
    assert bf.paths["zh"] == tmp_path / "tensors.zh.md"


def test_single_d2l_file_keeps_its_chapter_name(tmp_path: Path) -> None:
    # Given one article file given directly, inside the references tree (x.en.md next to x.zh.md)
    chapter = tmp_path / "chapter_tensors"
    chapter.mkdir()
    shutil.copy(EVAL_BOOK / "en/chapter_tensors/tensors.md", chapter / "tensors.en.md")
    shutil.copy(EVAL_BOOK / "zh/chapter_tensors/tensors.md", chapter / "tensors.zh.md")
    # When finding articles / Then the name is book-relative (matches the corpus' names for
    # --exclude-self) and the reference is the sibling file
    (bf,) = find_articles([chapter / "tensors.en.md"], tmp_path, "en", "zh")
    assert bf.name == "chapter_tensors/tensors"
    assert bf.paths["zh"].resolve() == (chapter / "tensors.zh.md").resolve()


def test_bad_variants_and_missing_articles_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="unknown variant"):
        parse_variants("no-act,act-word")
    with pytest.raises(BadInputError, match="not found"):
        find_articles([tmp_path / "nope"], tmp_path, "en", "zh")


def test_batch_path_with_the_offline_batch_service(tmp_path: Path) -> None:
    # Given the Amazon backend wired to the offline batch service and a folder as the bucket
    store = FolderBlobStore(tmp_path / "bucket")
    batch = LocalBatchTranslationService(store, steps=2)
    from amts.adapters.memory_engine import TranslationMemoryEngine

    backend = AmazonBackend(
        TranslationMemoryEngine({}), batch, store, "bucket", run_id="r1", poll_seconds=0, sleep=lambda s: None
    )
    # When evaluating the ACT variants
    report = evaluate(_config(variants=["no-act", "act-paragraph"]), backend)
    # Then the job files were written like the workflow's, and ACT beats the baseline
    assert any(k.endswith("parallel-data.tmx") for k in store.list_keys("evaluation/r1/"))
    assert any("/input/" in k and k.endswith(".html") for k in store.list_keys("evaluation/r1/"))
    act, base = _avg(report, 0, "act-paragraph"), _avg(report, 0, "no-act")
    assert act is not None and base is not None and act > base
    # (the corpus is the evaluated articles: leave-one-out, one resource update and job per article)
    assert any("leave-one-out" in n for n in report.languages[0].notes)
    assert len([k for k in store.list_keys("evaluation/r1/en-zh/act-paragraph/") if k.endswith(".tmx")]) == 3


# --- the Translate fake (botocore-validated requests) on moto S3 ------------------------------


@pytest.fixture
def fake_translate() -> object:
    moto = pytest.importorskip("moto")
    import boto3

    from tests.fakes.translate_fake import FakeTranslateClient, tagging_translator

    with moto.mock_aws():
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket="eval-bucket")
        yield FakeTranslateClient(s3, translator=tagging_translator), s3


def test_sample_book_with_the_translate_fake_in_both_directions(
    fake_translate: tuple[object, object], tmp_path: Path
) -> None:
    from amts.adapters.s3 import S3BlobStore
    from amts.adapters.translate import AmazonTranslateEngine, AmazonTranslateService

    fake, s3 = fake_translate
    # Given the real adapters over the fake client (every request checked against botocore's model)
    backend = AmazonBackend(
        AmazonTranslateEngine(fake),
        AmazonTranslateService(fake, data_access_role_arn="arn:aws:iam::123456789012:role/amts-translate"),
        S3BlobStore(s3, "eval-bucket"),
        "eval-bucket",
        run_id="fake-run",
        poll_seconds=0,
        sleep=lambda s: None,
    )
    config = EvaluationConfig(
        articles=[SAMPLE_BOOK / "en"],
        references=SAMPLE_BOOK / "zh",
        both_directions=True,
        execution="fake-run",
    )
    # When the full experiment runs
    report = evaluate(config, backend)
    # Then TranslateText served no-act, parallel data + batch jobs served ACT, in both directions
    ops = [op for op, _ in fake.calls]  # type: ignore[attr-defined]
    assert "TranslateText" in ops and "StartTextTranslationJob" in ops
    assert "CreateParallelData" in ops or "UpdateParallelData" in ops
    starts = fake.calls_to("StartTextTranslationJob")  # type: ignore[attr-defined]
    assert {(s["SourceLanguageCode"], tuple(s["TargetLanguageCodes"])) for s in starts} == {
        ("en", ("zh",)),
        ("zh", ("en",)),
    }
    assert all(s.get("ParallelDataNames") for s in starts if "act-paragraph" in s["JobName"])
    # And every article of both directions is scored for every variant
    assert len(report.languages) == 2
    for lang in report.languages:
        assert len(lang.files) == 3
        for f in lang.files:
            assert set(f.scores) == set(VARIANTS)
            assert all(s.bleu is not None for s in f.scores.values()), f.scores


# --- CLI -----------------------------------------------------------------------------------------


def test_cli_evaluate_writes_the_three_reports(tmp_path: Path) -> None:
    # Given the fixture book / When `amts evaluate` runs
    result = CliRunner().invoke(
        app,
        [
            "evaluate",
            "--articles",
            str(EVAL_BOOK / "en"),
            "--references",
            str(EVAL_BOOK / "zh"),
            "--variants",
            "no-act,act-paragraph",
            "--out",
            str(tmp_path / "out"),
        ],
    )
    # Then it succeeds, prints the averages and writes JSON/MD/HTML plus the translated markdown
    assert result.exit_code == 0, result.output
    assert "act-paragraph" in result.output and "average BLEU" in result.output
    report = load_report((tmp_path / "out/report.json").read_text(encoding="utf-8"))
    assert report.variants == ["no-act", "act-paragraph"]
    assert (tmp_path / "out/report.html").read_text(encoding="utf-8").count("<svg") == 1
    assert (tmp_path / "out/hypotheses/en-zh/act-paragraph/chapter_tensors/tensors.md").is_file()


def test_cli_evaluate_bad_input_is_one_line(tmp_path: Path) -> None:
    # Given a references folder that does not exist / Then exit 2 and one line naming it
    result = CliRunner().invoke(
        app, ["evaluate", "-a", str(EVAL_BOOK / "en"), "-r", str(tmp_path / "nope"), "-o", str(tmp_path)]
    )
    assert result.exit_code == 2
    lines = [x for x in result.output.splitlines() if x.strip()]
    assert len(lines) == 1 and "nope" in lines[0] and "not found" in lines[0]


def test_cli_bleu_prints_both_scales_and_json() -> None:
    hyp = ROOT / "tests/fixtures/eval/hypotheses/zh/tensors.md"
    ref = EVAL_BOOK / "zh/chapter_tensors/tensors.md"
    # When scoring as text and as JSON
    text = CliRunner().invoke(app, ["bleu", str(hyp), str(ref), "--target-lang", "zh"])
    js = CliRunner().invoke(app, ["bleu", str(hyp), str(ref), "--target-lang", "zh", "--json"])
    # Then both scales, chrF and the signature are printed, and the JSON agrees with the text
    assert text.exit_code == 0 and js.exit_code == 0, text.output + js.output
    assert "(0-1)" in text.output and "(0-100)" in text.output and "tok:zh" in text.output
    data = json.loads(js.output)
    assert data["bleu"] == pytest.approx(data["bleu_100"] / 100, abs=1e-3)
    assert f"{data['bleu']:.4f}" in text.output
    assert 0 < data["bleu"] < 1 and data["chrf"] > 0


def test_cli_bleu_missing_reference_is_one_line(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["bleu", str(EVAL_BOOK / "zh/chapter_tensors/tensors.md"), str(tmp_path / "r.md"), "-t", "zh"]
    )
    assert result.exit_code == 2
    assert "r.md: reference file not found" in result.output


def test_cli_evaluate_records_the_sync_plan(tmp_path: Path) -> None:
    # Given a sync plan summary (as SyncPlan.to_json() writes it)
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps({"segments_reused": 11, "segments_to_translate": 3}), encoding="utf-8")
    # When evaluating with it
    result = CliRunner().invoke(
        app,
        [
            "evaluate",
            "-a",
            str(EVAL_BOOK / "en/chapter_tensors/tensors.md"),
            "-r",
            str(EVAL_BOOK / "zh/chapter_tensors"),
            "--variants",
            "no-act",
            "--sync-plan",
            str(plan),
            "--no-hypotheses",
            "-o",
            str(tmp_path / "out"),
        ],
    )
    # Then reused vs translated segments appear in the report's metadata and Markdown
    assert result.exit_code == 0, result.output
    report = load_report((tmp_path / "out/report.json").read_text(encoding="utf-8"))
    assert report.metadata["sync_plan"] == {"segments_reused": 11, "segments_to_translate": 3}
    assert "11 segments reused, 3 to translate" in (tmp_path / "out/report.md").read_text(encoding="utf-8")
    assert not (tmp_path / "out/hypotheses").exists()


def test_cli_bleu_with_source_aligns_segments() -> None:
    # Given the hypothesis, its reference and the English source
    result = CliRunner().invoke(
        app,
        [
            "bleu",
            str(ROOT / "tests/fixtures/eval/hypotheses/zh/tensors.md"),
            str(EVAL_BOOK / "zh/chapter_tensors/tensors.md"),
            "-t",
            "zh",
            "--source",
            str(EVAL_BOOK / "en/chapter_tensors/tensors.md"),
            "--json",
        ],
    )
    # Then segments are matched through the source's paragraph alignment
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["method"] == "alignment" and data["segments"] >= 5
