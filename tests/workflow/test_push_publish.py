"""English commit in, translation branch out: ``amts push --local`` then ``amts publish``.

The repositories are real git repositories the tests build (:mod:`tests.workflow.gitbooks`):
two edits on two lines of work, a move across chapters, a deletion, an addition, a merge.
``push --local`` runs once for the module (the real ASL in moto); every test publishes into its
own copy of the Chinese checkout.
"""

from __future__ import annotations

import hashlib
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
from amts.cli import app
from amts.domain.sync import MARKER_PREFIX
from amts.service.push import MANIFEST_NAME
from typer.testing import CliRunner

from tests.workflow.gitbooks import Repos, build, git

runner = CliRunner()
BRANCH = "amts/zh/test"
TRANSLATED = [
    "chapter_basics/index.md",
    "chapter_basics/minibatches.md",
    "chapter_optimization/index.md",
    "chapter_optimization/moving-average.md",
]


@dataclass(frozen=True, slots=True)
class Pushed:
    repos: Repos
    run: Path
    output: str


def _push(repos: Repos, run: Path) -> str:
    args = ["push", "--repo", str(repos.en), "--since", repos.since, "--until", "main", "--local"]
    result = runner.invoke(app, [*args, "--translation", f"zh={repos.zh}", "--out", str(run)])
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture(scope="module")
def pushed(tmp_path_factory: pytest.TempPathFactory) -> Pushed:
    repos = build(tmp_path_factory.mktemp("repos"))
    run = repos.en.parent / "run"
    return Pushed(repos, run, _push(repos, run))


@pytest.fixture
def copy(pushed: Pushed, tmp_path: Path) -> tuple[Path, Path]:
    """A private copy of the Chinese checkout and of the run folder."""
    zh, run = tmp_path / "d2l-zh", tmp_path / "run"
    shutil.copytree(pushed.repos.zh, zh)
    shutil.copytree(pushed.run, run)
    return zh, run


def _publish(run: Path, zh: Path) -> tuple[int, str]:
    result = runner.invoke(app, ["publish", "--run", str(run), "--repo", str(zh), "--branch", BRANCH])
    message = result.output + (str(result.exception) if result.exception else "")
    return result.exit_code, message


def _snapshot(repo: Path) -> tuple[str, str, str, str]:
    """Branches, HEAD, status and the working tree's content hash: 'touched nothing' means equal."""
    files = sorted(p for p in repo.rglob("*") if p.is_file() and ".git" not in p.relative_to(repo).parts)
    tree = hashlib.sha256(b"".join(p.relative_to(repo).as_posix().encode() + p.read_bytes() for p in files))
    return (
        git(repo, "for-each-ref", "--format=%(refname) %(objectname)"),
        git(repo, "rev-parse", "HEAD"),
        git(repo, "status", "--porcelain", "--untracked-files=all"),
        tree.hexdigest(),
    )


@pytest.mark.slow
def test_push_translates_exactly_the_changed_files_and_reports_the_deletion(pushed: Pushed) -> None:
    # Given the range v1..main (with a merge), When pushed locally (module fixture)
    out = pushed.output
    # Then the run translated exactly the four changed markdown files, setup.cfg left out
    translated = sorted(
        p.relative_to(pushed.run / "translated" / "zh").as_posix()
        for p in (pushed.run / "translated" / "zh").rglob("*.md")
    )
    assert translated == TRANSLATED
    assert "deleted   chapter_basics/notes.md" in out and "setup.cfg" not in out
    # and the moved file's reference was the old path's translation
    moved = pushed.run / "book" / "zh" / "chapter_optimization" / "moving-average.md"
    assert (
        moved.read_bytes()
        == git(pushed.repos.zh, "show", "HEAD:chapter_basics/moving-average.md").encode() + b"\n"
    )
    assert (pushed.run / MANIFEST_NAME).is_file()


