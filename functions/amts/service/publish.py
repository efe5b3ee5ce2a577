"""``amts publish``: one run's translations of one language as a commit on a new branch.

The order of the checks is what makes it safe to run on a translator's checkout:

1. the branch already exists and its tip carries this run's ``Amts-Run`` trailer → already
   published, nothing is done (running publish again changes nothing);
2. any uncommitted change in the checkout (staged, modified, untracked) → refuse;
3. any translation the run read whose blob at HEAD is no longer the one the run read (a
   translator committed in between) → refuse, naming the file;

and only then: create the branch at HEAD, write the files (a renamed file's translation is
moved: the old path goes), commit once with a message that names the English range, and write
the pull-request body into the run folder. Nothing is pushed: CI pushes the branch without
``--force`` (docs/CI.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from amts.domain.pullrequest import PullRequest, file_entries, link_base, render, review_items
from amts.domain.report import LanguageResult, RunReport, load_report
from amts.errors import BadInputError, GitError
from amts.ports import GitRepository
from amts.service.push import MANIFEST_NAME, RunManifest

TRAILER = "Amts-Run"
# A local run that succeeded; an upload to a stack whose outputs were downloaded (docs/CI.md).
PUBLISHABLE = ("SUCCEEDED", "UPLOADED")


@dataclass(slots=True)
class PublishResult:
    status: Literal["published", "already-published", "nothing-to-change"]
    branch: str
    language: str
    commit: str | None = None
    files: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    body: Path | None = None
    review_items: int = 0


def load_run(run_dir: Path) -> tuple[RunManifest, RunReport | None]:
    if not (run_dir / MANIFEST_NAME).is_file():
        raise BadInputError(run_dir, f"not an amts push run folder (no {MANIFEST_NAME})")
    manifest = RunManifest.load(run_dir)
    report_path = run_dir / "reports" / "report.json"
    report = load_report(report_path.read_text(encoding="utf-8")) if report_path.is_file() else None
    return manifest, report


def default_branch(manifest: RunManifest, lang: str) -> str:
    e = manifest.english
    return f"amts/{lang}/{e.since_commit[:7]}-{e.until_commit[:7]}"


def _language(manifest: RunManifest, lang: str | None) -> str:
    langs = sorted(manifest.translations)
    if lang is None:
        if len(langs) != 1:
            raise BadInputError(
                None, f"the run has languages {', '.join(langs) or 'none'}: choose one with --lang"
            )
        return langs[0]
    if lang not in manifest.translations:
        raise BadInputError(None, f"the run has no translation for {lang!r} (it has {', '.join(langs)})")
    return lang


def _language_result(report: RunReport | None, lang: str) -> LanguageResult | None:
    return next((lr for lr in (report.languages if report else []) if lr.target_lang == lang), None)


def check_checkout(repo: GitRepository, manifest: RunManifest, lang: str) -> None:
    """Refuse (GitError) a dirty checkout or one whose translation changed since the run read it."""
    dirty = repo.status()
    if dirty:
        shown = ", ".join(f"{code.strip()} {path}" for code, path in dirty[:5])
        more = f" and {len(dirty) - 5} more" if len(dirty) > 5 else ""
        raise GitError(
            f"{repo.root} has uncommitted changes ({shown}{more}): commit or stash them first; "
            "nothing was written"
        )
    for target, (read_path, blob) in sorted(manifest.translations[lang].read.items()):
        now = repo.blob_of("HEAD", read_path)
        if now != blob:
            was = blob[:7] if blob else "absent"
            raise GitError(
                f"{read_path}: the translation changed since the run read it ({was} → "
                f"{now[:7] if now else 'deleted'}); run amts push again so it is the reference; "
                "nothing was written"
            )
        if target != read_path and repo.blob_of("HEAD", target) is not None:
            raise GitError(
                f"{target}: a translation exists at the renamed file's new path; "
                f"move or remove it first (the run read {read_path}); nothing was written"
            )


def publish(
    run_dir: Path, repo: GitRepository, lang: str | None = None, branch: str | None = None
) -> PublishResult:
    manifest, report = load_run(run_dir)
    lang = _language(manifest, lang)
    if manifest.status not in PUBLISHABLE:
        raise BadInputError(run_dir, f"the run ended {manifest.status}: there is nothing to publish")
    branch = branch or default_branch(manifest, lang)
    trailer = f"{TRAILER}: {manifest.run_id}"
    if repo.branch_exists(branch):
        if trailer in repo.message_of(branch):
            return PublishResult("already-published", branch, lang, commit=repo.commit_of(branch))
        raise GitError(
            f"branch {branch!r} already exists and is not this run's: choose another with --branch"
        )
    check_checkout(repo, manifest, lang)

    translated = run_dir / "translated" / lang
    writes: dict[str, bytes] = {}
    removes: list[str] = []
    for change in manifest.changes:
        if change.kind == "deleted":
            continue
        source = translated / change.path
        if not source.is_file():
            raise BadInputError(source, "the run wrote no translation for this file")
        content = source.read_bytes()
        current = Path(repo.root) / change.path
        if not current.is_file() or current.read_bytes() != content:
            writes[change.path] = content
        if change.kind == "renamed" and change.old_path and repo.blob_of("HEAD", change.old_path):
            removes.append(change.old_path)
    if not writes and not removes:
        return PublishResult("nothing-to-change", branch, lang)

    repo.switch_new_branch(branch)
    for path, content in writes.items():
        target = Path(repo.root) / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
    repo.stage(sorted(writes), removes)
    commit = repo.commit(commit_message(manifest, lang, sorted(writes), removes))

    result = _language_result(report, lang)
    pr = pull_request(manifest, lang, result, report.engine if report else None, run_dir)
    body = run_dir / f"pull-request.{lang}.md"
    body.write_text(render(pr, link_base(repo.remote_url(), commit)), encoding="utf-8")
    return PublishResult(
        "published", branch, lang, commit, sorted(writes), removes, body, review_items=len(pr.review)
    )


def _english_text(manifest: RunManifest) -> str:
    e = manifest.english
    return f"`{e.since}`..`{e.until}` ({e.short}) of {Path(e.repo).name}"


def commit_message(manifest: RunManifest, lang: str, written: list[str], removed: list[str]) -> str:
    e = manifest.english
    kinds = [c.kind for c in manifest.changes if c.kind != "deleted"]
    counts = ", ".join(f"{kinds.count(k)} {k}" for k in ("modified", "added", "renamed") if k in kinds)
    lines = [
        f"amts: sync {lang} with English {e.short}",
        "",
        f"English range {e.since}..{e.until} of {Path(e.repo).name}:",
        f"{e.since_commit}..{e.until_commit}",
        f"Files: {len(kinds)} ({counts}); written {len(written)}, moved away {len(removed)}.",
        "",
        f"{TRAILER}: {manifest.run_id}",
        f"Amts-English-Range: {e.since_commit}..{e.until_commit}",
    ]
    return "\n".join(lines) + "\n"


def pull_request(
    manifest: RunManifest, lang: str, result: LanguageResult | None, engine: str | None, run_dir: Path
) -> PullRequest:
    changes = [(c.kind, c.path, c.old_path) for c in manifest.changes if c.kind != "deleted"]
    items = []
    for _, path, _ in changes:
        output = run_dir / "translated" / lang / path
        if output.is_file():
            items += review_items(path, output.read_text(encoding="utf-8"))
    return PullRequest(
        title=f"AMTS: {lang} translation of English {manifest.english.short}",
        english=_english_text(manifest),
        run_id=manifest.run_id,
        language=lang,
        files=file_entries(changes, result),
        deleted=[c.path for c in manifest.changes if c.kind == "deleted"],
        review=items,
        result=result,
        engine=engine,
    )
