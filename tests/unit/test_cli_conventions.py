"""One convention across ``amts`` commands: flags, choices, outputs, exit codes."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from amts import __version__
from amts.cli import app
from typer.testing import CliRunner, Result

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
BOOK = FIXTURES / "book"
EN = BOOK / "en" / "chapter_basics"
ZH = BOOK / "zh" / "chapter_basics"
SYNC = FIXTURES / "sync"
EVAL_BOOK = FIXTURES / "eval" / "book"

LANGUAGE_COMMANDS = ("align", "parallel-data", "sync", "bleu", "evaluate")


def run(*args: str | Path) -> Result:
    return CliRunner().invoke(app, [str(a) for a in args], env={"COLUMNS": "200"})


def test_version_prints_the_package_version() -> None:
    result = run("--version")
    assert result.exit_code == 0
    assert result.stdout.strip() == f"amts {__version__}"


@pytest.mark.parametrize("command", LANGUAGE_COMMANDS)
def test_every_language_command_has_the_same_short_and_long_flags(command: str) -> None:
    # When the help of a command that takes languages is printed
    text = run(command, "--help").stdout
    # Then it offers -s/--source-lang and -t/--target-lang, and no flag shows a <bool> value
    for flag in ("--source-lang", "-s", "--target-lang", "-t"):
        assert f" {flag} " in text or f" {flag}\n" in text or f"{flag}," in text, (flag, text)
    assert "<bool>" not in text


@pytest.mark.parametrize("command", ("sync", "evaluate"))
def test_engine_choices_are_listed_and_enforced(command: str) -> None:
    # Given the help, Then the engine choices are listed
    assert "memory|amazon" in run(command, "--help").stdout
    # And a free-text engine is a usage error (exit 2) naming the choices
    args = ["--new", SYNC / "filters.en-next.md", "--dry-run"] if command == "sync" else []
    if command == "evaluate":
        args = ["-a", EVAL_BOOK / "en", "-r", EVAL_BOOK / "zh", "-o", "x"]
    result = run(command, *args, "--engine", "google")
    assert result.exit_code == 2
    assert "memory" in result.stderr and "amazon" in result.stderr


def test_unknown_output_extension_is_refused_and_nothing_is_written(tmp_path: Path) -> None:
    # Given an output name the command cannot write
    out = tmp_path / "pairs.xlsx"
    # When aligning into it
    result = run("align", EN / "index.md", ZH / "index.md", "-o", out)
    # Then it is a usage error that names the allowed extensions, and no file appears
    assert result.exit_code == 2
    assert ".xlsx" in result.stderr and ".tsv" in result.stderr
    assert not out.exists()


def test_sync_output_must_be_markdown(tmp_path: Path) -> None:
    result = run("sync", "--new", SYNC / "filters.en-next.md", "-o", tmp_path / "out.txt")
    assert result.exit_code == 2 and ".md" in result.stderr
    assert not (tmp_path / "out.txt").exists()


def test_dash_writes_to_stdout_for_sync_and_parallel_data(tmp_path: Path) -> None:
    # When sync writes to -, with the short language flags
    synced = run(
        "sync", "--old", SYNC / "filters.en.md", "--new", SYNC / "filters.en-next.md",
        "--translation", SYNC / "filters.zh.md", "-s", "en", "-t", "zh", "-o", "-",
    )  # fmt: skip
    # Then the new translation is on stdout (the summary on stderr) and no file named '-' exists
    assert synced.exit_code == 0, synced.stderr
    assert "<!-- amts:" in synced.stdout and "reused" in synced.stderr and "reused" not in synced.stdout
    assert not Path("-").exists()
    # When parallel-data writes to -, Then stdout is only TSV: the summary moved to stderr
    pd = run("parallel-data", BOOK / "en", BOOK / "zh", "-o", "-", "-q")
    assert pd.exit_code == 0, pd.stderr
    lines = pd.stdout.splitlines()
    assert lines[0] == "en\tzh" and all(line.count("\t") == 1 for line in lines)
    assert "written to stdout" in pd.stderr


def test_non_markdown_files_and_a_glossary_in_the_book_are_notes_not_errors(tmp_path: Path) -> None:
    # Given the d2l-dev layout with a glossary (TERMINOLOGY.zh.md) and an image next to the sections
    for name in ("index", "moving-average"):
        shutil.copy(EN / f"{name}.md", tmp_path / f"{name}.en.md")
        shutil.copy(ZH / f"{name}.md", tmp_path / f"{name}.zh.md")
    (tmp_path / "TERMINOLOGY.zh.md").write_text("移动平均，moving average\n", encoding="utf-8")
    (tmp_path / "figure.png").write_bytes(b"\x89PNG\r\n")
    # When building parallel data
    result = run("parallel-data", tmp_path, tmp_path, "-o", tmp_path / "out.tsv", "-q")
    # Then exit 0, no error line, and one note for each ignored thing
    assert result.exit_code == 0, result.stderr
    assert "error" not in result.stderr
    notes = [line for line in result.stderr.splitlines() if line.startswith("amts: note:")]
    assert any("TERMINOLOGY.zh.md" in n and "ignored" in n for n in notes)
    assert any("1 non-markdown file(s) ignored" in n for n in notes)


def test_evaluate_exits_1_when_an_article_fails_and_prints_progress(tmp_path: Path) -> None:
    # Given references for only some of the articles
    refs = tmp_path / "refs"
    shutil.copytree(EVAL_BOOK / "zh", refs)
    (refs / "chapter_tensors" / "indexing.md").unlink()
    # When evaluated with one variant
    result = run(
        "evaluate", "-a", EVAL_BOOK / "en", "-r", refs, "-o", tmp_path / "out", "--variants", "no-act"
    )
    # Then the reports are written but the exit code says something failed
    assert result.exit_code == 1, result.stderr
    assert (tmp_path / "out" / "report.json").is_file()
    assert "not fully evaluated" in result.stderr
    # And the progress named every article on stderr, as it went
    progress = [line for line in result.stderr.splitlines() if "en-zh no-act:" in line]
    assert progress[0].endswith("translating 3 article(s)")
    assert any("indexing.md: failed" in line for line in progress)
    assert sum("BLEU" in line for line in progress) == 2


def test_evaluate_accepts_the_old_out_flag_and_json(tmp_path: Path) -> None:
    # Given the README's --out spelling and --json
    result = run(
        "evaluate", "-a", EVAL_BOOK / "en", "-r", EVAL_BOOK / "zh", "--out", tmp_path,
        "--variants", "no-act", "--json", "-q",
    )  # fmt: skip
    # Then the report JSON is on stdout and nothing is on stderr (quiet)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.lstrip().startswith("{") and '"kind": "evaluation"' in result.stdout
    assert result.stderr == ""
