"""The report model and its JSON / Markdown / HTML writers (evaluation and workflow runs)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from amts.domain.report import (
    REPORT_FILES,
    SCHEMA_VERSION,
    FileResult,
    LanguageResult,
    ParallelDataSummary,
    RunReport,
    ScoreResult,
    load_report,
    summarize_language,
    to_html,
    to_json,
    to_markdown,
    write_reports,
    write_reports_to_dir,
)

VARIANTS = ["no-act", "act-paragraph", "act-sentence"]


def _score(bleu: float, chrf: float = 50.0) -> ScoreResult:
    return ScoreResult(bleu=bleu, bleu_100=bleu * 100, chrf=chrf, tokenizer="zh", bleu_signature="tok:zh")


def _evaluation() -> RunReport:
    files = [
        FileResult(
            path="ch/a.md",
            segments_translated=4,
            scores={
                "no-act": _score(0.1, 10),
                "act-paragraph": _score(0.4, 40),
                "act-sentence": _score(0.5, 45),
            },
        ),
        FileResult(
            path="ch/b.md",
            segments_translated=6,
            scores={
                "no-act": _score(0.2, 20),
                "act-paragraph": _score(0.3, 30),
                "act-sentence": _score(0.6, 55),
            },
        ),
        FileResult(
            path="ch/c.md",
            status="warning",
            scores={
                "no-act": _score(0.3),
                "act-paragraph": _score(0.3),
                "act-sentence": ScoreResult.failed("reference not found: zh/ch/c.md"),
            },
        ),
    ]
    lang = LanguageResult(
        source_lang="en",
        target_lang="zh",
        files=files,
        parallel_data=[ParallelDataSummary(variant="act-sentence", name="pd", pairs=12, bytes=3456)],
    )
    summarize_language(lang, VARIANTS, costs={"no-act": 0.01, "act-paragraph": 0.04, "act-sentence": 0.04})
    return RunReport(
        kind="evaluation", execution="exec-1", engine="memory", variants=VARIANTS, languages=[lang]
    )


def test_averages_use_articles_every_variant_scored_and_count_failures() -> None:
    # Given three articles, one of which could not be scored for act-sentence
    report = _evaluation()
    summaries = {s.variant: s for s in report.languages[0].variants}
    # Then averages are over the two common articles and the failure is counted, not averaged as 0
    assert summaries["no-act"].average_bleu == pytest.approx(0.15)
    assert summaries["act-sentence"].average_bleu == pytest.approx(0.55)
    assert summaries["act-sentence"].articles_failed == 1
    assert summaries["act-sentence"].articles_scored == 2


def test_deltas_are_variant_minus_baseline_per_file_and_on_average() -> None:
    # Given the evaluation / When looking at the deltas
    deltas = {(d.baseline, d.variant): d for d in _evaluation().languages[0].deltas}
    # Then every ordered pair is there and the numbers are differences of the table's numbers
    assert set(deltas) == {
        ("no-act", "act-paragraph"),
        ("no-act", "act-sentence"),
        ("act-paragraph", "act-sentence"),
    }
    d = deltas[("no-act", "act-sentence")]
    assert d.per_file_bleu["ch/a.md"] == pytest.approx(0.4)
    assert d.per_file_bleu["ch/c.md"] is None  # no score, no invented delta
    assert d.average_bleu == pytest.approx(0.55 - 0.15)


def test_json_has_schema_version_totals_and_round_trips() -> None:
    # Given an evaluation report / When serialised and loaded back
    report = _evaluation()
    text = to_json(report)
    data = json.loads(text)
    # Then the stable keys are present and nothing is lost
    assert data["schema_version"] == SCHEMA_VERSION
    assert data["kind"] == "evaluation"
    assert data["totals"]["files"] == 3 and data["totals"]["segments_translated"] == 10
    assert data["languages"][0]["files"][2]["scores"]["act-sentence"]["error"].startswith(
        "reference not found"
    )
    assert load_report(text) == report


def test_markdown_has_one_row_per_article_average_and_the_error() -> None:
    # Given the evaluation / When rendered as Markdown
    md = to_markdown(_evaluation())
    # Then the table has the articles, the average row, the delta columns and the error message
    assert "| ch/a.md | 0.100 (10.0) | 0.400 (40.0) | 0.500 (50.0) |" in md
    assert "| Average (2 articles scored by every variant) | 0.150 | 0.350 | 0.550 |" in md
    assert "Δ act-sentence − no-act" in md
    assert "ch/c.md [act-sentence]: error: reference not found: zh/ch/c.md" in md
    assert "`tok:zh`" in md


def test_html_is_self_contained_with_an_inline_svg_chart() -> None:
    # Given the evaluation / When rendered as HTML
    page = to_html(_evaluation())
    # Then the chart is inline SVG, nothing is loaded from elsewhere, and the table is there
    assert "<svg" in page and "</svg>" in page
    assert "src=" not in page and "<link" not in page and "http://" not in page.split("<svg")[0]
    assert page.count("<table>") >= 3  # scores, parallel data, files
    assert "reference not found" in page


def test_html_without_matplotlib_keeps_tables_and_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    # Given a Lambda-like environment where matplotlib cannot be imported
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    # When rendering HTML
    page = to_html(_evaluation())
    # Then no chart, a note, and the score table still there
    assert "<svg" not in page
    assert "matplotlib is not installed" in page
    assert "ch/a.md" in page


def test_run_report_without_scores_lists_files_and_no_chart() -> None:
    # Given a workflow run report (reused vs translated, no BLEU)
    lang = LanguageResult(
        source_lang="en",
        target_lang="es",
        files=[
            FileResult(path="a.md", segments_reused=7, segments_translated=2, output_key="es/a.md"),
            FileResult(path="b.md", status="error", message="could not parse"),
        ],
        cost_estimate_usd={"act_batch": 0.02},
    )
    report = RunReport(execution="arn:exec", languages=[lang], status="partial")
    # When rendered
    md, page = to_markdown(report), to_html(report)
    # Then the file table shows the sync numbers and the error, and no chart is attempted
    assert "| a.md | ok | 7 | 2 | 0 | 0 | es/a.md |" in md
    assert "b.md: could not parse" in md
    assert "<svg" not in page and "$0.0200 ACT batch" in page
    assert report.totals()["files_failed"] == 1


def test_write_reports_puts_three_keys_with_content_types() -> None:
    # Given a put callback like BlobStore.put_text
    calls: list[tuple[str, str, str]] = []
    # When writing with a run prefix
    keys = write_reports(_evaluation(), lambda k, c, t: calls.append((k, c, t)), prefix="run-1/")
    # Then JSON, Markdown and HTML are written under the prefix with their content types
    assert keys == ["run-1/report.json", "run-1/report.md", "run-1/report.html"]
    assert [(k, t) for k, _, t in calls] == [(f"run-1/{n}", t) for n, t in REPORT_FILES.items()]
    assert json.loads(calls[0][1])["execution"] == "exec-1"


def test_write_reports_to_dir(tmp_path: Path) -> None:
    # Given a folder / When writing / Then the three files exist and the JSON loads back
    paths = write_reports_to_dir(_evaluation(), tmp_path)
    assert sorted(p.name for p in paths) == ["report.html", "report.json", "report.md"]
    assert load_report(paths[0].read_text(encoding="utf-8")).execution == "exec-1"


def test_a_newer_report_with_unknown_fields_still_loads() -> None:
    # Given JSON from a newer writer with an extra field / When loaded / Then it is ignored
    data = json.loads(to_json(_evaluation()))
    data["something_new"] = {"x": 1}
    assert load_report(json.dumps(data)).execution == "exec-1"


def test_average_label_names_each_variants_article_count_when_they_differ() -> None:
    # Given a run whose own output is scored on two files and the evaluation variants on one
    files = [
        FileResult(path="a.md", scores={"workflow": _score(0.8), "act": _score(0.3), "no-act": _score(0.1)}),
        FileResult(path="b.md", scores={"workflow": _score(0.6)}),
    ]
    language = LanguageResult(source_lang="en", target_lang="zh", files=files)
    summarize_language(language, ["workflow"])
    own = language.variants
    summarize_language(language, ["no-act", "act"])
    language.variants = own + language.variants
    report = RunReport(
        kind="run", execution="x", variants=["workflow", "no-act", "act"], languages=[language]
    )
    # When rendered as Markdown
    md = to_markdown(report)
    # Then the average row does not claim every variant scored the same articles
    assert "Average (articles: workflow 2, no-act 1, act 1)" in md
    assert "scored by every variant" not in md


# --- terminology (issue 13) ----------------------------------------------------------------------


def _terms_report(with_glossary: bool) -> RunReport:
    from amts.domain.report import FileTerms, TerminologySummary, TermViolationRow

    files = [FileResult(path="ch/a.md", segments_reused=3), FileResult(path="ch/b.md", segments_reused=2)]
    lang = LanguageResult(source_lang="en", target_lang="zh", files=files)
    if with_glossary:
        files[0].terms = FileTerms(
            occurrences=4,
            violations=[TermViolationRow(term="tensor", translation="张量", source_line=7, target_line=5)],
        )
        files[1].terms = FileTerms(error="terminology check failed: glossary unreadable")
        lang.terminology = TerminologySummary(
            glossary="TERMINOLOGY.zh.md", files_checked=2, occurrences=4, violations=1, errors=1
        )
    return RunReport(execution="run-1", languages=[lang])


def test_terminology_is_listed_per_file_with_the_languages_count_in_every_format() -> None:
    # Given a run report whose zh files were checked against a glossary
    report = _terms_report(with_glossary=True)
    # When it is written as Markdown, HTML and JSON
    md, page, data = to_markdown(report), to_html(report), json.loads(to_json(report))
    # Then Markdown and HTML give the count and one row per violation with both lines
    assert "glossary TERMINOLOGY.zh.md: 1 violation(s) in 4 term occurrence(s) over 2 file(s)" in md
    assert "| ch/a.md | tensor | 张量 | 7 | 5 |" in md and "**Terminology violations**: zh 1" in md
    assert "could not run on 1 file(s)" in md
    assert "<h3>Terminology</h3>" in page and "<td>张量</td>" in page
    # And JSON keeps the per-file list and the summary, and loads back the same
    assert data["languages"][0]["terminology"]["violations"] == 1
    assert data["languages"][0]["files"][0]["terms"]["violations"][0]["target_line"] == 5
    assert load_report(to_json(report)).languages[0].files[0].terms == report.languages[0].files[0].terms


def test_without_a_glossary_the_report_has_no_terminology_keys_or_section() -> None:
    # Given a run report without a glossary
    report = _terms_report(with_glossary=False)
    # Then no format mentions terminology, and JSON has no terms/terminology keys (not even null)
    data = json.loads(to_json(report))
    assert "terminology" not in data["languages"][0]
    assert all("terms" not in f for f in data["languages"][0]["files"])
    assert "Terminology" not in to_markdown(report) and "Terminology" not in to_html(report)
