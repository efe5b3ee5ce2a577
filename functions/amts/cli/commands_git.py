"""``amts push`` and ``amts publish``: from English commits to a translation branch.

``push`` takes exactly the English markdown files a range of commits changed (git, tree to
tree) and either feeds them to the local run (``--local``: the same machinery as ``amts run
--local``, with the book prepared from the repositories) or uploads them to a deployed stack.
``publish`` writes one language of a local run into a checkout of that language's repository
as one commit on a new branch, with a pull-request body beside it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer

from amts.cli import app
from amts.cli.commands_run import console
from amts.errors import AmtsError, BadInputError, ConfigurationError

DEFAULT_PUSH_OUT = Path("out/push")


def _translations(values: list[str]) -> dict[str, Path]:
    found: dict[str, Path] = {}
    for value in values:
        lang, sep, path = value.partition("=")
        if not sep or not lang or not path:
            raise BadInputError(None, f"--translation {value!r}: expected LANG=PATH, e.g. zh=../d2l-zh")
        found[lang] = Path(path)
    return found


@app.command("push")
def push_command(
    repo: Path = typer.Option(..., "--repo", help="Checkout of the English book repository."),  # noqa: B008
    since: str = typer.Option(..., "--since", help="The English commit the translations follow (exclusive)."),
    until: str = typer.Option("HEAD", "--until", help="The English commit to translate to (inclusive)."),
    local: bool = typer.Option(
        False, "--local", help="Feed the local run (moto, offline) instead of a stack."
    ),
    translation: list[str] = typer.Option(  # noqa: B008
        [], "--translation", help="LANG=PATH of a translation checkout (repeatable; needed with --local)."
    ),
    stack: str = typer.Option("AmtsStack", "--stack", help="CloudFormation stack name (without --local)."),
    out: Path = typer.Option(  # noqa: B008
        DEFAULT_PUSH_OUT,
        "--out",
        help="Run folder: amts-run.json (and with --local the book, outputs, reports).",
    ),
    timeout: float = typer.Option(300.0, "--timeout", help="Give up the local run after this many seconds."),
) -> None:
    """Push exactly the English markdown files changed between two commits."""
    from amts.adapters.git import GitCli
    from amts.service.push import plan_push

    english = GitCli(repo)
    destination = f"local:{out.resolve()}" if local else f"stack:{stack}"
    plan = plan_push(english, since, until, destination)
    console.print(
        f"[bold]amts push[/]: {plan.english.since}..{plan.english.until} ({plan.english.short}) of "
        f"[cyan]{english.root}[/] → {destination}"
    )
    for change in plan.changes:
        moved = f" (from {change.old_path})" if change.kind == "renamed" else ""
        mark = (
            "already pushed" if change in plan.skipped else ("reported" if change.kind == "deleted" else "")
        )
        console.print(f"  {change.kind:9} {change.path}{moved}  {mark}".rstrip())
    if not plan.to_push:
        console.print("Nothing new to push (every changed file of this range was pushed already).")
        return
    if local:
        _push_local(plan, english, _translations(translation), out, timeout)
    else:
        _push_cloud(plan, english, _translations(translation), stack, out)


def _push_local(plan: Any, english: Any, translations: dict[str, Path], out: Path, timeout: float) -> None:
    from amts.adapters.git import GitCli
    from amts.cli.commands_run import _quiet_logs, print_path
    from amts.config import LanguagePair, Settings
    from amts.local.gitbook import prepare_book
    from amts.local.runner import run_local
    from amts.service.push import RunManifest, change_records, record_pushed

    if not translations:
        raise ConfigurationError("--local needs at least one --translation LANG=PATH (e.g. zh=../d2l-zh)")
    repos = {lang: GitCli(path) for lang, path in translations.items()}
    out.mkdir(parents=True, exist_ok=True)
    for stale in out.glob("pull-request.*.md"):  # a body of an earlier run would look like this one's
        stale.unlink()
    book = out / "book"
    reads = prepare_book(
        book, english, plan.english.since_commit, plan.english.until_commit, plan.to_push, repos
    )
    _quiet_logs()
    settings = Settings(language_pairs=tuple(LanguagePair("en", lang) for lang in sorted(repos)))
    run = run_local(book, out, settings=settings, timeout=timeout)
    print_path(run)
    run_id = run.execution_arn.rsplit(":", 1)[-1]
    summary = out / "reports" / "report.json"
    if summary.is_file():
        run_id = json.loads(summary.read_text(encoding="utf-8")).get("metadata", {}).get("run_id") or run_id
    manifest = RunManifest(
        run_id=run_id,
        status=run.status,
        english=plan.english,
        changes=change_records(plan),
        translations=reads,
    )
    manifest.write(out)
    colour = "green" if run.status == "SUCCEEDED" else "red"
    console.print(f"Execution [bold {colour}]{run.status}[/] in {run.seconds:.1f}s; run folder {out}")
    if run.status != "SUCCEEDED":
        raise typer.Exit(1)
    record_pushed(plan)
    for lang, path in sorted(translations.items()):
        console.print(f"next: amts publish --run {out} --repo {path} --lang {lang}")


def _push_cloud(plan: Any, english: Any, translations: dict[str, Path], stack: str, out: Path) -> None:
    """Upload to the stack: the reference of a renamed file moves first, then the English.

    The run folder gets the manifest (status ``UPLOADED``; with ``--translation``, the blobs of
    the translations read at their HEAD), for ``amts publish`` once the outputs are downloaded
    into ``translated/<lang>/`` (docs/CI.md).
    """
    from datetime import UTC, datetime

    from amts.adapters.git import GitCli
    from amts.service.push import RunManifest, TranslationRead, change_records, record_pushed

    try:
        import boto3
        from botocore.exceptions import BotoCoreError, ClientError

        session = boto3.session.Session()
        if session.get_credentials() is None:
            raise ConfigurationError("no AWS credentials found: configure them, or use 'amts push --local'")
        outputs = stack_outputs(session, stack)
        source, reference = outputs.get("SourceBucketName"), outputs.get("ReferenceBucketName")
        if not source or not reference:
            raise ConfigurationError(f"stack {stack!r} has no SourceBucketName / ReferenceBucketName outputs")
        s3 = session.client("s3")
        for change in plan.to_push:
            if change.kind == "renamed" and change.old_path:
                _move_reference(s3, reference, change.old_path, change.path)
                old = english.read_blob(plan.english.since_commit, change.old_path)
                s3.put_object(Bucket=source, Key=f"en/{change.path}", Body=old)  # the version it follows
            body = english.read_blob(plan.english.until_commit, change.path)
            s3.put_object(Bucket=source, Key=f"en/{change.path}", Body=body)
    except (ClientError, BotoCoreError) as error:
        raise AmtsError(f"upload to stack {stack!r} failed: {error}") from error
    reads: dict[str, TranslationRead] = {}
    for lang, path in translations.items():
        repo = GitCli(path)
        head = repo.commit_of("HEAD")
        reads[lang] = TranslationRead(repo=repo.root, commit=head)
        for change in plan.to_push:
            read_from = change.old_path or change.path
            reads[lang].read[change.path] = (read_from, repo.blob_of(head, read_from))
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    out.mkdir(parents=True, exist_ok=True)
    RunManifest(
        run_id=f"push-{plan.english.until_commit[:7]}-{stamp}",
        status="UPLOADED",
        english=plan.english,
        changes=change_records(plan),
        translations=reads,
    ).write(out)
    record_pushed(plan)
    console.print(f"uploaded {len(plan.to_push)} file(s) to s3://{source}/en/; manifest in {out}")


def stack_outputs(session: Any, stack: str) -> dict[str, str]:
    """The stack's outputs by key (as infra/stack.py names them)."""
    stacks = session.client("cloudformation").describe_stacks(StackName=stack)["Stacks"]
    return {o["OutputKey"]: o["OutputValue"] for o in stacks[0].get("Outputs", [])}


