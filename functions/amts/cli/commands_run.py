"""``amts run``: the whole workflow, offline (``--local``) or against a deployed stack.

``--local`` executes the same ASL with the same handlers inside moto (see
:mod:`amts.local.runner`), prints the path the execution took state by state, and writes the
translated markdown and the reports to ``--out``. Without ``--local`` it uploads the changed
files to the deployed stack's source bucket and follows the real execution.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import time
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from amts.cli import app
from amts.cli.common import EXIT_ITEMS_FAILED, JsonOpt, LangSettingOpt, user_errors
from amts.config import Settings, apply_language_overrides
from amts.errors import AmtsError, BadInputError, ConfigurationError

console = Console()
err_console = Console(stderr=True)


class ExecutionStatus(StrEnum):
    RUNNING = "RUNNING"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    TIMED_OUT = "TIMED_OUT"
    ABORTED = "ABORTED"


DEFAULT_BOOK = Path("samples/book")
DEFAULT_OUT = Path("out/demo")
_ICONS = {
    "succeeded": "[green]✔[/]",
    "failed": "[red]✘[/]",
    "caught": "[yellow]⚠[/]",
    "running": "[blue]…[/]",
}


def _quiet_logs() -> None:
    """Handler logs are JSON lines for CloudWatch; on a terminal they would drown the path."""
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "ERROR")
    from amts.observability import logger

    logger.setLevel("ERROR")
    logging.getLogger("moto").setLevel(logging.CRITICAL)
    for noisy in ("moto.stepfunctions", "moto.stepfunctions.parser", "botocore", "urllib3"):
        logging.getLogger(noisy).setLevel(logging.CRITICAL)


def print_path(run: Any) -> None:
    from amts.local.runner import StepRecord

    table = Table(title="Execution path (as the Step Functions console graph shows it)", show_lines=False)
    table.add_column("", width=2)
    table.add_column("State")
    table.add_column("Language")
    table.add_column("Seconds", justify="right")
    table.add_column("Note")
    steps: list[StepRecord] = run.steps
    for step in steps:
        lang = run.iterations.get(step.iteration, f"#{step.iteration}") if step.iteration is not None else ""
        indent = "  └ " if step.iteration is not None else ""
        secs = f"{step.seconds:.2f}" if step.seconds is not None else "-"
        table.add_row(_ICONS.get(step.outcome, step.outcome), indent + step.name, lang, secs, step.detail)
    console.print(table)


@app.command("run")
def run_command(
    local: bool = typer.Option(False, "--local", help="Run offline in moto with the translation memory."),
    book: Path = typer.Option(DEFAULT_BOOK, "--book", "-b", help="Book folder: en/, en-next/, <target>/."),  # noqa: B008
    out: Path = typer.Option(  # noqa: B008
        DEFAULT_OUT, "--output", "-o", "--out", help="Where translated markdown and reports go (local run)."
    ),
    stack: str = typer.Option("AmtsStack", "--stack", help="CloudFormation stack name (without --local)."),
    config: Path = typer.Option(  # noqa: B008
        Path("cdk.json"),
        "--config",
        help="The settings the stack was (or would be) deployed with: the 'amts' context of this "
        "cdk.json (default ./cdk.json when it exists). Language pairs of a local run come from the book.",
    ),
    timeout: float = typer.Option(120.0, "--timeout", help="Give up after this many seconds (local run)."),
    baseline: bool = typer.Option(
        False,
        "--baseline/--no-baseline",
        help="Local run: also score ACT against 'without ACT' on text with a human reference (runBaseline).",
    ),
    dry_run: bool = typer.Option(
        False, "--dry-run", help="Print the book-wide plan and its cost; upload and translate nothing."
    ),
    as_json: bool = typer.Option(False, "--json", help="With --dry-run: print the plan as JSON."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No live progress on stderr."),
    source_lang: str = typer.Option(
        "en",
        "--source-lang",
        "-s",
        help="Local run: the book's source language (folders <src>/, <src>-next/, one per target), e.g. zh.",
    ),
    lang_settings: LangSettingOpt = None,
) -> None:
    """Run the translation workflow end to end and show the path it took.

    Exit 0 when the execution succeeded, 1 when it failed (the failure report says where),
    2 on a usage or input error.
    """
    with user_errors():
        apply_language_overrides({}, lang_settings or [])  # a bad override is exit 2 in every mode
        if dry_run:
            print_plan(plan_book(book), as_json)
            return
        settings = settings_from(config)
        if lang_settings:
            base = settings or Settings()
            languages = apply_language_overrides(base.languages, lang_settings)
            if not local:
                raise ConfigurationError(
                    "--lang-setting applies to a local run (--local): a deployed stack's functions read "
                    "cdk.json's amts.languages; change it there and deploy"
                )
            settings = dataclasses.replace(base, languages=languages)
        if not local:
            _run_cloud(book, stack, quiet, settings.source_prefix if settings else "")
            return
        _run_local(book, out, timeout, baseline, quiet, source_lang, settings)


def settings_from(config: Path) -> Settings | None:
    """The ``amts`` context of a cdk.json, validated as ``cdk synth`` would; None when absent."""
    if not config.is_file():
        if config != Path("cdk.json"):
            raise BadInputError(config, "no such settings file")
        return None
    try:
        context = json.loads(config.read_text(encoding="utf-8")).get("context", {})
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BadInputError(config, f"not a JSON cdk.json: {exc}") from exc
    return Settings.from_context(context.get("amts", {}))


def _run_local(
    book: Path,
    out: Path,
    timeout: float,
    baseline: bool,
    quiet: bool,
    source_lang: str,
    settings: Settings | None = None,
) -> None:
    _quiet_logs()
    from amts.local.runner import run_local

    console.print(f"[bold]AMTS local run[/]: book [cyan]{book}[/] → [cyan]{out}[/] (moto, no AWS account)")
    from amts.domain.languages import require_supported

    live = None if quiet else LiveSteps(err_console)
    if live is not None:
        err_console.print("starting the local stack (moto) and uploading the book…")
    run = run_local(
        book,
        out,
        timeout=timeout,
        baseline=baseline,
        on_event=live,
        source_lang=require_supported(source_lang, "source language"),
        base_settings=settings,
    )
    print_path(run)
    colour = "green" if run.status == "SUCCEEDED" else "red"
    console.print(f"Execution [bold {colour}]{run.status}[/] in {run.seconds:.1f}s")
    if run.error:
        console.print(f"[red]{run.error}[/]: {run.cause}")
    for path in run.output_files:
        console.print(f"  translated: {path}")
    for path in run.report_files:
        console.print(f"  report:     {path}")
    failure = next((p for p in run.report_files if p.name == "failure.json"), None)
    if failure is not None:
        data = json.loads(failure.read_text(encoding="utf-8"))
        for err in data.get("errors", []):
            where = f"{err['state']} ({err['language']})" if err.get("language") else err["state"]
            console.print(f"[red]failed[/] in {where}: {err['error']}: {err['cause'][:300]}")
    summary = next((p for p in run.report_files if p.name == "report.json"), None)
    if summary is not None:
        report = json.loads(summary.read_text(encoding="utf-8"))
        totals = report.get("totals", {})
        console.print(
            f"Segments: {totals.get('segments_reused', 0)} reused from the human translation, "
            f"{totals.get('segments_translated', 0)} machine-translated (review), "
            f"{totals.get('segments_untranslated', 0)} left untranslated"
        )
        cost = {"standard": 0.0, "act_batch": 0.0}
        for lang in report.get("languages", []):
            for k in cost:
                cost[k] += float((lang.get("cost_estimate_usd") or {}).get(k, 0.0))
        console.print(
            f"Cost estimate: ${cost['standard']:.4f} standard / ${cost['act_batch']:.4f} ACT batch "
            f"({totals.get('characters_translated', 0):,} characters)"
        )
        waiting = totals.get("segments_awaiting_review", 0)
        if waiting:
            console.print(f"{waiting} segment(s) await review: amts review {out / 'translated'}")
        print_evaluation(report)
        for lang in report.get("languages", []):
            terms = lang.get("terminology")
            if terms:
                console.print(
                    f"Terminology {lang.get('source_lang')}-{lang.get('target_lang')} ({terms['glossary']}): "
                    f"{terms['violations']} violation(s) in {terms['occurrences']} term occurrence(s); "
                    "listed per file in the report"
                )
        for name in report.get("metadata", {}).get("failed_files", []):
            console.print(f"[red]file failed[/] (not written): {name} — see the report for the reason")
    console.print(f"  history:    {Path(out) / 'execution-history.json'}")
    if run.status != "SUCCEEDED":
        console.print(
            "To retry: fix the file(s) and run again; in the cloud upload the fixed file (or re-deliver "
            "the event: failed versions are processed again) or redrive the execution."
        )
        raise typer.Exit(1)


def print_evaluation(report: dict[str, Any]) -> None:
    """One line per evaluated language: pooled BLEU without and with ACT (``--baseline``)."""
    for lang in report.get("languages", []):
        corpus = {v["variant"]: v.get("corpus") or {} for v in lang.get("variants", [])}
        if "act" not in corpus or "without-act" not in corpus:
            continue
        act, base = corpus["act"].get("bleu"), corpus["without-act"].get("bleu")
        pair = f"{lang['source_lang']}-{lang['target_lang']}"
        if act is None or base is None:
            console.print(f"Evaluation {pair}: not scored (see the report's notes)")
            continue
        console.print(
            f"Evaluation {pair} ({corpus['act'].get('segments', 0)} segments with a human reference): "
            f"BLEU without ACT {base:.3f}, with ACT {act:.3f} (Δ {act - base:+.3f})"
        )


# --- live progress ------------------------------------------------------------------------------


class LiveSteps:
    """``on_event`` for :func:`amts.local.runner.run_local`: one line per state as it ends.

    Kept outside the runner (it only hands over history events) so the runner stays free of
    terminal code. Steps are rebuilt from the events seen so far: cheap at a book's size.
    """

    def __init__(self, out: Console) -> None:
        self.out = out
        self.events: list[dict[str, Any]] = []
        self.printed: set[tuple[str, int | None, Any]] = set()

    def __call__(self, event: dict[str, Any]) -> None:
        from amts.local.runner import steps_from_history

        self.events.append(event)
        if not event.get("type", "").endswith(("StateExited", "Failed", "TimedOut")):
            return
        steps, iterations = steps_from_history(self.events)
        for step in steps:
            key = (step.name, step.iteration, step.started)
            if step.outcome == "running" or key in self.printed:
                continue
            self.printed.add(key)
            lang = (
                f" ({iterations.get(step.iteration, '#' + str(step.iteration))})"
                if step.iteration is not None
                else ""
            )
            secs = f" {step.seconds:.2f}s" if step.seconds is not None else ""
            note = f" {step.detail}" if step.detail else ""
            self.out.print(f"{_ICONS.get(step.outcome, step.outcome)} {step.name}{lang}{secs}{note}")


# --- dry run: the book-wide plan -----------------------------------------------------------------


@dataclass(slots=True)
class FilePlanRow:
    path: str
    target: str
    status: str  # changed | unchanged | new | error
    totals: dict[str, Any] = field(default_factory=dict)
    error: str | None = None


def plan_book(book: Path) -> dict[str, Any]:
    """What a run would send for ``book`` (en/ → en-next/, against each <target>/), and its cost.

    Pure planning: the same ``plan_sync`` the workflow's Plan Sync step uses, on local files; no
    upload, no AWS. The old English is ``en/`` (what the translations were made from).
    """
    from amts.domain.markdown import load_document
    from amts.domain.sync import plan_sync, sync_totals
    from amts.local.runner import Book

    the_book = Book(book)
    the_book.validate()
    new_folder = "en-next" if (book / "en-next").is_dir() else "en"
    targets = sorted(p.name for p in book.iterdir() if p.is_dir() and not p.name.startswith("en"))
    rows: list[FilePlanRow] = []
    by_target: dict[str, list[Any]] = {}
    for target in targets or ["zh"]:
        plans = by_target.setdefault(target, [])
        for new_path in sorted((book / new_folder).rglob("*.md")):
            rel = new_path.relative_to(book / new_folder).as_posix()
            old_path, tgt_path = book / "en" / rel, book / target / rel
            try:
                new = load_document(new_path, "en")
                old = load_document(old_path, "en") if old_path.is_file() and new_folder != "en" else None
                tgt = load_document(tgt_path, target) if tgt_path.is_file() else None
                plan = plan_sync(old, new, tgt, target_lang=target)
            except AmtsError as error:
                rows.append(FilePlanRow(rel, target, "error", error=str(error)))
                continue
            plans.append(plan)
            status = "new" if tgt is None else ("unchanged" if plan.identical else "changed")
            rows.append(FilePlanRow(rel, target, status, sync_totals([plan])))
    totals = {t: sync_totals(p) for t, p in by_target.items()}
    grand = sync_totals([p for ps in by_target.values() for p in ps])
    return {
        "book": str(book),
        "new_source": new_folder,
        "targets": list(by_target),
        "files": [
            {"path": r.path, "target": r.target, "status": r.status, "error": r.error, **r.totals}
            for r in rows
        ],
        "totals_by_target": totals,
        "totals": grand,
        "errors": sum(1 for r in rows if r.error),
    }


def print_plan(plan: dict[str, Any], as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(plan, ensure_ascii=False, indent=2))
    else:
        typer.echo(f"Dry run: {plan['book']} ({plan['new_source']}/ against each translation)")
        width = max([len(f["path"]) for f in plan["files"]] + [4])
        typer.echo(
            f"{'file':<{width}}  lang  {'status':<9} {'reused':>6} {'to send':>7} "
            f"{'characters':>15} {'$ std':>8} {'$ ACT':>8}"
        )
        for f in plan["files"]:
            if f["error"]:
                typer.echo(f"{f['path']:<{width}}  {f['target']:<4}  error: {f['error']}")
                continue
            cost = f["estimated_cost_usd"]
            chars = f"{f['characters_to_translate']:,}/{f['characters_total']:,}"
            std, act = cost["standard"], cost["act_batch"]
            typer.echo(
                f"{f['path']:<{width}}  {f['target']:<4}  {f['status']:<9} {f['segments_reused']:>6} "
                f"{f['segments_to_translate']:>7} {chars:>15} {std:>8.4f} {act:>8.4f}"
            )
        t = plan["totals"]
        cost, whole = t["estimated_cost_usd"], t["whole_file_cost_usd"]
        console.print(
            f"Would send {t['characters_to_translate']:,} of {t['characters_total']:,} characters "
            f"({t['segments_to_translate']} segments; {t['segments_reused']} reused) for "
            f"{len(plan['targets'])} language(s): ~${cost['standard']:.4f} standard, "
            f"${cost['act_batch']:.4f} ACT batch (whole-file retranslation: ${whole['act_batch']:.4f} ACT)"
        )
        console.print("Nothing was uploaded or translated (--dry-run).")
    if plan["errors"]:
        typer.echo(f"amts: {plan['errors']} file(s) could not be planned", err=True)
        raise typer.Exit(EXIT_ITEMS_FAILED)


# --- the deployed stack ---------------------------------------------------------------------------


def _session() -> Any:
    import boto3

    session = boto3.session.Session()
    if session.get_credentials() is None:
        raise ConfigurationError("no AWS credentials found: configure them, or use 'amts run --local'")
    return session


def stack_outputs(session: Any, stack: str) -> dict[str, str]:
    """The stack's outputs (``StateMachineArn``, bucket names …) as infra/stack.py names them."""
    from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

    try:
        cfn = session.client("cloudformation")
        stacks = cfn.describe_stacks(StackName=stack)["Stacks"]
    except NoCredentialsError as error:
        raise ConfigurationError(
            "no AWS credentials found: configure them, or use 'amts run --local'"
        ) from error
    except (ClientError, BotoCoreError) as error:
        raise ConfigurationError(f"cannot read stack {stack!r}: {error}") from error
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stacks[0].get("Outputs", [])}
    if not outputs.get("StateMachineArn"):
        raise ConfigurationError(f"stack {stack!r} has no StateMachineArn output (is it the AMTS stack?)")
    return outputs