@pytest.mark.slow
def test_publish_gives_one_commit_with_exactly_those_files_and_every_review_item(
    copy: tuple[Path, Path], pushed: Pushed
) -> None:
    zh, run = copy
    base = git(zh, "rev-parse", "HEAD")
    # When publishing the run into the Chinese checkout
    code, out = _publish(run, zh)
    assert code == 0, out
    # Then one commit on the new branch, whose message names the English range
    assert git(zh, "rev-list", "--count", f"{base}..{BRANCH}") == "1"
    message = git(zh, "log", "-1", "--format=%B", BRANCH)
    assert f"{pushed.repos.since}..{pushed.repos.until}" in message
    # and exactly those files changed: three edits and an addition, the move as a rename
    diff = git(zh, "diff", "--name-status", "-M", base, BRANCH).splitlines()
    assert sorted(re.sub(r"^R\d+", "R", line) for line in diff) == sorted(
        [
            "M\tchapter_basics/index.md",
            "M\tchapter_basics/minibatches.md",
            "A\tchapter_optimization/index.md",
            "R\tchapter_basics/moving-average.md\tchapter_optimization/moving-average.md",
        ]
    )
    assert git(zh, "show", f"{BRANCH}:chapter_basics/notes.md")  # deleted in English: kept, reported
    # and the PR body lists every review marker of the committed files, at its line
    body = (run / "pull-request.zh.md").read_text(encoding="utf-8")
    markers = []
    for path in TRANSLATED:
        lines = git(zh, "show", f"{BRANCH}:{path}").splitlines()
        markers += [(path, n + 2) for n, line in enumerate(lines) if line.startswith(MARKER_PREFIX)]
    listed = re.findall(r"^- \[ \] \[([^\]:]+):(\d+)\]", body, flags=re.MULTILINE)
    assert markers and [(p, int(n)) for p, n in listed] == markers
    assert "chapter_basics/notes.md" in body and "### Cost" in body
    assert git(zh, "status", "--porcelain") == ""


@pytest.mark.slow
def test_running_push_and_publish_again_changes_nothing(copy: tuple[Path, Path], pushed: Pushed) -> None:
    zh, run = copy
    assert _publish(run, zh)[0] == 0
    before_repo, before_run = _snapshot(zh), (run / MANIFEST_NAME).read_text(encoding="utf-8")
    # When both commands run again on the same range
    out = _push(pushed.repos, pushed.run)
    code, again = _publish(run, zh)
    # Then push has nothing new, publish finds its commit, and nothing changed
    assert "Nothing new to push" in out
    assert code == 0 and "Already published" in again
    assert _snapshot(zh) == before_repo
    assert (run / MANIFEST_NAME).read_text(encoding="utf-8") == before_run


@pytest.mark.slow
def test_an_uncommitted_edit_makes_publish_refuse_and_touch_nothing(copy: tuple[Path, Path]) -> None:
    zh, run = copy
    edited = zh / "chapter_basics" / "minibatches.md"
    edited.write_text(edited.read_text(encoding="utf-8") + "\n译者正在修改。\n", encoding="utf-8")
    before = _snapshot(zh)
    # When publishing
    code, out = _publish(run, zh)
    # Then it refuses, names the file, and the checkout is exactly as it was (no branch, no body)
    assert code != 0
    assert "uncommitted changes" in out and "chapter_basics/minibatches.md" in out
    assert _snapshot(zh) == before
    assert not (run / "pull-request.zh.md").exists()


@pytest.mark.slow
def test_a_translation_committed_since_the_run_read_it_makes_publish_refuse(copy: tuple[Path, Path]) -> None:
    zh, run = copy
    # Given a translator committed a change to the old path of the moved file after the run
    moved = zh / "chapter_basics" / "moving-average.md"
    moved.write_text(moved.read_text(encoding="utf-8") + "\n新的人工译文。\n", encoding="utf-8")
    git(zh, "commit", "--quiet", "-am", "translator: improve moving-average")
    before = _snapshot(zh)
    # When publishing, Then it names that file, says it changed since the run read it, and stops
    code, out = _publish(run, zh)
    assert code != 0
    assert "chapter_basics/moving-average.md: the translation changed since the run read it" in out
    assert _snapshot(zh) == before


@pytest.mark.slow
def test_a_branch_of_that_name_that_is_not_this_runs_makes_publish_refuse(copy: tuple[Path, Path]) -> None:
    zh, run = copy
    git(zh, "branch", BRANCH)  # someone else's branch, same name
    before = _snapshot(zh)
    code, out = _publish(run, zh)
    assert code != 0 and f"branch {BRANCH!r} already exists and is not this run's" in out
    assert _snapshot(zh) == before


def test_push_local_needs_a_translation_checkout(tmp_path: Path) -> None:
    repos = build(tmp_path)
    args = ["push", "--repo", str(repos.en), "--since", repos.since, "--local", "--out", str(tmp_path / "r")]
    result = runner.invoke(app, args)
    assert result.exit_code != 0 and "--local needs at least one --translation" in str(result.exception)
    assert not (tmp_path / "r" / MANIFEST_NAME).exists()
