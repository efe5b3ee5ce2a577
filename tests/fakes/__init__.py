"""In-memory fakes of the ports, for unit and workflow tests.

They follow the real adapters' semantics where the callers depend on them: the token store's
``delete`` is conditional (False when someone else deleted first), ``pending`` ignores claims and
expired records, ``claim_once`` is first-writer-wins; the callbacks record every call and treat
a token marked gone like Step Functions' TaskTimedOut (ignored, as :class:`SfnTaskCallbacks`
does).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from amts.ports import TokenRecord

from tests.fakes.translate_fake import (
    FakeTranslateClient,
    JobScript,
    ParallelDataScript,
    identity_translator,
    tagging_translator,
)

__all__ = [
    "Callback",
    "FakeTranslateClient",
    "InMemoryBlobStore",
    "InMemoryTokenStore",
    "JobScript",
    "ParallelDataScript",
    "RecordingCallbacks",
    "identity_translator",
    "tagging_translator",
]


class InMemoryTokenStore:
    """TokenStore in a dict, with an injectable clock for TTL tests."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self.items: dict[str, TokenRecord] = {}
        self.clock = clock
        self.outcomes: dict[str, str] = {}  # claim key -> processing | done | failed

    def _now(self) -> int:
        return int(self.clock())

    def put(self, key: str, task_token: str, execution: str, kind: str, ttl_seconds: int) -> None:
        now = self._now()
        self.items[key] = TokenRecord(key, task_token, execution, kind, now, now + ttl_seconds)

    def get(self, key: str) -> TokenRecord | None:
        record = self.items.get(key)
        if record is None or record.expires_at <= self._now():
            return None
        return record

    def delete(self, key: str) -> bool:
        return self.items.pop(key, None) is not None

    def pending(self) -> list[TokenRecord]:
        now = self._now()
        records = [
            r for r in self.items.values() if r.kind in ("job", "parallel-data") and r.expires_at > now
        ]
        return sorted(records, key=lambda r: (r.created_at, r.key))

    def claim_once(self, key: str, ttl_seconds: int) -> bool:
        existing = self.items.get(key)
        if existing is not None and existing.expires_at > self._now():
            return False
        now = self._now()
        self.items[key] = TokenRecord(key, "", "", "claim", now, now + ttl_seconds)
        return True

    # --- RunLedger ---

    def _live(self, key: str) -> TokenRecord | None:
        record = self.items.get(key)
        return record if record is not None and record.expires_at > self._now() else None

    def claim(self, key: str, owner: str, ttl_seconds: int) -> bool:
        if self._live(key) is not None and self.outcomes.get(key) != "failed":
            return False
        now = self._now()
        self.items[key] = TokenRecord(key, "", owner, "claim", now, now + ttl_seconds)
        self.outcomes[key] = "processing"
        return True

    def set_outcome(self, key: str, owner: str, outcome: str, ttl_seconds: int) -> bool:
        live = self._live(key)
        if live is not None and live.execution != owner:
            return False
        now = self._now()
        self.items[key] = TokenRecord(key, "", owner, "claim", now, now + ttl_seconds)
        self.outcomes[key] = outcome
        return True

    def acquire_lease(self, key: str, owner: str, ttl_seconds: int) -> bool:
        live = self._live(key)
        if live is not None and live.execution != owner:
            return False
        now = self._now()
        self.items[key] = TokenRecord(key, "", owner, "lease", now, now + ttl_seconds)
        return True

    def release_lease(self, key: str, owner: str) -> bool:
        live = self._live(key)
        if live is None or live.execution != owner:
            return False
        del self.items[key]
        return True

    def put_once(self, key: str, task_token: str, execution: str, kind: str, ttl_seconds: int) -> bool:
        live = self._live(key)
        if live is not None and live.execution != execution:
            return False
        self.put(key, task_token, execution, kind, ttl_seconds)
        return True


@dataclass(frozen=True, slots=True)
class Callback:
    kind: str  # "success" | "failure" | "heartbeat"
    task_token: str
    output: dict[str, object] | None = None
    error: str | None = None
    cause: str | None = None


@dataclass(slots=True)
class RecordingCallbacks:
    """TaskCallbacks that remember every call; tokens in ``gone`` are ignored like TaskTimedOut."""

    calls: list[Callback] = field(default_factory=list)
    gone: set[str] = field(default_factory=set)
    ignored: list[Callback] = field(default_factory=list)

    def _record(self, callback: Callback) -> None:
        (self.ignored if callback.task_token in self.gone else self.calls).append(callback)

    def success(self, task_token: str, output: dict[str, object]) -> None:
        self._record(Callback("success", task_token, output=output))

    def failure(self, task_token: str, error: str, cause: str) -> None:
        self._record(Callback("failure", task_token, error=error, cause=cause))

    def heartbeat(self, task_token: str) -> None:
        self._record(Callback("heartbeat", task_token))

    def of_kind(self, kind: str) -> list[Callback]:
        return [c for c in self.calls if c.kind == kind]


class InMemoryBlobStore:
    """BlobStore in a dict (no versions)."""

    def __init__(self, initial: dict[str, str] | None = None) -> None:
        self.objects: dict[str, str] = dict(initial or {})
        self.content_types: dict[str, str] = {}

    def get_text(self, key: str, version_id: str | None = None) -> str:
        if key not in self.objects:
            raise FileNotFoundError(f"memory://{key} does not exist")
        return self.objects[key]

    def put_text(self, key: str, text: str, content_type: str = "text/plain; charset=utf-8") -> None:
        self.objects[key] = text
        self.content_types[key] = content_type

    def exists(self, key: str) -> bool:
        return key in self.objects

    def list_keys(self, prefix: str) -> list[str]:
        return sorted(k for k in self.objects if k.startswith(prefix))
