"""The whole workflow offline: the real ASL, the real handlers, moto instead of AWS.

``run_local`` starts moto (``mock_aws`` with Step Functions execution turned on and the simple,
Docker-free Lambda backend), creates the buckets, the token table, one Lambda function per
handler and the state machine from ``statemachine/amts.asl.json`` (placeholders substituted
exactly as ``infra/workflow.py`` does, with the Lambda ARNs), and dispatches every Lambda
invocation moto's interpreter makes to ``amts.handlers.<module>.handler`` in this process.
Amazon Translate is replaced by :class:`~amts.adapters.local_batch.LocalBatchTranslationService`
(a translation memory built from the parallel data); the callback states are resumed by the real
poller service, run in a loop as the EventBridge schedule would run it in the cloud.

moto runs the Distributed Maps of the definition (ItemReader over the S3 manifest, ItemSelector,
ProcessorConfig DISTRIBUTED, ResultWriter, whose manifest it writes without result files) but
not ItemBatcher (its parser refuses the field, so the definition has none) and ignores
ToleratedFailurePercentage (a failed child never fails the map locally). The child workflows'
events are not in moto's history; the dispatcher records every Lambda call of a child (the
Task state's parameters and result) so ``execution-history.json`` shows them too.
One moto race is mended here: an answer sent before a callback state began to wait is kept
(``_setup_heartbeat_keeping_an_early_answer``), as Step Functions keeps it in the cloud.
"""

from __future__ import annotations

import dataclasses
import importlib
import json
import os
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from unittest import mock

from amts.config import Settings
from amts.errors import BadInputError
from amts.ports import BatchTranslationService, BlobStore
from amts.service.deps import Buckets, Deps, previous_version_reader, set_deps
from amts.steps import BY_MODULE
from amts.steps import FUNCTIONS as STEP_FUNCTIONS
from amts.trigger_record import PIPE_INPUT_TEMPLATE, render_template

REGION = "us-east-1"
ACCOUNT = "123456789012"
ROOT = Path(__file__).resolve().parents[3]
ASL_PATH = ROOT / "statemachine" / "amts.asl.json"
STATE_MACHINE_NAME = "amts-workflow"
TOKEN_TABLE = "amts-task-tokens"

# module → ASL placeholder: the one table of steps (amts.steps).
FUNCTIONS: dict[str, str] = dict(STEP_FUNCTIONS)
_PLACEHOLDER = re.compile(r"\$\{([A-Za-z0-9_]+)\}")


def function_name(module: str) -> str:
    return "amts-" + module.replace("_", "-")


def load_definition(
    substitutions: Mapping[str, str], overrides: Mapping[str, Mapping[str, Any]] | None = None
) -> dict[str, Any]:
    """The ASL with every ``${Placeholder}`` substituted; an unknown placeholder is an error.

    ``overrides`` (state name → fields) lets tests shorten timeouts and retry intervals of the
    *same* definition instead of keeping a second copy of the workflow.
    """
    text = ASL_PATH.read_text(encoding="utf-8")
    unknown = sorted({m for m in _PLACEHOLDER.findall(text) if m not in substitutions})
    if unknown:
        raise KeyError(f"no substitution for ASL placeholder(s): {', '.join(unknown)}")
    definition: dict[str, Any] = json.loads(_PLACEHOLDER.sub(lambda m: substitutions[m.group(1)], text))
    for name, fields in (overrides or {}).items():
        state = find_state(definition, name)
        if state is None:
            raise KeyError(f"override for unknown state {name!r}")
        state.update(fields)
    return definition


