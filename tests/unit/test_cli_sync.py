"""``amts sync`` on the sync fixture and on broken input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from amts.cli import app
from typer.testing import CliRunner, Result

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "sync"
OLD = FIXTURES / "filters.en.md"
NEW = FIXTURES / "filters.en-next.md"
TGT = FIXTURES / "filters.zh.md"


def run(*args: str | Path) -> Result:
    return CliRunner().invoke(app, ["sync", *[str(a) for a in args]])


def test_sync_writes_the_new_translation_and_the_plan(tmp_path: Path) -> None:
    # Given the fixture files
    out, plan_path = tmp_path / "out" / "filters.zh.md", tmp_path / "plan.json"
    # When synced with the offline memory engine
    result = run(
        "--old", OLD, "--new", NEW, "--translation", TGT, "--source-lang", "en", "--target-lang", "zh",
        "--engine", "memory", "-o", out, "--plan", plan_path,
    )  # fmt: skip
    # Then it succeeds and writes both files
    assert result.exit_code == 0, result.stderr
    plan = json.loads(plan_path.read_text(encoding="utf-8"))
    for key in ("segments_reused", "segments_to_translate", "characters_to_translate", "characters_total"):
        assert isinstance(plan[key], int)
    assert plan["segments_to_translate"] == len(plan["to_translate"]) > 0
    assert plan["engine"] == "memory"
    text = out.read_text(encoding="utf-8")
    # And unchanged paragraphs are the human translation, changed ones are marked
    assert "移动平均把每个值与它的相邻值取平均，从而平滑带噪声的序列。\n它是本章中最简单的滤波器。\n" in text
    assert "<!-- amts:" in text
    # And a one-line summary with the counts and the cost went to stderr
    summary = result.stderr.strip().splitlines()[-1]
    assert f"{plan['segments_reused']} reused" in summary
    assert f"{plan['segments_to_translate']} to translate" in summary
    assert "$" in summary


def test_memory_engine_reuses_translations_of_near_identical_text(tmp_path: Path) -> None:
    # Given a new version where one paragraph only gained a clause: the memory has a close match
    out = tmp_path / "out.md"
    result = run("--old", OLD, "--new", NEW, "--translation", TGT, "-o", out)
    assert result.exit_code == 0, result.stderr
    # When assembled, the memory's fuzzy match of the edited list item is used and marked for review
    text = out.read_text(encoding="utf-8")
    assert "指数权重只需要1个数的内存。" in text
    # Then segments the memory has nothing for stay in English, marked as untranslated
    assert "<!-- amts: untranslated, needs translation" in text
    assert "This method is also known as exponential smoothing." in text


def test_dry_run_writes_only_the_plan(tmp_path: Path) -> None:
    # Given an output path
    out, plan_path = tmp_path / "out.md", tmp_path / "plan.json"
    # When run with --dry-run
    result = run(
        "--old", OLD, "--new", NEW, "--translation", TGT, "-o", out, "--plan", plan_path, "--dry-run"
    )
    # Then only the plan exists
    assert result.exit_code == 0, result.stderr
    assert plan_path.exists() and not out.exists()
    assert json.loads(plan_path.read_text(encoding="utf-8"))["characters_to_translate"] > 0


def test_dry_run_without_plan_file_prints_the_plan(tmp_path: Path) -> None:
    result = run("--old", OLD, "--new", NEW, "--translation", TGT, "--dry-run")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["segments_reused"] > 0


def test_missing_translation_file_translates_everything_and_says_so(tmp_path: Path) -> None:
    # Given a translation path that does not exist
    missing = tmp_path / "nope.zh.md"
    plan_path = tmp_path / "plan.json"
    # When synced
    result = run("--old", OLD, "--new", NEW, "--translation", missing, "--plan", plan_path, "--dry-run")
    # Then it is not an error, it says so, and every segment is to translate
    assert result.exit_code == 0, result.stderr
    assert str(missing) in result.stderr and "everything is translated" in result.stderr
    plan = json.loads(plan_path.read_text(encoding="utf-8"))
    assert plan["segments_reused"] == 0
    assert plan["characters_to_translate"] == plan["characters_total"]


def test_identical_versions_send_nothing(tmp_path: Path) -> None:
    out, plan_path = tmp_path / "out.md", tmp_path / "plan.json"
    result = run("--old", OLD, "--new", OLD, "--translation", TGT, "-o", out, "--plan", plan_path)
    assert result.exit_code == 0, result.stderr
    assert json.loads(plan_path.read_text(encoding="utf-8"))["segments_to_translate"] == 0
    assert out.read_text(encoding="utf-8") == TGT.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("content", "word"),
    [(b"", "empty"), (b"caf\xe9 ok", "utf-8"), (b"# T\n\n```python\nx = 1\n", "fence")],
)
def test_bad_source_file_is_one_line_naming_the_file(tmp_path: Path, content: bytes, word: str) -> None:
    # Given a broken --new file
    bad = tmp_path / "bad.md"
    bad.write_bytes(content)
    # When synced
    result = run("--old", OLD, "--new", bad, "--translation", TGT, "-o", tmp_path / "o.md")
    # Then exit 2 with one stderr line naming the file and the problem, no traceback
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and str(bad) in lines[0] and word in lines[0].lower()
    assert "Traceback" not in result.stderr


def test_missing_old_file_is_reported(tmp_path: Path) -> None:
    missing = tmp_path / "old.md"
    result = run("--old", missing, "--new", NEW, "-o", tmp_path / "o.md")
    assert result.exit_code == 2
    assert str(missing) in result.stderr


def test_output_is_required_unless_dry_run() -> None:
    result = run("--old", OLD, "--new", NEW, "--translation", TGT)
    assert result.exit_code == 2
    assert "--dry-run" in result.stderr


def test_unknown_engine_and_language_are_rejected(tmp_path: Path) -> None:
    bad_engine = run("--old", OLD, "--new", NEW, "-o", tmp_path / "o.md", "--engine", "deepl")
    bad_lang = run("--old", OLD, "--new", NEW, "-o", tmp_path / "o.md", "--target-lang", "xx")
    assert bad_engine.exit_code == 2 and "deepl" in bad_engine.stderr
    assert bad_lang.exit_code == 2 and "xx" in bad_lang.stderr


def test_amazon_engine_without_credentials_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a machine without any AWS credentials
    for var in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    # When synced with --engine amazon
    out = tmp_path / "o.md"
    result = run("--old", OLD, "--new", NEW, "--translation", TGT, "-o", out, "--engine", "amazon")
    # Then a one-line error says what is missing; nothing is written
    assert result.exit_code == 2
    assert "credentials" in result.stderr and "Traceback" not in result.stderr
    assert not out.exists()


def test_memory_file_adds_translations(tmp_path: Path) -> None:
    # Given a parallel-data file that knows the new paragraph
    memory = tmp_path / "memory.tsv"
    memory.write_text(
        "en\tzh\nThis method is also known as exponential smoothing.\t这种方法也称为指数平滑。\n", "utf-8"
    )
    out = tmp_path / "o.md"
    # When synced with it
    result = run("--old", OLD, "--new", NEW, "--translation", TGT, "-o", out, "--memory", memory)
    # Then the memory's translation is used (and marked for review)
    assert result.exit_code == 0, result.stderr
    text = out.read_text(encoding="utf-8")
    assert "这种方法也称为指数平滑。" in text
    assert "This method is also known" not in text


def test_bad_memory_file_is_reported(tmp_path: Path) -> None:
    memory = tmp_path / "memory.txt"
    memory.write_text("whatever", "utf-8")
    result = run(
        "--old", OLD, "--new", NEW, "--translation", TGT, "-o", tmp_path / "o.md", "--memory", memory
    )
    assert result.exit_code == 2 and str(memory) in result.stderr
