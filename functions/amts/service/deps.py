"""Everything a step needs from the outside world, built in one place.

In Lambda the factory reads the environment (bucket names, token table, data-access role) and
creates boto3 clients lazily, on first use, so importing a handler needs no credentials. The
local runner and the tests build a :class:`Deps` themselves (moto buckets, the offline
translation service, recording callbacks) and install it with :func:`set_deps`.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from amts.config import Settings
from amts.errors import ConfigurationError
from amts.ports import BatchTranslationService, BlobStore, RunLedger, TaskCallbacks, TokenStore

# Time a task-token record stays in the table: longer than the longest callback timeout (24 h).
TOKEN_TTL_SECONDS = 2 * 24 * 3600
# Time a seen object version is remembered for de-duplication of trigger events.
DEDUPE_TTL_SECONDS = 7 * 24 * 3600
# A claim still "processing" after this long belongs to a run that died without a report (the
# state machine times out after 3 days): the next delivery may claim the version again.
PROCESSING_TTL_SECONDS = 3 * 24 * 3600 + 3600
# The parallel-data lease per language pair: longer than the callback's TimeoutSeconds (6 h).
LEASE_TTL_SECONDS = 6 * 3600 + 600


@runtime_checkable
class VersionedStore(Protocol):
    """A blob store that can also answer "what was the version before this one?"."""

    def previous_version(self, key: str, version_id: str | None) -> tuple[str, str] | None:
        """(text, version id) of the version before ``version_id``; None for a first upload."""
        ...


@dataclass(frozen=True, slots=True)
class Buckets:
    source: str
    reference: str
    work: str
    output: str
    reports: str

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Buckets:
        names = {
            "source": "AMTS_SOURCE_BUCKET",
            "reference": "AMTS_REFERENCE_BUCKET",
            "work": "AMTS_WORK_BUCKET",
            "output": "AMTS_OUTPUT_BUCKET",
            "reports": "AMTS_REPORTS_BUCKET",
        }
        missing = [var for var in names.values() if not env.get(var)]
        if missing:
            raise ConfigurationError(f"environment variable(s) not set: {', '.join(missing)}")
        return cls(**{attr: env[var] for attr, var in names.items()})


@dataclass(slots=True)
class Deps:
    settings: Settings
    buckets: Buckets
    source: BlobStore
    reference: BlobStore
    work: BlobStore
    output: BlobStore
    reports: BlobStore
    batch: BatchTranslationService
    tokens: TokenStore
    callbacks: TaskCallbacks
    # (key, version id) -> (text, version id) of the previous version, or None.
    previous_version: Callable[[str, str | None], tuple[str, str] | None]
    extra: dict[str, Any] = field(default_factory=dict)

    def s3_uri(self, bucket: str, key: str) -> str:
        return f"s3://{bucket}/{key}"


def ledger_of(deps: Deps) -> RunLedger:
    """The claims/leases side of the token table (every TokenStore adapter here has it)."""
    if not isinstance(deps.tokens, RunLedger):
        raise ConfigurationError(f"{type(deps.tokens).__name__} cannot record claims and leases")
    return deps.tokens


_lock = threading.Lock()
_override: Deps | None = None
_cached: Deps | None = None


def set_deps(deps: Deps | None) -> None:
    """Install dependencies for in-process runs (local runner, tests); None restores the default."""
    global _override, _cached
    with _lock:
        _override = deps
        _cached = None


def get_deps() -> Deps:
    global _cached
    if _override is not None:
        return _override
    with _lock:
        if _cached is None:
            _cached = deps_from_env(os.environ)
        return _cached


def deps_from_env(env: Mapping[str, str]) -> Deps:
    """The cloud wiring: S3, DynamoDB, Step Functions and Amazon Translate adapters."""
    from amts.adapters.s3 import S3BlobStore
    from amts.adapters.stepfunctions import SfnTaskCallbacks
    from amts.adapters.tokens import DynamoTokenStore
    from amts.adapters.translate import AmazonTranslateService

    settings = Settings.from_env(env)
    buckets = Buckets.from_env(env)
    table = env.get("AMTS_TOKEN_TABLE")
    if not table:
        raise ConfigurationError("environment variable AMTS_TOKEN_TABLE is not set")
    role = env.get("AMTS_DATA_ACCESS_ROLE_ARN", "")
    source = S3BlobStore(buckets.source)
    return Deps(
        settings=settings,
        buckets=buckets,
        source=source,
        reference=S3BlobStore(buckets.reference),
        work=S3BlobStore(buckets.work),
        output=S3BlobStore(buckets.output),
        reports=S3BlobStore(buckets.reports),
        batch=AmazonTranslateService(data_access_role_arn=role),
        tokens=DynamoTokenStore(table_name=table),
        callbacks=SfnTaskCallbacks(),
        previous_version=previous_version_reader(source),
    )


def previous_version_reader(store: object) -> Callable[[str, str | None], tuple[str, str] | None]:
    """Adapt whatever previous-version helper the store offers to one call shape."""
    if isinstance(store, VersionedStore):
        return store.previous_version
    getter = getattr(store, "get_previous_version", None) or getattr(store, "previous_version_text", None)
    if getter is None:

        def _none(key: str, version_id: str | None) -> tuple[str, str] | None:
            return None

        return _none

    def _call(key: str, version_id: str | None) -> tuple[str, str] | None:
        result = getter(key, version_id)
        if result is None:
            return None
        if isinstance(result, tuple):
            return (str(result[0]), str(result[1]))
        return (str(result), "")

    return _call