def iter_states(definition: Mapping[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every state, including those inside Map item processors and Parallel branches."""
    for name, state in definition.get("States", {}).items():
        yield name, state
        for sub in [state.get("ItemProcessor"), state.get("Iterator"), *(state.get("Branches") or [])]:
            if sub:
                yield from iter_states(sub)


def find_state(definition: Mapping[str, Any], name: str) -> dict[str, Any] | None:
    return next((s for n, s in iter_states(definition) if n == name), None)


# --- results ------------------------------------------------------------------------------------


@dataclass(slots=True)
class StepRecord:
    """One state as the console graph shows it: entered, exited (or failed), how long."""

    name: str
    iteration: int | None  # Map iteration index (one per language pair) or None at the top level
    started: datetime
    ended: datetime | None = None
    outcome: str = "running"  # succeeded | failed | caught | running
    detail: str = ""

    @property
    def seconds(self) -> float | None:
        return None if self.ended is None else (self.ended - self.started).total_seconds()


@dataclass(slots=True)
class LocalRun:
    status: str
    execution_arn: str
    steps: list[StepRecord] = field(default_factory=list)
    output_files: list[Path] = field(default_factory=list)
    report_files: list[Path] = field(default_factory=list)
    error: str | None = None
    cause: str | None = None
    output: dict[str, Any] | None = None
    iterations: dict[int, str] = field(default_factory=dict)  # Map index → "en-zh"
    seconds: float = 0.0
    events: list[dict[str, Any]] = field(default_factory=list)
    # Lambda calls of the Distributed Maps' child workflows (not in moto's history).
    child_tasks: list[dict[str, Any]] = field(default_factory=list)
    map_runs: list[dict[str, Any]] = field(default_factory=list)


# --- the sample book ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Book:
    """``en/`` (what the human translation was made from), ``zh/`` (or other targets: the
    existing translations), ``en-next/`` (the new English being uploaded)."""

    root: Path
    source_lang: str = "en"

    def files(self, folder: str) -> dict[str, str]:
        base = self.root / folder
        if not base.is_dir():
            return {}
        return {
            p.relative_to(base).as_posix(): p.read_text(encoding="utf-8") for p in sorted(base.rglob("*.md"))
        }

    def validate(self) -> None:
        if not self.root.is_dir():
            raise BadInputError(self.root, "book folder not found")
        if not (self.root / self.source_lang).is_dir():
            raise BadInputError(self.root, f"no '{self.source_lang}/' folder with the source markdown")
        if not self.files(f"{self.source_lang}-next") and not self.files(self.source_lang):
            raise BadInputError(self.root, "no markdown files to translate")


def sqs_message(bucket: str, key: str, version_id: str | None, size: int, sequencer: str) -> dict[str, Any]:
    """One SQS message as the Pipe reads it: the EventBridge "Object Created" event as body."""
    event = {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Object Created",
        "source": "aws.s3",
        "account": ACCOUNT,
        "time": datetime.now().astimezone().isoformat(timespec="seconds"),
        "region": REGION,
        "resources": [f"arn:aws:s3:::{bucket}"],
        "detail": {
            "version": "0",
            "bucket": {"name": bucket},
            "object": {"key": key, "size": size, "version-id": version_id, "sequencer": sequencer},
            "request-id": uuid.uuid4().hex[:16].upper(),
            "reason": "PutObject",
        },
    }
    return {
        "messageId": str(uuid.uuid4()),
        "receiptHandle": uuid.uuid4().hex,
        "body": json.dumps(event),
        "attributes": {"ApproximateReceiveCount": "1"},
        "messageAttributes": {},
        "eventSource": "aws:sqs",
    }


def upload_event(bucket: str, key: str, version_id: str | None, size: int, sequencer: str) -> dict[str, Any]:
    """One upload as the Pipe passes it to the execution: its SQS message through the Pipe's
    ``InputTemplate`` (the same template string, applied locally), i.e. the slim record."""
    record = render_template(PIPE_INPUT_TEMPLATE, sqs_message(bucket, key, version_id, size, sequencer))
    assert isinstance(record, dict)
    return record


# --- the moto environment -----------------------------------------------------------------------


class _Context:
    """The parts of the Lambda context Powertools reads."""

    def __init__(self, name: str) -> None:
        self.function_name = name
        self.function_version = "$LATEST"
        self.memory_limit_in_mb = 1024
        self.invoked_function_arn = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}"
        self.aws_request_id = str(uuid.uuid4())
        self.log_group_name = f"/aws/lambda/{name}"
        self.log_stream_name = "local"

    def get_remaining_time_in_millis(self) -> int:
        return 900_000


# Every Lambda call (state, payload in, result out, sizes), for execution-history.json.
INVOCATIONS: list[dict[str, Any]] = []
_INVOCATIONS_LOCK = threading.Lock()


def _record(module: str, body: str, result: str, error: bool) -> None:
    step = BY_MODULE.get(module)
    if step is None or not step.per_file:
        return  # top-level and language states are in the execution history itself
    with _INVOCATIONS_LOCK:
        INVOCATIONS.append(
            {
                "type": "ChildTaskStateExited" if not error else "ChildTaskFailed",
                "name": step.state,
                "function": module,
                "parameters": body,
                "output": result,
                "timestamp": datetime.now().astimezone().isoformat(),
            }
        )


def _dispatch(function: str, body: bytes | str | None, response_headers: dict[str, str]) -> bytes:
    """Run the real handler for ``function`` with the payload; errors as Lambda reports them."""
    name = function.rsplit(":", 1)[-1]
    module = next((m for m in FUNCTIONS if function_name(m) == name), None)
    if module is None:
        response_headers["x-amz-function-error"] = "Unhandled"
        return json.dumps(
            {"errorType": "ResourceNotFound", "errorMessage": f"no handler for {name}"}
        ).encode()
    payload = json.loads(body or "{}")
    handler = importlib.import_module(f"amts.handlers.{module}").handler
    text = body.decode() if isinstance(body, bytes) else (body or "{}")
    try:
        result = handler(payload, _Context(name))
    except Exception as error:  # the Lambda runtime turns any exception into a function error
        response_headers["x-amz-function-error"] = "Unhandled"
        failed = json.dumps({"errorType": type(error).__name__, "errorMessage": str(error)})
        _record(module, text, failed, True)
        return failed.encode()
    out = json.dumps(result)
    _record(module, text, out, False)
    return out.encode()


def _setup_heartbeat_keeping_an_early_answer(self: Any, heartbeat_seconds: int) -> Any:
    """moto's ``CallbackEndpoint.setup_heartbeat_endpoint``, without losing an early answer.

    moto registers a task token before the Lambda runs but creates the heartbeat endpoint only
    after it returns, and a task with ``HeartbeatSeconds`` then waits for a *heartbeat* before
    it reads the answer. A SendTaskSuccess that arrives in between (the poller answering as soon
    as the token is stored, as an EventBridge event can in the cloud, where Step Functions keeps
    the answer) set the outcome but woke nobody: the state waited out its 900 s heartbeat and the
    local run timed out. The new endpoint is woken when an answer is already there.
    """
    from moto.stepfunctions.parser.asl.eval.callback.callback import HeartbeatEndpoint

    endpoint = HeartbeatEndpoint(heartbeat_seconds=heartbeat_seconds)
    self._heartbeat_endpoint = endpoint
    if self.get_outcome() is not None:
        endpoint.notify()
    return endpoint


@dataclass(slots=True)
class LocalAws:
    """Handles on the moto resources of one local run."""

    deps: Deps
    clients: dict[str, Any]
    state_machine_arn: str
    definition: dict[str, Any]


@contextmanager
def local_aws(
    settings: Settings | None = None,
    batch_factory: Callable[[Callable[[str], BlobStore]], BatchTranslationService] | None = None,
    overrides: Mapping[str, Mapping[str, Any]] | None = None,
) -> Iterator[LocalAws]:
    """moto with the AMTS resources created and the handlers wired in; set up and torn down."""
    from moto import mock_aws
    from moto.awslambda_simple.models import LambdaSimpleBackend
    from moto.stepfunctions.parser.asl.eval.callback.callback import CallbackEndpoint

    settings = settings or Settings()
    env = {
        "AWS_DEFAULT_REGION": REGION,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "POWERTOOLS_METRICS_DISABLED": "true",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "MOTO_ACCOUNT_ID": ACCOUNT,
        # What a deployed Lambda reads (Settings.to_env); the in-process handlers get the same
        # settings through Deps, the environment keeps anything that reads it directly in step.
        **settings.to_env(),
    }

    def invoke(
        self: Any, function_name: str, qualifier: str | None, body: Any, headers: Any, response_headers: Any
    ) -> bytes:
        return _dispatch(function_name, body, response_headers)

    with (
        mock.patch.dict(os.environ, env),
        mock_aws(config={"stepfunctions": {"execute_state_machine": True}, "lambda": {"use_docker": False}}),
        mock.patch.object(LambdaSimpleBackend, "invoke", invoke),
        mock.patch.object(
            CallbackEndpoint, "setup_heartbeat_endpoint", _setup_heartbeat_keeping_an_early_answer
        ),
    ):
        import boto3

        session = boto3.session.Session(region_name=REGION)
        clients: dict[str, Any] = {
            n: session.client(n) for n in ("s3", "dynamodb", "stepfunctions", "lambda", "iam")
        }
        suffix = uuid.uuid4().hex[:8]
        buckets = Buckets(
            source=f"amts-source-{suffix}",
            reference=f"amts-reference-{suffix}",
            work=f"amts-work-{suffix}",
            output=f"amts-output-{suffix}",
            reports=f"amts-reports-{suffix}",
        )
        s3 = clients["s3"]
        for bucket in (buckets.source, buckets.reference, buckets.work, buckets.output, buckets.reports):
            s3.create_bucket(Bucket=bucket)
            s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
        clients["dynamodb"].create_table(
            TableName=TOKEN_TABLE,
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        role = clients["iam"].create_role(
            RoleName="amts-local",
            AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": []}),
        )["Role"]["Arn"]
        substitutions = {
            "ReportsBucket": buckets.reports,
            "TokenTableName": TOKEN_TABLE,
            "WorkBucket": buckets.work,
            "OutputBucket": buckets.output,
        }
        for module, placeholder in FUNCTIONS.items():
            arn = clients["lambda"].create_function(
                FunctionName=function_name(module),
                Runtime="python3.12",
                Role=role,
                Handler=f"amts.handlers.{module}.handler",
                Code={"ZipFile": b"local"},
            )["FunctionArn"]
            substitutions[placeholder] = arn
        definition = load_definition(substitutions, overrides)
        sm_arn = clients["stepfunctions"].create_state_machine(
            name=STATE_MACHINE_NAME, definition=json.dumps(definition), roleArn=role
        )["stateMachineArn"]

        from amts.adapters.s3 import S3BlobStore
        from amts.adapters.stepfunctions import SfnTaskCallbacks
        from amts.adapters.tokens import DynamoTokenStore

        stores: dict[str, S3BlobStore] = {}

        def store_for(bucket: str) -> S3BlobStore:
            if bucket not in stores:
                stores[bucket] = S3BlobStore(s3, bucket)
            return stores[bucket]

        if batch_factory is None:
            from amts.adapters.local_batch import LocalBatchTranslationService

            batch: BatchTranslationService = LocalBatchTranslationService(store_for, ACCOUNT)
            engine = "offline translation memory"
        else:
            batch = batch_factory(store_for)
            engine = type(batch).__name__
        deps = Deps(
            settings=settings,
            buckets=buckets,
            source=store_for(buckets.source),
            reference=store_for(buckets.reference),
            work=store_for(buckets.work),
            output=store_for(buckets.output),
            reports=store_for(buckets.reports),
            batch=batch,
            tokens=DynamoTokenStore(clients["dynamodb"], TOKEN_TABLE),
            callbacks=SfnTaskCallbacks(clients["stepfunctions"]),
            previous_version=previous_version_reader(store_for(buckets.source)),
            extra={"engine": engine, "baseline_engine": _offline_baseline_engine()},
        )
        set_deps(deps)
        try:
            yield LocalAws(deps, clients, sm_arn, definition)
        finally:
            set_deps(None)


def _offline_baseline_engine() -> Any:
    """ "Without ACT" offline: the translation memory with no parallel data at all.

    There is no machine translation model offline; a memory with nothing in it returns every
    segment untranslated, which is exactly what "no parallel data" means for it. The report
    names the engine, so nobody reads these scores as Amazon Translate's.
    """
    from amts.adapters.memory_engine import TranslationMemoryEngine

    return TranslationMemoryEngine({})


# --- running ------------------------------------------------------------------------------------


def upload_book(aws: LocalAws, book: Book) -> list[dict[str, Any]]:
    """Upload version 1 (en/) and the translations, then en-next/ as new versions.

    Returns the Pipe batch for the new versions (what the trigger would deliver: the slim
    records of ``upload_event``).
    """
    deps = aws.deps
    s3 = aws.clients["s3"]
    src = book.source_lang
    # Where the deployed trigger looks: <sourcePrefix><lang>/<path>.
    prefix = deps.settings.source_prefix
    for path, text in book.files(src).items():
        s3.put_object(Bucket=deps.buckets.source, Key=f"{prefix}{src}/{path}", Body=text.encode("utf-8"))
    for folder in sorted(p.name for p in book.root.iterdir() if p.is_dir()):
        if folder in (src, f"{src}-next"):
            continue
        for path, text in book.files(folder).items():
            s3.put_object(Bucket=deps.buckets.reference, Key=f"{folder}/{path}", Body=text.encode("utf-8"))
    # A language's glossary is a key of the reference bucket; locally the book folder is that
    # bucket, so the key names a file in the book (e.g. TERMINOLOGY.zh.md next to zh/).
    for glossary in sorted({ls.glossary for ls in deps.settings.languages.values() if ls.glossary}):
        glossary_file = book.root / glossary
        if glossary_file.is_file():
            s3.put_object(Bucket=deps.buckets.reference, Key=glossary, Body=glossary_file.read_bytes())
    batch: list[dict[str, Any]] = []
    changed = book.files(f"{src}-next") or book.files(src)
    for path, text in changed.items():
        key = f"{prefix}{src}/{path}"
        body = text.encode("utf-8")
        put = s3.put_object(Bucket=deps.buckets.source, Key=key, Body=body)
        batch.append(
            upload_event(deps.buckets.source, key, put.get("VersionId"), len(body), next_sequencer())
        )
    return batch


_SEQUENCE = [0]
_SEQUENCE_LOCK = threading.Lock()


def next_sequencer() -> str:
    """An S3-like sequencer: increases with every upload of the process, like S3's per key."""
    with _SEQUENCE_LOCK:
        _SEQUENCE[0] = max(_SEQUENCE[0] + 1, time.time_ns() // 1000)
        return f"{_SEQUENCE[0]:018X}"


def poll_once(deps: Deps) -> None:
    """One run of the real poller, as the EventBridge schedule runs it in the cloud."""
    from amts.service.poller import CallbackPoller

    CallbackPoller(deps.tokens, deps.callbacks, deps.batch).poll_all()


def run_execution(
    aws: LocalAws,
    batch: list[dict[str, Any]],
    *,
    name: str | None = None,
    timeout: float = 120.0,
    poll_interval: float = 0.2,
    pollers: int = 1,
    on_event: Callable[[dict[str, Any]], None] | None = None,
) -> LocalRun:
    """Start one execution with ``batch`` as input and drive the poller until it ends."""
    sfn = aws.clients["stepfunctions"]
    name = name or f"local-{datetime.now().strftime('%Y%m%d-%H%M%S')}-{uuid.uuid4().hex[:6]}"
    started = time.monotonic()
    first_call = len(INVOCATIONS)
    arn = sfn.start_execution(stateMachineArn=aws.state_machine_arn, name=name, input=json.dumps(batch))[
        "executionArn"
    ]
    seen = 0
    status = "RUNNING"
    while True:
        description = sfn.describe_execution(executionArn=arn)
        status = description["status"]
        events = execution_history(sfn, arn)
        if on_event is not None:
            for ev in events[seen:]:
                on_event(ev)
        seen = len(events)
        if status != "RUNNING":
            break
        if time.monotonic() - started > timeout:
            sfn.stop_execution(executionArn=arn, error="LocalTimeout", cause=f"no end after {timeout:.0f}s")
            description = sfn.describe_execution(executionArn=arn)
            status = "TIMED_OUT" if description["status"] == "RUNNING" else description["status"]
            break
        if pollers == 1:
            poll_once(aws.deps)
        else:  # an EventBridge event and a scheduled poll arriving together
            threads = [threading.Thread(target=poll_once, args=(aws.deps,)) for _ in range(pollers)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
        time.sleep(poll_interval)
    events = execution_history(sfn, arn)
    if on_event is not None:
        for ev in events[seen:]:
            on_event(ev)
    run = LocalRun(status=status, execution_arn=arn, events=events, seconds=time.monotonic() - started)
    run.steps, run.iterations = steps_from_history(events)
    run.child_tasks = [c for c in INVOCATIONS[first_call:] if name in c["parameters"]]
    try:
        for ref in sfn.list_map_runs(executionArn=arn).get("mapRuns", []):
            described = sfn.describe_map_run(mapRunArn=ref["mapRunArn"])
            run.map_runs.append(
                {
                    "mapRunArn": ref["mapRunArn"],
                    "status": described.get("status"),
                    "itemCounts": described.get("itemCounts"),
                    "toleratedFailurePercentage": described.get("toleratedFailurePercentage"),
                }
            )
    except Exception:  # map-run details are informative only
        pass
    if description.get("output"):
        run.output = json.loads(description["output"])
    failed = next((e for e in reversed(events) if e["type"] == "ExecutionFailed"), None)
    if failed is not None:
        details = failed.get("executionFailedEventDetails", {})
        run.error, run.cause = details.get("error"), details.get("cause")
    return run


def execution_history(sfn: Any, arn: str) -> list[dict[str, Any]]:
    """Every event of an execution, all pages (local run, and a deployed stack's CLI)."""
    events: list[dict[str, Any]] = []
    kwargs: dict[str, Any] = {"executionArn": arn, "maxResults": 1000}
    while True:
        page = sfn.get_execution_history(**kwargs)
        events.extend(page["events"])
        if not page.get("nextToken"):
            return events
        kwargs["nextToken"] = page["nextToken"]


def steps_from_history(events: list[dict[str, Any]]) -> tuple[list[StepRecord], dict[int, str]]:
    """Entered/exited pairs per state (and per Map iteration), in the order they started."""
    by_id = {e["id"]: e for e in events}
    steps: list[StepRecord] = []
    open_steps: dict[tuple[str, int | None], StepRecord] = {}
    iterations: dict[int, str] = {}

    def iteration_of(event: dict[str, Any]) -> int | None:
        # Walk previousEventId back to the MapIterationStarted event this one belongs to.
        seen = 0
        current: dict[str, Any] | None = event
        while current is not None and seen < 10_000:
            if current["type"] == "MapIterationStarted":
                return int(current.get("mapIterationStartedEventDetails", {}).get("index", 0))
            if current["type"] in ("MapStateEntered", "MapStateExited", "ExecutionStarted"):
                return None
            current = by_id.get(current.get("previousEventId", 0))
            seen += 1
        return None

    for ev in events:
        kind = ev["type"]
        if kind.endswith("StateEntered"):
            details = ev.get("stateEnteredEventDetails", {})
            index = iteration_of(ev)
            record = StepRecord(details.get("name", "?"), index, ev["timestamp"])
            if index is not None and details.get("name") == "Build Parallel Data":
                try:
                    lang = json.loads(details.get("input", "{}")).get("language", {})
                    iterations[index] = f"{lang.get('source')}-{lang.get('target')}"
                except (json.JSONDecodeError, AttributeError):
                    pass
            steps.append(record)
            open_steps[(record.name, index)] = record
        elif kind.endswith("StateExited"):
            details = ev.get("stateExitedEventDetails", {})
            index = iteration_of(ev)
            exited = open_steps.pop((details.get("name", "?"), index), None)
            if exited is not None:
                exited.ended = ev["timestamp"]
                exited.outcome = "succeeded"
                try:
                    output = json.loads(details.get("output", "{}"))
                except json.JSONDecodeError:
                    output = {}
                if (
                    isinstance(output, dict)
                    and isinstance(output.get("error"), dict)
                    and exited.name not in ("Write Failure Report", "Language Failed")
                ):
                    exited.outcome = "caught"
                    exited.detail = str(output["error"].get("Error", ""))
                recorded = output.get("failed_at") if isinstance(output, dict) else None
                if isinstance(recorded, dict) and exited.name == _state_of_catch(recorded):
                    # The Catch wrote $.failed_at.<id>: this state exited into the failure path.
                    caught: Any = next(iter(recorded.values()), {})
                    exited.outcome = "caught"
                    exited.detail = str(caught.get("Error", "")) if isinstance(caught, dict) else ""
        elif kind in (
            "TaskFailed",
            "LambdaFunctionFailed",
            "TaskTimedOut",
            "ExecutionFailed",
            "MapStateFailed",
        ):
            failure: dict[str, Any] = next((v for k, v in ev.items() if k.endswith("EventDetails")), {})
            index = iteration_of(ev)
            for record in reversed(steps):
                if record.ended is None and record.iteration == index:
                    record.detail = str(failure.get("error", kind))
                    break
    for record in steps:
        terminal = (
            "Nothing Changed",
            "Done",
            "Translation Failed",
            "Some Files Failed",
            "Nothing To Translate",
        )
        if record.ended is None and record.name in terminal:
            record.ended = record.started
            record.outcome = (
                "failed" if record.name in ("Translation Failed", "Some Files Failed") else "succeeded"
            )
    return steps, iterations


def _state_of_catch(recorded: dict[str, Any]) -> str | None:
    from amts.steps import failed_state_of

    return failed_state_of(recorded)


def write_history(out: Path, run: LocalRun) -> Path:
    """OUT/execution-history.json: the console's Events tab, plus the map runs' child tasks."""
    out.mkdir(parents=True, exist_ok=True)
    path = out / "execution-history.json"
    body = {
        "executionArn": run.execution_arn,
        "status": run.status,
        "events": run.events,
        "mapRuns": run.map_runs,
        "childTasks": run.child_tasks,
    }
    path.write_text(json.dumps(body, default=str, ensure_ascii=False, indent=1), encoding="utf-8")
    return path


def largest_payloads(run: LocalRun) -> dict[str, tuple[int, str]]:
    """The largest state input, output and parameters (bytes) and the state that had it.

    The execution's own input (the Pipe's batch of slim upload records, bounded by ``batchSize``) is
    reported apart as ``trigger batch``: it is what the trigger delivers, not state the workflow
    builds; so are the first two states that carry it unchanged.
    """
    sizes: dict[str, tuple[int, str]] = {"input": (0, ""), "output": (0, ""), "parameters": (0, "")}
    trigger = 0
    by_id = {e["id"]: e for e in run.events}

    def state_of(event: dict[str, Any]) -> str:
        current: dict[str, Any] | None = event
        for _ in range(50):  # TaskScheduled/TaskSucceeded: the state entered just before
            if current is None:
                break
            entered = current.get("stateEnteredEventDetails")
            if isinstance(entered, dict) and entered.get("name"):
                return str(entered["name"])
            current = by_id.get(current.get("previousEventId", 0))
        return str(event["type"])

    for ev in run.events:
        for key, details in ev.items():
            if not key.endswith("EventDetails") or not isinstance(details, dict):
                continue
            name = str(details.get("name") or state_of(ev))
            for field_name, kind in (("input", "input"), ("output", "output"), ("parameters", "parameters")):
                value = details.get(field_name)
                if not isinstance(value, str):
                    continue
                size = len(value.encode("utf-8"))
                if (
                    ev["type"] == "ExecutionStarted"
                    or (
                        name in ("Receive Upload Batch", "Collect Changed Files")
                        and kind in ("input", "parameters")
                    )
                    or (name == "Receive Upload Batch")
                ):
                    trigger = max(trigger, size)
                    continue
                if size > sizes[kind][0]:
                    sizes[kind] = (size, name)
    for call in run.child_tasks:
        for field_name, kind in (("parameters", "parameters"), ("output", "output")):
            size = len(str(call.get(field_name, "")).encode("utf-8"))
            if size > sizes[kind][0]:
                sizes[kind] = (size, str(call["name"]))
    sizes["trigger batch"] = (trigger, "execution input")
    return sizes


def download(aws: LocalAws, out: Path, run: LocalRun) -> None:
    """Copy the translated markdown and the reports of the run into ``out``."""
    import shutil

    from amts.domain.keys import inside
    from amts.errors import BadInputError

    deps = aws.deps

    def checked(sub: str, key: str) -> Path:
        if not inside(str(out / sub), key):
            raise BadInputError(out, f"refusing to write {key!r} outside {out / sub}")
        return out / sub / key

    for sub in ("translated", "reports"):  # a previous run's files would look like this run's
        shutil.rmtree(out / sub, ignore_errors=True)
    for key in deps.output.list_keys(""):
        target = checked("translated", key)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(deps.output.get_text(key), encoding="utf-8")
        run.output_files.append(target)
    for key in deps.reports.list_keys(""):
        target = checked("reports", key.rsplit("/", 1)[-1])
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(deps.reports.get_text(key), encoding="utf-8")
        run.report_files.append(target)


def run_local(
    book: Path,
    out: Path,
    *,
    settings: Settings | None = None,
    on_event: Callable[[dict[str, Any]], None] | None = None,
    timeout: float = 120.0,
    baseline: bool | None = None,
    source_lang: str | None = None,
    base_settings: Settings | None = None,
) -> LocalRun:
    """``amts run --local``: upload the sample book, run one execution, write outputs to ``out``.

    ``baseline`` (``--baseline``) overrides ``settings.run_baseline``: the evaluation branch
    (ACT vs without ACT on text with a human reference) runs too. ``base_settings`` (a cdk.json's)
    give every other setting when ``settings`` is not given; the language pairs then come from
    the book's folders.
    """
    # the source language: given, else the one of the configured pairs (all pairs of one run
    # share it: the book's folders are <source>/, <source>-next/ and one folder per target)
    if source_lang is None:
        sources = {p.source for p in settings.language_pairs} if settings is not None else {"en"}
        source_lang = sources.pop() if len(sources) == 1 else "en"
    the_book = Book(Path(book), source_lang)
    the_book.validate()
    if settings is None:
        targets = sorted(
            p.name
            for p in the_book.root.iterdir()
            if p.is_dir()
            and p.name not in (source_lang, f"{source_lang}-next")
            and not p.name.startswith(".")
        )
        from amts.config import LanguagePair

        fallback = "zh" if source_lang == "en" else "en"
        pairs = tuple(LanguagePair(source_lang, t) for t in targets) or (LanguagePair(source_lang, fallback),)
        settings = dataclasses.replace(base_settings or Settings(), language_pairs=pairs)
    if baseline is not None:
        settings = dataclasses.replace(settings, run_baseline=baseline)
    with local_aws(settings) as aws:
        batch = upload_book(aws, the_book)
        run = run_execution(aws, batch, on_event=on_event, timeout=timeout)
        download(aws, Path(out), run)
        write_history(Path(out), run)
    return run
