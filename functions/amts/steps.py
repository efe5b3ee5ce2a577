"""The one table of the workflow's steps: state -> handler -> ASL placeholder -> grants -> keys.

``statemachine/amts.asl.json`` names the states; this table says, for each Lambda step, which
handler module runs it, which ``${Placeholder}`` the ASL uses for its ARN, what it reads and
writes (the S3 key layout and the IAM grants ``infra/`` gives it), the errors its Retry names,
and the id its Catch records the failure under. The local runner creates one function per row,
``infra/workflow.py`` checks the ASL against it, and the report names failed states from it.

S3 key layout of the work bucket (``<run>`` is the execution's run id, ``<pair>`` e.g. ``en-zh``,
``<flat>`` the book path as one segment, ``~`` as ``~0`` and ``/`` as ``~1``, see
:func:`amts.domain.keys.flat_name`):

================================  ==============================================================
``manifests/<run>.json``          changed files x language pairs (the Distributed Maps' items)
``manifests/<run>.rejected.json`` uploads whose key cannot be processed, with the reason
``plans/<run>/<pair>/<flat>.json`` one file's sync plan (versions pinned, counts)
``results/<run>/<pair>/<flat>.json`` one file's outcome: written / superseded / failed + reason
``jobs/<run>/<pair>/input/``      batch input HTML, one document per file (+ evaluation set)
``jobs/<run>/<pair>/output/``     the batch job's output; ``job.json`` the job reference
``parallel-data/<pair>/<run>.tmx`` the parallel-data file of the run
``pd-active/<pair>.json``         the content hash the parallel-data resource holds now
``align-cache/<pair>/<hash>.json`` aligned pairs per (source version, reference version)
``map-runs/``                     the Distributed Maps' ResultWriter output
================================  ==============================================================
"""

from __future__ import annotations

from dataclasses import dataclass

# Errors every Lambda step can raise transiently (Retry with backoff and jitter).
LAMBDA_TRANSIENT = (
    "Lambda.ServiceException",
    "Lambda.AWSLambdaException",
    "Lambda.SdkClientException",
    "Lambda.TooManyRequestsException",
)


@dataclass(frozen=True, slots=True)
class Step:
    state: str  # the state name in the ASL (what the console shows)
    module: str  # amts.handlers.<module>
    placeholder: str  # ${...} in the ASL
    reads: tuple[str, ...]  # bucket:key-pattern
    writes: tuple[str, ...]
    retry_on: tuple[str, ...]  # the errors this step can raise that are worth retrying
    catch_id: str | None = None  # language steps: the Catch writes $.failed_at.<catch_id>
    per_file: bool = False  # runs once per (file, language) in a Distributed Map
    also: tuple[str, ...] = ()  # other states that run the same function

    @property
    def handler(self) -> str:
        return f"amts.handlers.{self.module}.handler"


_S3_TRANSIENT = ("TransientError",)
_TRANSLATE = ("TranslateThrottled", "TransientError")

