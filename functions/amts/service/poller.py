"""The callback poller: turns Amazon Translate's progress into Step Functions task callbacks.

Two waits in the workflow use ``waitForTaskToken``: parallel-data create/update and the batch
job. Their Lambdas store the task token under ``pd#<name>#<execution>`` (one record per waiting
step: two executions waiting on one resource never overwrite each other) / ``job#<jobId>``; this
poller is run by Translate's EventBridge state-change events and by a schedule, looks the resource up
(the event is a hint, the Describe call is the truth), and answers the token:

* finished well → SendTaskSuccess with a small JSON output;
* finished badly (job FAILED/STOPPED, parallel data FAILED) → SendTaskFailure with the ASL error
  name and a cause a human can act on;
* a parallel-data *update* FAILED while the resource stays ACTIVE with its previous data →
  SendTaskSuccess with ``fallback: true``: the job runs on the previous ACTIVE version and the
  report says so;
* still running → SendTaskHeartbeat, so the task's heartbeat timeout catches a stuck resource.

The record is deleted *before* a terminal callback is sent, with a conditional delete: when an
event and a scheduled poll handle the same record at once only one of them wins, so the task
is answered exactly once. If the send itself fails with a retryable error the record is put
back for the next poll. A record that cannot be handled is logged and skipped; one bad record
never stops the batch.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from amts.errors import ParallelDataFailed, TransientError, TranslationJobFailed
from amts.observability import logger
from amts.ports import (
    BatchTranslationService,
    JobInfo,
    JobStatus,
    ParallelDataInfo,
    ParallelDataStatus,
    TaskCallbacks,
    TokenRecord,
    TokenStore,
)

JOB_EVENT = "Translate TextTranslationJob State Change"
PARALLEL_DATA_EVENT = "Translate Parallel Data State Change"
SCHEDULED_EVENT = "Scheduled Event"
JOB_PREFIX = "job#"
PD_PREFIX = "pd#"
# A record put back after a failed send keeps at least this much time to live.
RESTORE_TTL_SECONDS = 24 * 3600


@dataclass(slots=True)
class PollSummary:
    """What one invocation did, by record key (returned by the handler, logged, and tested)."""

    trigger: str
    succeeded: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    heartbeats: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # unknown, expired, or answered by another poller
    errors: list[str] = field(default_factory=list)  # could not be handled now; retried next poll
    stopped: list[str] = field(default_factory=list)  # jobs nobody waits for any more, stopped

    def as_dict(self) -> dict[str, Any]:
        return {
            "trigger": self.trigger,
            "succeeded": self.succeeded,
            "failed": self.failed,
            "heartbeats": self.heartbeats,
            "skipped": self.skipped,
            "errors": self.errors,
            "stopped": self.stopped,
        }


@dataclass(frozen=True, slots=True)
class _Outcome:
    kind: str  # "success" | "failure" | "heartbeat"
    output: dict[str, object] | None = None
    error: str = ""
    cause: str = ""


def keys_for_event(event: Mapping[str, Any]) -> tuple[str, list[str] | None]:
    """(trigger name, record keys to look at); None means "every pending record"."""
    detail_type = str(event.get("detail-type", ""))
    detail = event.get("detail") or {}
    if detail_type == JOB_EVENT and detail.get("jobId"):
        return "job-event", [f"{JOB_PREFIX}{detail['jobId']}"]
    if detail_type == PARALLEL_DATA_EVENT and detail.get("name"):
        # Every execution waiting on this resource: pd#<name>#<execution> (matched by prefix).
        return "parallel-data-event", [f"{PD_PREFIX}{detail['name']}#"]
    if detail_type == SCHEDULED_EVENT:
        return "schedule", None
    # A direct invoke ({}), or an event we do not know: polling everything is always safe.
    return "poll-all", None


def job_outcome(info: JobInfo) -> _Outcome:
    if info.status in (JobStatus.COMPLETED, JobStatus.COMPLETED_WITH_ERROR):
        return _Outcome(
            "success",
            {
                "jobId": info.job_id,
                "status": str(info.status),
                "outputUri": info.output_uri,
                "documentsFailed": info.documents_failed,
            },
        )
    if info.status in (JobStatus.FAILED, JobStatus.STOPPED):
        why = info.message or "the service gave no reason"
        hint = (
            "Someone stopped the job (StopTextTranslationJob); start the execution again."
            if info.status is JobStatus.STOPPED
            else "Check that the data-access role can read the input and write the output prefix, "
            "that the input documents are UTF-8 HTML, and the job's Message in the Translate console."
        )
        return _Outcome(
            "failure",
            error=TranslationJobFailed.__name__,
            cause=f"Amazon Translate job {info.job_id} ended {info.status}: {why}. {hint}",
        )
    return _Outcome("heartbeat")


def parallel_data_outcome(info: ParallelDataInfo) -> _Outcome:
    latest = info.latest_update_status
    if info.status is ParallelDataStatus.ACTIVE and latest is ParallelDataStatus.FAILED:
        return _Outcome(
            "success",
            {
                "name": info.name,
                "status": "ACTIVE",
                "fallback": True,
                "message": f"update FAILED ({info.message or 'no reason given'}); previous ACTIVE data used",
            },
        )
    if info.status is ParallelDataStatus.FAILED or latest is ParallelDataStatus.FAILED:
        what = "its latest update" if latest is ParallelDataStatus.FAILED else "its creation"
        return _Outcome(
            "failure",
            error=ParallelDataFailed.__name__,
            cause=(
                f"Amazon Translate rejected the parallel data {info.name!r} ({what} FAILED): "
                f"{info.message or 'no reason given'}. Check the file named in ParallelDataConfig "
                "(UTF-8, language-code header row, no field starting with + - = @, TMX srclang) "
                "with GetParallelData."
            ),
        )
    if info.status is ParallelDataStatus.DELETING:
        return _Outcome(
            "failure",
            error=ParallelDataFailed.__name__,
            cause=f"the parallel data {info.name!r} is being deleted; run the execution again.",
        )
    if info.settled and info.status is ParallelDataStatus.ACTIVE:
        return _Outcome("success", {"name": info.name, "status": str(latest or info.status)})
    return _Outcome("heartbeat")


class CallbackPoller:
    """Answers pending task tokens from the state of their Translate resources."""

    def __init__(
        self,
        tokens: TokenStore,
        callbacks: TaskCallbacks,
        translate: BatchTranslationService,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.tokens = tokens
        self.callbacks = callbacks
        self.translate = translate
        self._clock = clock

    def handle_event(self, event: Mapping[str, Any]) -> PollSummary:
        trigger, keys = keys_for_event(event)
        summary = PollSummary(trigger)
        if keys is None:
            for record in self.tokens.pending():
                self._handle(record, summary)
        else:
            for key in keys:
                if key.endswith("#"):  # a prefix: all records waiting on one parallel-data resource
                    matching = [r for r in self.tokens.pending() if r.key.startswith(key)]
                    if not matching:
                        summary.skipped.append(key)
                    for record in matching:
                        self._handle(record, summary)
                    continue
                found = self.tokens.get(key)
                if found is None:
                    # Not ours (another stack's job), already answered, or expired.
                    logger.info("no pending task token for event", extra={"key": key})
                    summary.skipped.append(key)
                    continue
                self._handle(found, summary)
        logger.info("poll finished", extra=summary.as_dict())
        return summary

    def poll_all(self) -> PollSummary:
        return self.handle_event({"detail-type": SCHEDULED_EVENT})

    def _handle(self, record: TokenRecord, summary: PollSummary) -> None:
        # Each record belongs to one execution: tag its log lines so they join that execution's.
        logger.append_keys(execution=record.execution)
        try:
            self._handle_record(record, summary)
        finally:
            logger.remove_keys(["execution"])

    def _handle_record(self, record: TokenRecord, summary: PollSummary) -> None:
        key = record.key
        try:
            if record.expires_at <= int(self._clock()):
                logger.info("expired task-token record skipped", extra={"key": key})
                self._stop_abandoned_job(record, summary)
                summary.skipped.append(key)
                return
            outcome = self._describe(record)
            if outcome is None:
                summary.skipped.append(key)
                return
            if outcome.kind == "heartbeat":
                self.callbacks.heartbeat(record.task_token)
                if record.task_token in getattr(self.callbacks, "gone", ()):
                    # The execution ended or the task timed out: nobody waits for this record,
                    # and a job still running would hold one of Translate's 10 job slots.
                    self.tokens.delete(key)
                    self._stop_abandoned_job(record, summary)
                    summary.skipped.append(key)
                    return
                summary.heartbeats.append(key)
                return
            if not self.tokens.delete(key):
                logger.info("record already answered by another poller", extra={"key": key})
                summary.skipped.append(key)
                return
            try:
                if outcome.kind == "success":
                    self.callbacks.success(record.task_token, outcome.output or {})
                    summary.succeeded.append(key)
                else:
                    self.callbacks.failure(record.task_token, outcome.error, outcome.cause)
                    summary.failed.append(key)
            except Exception:
                # Sending failed (throttled, network): put the record back for the next poll.
                self.tokens.put(
                    key,
                    record.task_token,
                    record.execution,
                    record.kind,
                    max(RESTORE_TTL_SECONDS, record.expires_at - int(self._clock())),
                )
                raise
        except TransientError as error:  # throttled or a service hiccup: the next poll retries
            logger.warning("task-token record deferred", extra={"key": key, "error": str(error)})
            summary.errors.append(key)
        except Exception as error:  # one record never stops the batch
            logger.exception("task-token record not handled", extra={"key": key, "error": str(error)})
            summary.errors.append(key)

    def _stop_abandoned_job(self, record: TokenRecord, summary: PollSummary) -> None:
        """StopTextTranslationJob for a job whose wait timed out or whose execution ended."""
        if not record.key.startswith(JOB_PREFIX):
            return
        stop = getattr(self.translate, "stop_job", None)
        if stop is None:
            return
        job_id = record.key[len(JOB_PREFIX) :]
        try:
            stop(job_id)
        except Exception as error:  # best effort: the record is gone either way
            logger.warning("could not stop abandoned job", extra={"job_id": job_id, "error": str(error)})
            return
        logger.info("abandoned translation job stopped", extra={"job_id": job_id})
        summary.stopped.append(record.key)

    def _describe(self, record: TokenRecord) -> _Outcome | None:
        key = record.key
        if key.startswith(JOB_PREFIX):
            job_id = key[len(JOB_PREFIX) :]
            try:
                info = self.translate.describe_job(job_id)
            except TransientError:
                raise
            except TranslationJobFailed as error:  # the job does not exist (any more)
                return _Outcome("failure", error=TranslationJobFailed.__name__, cause=str(error))
            return job_outcome(info)
        if key.startswith(PD_PREFIX):
            name = key[len(PD_PREFIX) :].partition("#")[0]  # pd#<name>#<execution>
            try:
                pd_info = self.translate.describe_parallel_data(name)
            except TransientError:
                raise
            except ParallelDataFailed as error:  # the resource does not exist (any more)
                return _Outcome("failure", error=ParallelDataFailed.__name__, cause=str(error))
            return parallel_data_outcome(pd_info)
        logger.warning("task-token record of unknown kind skipped", extra={"key": key, "kind": record.kind})
        return None