def console_url(execution_arn: str) -> str:
    """The Step Functions console page of one execution (its graph and event history)."""
    region = execution_arn.split(":")[3]
    return (
        f"https://{region}.console.aws.amazon.com/states/home?region={region}"
        f"#/v2/executions/details/{execution_arn}"
    )


def _run_cloud(book: Path, stack: str, quiet: bool, prefix: str = "") -> None:
    """Upload ``en-next/`` (or ``en/``) to the deployed source bucket and follow the execution."""
    session = _session()
    outputs = stack_outputs(session, stack)
    source, machine = outputs.get("SourceBucketName"), outputs["StateMachineArn"]
    if not source:
        raise ConfigurationError(f"stack {stack!r} has no SourceBucketName output (is it the AMTS stack?)")
    folder = book / "en-next" if (book / "en-next").is_dir() else book / "en"
    files = sorted(folder.rglob("*.md"))
    if not files:
        raise BadInputError(folder, "no markdown files to upload")
    s3, sfn = session.client("s3"), session.client("stepfunctions")
    started = time.time()
    for path in files:
        s3.upload_file(str(path), source, f"{prefix}en/{path.relative_to(folder).as_posix()}")
    console.print(f"uploaded {len(files)} file(s) to s3://{source}/{prefix}en/; waiting for the execution…")
    arn = None
    while arn is None and time.time() - started < 600:
        for ex in sfn.list_executions(stateMachineArn=machine, maxResults=10)["executions"]:
            if ex["startDate"].timestamp() >= started - 5:
                arn = ex["executionArn"]
        if arn is None:
            time.sleep(5)
    if arn is None:
        raise AmtsError("no execution started within 10 minutes of the upload (check the Pipe)")
    typer.echo(f"execution: {arn}\nconsole:   {console_url(arn)}")  # never wrapped: it is copied
    status = follow_execution(sfn, arn, quiet=quiet)
    _print_reports(outputs)
    if status != "SUCCEEDED":
        raise typer.Exit(EXIT_ITEMS_FAILED)


