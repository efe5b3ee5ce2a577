"""Two real git repositories (English, Chinese) built from the fixture book, for push/publish.

History of the English repository (``main``)::

    v1 ── main: edit minibatches.md, add setup.cfg ──────────────── merge (--no-ff) = UNTIL
      └── topic: edit index.md; move moving-average.md to chapter_optimization/ (with an edit);
                 delete notes.md; add chapter_optimization/index.md ─┘

The Chinese repository holds the translation of v1 at the same paths (notes.md included).
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "book"

NOTES_EN = "# Notes\n\nThese notes are temporary.\nThey will be removed.\n"
NOTES_ZH = "# 笔记\n\n这些笔记是临时的。它们将被删除。\n"
NEW_INDEX_EN = (
    "# Optimization\n:label:`chap_optimization`\n\n"
    "Smoothing helps the optimizer as well.\n\n```toc\n:maxdepth: 2\n\nmoving-average\n```\n"
)


def git(root: Path, *args: str) -> str:
    done = subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, check=True)
    return done.stdout.strip()


def init_repo(root: Path) -> None:
    root.mkdir(parents=True)
    git(root, "init", "--quiet", "--initial-branch=main")
    git(root, "config", "user.name", "AMTS Test")
    git(root, "config", "user.email", "amts@example.invalid")
    git(root, "config", "commit.gpgsign", "false")


def commit_all(root: Path, message: str) -> str:
    git(root, "add", "--all")
    git(root, "commit", "--quiet", "-m", message)
    return git(root, "rev-parse", "HEAD")


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@dataclass(frozen=True, slots=True)
class Repos:
    en: Path
    zh: Path
    since: str  # commit of v1
    until: str  # the merge commit


def build(tmp: Path) -> Repos:
    en, zh = tmp / "d2l-en", tmp / "d2l-zh"
    init_repo(en)
    init_repo(zh)
    shutil.copytree(FIXTURE / "en", en, dirs_exist_ok=True)
    (en / "chapter_basics" / "notes.md").write_text(NOTES_EN, encoding="utf-8")
    since = commit_all(en, "v1")
    shutil.copytree(FIXTURE / "zh", zh, dirs_exist_ok=True)
    (zh / "chapter_basics" / "notes.md").write_text(NOTES_ZH, encoding="utf-8")
    commit_all(zh, "translation of v1")

    git(en, "switch", "--quiet", "-c", "topic")
    _edit(
        en / "chapter_basics" / "index.md",
        "that later chapters use again and again.",
        "that later chapters use again and again, in every experiment.",
    )
    (en / "chapter_optimization").mkdir()
    git(en, "mv", "chapter_basics/moving-average.md", "chapter_optimization/moving-average.md")
    _edit(
        en / "chapter_optimization" / "moving-average.md",
        "Training curves are noisy.",
        "Training curves are noisy, especially early on.",
    )
    git(en, "rm", "--quiet", "chapter_basics/notes.md")
    (en / "chapter_optimization" / "index.md").write_text(NEW_INDEX_EN, encoding="utf-8")
    commit_all(en, "topic: move the moving average to optimization")

    git(en, "switch", "--quiet", "main")
    _edit(
        en / "chapter_basics" / "minibatches.md",
        "Models are rarely trained on one example at a time.",
        "Models are almost never trained on a single example at a time.",
    )
    (en / "setup.cfg").write_text("[metadata]\nname = book\n", encoding="utf-8")
    commit_all(en, "main: minibatches wording")
    git(en, "merge", "--quiet", "--no-ff", "-m", "merge topic", "topic")
    return Repos(en, zh, since, git(en, "rev-parse", "HEAD"))