STEPS: tuple[Step, ...] = (
    Step(
        "Collect Changed Files",
        "collect_changes",
        "CollectChangesFunctionArn",
        reads=("table:obj#*",),  # no object: the events name bucket, key and version
        writes=("work:manifests/*", "table:obj#*"),
        retry_on=_S3_TRANSIENT,
    ),
    Step(
        "Plan File Sync",
        "plan_sync",
        "PlanSyncFunctionArn",
        reads=("source:*", "reference:*", "work:manifests/*"),
        writes=("work:plans/*", "work:jobs/*/input/*"),
        retry_on=_S3_TRANSIENT,
        per_file=True,
    ),
    Step(
        "Record Plan Failure",
        "record_file_failure",
        "RecordFileFailureFunctionArn",
        reads=(),
        writes=("work:results/*",),
        retry_on=_S3_TRANSIENT,
        per_file=True,
        also=("Record Assembly Failure",),
    ),
    Step(
        "Build Parallel Data",
        "build_parallel_data",
        "BuildParallelDataFunctionArn",
        reads=("source:*", "reference:*", "work:plans/*", "work:align-cache/*", "work:manifests/*"),
        writes=(
            "work:parallel-data/*",
            "work:align-cache/*",
            "work:jobs/*/evaluation/*",
            "work:jobs/*/input/*",
        ),
        retry_on=_S3_TRANSIENT,
        catch_id="build_parallel_data",
    ),
    Step(
        "Translate Without ACT",
        "translate_baseline",
        "TranslateBaselineFunctionArn",
        reads=("work:jobs/*/evaluation/*",),
        writes=("work:jobs/*/evaluation/*",),
        retry_on=_TRANSLATE,
        catch_id="translate_baseline",
    ),
    Step(
        "Create Or Update Parallel Data",
        "prepare_parallel_data",
        "PrepareParallelDataFunctionArn",
        reads=("work:parallel-data/*", "work:pd-active/*"),
        writes=("table:pd#*", "table:lease#*"),
        retry_on=(*_TRANSLATE, "ParallelDataBusy"),
        catch_id="prepare_parallel_data",
    ),
    Step(
        "Start Translation Job",
        "start_translation",
        "StartTranslationFunctionArn",
        reads=("work:jobs/*/input/*",),
        writes=("work:jobs/*/job.json", "work:pd-active/*", "table:job#*", "table:lease#*"),
        retry_on=_TRANSLATE,
        catch_id="start_translation",
    ),
    Step(
        "Assemble File",
        "assemble",
        "AssembleFunctionArn",
        reads=("source:*", "reference:*", "work:plans/*", "work:jobs/*", "output:*"),
        writes=("output:*", "work:results/*"),
        retry_on=_S3_TRANSIENT,
        per_file=True,
    ),
    Step(
        "Write Report",
        "report",
        "ReportFunctionArn",
        reads=("work:*", "reference:*", "output:*"),
        writes=("reports:*", "work:jobs/*/evaluation/*", "table:obj#*", "table:lease#*"),
        retry_on=_S3_TRANSIENT,
    ),
    Step(
        "Write Failure Report",
        "failure_report",
        "FailureReportFunctionArn",
        reads=("work:manifests/*", "work:results/*"),
        writes=("reports:*", "table:obj#*", "table:lease#*"),
        retry_on=_S3_TRANSIENT,
    ),
)

BY_STATE: dict[str, Step] = {name: s for s in STEPS for name in (s.state, *s.also)}
BY_MODULE: dict[str, Step] = {s.module: s for s in STEPS}
BY_CATCH_ID: dict[str, Step] = {s.catch_id: s for s in STEPS if s.catch_id}
FUNCTIONS: dict[str, str] = {s.module: s.placeholder for s in STEPS}  # module -> placeholder


# Top-level states whose Catch records the failure under $.failed_at.<id>.
TOP_LEVEL_CATCH_IDS: dict[str, str] = {
    "collect_changes": "Collect Changed Files",
    "plan_each_file": "Plan Each File",
    "translate_each_language": "Translate Each Language",
    "assemble_each_file": "Assemble Each File",
    "report": "Write Report",
}


def failed_state_of(failed_at: object) -> str | None:
    """The state a Catch recorded (``$.failed_at.<catch_id>``), by its console name."""
    if not isinstance(failed_at, dict):
        return None
    for catch_id in failed_at:
        step = BY_CATCH_ID.get(catch_id)
        if step is not None:
            return step.state
        if catch_id in TOP_LEVEL_CATCH_IDS:
            return TOP_LEVEL_CATCH_IDS[catch_id]
    return None


# --- key layout ---------------------------------------------------------------------------------


def flat(path: str) -> str:
    """One key segment per book path, injective (``a/b.md`` and ``a__b.md`` stay apart)."""
    from amts.domain.keys import flat_name

    return flat_name(path)


def manifest_key(run_id: str) -> str:
    return f"manifests/{run_id}.json"


def rejected_key(run_id: str) -> str:
    """Uploads Collect could not take (key -> reason): read by Write Report."""
    return f"manifests/{run_id}.rejected.json"


def plan_record_key(run_id: str, pair: str, path: str) -> str:
    return f"plans/{run_id}/{pair}/{flat(path)}.json"


def plan_prefix(run_id: str, pair: str) -> str:
    return f"plans/{run_id}/{pair}/"


def result_key(run_id: str, pair: str, path: str) -> str:
    return f"results/{run_id}/{pair}/{flat(path)}.json"


def result_prefix(run_id: str, pair: str | None = None) -> str:
    return f"results/{run_id}/" + (f"{pair}/" if pair else "")


def job_prefix(run_id: str, pair: str) -> str:
    return f"jobs/{run_id}/{pair}"


def align_cache_key(pair: str, digest: str) -> str:
    return f"align-cache/{pair}/{digest}.json"