def follow_execution(sfn: Any, arn: str, *, quiet: bool = False, interval: float = 10.0) -> str:
    """Print each state of ``arn`` as it is entered until the execution ends; its final status."""
    from amts.local.runner import execution_history

    seen = 0
    while True:
        events = execution_history(sfn, arn)
        for ev in events[seen:]:
            name = ev.get("stateEnteredEventDetails", {}).get("name")
            if name and not quiet:
                err_console.print(f"→ {name}")
        seen = len(events)
        status = str(sfn.describe_execution(executionArn=arn)["status"])
        if status != "RUNNING":
            colour = "green" if status == "SUCCEEDED" else "red"
            console.print(f"Execution [bold {colour}]{status}[/]: {arn}")
            return status
        time.sleep(interval)


def _print_reports(outputs: dict[str, str]) -> None:
    reports, out = outputs.get("ReportsBucketName"), outputs.get("OutputBucketName")
    if out:
        console.print(f"translations: s3://{out}/<lang>/…md")
    if reports:
        console.print(f"reports:      s3://{reports}/<run>/report.html")


def _resolve_execution(sfn: Any, machine: str, execution: str | None) -> str:
    """An execution ARN from an ARN, a name, or nothing (the latest execution)."""
    if execution and execution.startswith("arn:"):
        return execution
    if execution:
        # Execution ARNs are the state machine ARN with ``stateMachine`` → ``execution`` plus ``:name``.
        return machine.replace(":stateMachine:", ":execution:") + f":{execution}"
    page = sfn.list_executions(stateMachineArn=machine, maxResults=1)["executions"]
    if not page:
        raise AmtsError("the state machine has no executions yet")
    return str(page[0]["executionArn"])


