"""Ports: the small interfaces behind which every outside system sits.

Domain code and handlers depend on these protocols only. ``amts.adapters`` holds the real
(boto3) implementations and the offline ones (translation memory, local folders); tests use
in-memory fakes. That is what lets the same workflow code run in Lambda, in the CLI and in
tests.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol, runtime_checkable


class Origin(StrEnum):
    """Where a translated segment came from; reports and review markers depend on it."""

    HUMAN = "human"  # kept verbatim from the existing human translation
    EXACT = "exact"  # translation memory, exact match
    FUZZY = "fuzzy"  # translation memory, fuzzy match (needs review)
    MACHINE = "machine"  # a machine translation service
    UNTRANSLATED = "untranslated"  # nothing found: left in the source language, counted


@dataclass(frozen=True, slots=True)
class Translation:
    text: str
    origin: Origin
    score: float = 1.0  # match quality for memory hits, 1.0 for machine output


@runtime_checkable
class TranslationEngine(Protocol):
    """Synchronous segment translation (TranslateText, or the offline translation memory)."""

    name: str

    def translate(self, segments: Sequence[str], source_lang: str, target_lang: str) -> list[Translation]:
        """Translate each segment; the result has one entry per input segment, in order."""
        ...


@runtime_checkable
class BlobStore(Protocol):
    """Object storage (S3 in the cloud, moto or a folder locally)."""

    def get_text(self, key: str, version_id: str | None = None) -> str: ...

    def put_text(self, key: str, text: str, content_type: str = "text/plain; charset=utf-8") -> None: ...

    def exists(self, key: str) -> bool: ...

    def list_keys(self, prefix: str) -> list[str]: ...


# --- batch translation (Amazon Translate batch jobs + parallel data) -------------------------


class JobStatus(StrEnum):
    SUBMITTED = "SUBMITTED"
    IN_PROGRESS = "IN_PROGRESS"
    COMPLETED = "COMPLETED"
    COMPLETED_WITH_ERROR = "COMPLETED_WITH_ERROR"
    FAILED = "FAILED"
    STOP_REQUESTED = "STOP_REQUESTED"
    STOPPED = "STOPPED"

    @property
    def terminal(self) -> bool:
        return self in (
            JobStatus.COMPLETED,
            JobStatus.COMPLETED_WITH_ERROR,
            JobStatus.FAILED,
            JobStatus.STOPPED,
        )


class ParallelDataStatus(StrEnum):
    CREATING = "CREATING"
    UPDATING = "UPDATING"
    ACTIVE = "ACTIVE"
    DELETING = "DELETING"
    FAILED = "FAILED"


@dataclass(frozen=True, slots=True)
class JobInfo:
    job_id: str
    status: JobStatus
    message: str | None = None
    output_uri: str | None = None  # s3://bucket/prefix/ of the job's output folder as the service reports it
    documents_failed: int = 0


@dataclass(frozen=True, slots=True)
class ParallelDataInfo:
    name: str
    status: ParallelDataStatus
    # For an update, the status of the latest update attempt (the resource stays ACTIVE with the
    # previous data while an update runs or after it failed).
    latest_update_status: ParallelDataStatus | None = None
    message: str | None = None

    @property
    def settled(self) -> bool:
        """True when nothing is in progress: ready (ACTIVE) or failed."""
        pending = (ParallelDataStatus.CREATING, ParallelDataStatus.UPDATING)
        return self.status not in pending and self.latest_update_status not in pending


@runtime_checkable
class BatchTranslationService(Protocol):
    """Amazon Translate's asynchronous side: parallel data and batch jobs."""

    def ensure_parallel_data(
        self, name: str, s3_uri: str, fmt: str, description: str = ""
    ) -> ParallelDataInfo:
        """CreateParallelData when ``name`` does not exist, UpdateParallelData otherwise.

        Raises ``ParallelDataBusy`` while another create/update is in progress (retried by ASL).
        """
        ...

    def describe_parallel_data(self, name: str) -> ParallelDataInfo: ...

    def start_job(
        self,
        *,
        job_name: str,
        input_uri: str,
        output_uri: str,
        source_lang: str,
        target_lang: str,
        parallel_data_name: str | None,
        client_token: str,
        terminology_name: str | None = None,
        settings: Mapping[str, str] | None = None,
    ) -> str:
        """StartTextTranslationJob (ContentType text/html); returns the job id. ``terminology_name``
        and ``settings`` (Formality/Profanity) are sent only when given."""
        ...

    def describe_job(self, job_id: str) -> JobInfo: ...


