"""Issue 13: ``--lang-setting LANG.KEY=VALUE`` overrides cdk.json's ``amts.languages`` on the
command line, validated as cdk.json is, and reaches the code that reads the setting."""

from __future__ import annotations

from pathlib import Path

import pytest
from amts.cli import app
from amts.config import LanguageSettings, apply_language_overrides
from amts.domain.report import load_report
from amts.errors import ConfigurationError
from typer.testing import CliRunner, Result

EVAL_BOOK = Path(__file__).resolve().parents[1] / "fixtures" / "eval" / "book"
BOOK = Path(__file__).resolve().parents[2] / "samples" / "book"


def _run(*args: str | Path) -> Result:
    return CliRunner().invoke(app, [str(a) for a in args], env={"COLUMNS": "200"})


def test_overrides_merge_over_the_configured_settings() -> None:
    # Given cdk.json's zh settings with a glossary and the sentence line style
    configured = {"zh": LanguageSettings("zh", glossary="TERMINOLOGY.zh.md", line_style="sentence")}
    # When the command line sets the tokenizer, a boolean, and unsets the glossary
    merged = apply_language_overrides(
        configured, ["zh.bleuTokenizer=char", "ko.profanityMask=true", "zh.glossary="]
    )
    # Then the one setting changed, the others kept, the emptied one is back to its default
    assert merged["zh"] == LanguageSettings("zh", line_style="sentence", bleu_tokenizer="char")
    assert merged["ko"].profanity_mask is True
    assert configured["zh"].glossary == "TERMINOLOGY.zh.md"  # the configured mapping is untouched


@pytest.mark.parametrize(
    ("override", "named"),
    [
        ("zh.lineStyle=word", ["zh.lineStyle", "sentence, paragraph"]),
        ("zh.colour=red", ["colour", "bleuTokenizer", "lineStyle"]),
        ("ko.profanityMask=yes", ["ko.profanityMask", "true or false"]),
        ("zh.formality=FORMAL", ["zh.formality", "ja", "ko"]),
        ("zh-lineStyle", ["LANG.KEY=VALUE"]),
    ],
)
def test_a_bad_override_names_the_key_and_the_allowed_values(override: str, named: list[str]) -> None:
    # When a bad override is applied, Then the error names the key and what is allowed
    with pytest.raises(ConfigurationError) as caught:
        apply_language_overrides({}, [override])
    assert all(text in str(caught.value) for text in named), str(caught.value)


@pytest.mark.parametrize("command", ["evaluate", "run"])
def test_a_bad_override_on_the_command_line_exits_2_naming_the_key(command: str, tmp_path: Path) -> None:
    # Given a line style that does not exist
    args: list[str | Path] = ["--lang-setting", "zh.lineStyle=word"]
    if command == "evaluate":
        args += ["-a", EVAL_BOOK / "en", "-r", EVAL_BOOK / "zh", "-o", tmp_path / "out"]
    else:
        args += ["--local", "--book", BOOK, "--out", tmp_path / "out"]
    # When the command runs, Then it is a usage error on one line naming the key and the choices
    result = _run(command, *args)
    assert result.exit_code == 2, result.output
    assert "zh.lineStyle" in result.stderr and "sentence, paragraph" in result.stderr
    assert not (tmp_path / "out").exists()  # nothing ran


def test_evaluate_scores_with_the_overridden_bleu_tokenizer(tmp_path: Path) -> None:
    # Given the fixture book, When evaluate runs with zh's tokenizer set to char (the fact is zh)
    result = _run(
        "evaluate", "-a", EVAL_BOOK / "en", "-r", EVAL_BOOK / "zh", "--variants", "no-act",
        "-o", tmp_path / "out", "--lang-setting", "zh.bleuTokenizer=char", "-q",
    )  # fmt: skip
    assert result.exit_code in (0, 1), result.output
    # Then every score, per article and pooled, was computed with the char tokenizer
    report = load_report((tmp_path / "out" / "report.json").read_text(encoding="utf-8"))
    scores = [s for lang in report.languages for f in lang.files for s in f.scores.values()]
    scores += [v.corpus for lang in report.languages for v in lang.variants if v.corpus is not None]
    assert scores and {s.tokenizer for s in scores} == {"char"}
    assert all("tok:char" in (s.bleu_signature or "") for s in scores if s.bleu is not None)


def test_run_refuses_overrides_for_a_deployed_stack(tmp_path: Path) -> None:
    # When a cloud run is given an override, Then exit 2: the stack's functions read cdk.json
    result = _run("run", "--book", BOOK, "--lang-setting", "zh.bleuTokenizer=char")
    assert result.exit_code == 2
    assert "--lang-setting" in result.stderr and "--local" in result.stderr