def _iso(value: Any) -> str:
    return (
        value.isoformat(timespec="seconds")
        if hasattr(value, "isoformat")
        else ("" if value is None else str(value))
    )


@app.command("status")
def status_command(
    execution: Annotated[
        str | None, typer.Argument(help="Execution ARN or name (default: the latest execution).")
    ] = None,
    stack: Annotated[str, typer.Option("--stack", help="CloudFormation stack name.")] = "AmtsStack",
    as_json: JsonOpt = False,
) -> None:
    """Show one execution of the deployed stack: status, times, console URL and the path it took.

    Exit 0 when it succeeded or is still running, 1 when it failed, timed out or was aborted.
    """
    from botocore.exceptions import BotoCoreError, ClientError

    from amts.local.runner import LocalRun, execution_history, steps_from_history

    with user_errors():
        session = _session()
        outputs = stack_outputs(session, stack)
        sfn = session.client("stepfunctions")
        try:
            arn = _resolve_execution(sfn, outputs["StateMachineArn"], execution)
            described = sfn.describe_execution(executionArn=arn)
            events = execution_history(sfn, arn)
        except (ClientError, BotoCoreError) as error:
            raise AmtsError(f"cannot read execution {execution or '(latest)'}: {error}") from error
        status = str(described["status"])
        steps, iterations = steps_from_history(events)
        info = {
            "execution_arn": arn,
            "name": described.get("name", arn.rsplit(":", 1)[-1]),
            "status": status,
            "start": _iso(described.get("startDate")),
            "stop": _iso(described.get("stopDate")),
            "console_url": console_url(arn),
            "error": described.get("error"),
            "cause": described.get("cause"),
            "steps": [
                {
                    "state": st.name,
                    "language": iterations.get(st.iteration) if st.iteration is not None else None,
                    "outcome": st.outcome,
                    "seconds": st.seconds,
                    "detail": st.detail,
                }
                for st in steps
            ],
            "reports_bucket": outputs.get("ReportsBucketName"),
        }
        if as_json:
            typer.echo(json.dumps(info, ensure_ascii=False, indent=2))
        else:
            colour = {"SUCCEEDED": "green", "RUNNING": "blue"}.get(status, "red")
            console.print(f"Execution [bold]{info['name']}[/]: [bold {colour}]{status}[/]")
            console.print(
                f"  started {info['start']}" + (f", stopped {info['stop']}" if info["stop"] else "")
            )
            typer.echo(f"  console {info['console_url']}")  # never wrapped: it is copied
            if info["error"]:
                console.print(f"  [red]{info['error']}[/]: {info['cause']}")
            if steps:
                print_path(LocalRun(status=status, execution_arn=arn, steps=steps, iterations=iterations))
            _print_reports(outputs)
    if status not in ("SUCCEEDED", "RUNNING"):
        raise typer.Exit(EXIT_ITEMS_FAILED)


