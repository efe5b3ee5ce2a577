"""The per-language style settings reach the file the local workflow writes: a machine-translated
paragraph is laid out as ``lineStyle`` says (cdk.json's settings or ``--lang-setting``), and the
translator's paragraphs are written as they were."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from amts.cli import app
from amts.config import LanguagePair, Settings
from amts.local.runner import run_local
from typer.testing import CliRunner

from tests.workflow.conftest import BOOK

pytestmark = pytest.mark.slow

CHAPTER = "chapter_optimization"
# A paragraph of the chapter's index.md, added to learning-rate.md in the new English: the
# offline engine (a memory of the book's aligned pairs) translates it with index.md's translation.
ADDED = (
    "Training a model means minimizing a loss function.\n"
    "This chapter introduces the simplest tools for doing so.\n"
    "We begin with gradient descent\n"
    "and then look at how the learning rate changes its behavior.\n"
)
SENTENCES = [
    "训练模型意味着最小化损失函数。",
    "本章介绍完成这件事的最简单的工具。",
    "我们从梯度下降开始，然后看看学习率如何改变它的行为。",
]


def _book(tmp_path: Path) -> Path:
    book = tmp_path / "book"
    shutil.copytree(BOOK, book)
    new = book / "en-next" / CHAPTER / "learning-rate.md"
    new.write_text(new.read_text(encoding="utf-8").rstrip("\n") + "\n\n" + ADDED, encoding="utf-8")
    return book


def _written(out: Path) -> str:
    return (out / "translated" / "zh" / CHAPTER / "learning-rate.md").read_text(encoding="utf-8")


def test_line_style_from_the_settings_and_from_lang_setting_reaches_the_written_file(tmp_path: Path) -> None:
    # Given the sample book whose new English gained a paragraph the memory can translate
    book = _book(tmp_path)
    # When the workflow runs with cdk.json-like settings (zh's defaults: one sentence per line)
    settings = Settings(language_pairs=(LanguagePair("en", "zh"),), granularity="paragraph")
    run = run_local(book, tmp_path / "default", settings=settings, timeout=90)
    assert run.status == "SUCCEEDED", (run.error, run.cause)
    # And `amts run --local --lang-setting zh.lineStyle=paragraph` with the same cdk.json
    config = tmp_path / "cdk.json"
    config.write_text(
        json.dumps({"context": {"amts": {"languagePairs": ["en:zh"], "granularity": "paragraph"}}}),
        encoding="utf-8",
    )
    args = ["run", "--local", "--book", book, "--out", tmp_path / "paragraph", "--config", config, "-q"]
    result = CliRunner().invoke(app, [str(a) for a in [*args, "--lang-setting", "zh.lineStyle=paragraph"]])
    assert result.exit_code == 0, result.output
    # Then the machine paragraph is one sentence per line by default, one line with the override
    default, paragraph = _written(tmp_path / "default"), _written(tmp_path / "paragraph")
    assert "\n".join(SENTENCES) + "\n" in default
    assert "".join(SENTENCES) + "\n" in paragraph

    # And everything else (the translator's text, code, markers) is the same in both files, but
    # the review stamp's hash of the machine text (review.stamp), which differs with its lines
    def unstamped(text: str) -> str:
        return re.sub(r" mt sha1:[0-9a-f]+", "", text)

    assert unstamped(default.replace("\n".join(SENTENCES), "".join(SENTENCES))) == unstamped(paragraph)