@dataclass(frozen=True, slots=True)
class TokenRecord:
    key: str  # "job#<jobId>" or "pd#<parallelDataName>"
    task_token: str
    execution: str
    kind: str  # "job" | "parallel-data"
    created_at: int
    expires_at: int


@runtime_checkable
class TokenStore(Protocol):
    """Maps Translate job ids / parallel-data names to Step Functions task tokens."""

    def put(self, key: str, task_token: str, execution: str, kind: str, ttl_seconds: int) -> None: ...

    def get(self, key: str) -> TokenRecord | None: ...

    def delete(self, key: str) -> bool:
        """Remove the record; False when it was already gone (another poller got there first)."""
        ...

    def pending(self) -> list[TokenRecord]: ...

    def claim_once(self, key: str, ttl_seconds: int) -> bool:
        """Conditional put: True the first time ``key`` is claimed (dedupes trigger events)."""
        ...


@runtime_checkable
class RunLedger(Protocol):
    """Claims that record their outcome, and leases with expiry (same table as the tokens).

    * A claim (``obj#<bucket>/<key>#<version>``) is taken when a run starts on an object version
      and marked ``done`` or ``failed`` when the run's report is written: a duplicate delivery of
      a ``processing`` or ``done`` version does nothing, a ``failed`` (or expired) one is taken again.
    * A lease (``lease#<name>``) has one owner until it is released or expires.
    """

    def claim(self, key: str, owner: str, ttl_seconds: int) -> bool: ...

    def set_outcome(self, key: str, owner: str, outcome: str, ttl_seconds: int) -> bool: ...

    def acquire_lease(self, key: str, owner: str, ttl_seconds: int) -> bool: ...

    def release_lease(self, key: str, owner: str) -> bool: ...

    def put_once(self, key: str, task_token: str, execution: str, kind: str, ttl_seconds: int) -> bool:
        """Put a task token unless another execution's record holds the key (conditional write)."""
        ...


@runtime_checkable
class TaskCallbacks(Protocol):
    """Step Functions SendTaskSuccess / SendTaskFailure / SendTaskHeartbeat."""

    def success(self, task_token: str, output: dict[str, object]) -> None: ...

    def failure(self, task_token: str, error: str, cause: str) -> None: ...

    def heartbeat(self, task_token: str) -> None: ...


# --- git repositories (amts push / amts publish) ----------------------------------------------


@runtime_checkable
class GitRepository(Protocol):
    """One git repository (a checkout): what ``amts push`` and ``amts publish`` need of git."""

    root: str

    def commit_of(self, ref: str) -> str:
        """The full sha of the commit ``ref`` names; ``GitError`` when it names none."""
        ...

    def diff_name_status(self, since: str, until: str) -> str:
        """``git diff -z --name-status -M since until`` (tree to tree, renames detected)."""
        ...

    def blob_of(self, ref: str, path: str) -> str | None:
        """The blob sha of ``path`` at ``ref``; None when the path is not there."""
        ...

    def read_blob(self, ref: str, path: str) -> bytes:
        """The content of ``path`` at ``ref``."""
        ...

    def hash_file(self, path: str) -> str | None:
        """The blob sha of the working-tree file (``git hash-object``); None when it is missing."""
        ...

    def status(self) -> list[tuple[str, str]]:
        """``git status --porcelain``: (two-letter code, path) for every uncommitted change."""
        ...

    def current_branch(self) -> str | None: ...

    def branch_exists(self, name: str) -> bool: ...

    def switch_new_branch(self, name: str) -> None:
        """Create ``name`` at HEAD and check it out (the working tree must be clean)."""
        ...

    def stage(self, add: Sequence[str], remove: Sequence[str]) -> None: ...

    def commit(self, message: str) -> str:
        """Commit what is staged; returns the new commit's sha."""
        ...

    def message_of(self, ref: str) -> str: ...

    def remote_url(self, name: str = "origin") -> str | None: ...

    def git_path(self, name: str) -> str:
        """``git rev-parse --git-path name``: a file inside the repository's git directory."""
        ...