@app.command("history")
def history_command(
    stack: Annotated[str, typer.Option("--stack", help="CloudFormation stack name.")] = "AmtsStack",
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, max=1000, help="Executions per page.")] = 20,
    next_token: Annotated[
        str | None, typer.Option("--next-token", help="Continue after the page that printed this token.")
    ] = None,
    status_filter: Annotated[
        ExecutionStatus | None, typer.Option("--status", help="Only executions with this status.")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """List past executions of the deployed stack, newest first, one page at a time."""
    from botocore.exceptions import BotoCoreError, ClientError

    with user_errors():
        session = _session()
        outputs = stack_outputs(session, stack)
        sfn = session.client("stepfunctions")
        kwargs: dict[str, Any] = {"stateMachineArn": outputs["StateMachineArn"], "maxResults": limit}
        if next_token:
            kwargs["nextToken"] = next_token
        if status_filter is not None:
            kwargs["statusFilter"] = status_filter.value
        try:
            page = sfn.list_executions(**kwargs)
        except (ClientError, BotoCoreError) as error:
            raise AmtsError(f"cannot list executions: {error}") from error
        rows = [
            {
                "name": ex["name"],
                "status": ex["status"],
                "start": _iso(ex.get("startDate")),
                "stop": _iso(ex.get("stopDate")),
                "execution_arn": ex["executionArn"],
            }
            for ex in page["executions"]
        ]
        token = page.get("nextToken")
        if as_json:
            typer.echo(json.dumps({"executions": rows, "next_token": token}, ensure_ascii=False, indent=2))
            return
        if not rows:
            console.print("no executions")
            return
        table = Table(title=f"Executions of {stack} (newest first)")
        for col in ("Name", "Status", "Started", "Stopped"):
            table.add_column(col)
        for r in rows:
            table.add_row(r["name"], r["status"], r["start"], r["stop"])
        console.print(table)
        if token:
            console.print(f"more: amts history --stack {stack} -n {limit} --next-token {token}")
