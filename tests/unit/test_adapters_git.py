"""The git CLI adapter on real repositories the tests create."""

from __future__ import annotations

from pathlib import Path

import pytest
from amts.adapters.git import GitCli
from amts.domain.changes import markdown_changes, parse_name_status
from amts.errors import GitError
from amts.ports import GitRepository

from tests.workflow.gitbooks import Repos, build, git


@pytest.fixture(scope="module")
def repos(tmp_path_factory: pytest.TempPathFactory) -> Repos:
    return build(tmp_path_factory.mktemp("git"))


def test_the_adapter_is_a_git_repository(repos: Repos) -> None:
    assert isinstance(GitCli(repos.en), GitRepository)


def test_a_range_with_a_merge_is_one_tree_diff_with_the_cross_chapter_rename(repos: Repos) -> None:
    # Given v1 and the merge commit that joined two lines of work, When diffing the range
    en = GitCli(repos.en)
    changes = markdown_changes(parse_name_status(en.diff_name_status(repos.since, repos.until)))
    # Then both sides' edits are there, the move is one rename, setup.cfg is not markdown
    assert [(c.kind, c.path, c.old_path) for c in changes] == [
        ("modified", "chapter_basics/index.md", "chapter_basics/index.md"),
        ("modified", "chapter_basics/minibatches.md", "chapter_basics/minibatches.md"),
        ("deleted", "chapter_basics/notes.md", "chapter_basics/notes.md"),
        ("added", "chapter_optimization/index.md", None),
        ("renamed", "chapter_optimization/moving-average.md", "chapter_basics/moving-average.md"),
    ]


def test_blobs_and_reads(repos: Repos) -> None:
    en = GitCli(repos.en)
    blob = en.blob_of(repos.until, "chapter_basics/index.md")
    assert blob == git(repos.en, "rev-parse", f"{repos.until}:chapter_basics/index.md")
    assert en.blob_of(repos.until, "chapter_basics/notes.md") is None
    assert en.read_blob(repos.since, "chapter_basics/notes.md").startswith(b"# Notes")
    assert en.hash_file("chapter_basics/index.md") == blob  # the checkout is at the merge


def test_status_names_uncommitted_work(tmp_path: Path, repos: Repos) -> None:
    zh = GitCli(repos.zh)
    assert zh.status() == []
    target = Path(zh.root) / "chapter_basics" / "index.md"
    original = target.read_text(encoding="utf-8")
    try:
        target.write_text(original + "\n译者的修改。\n", encoding="utf-8")
        (Path(zh.root) / "draft.md").write_text("草稿\n", encoding="utf-8")
        assert zh.status() == [(" M", "chapter_basics/index.md"), ("??", "draft.md")]
    finally:
        target.write_text(original, encoding="utf-8")
        (Path(zh.root) / "draft.md").unlink()


def test_errors_name_the_repository_and_the_problem(tmp_path: Path, repos: Repos) -> None:
    with pytest.raises(GitError, match="not a git repository"):
        GitCli(tmp_path)
    with pytest.raises(GitError, match="'no-such-ref' names no commit"):
        GitCli(repos.en).commit_of("no-such-ref")
    with pytest.raises(GitError, match="not a valid branch name"):
        GitCli(repos.zh).switch_new_branch("bad..name")
