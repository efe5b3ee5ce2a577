"""``amts run``: the whole workflow, offline (``--local``) or against a deployed stack.

``--local`` executes the same ASL with the same handlers inside moto (see
:mod:`amts.local.runner`), prints the path the execution took state by state, and writes the
translated markdown and the reports to ``--out``. Without ``--local`` it uploads the changed
files to the deployed stack's source bucket and follows the real execution.
"""

from __future__ import annotations

import json
import logging
import os
import time
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from amts.cli import app
from amts.errors import AmtsError, BadInputError, ConfigurationError

console = Console()

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
    book: Path = typer.Option(DEFAULT_BOOK, "--book", help="Book folder: en/, en-next/, <target>/."),  # noqa: B008
    out: Path = typer.Option(DEFAULT_OUT, "--out", help="Where translated markdown and reports go."),  # noqa: B008
    stack: str = typer.Option("AmtsStack", "--stack", help="CloudFormation stack name (without --local)."),
    timeout: float = typer.Option(120.0, "--timeout", help="Give up after this many seconds (local run)."),
    baseline: bool = typer.Option(
        False,
        "--baseline/--no-baseline",
        help="Local run: also score ACT against 'without ACT' on text with a human reference (runBaseline).",
    ),
) -> None:
    """Run the translation workflow end to end and show the path it took."""
    if not local:
        _run_cloud(book, out, stack)
        return
    _quiet_logs()
    from amts.local.runner import run_local

    console.print(f"[bold]AMTS local run[/]: book [cyan]{book}[/] → [cyan]{out}[/] (moto, no AWS account)")
    run = run_local(book, out, timeout=timeout, baseline=baseline)
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
        print_evaluation(report)
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


def _run_cloud(book: Path, out: Path, stack: str) -> None:
    """Upload ``en-next/`` (or ``en/``) to the deployed source bucket and follow the execution."""
    try:
        import boto3
        from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

        session = boto3.session.Session()
        if session.get_credentials() is None:
            raise ConfigurationError("no AWS credentials found: configure them, or use 'amts run --local'")
        cfn = session.client("cloudformation")
        outputs = {
            o["OutputKey"]: o["OutputValue"]
            for o in cfn.describe_stacks(StackName=stack)["Stacks"][0].get("Outputs", [])
        }
    except NoCredentialsError as error:
        raise ConfigurationError(
            "no AWS credentials found: configure them, or use 'amts run --local'"
        ) from error
    except (ClientError, BotoCoreError) as error:
        raise ConfigurationError(f"cannot read stack {stack!r}: {error}") from error
    # Output keys as infra/stack.py names them.
    source = outputs.get("SourceBucketName")
    machine = outputs.get("StateMachineArn")
    if not source or not machine:
        raise ConfigurationError(
            f"stack {stack!r} has no SourceBucketName / StateMachineArn outputs (is it the AMTS stack?)"
        )
    folder = book / "en-next" if (book / "en-next").is_dir() else book / "en"
    files = sorted(folder.rglob("*.md"))
    if not files:
        raise BadInputError(folder, "no markdown files to upload")
    s3, sfn = session.client("s3"), session.client("stepfunctions")
    started = time.time()
    for path in files:
        s3.upload_file(str(path), source, f"en/{path.relative_to(folder).as_posix()}")
    console.print(f"uploaded {len(files)} file(s) to s3://{source}/en/; waiting for the execution…")
    arn = None
    while arn is None and time.time() - started < 600:
        for ex in sfn.list_executions(stateMachineArn=machine, maxResults=10)["executions"]:
            if ex["startDate"].timestamp() >= started - 5:
                arn = ex["executionArn"]
        time.sleep(5)
    if arn is None:
        raise AmtsError("no execution started within 10 minutes of the upload (check the Pipe)")
    seen = 0
    while True:
        events = sfn.get_execution_history(executionArn=arn, maxResults=1000)["events"]
        for ev in events[seen:]:
            name = ev.get("stateEnteredEventDetails", {}).get("name")
            if name:
                console.print(f"→ {name}")
        seen = len(events)
        status = sfn.describe_execution(executionArn=arn)["status"]
        if status != "RUNNING":
            console.print(f"Execution {status}: {arn}")
            if status != "SUCCEEDED":
                raise typer.Exit(1)
            return
        time.sleep(10)