def _move_reference(s3: Any, bucket: str, old: str, new: str) -> None:
    """Copy ``<lang>/old`` to ``<lang>/new`` for every language in the reference bucket."""
    paginator = s3.get_paginator("list_objects_v2")
    for page in paginator.paginate(Bucket=bucket):
        for obj in page.get("Contents", []):
            lang, _, rest = obj["Key"].partition("/")
            if rest == old:
                s3.copy_object(
                    Bucket=bucket, Key=f"{lang}/{new}", CopySource={"Bucket": bucket, "Key": obj["Key"]}
                )


@app.command("publish")
def publish_command(
    run: Path = typer.Option(..., "--run", help="The run folder 'amts push --local' wrote (--out)."),  # noqa: B008
    repo: Path = typer.Option(..., "--repo", help="Checkout of the translation repository."),  # noqa: B008
    branch: str | None = typer.Option(None, "--branch", help="New branch (default amts/LANG/SINCE-UNTIL)."),
    lang: str | None = typer.Option(None, "--lang", help="Which language of the run (when it has several)."),
) -> None:
    """Commit one language of a run to a new branch of its repository, with a PR body."""
    from amts.adapters.git import GitCli
    from amts.service.publish import publish

    result = publish(run, GitCli(repo), lang=lang, branch=branch)
    if result.status == "already-published":
        console.print(f"Already published: branch {result.branch} at {result.commit}; nothing changed.")
        return
    if result.status == "nothing-to-change":
        console.print(f"The {result.language} checkout already holds this run's files; nothing changed.")
        return
    console.print(f"Branch [cyan]{result.branch}[/]: commit {result.commit} in {repo}")
    for path in result.files:
        console.print(f"  wrote   {path}")
    for path in result.removed:
        console.print(f"  removed {path} (moved)")
    console.print(f"Pull-request body ({result.review_items} review item(s)): {result.body}")
