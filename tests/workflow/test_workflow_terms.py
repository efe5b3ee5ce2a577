"""Issue 13: the run report lists each written file's glossary violations (the check of
``amts check-terms``), where the language's settings name a glossary; and what the planner tells
the translator about a file (an edit carried into their text)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from amts.cli import app
from amts.config import LanguagePair, LanguageSettings, Settings
from amts.local.runner import run_local
from typer.testing import CliRunner

from tests.workflow.conftest import BOOK

pytestmark = pytest.mark.slow

# "gradient descent" is 梯度下降 in the sample book's translation: an agreed translation nobody
# used makes every occurrence a violation; "learning rate" (学习率) is used, so it is never one.
GLOSSARY = "坡度滑行，gradient descent\n\n学习率，learning rate\n"


def _book(tmp_path: Path, glossary: str | None) -> Path:
    book = tmp_path / "book"
    shutil.copytree(BOOK, book)
    if glossary is not None:
        (book / "TERMINOLOGY.zh.md").write_text(glossary, encoding="utf-8")
    return book


def _settings(glossary: str | None) -> Settings:
    languages = {"zh": LanguageSettings("zh", glossary=glossary)} if glossary else {}
    return Settings(language_pairs=(LanguagePair("en", "zh"),), granularity="paragraph", languages=languages)


def test_report_lists_each_files_glossary_violations_and_the_languages_count(tmp_path: Path) -> None:
    # Given the sample book with a small glossary next to zh/, named in the zh settings
    book = _book(tmp_path, GLOSSARY)
    # When the whole workflow runs locally
    run = run_local(book, tmp_path / "out", settings=_settings("TERMINOLOGY.zh.md"), timeout=90)
    assert run.status == "SUCCEEDED", (run.error, run.cause)
    report = json.loads((tmp_path / "out" / "reports" / "report.json").read_text(encoding="utf-8"))
    zh = report["languages"][0]
    # Then each written file carries its violations: term, agreed translation, a line in each file
    violations = [(f["path"], v) for f in zh["files"] for v in (f.get("terms") or {}).get("violations", [])]
    assert violations, zh["files"]
    assert {v["term"] for _, v in violations} == {"gradient descent"}
    assert all(v["translation"] == "坡度滑行" for _, v in violations)
    # And the lines point at the term in the new English and at the paragraph in the written file
    path, first = violations[0]
    english = (book / "en-next" / path).read_text(encoding="utf-8").splitlines()
    written = (tmp_path / "out" / "translated" / "zh" / path).read_text(encoding="utf-8").splitlines()
    assert "gradient descent" in english[first["source_line"] - 1].lower()
    assert "梯度下降" in written[first["target_line"] - 1]
    # And the language's count is the sum over its files, with the glossary named
    terms = zh["terminology"]
    assert terms["glossary"] == "TERMINOLOGY.zh.md"
    assert terms["violations"] == len(violations)
    assert terms["occurrences"] > terms["violations"]  # "learning rate" was checked and kept
    # And the Markdown and HTML reports list them per file, with the count
    md = (tmp_path / "out" / "reports" / "report.md").read_text(encoding="utf-8")
    assert f"glossary TERMINOLOGY.zh.md: {len(violations)} violation(s)" in md
    assert f"| {path} | gradient descent | 坡度滑行 | {first['source_line']} | {first['target_line']} |" in md
    html = (tmp_path / "out" / "reports" / "report.html").read_text(encoding="utf-8")
    assert "<h3>Terminology</h3>" in html and "坡度滑行" in html


def test_without_a_glossary_the_report_has_no_terminology_section(tmp_path: Path) -> None:
    # Given the same book and glossary file, but no glossary in the zh settings
    book = _book(tmp_path, GLOSSARY)
    # When the workflow runs
    run = run_local(book, tmp_path / "out", settings=_settings(None), timeout=90)
    assert run.status == "SUCCEEDED", (run.error, run.cause)
    # Then no file and no language carries a terminology section, in any of the three reports
    reports = tmp_path / "out" / "reports"
    report = json.loads((reports / "report.json").read_text(encoding="utf-8"))
    assert all("terminology" not in lang for lang in report["languages"])
    assert all("terms" not in f for lang in report["languages"] for f in lang["files"])
    assert "Terminology" not in (reports / "report.md").read_text(encoding="utf-8")
    assert "Terminology" not in (reports / "report.html").read_text(encoding="utf-8")


def test_run_local_lang_settings_reach_the_terminology_check_and_the_bleu_tokenizer(tmp_path: Path) -> None:
    # Given the sample book with a glossary file, and no languages in the (empty) cdk.json
    book = _book(tmp_path, GLOSSARY)
    config = tmp_path / "cdk.json"
    config.write_text(json.dumps({"context": {"amts": {"granularity": "paragraph"}}}), encoding="utf-8")
    # When `amts run --local` names the glossary and the BLEU tokenizer of zh on the command line
    args = ["run", "--local", "--book", book, "--out", tmp_path / "out", "--config", config, "-q"]
    args += ["--lang-setting", "zh.glossary=TERMINOLOGY.zh.md", "--lang-setting", "zh.bleuTokenizer=char"]
    result = CliRunner().invoke(app, [str(a) for a in args])
    assert result.exit_code == 0, result.output
    assert "Terminology en-zh (TERMINOLOGY.zh.md):" in result.stdout
    # Then Assemble File checked the glossary and Write Report scored with the char tokenizer
    report = json.loads((tmp_path / "out" / "reports" / "report.json").read_text(encoding="utf-8"))
    zh = report["languages"][0]
    assert zh["terminology"]["glossary"] == "TERMINOLOGY.zh.md" and zh["terminology"]["violations"] > 0
    tokenizers = {s["tokenizer"] for f in zh["files"] for s in f["scores"].values()}
    assert tokenizers == {"char"}


def test_report_tells_the_translator_which_formula_edits_were_carried_into_their_text(tmp_path: Path) -> None:
    # Given the sample book whose next English also tightens one inline formula the translator
    # copied as it was ($0 < \eta < 1$ in both)
    book = _book(tmp_path, None)
    page = book / "en-next" / "chapter_optimization" / "learning-rate.md"
    text = page.read_text(encoding="utf-8")
    assert "$0 < \\eta < 1$" in text
    page.write_text(text.replace("$0 < \\eta < 1$", "$0 < \\eta < 1/L$"), encoding="utf-8")
    # When the whole workflow runs locally
    run = run_local(book, tmp_path / "out", settings=_settings(None), timeout=90)
    assert run.status == "SUCCEEDED", (run.error, run.cause)
    # Then the written translation has the new formula in the translator's sentence
    written = (
        tmp_path / "out" / "translated" / "zh" / "chapter_optimization" / "learning-rate.md"
    ).read_text(encoding="utf-8")
    assert "只有当$0 < \\eta < 1/L$时迭代点才会收敛" in written
    # And the report says so on that file, with the line of the new English
    report = json.loads((tmp_path / "out" / "reports" / "report.json").read_text(encoding="utf-8"))
    files = {f["path"]: f for f in report["languages"][0]["files"]}
    notes = files["chapter_optimization/learning-rate.md"]["notes"]
    assert any("$0 < \\eta < 1$ → $0 < \\eta < 1/L$" in n and n.startswith("line ") for n in notes), notes
    assert "$0 < \\eta < 1/L$" in (tmp_path / "out" / "reports" / "report.md").read_text(encoding="utf-8")
