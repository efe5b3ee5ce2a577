"""Collect Changed Files: from the Pipe's batch of S3 events to per-language work.

The trigger delivers at-least-once and S3 may report the same upload twice (or the Pipe may
redeliver a batch), so every object *version* is claimed once in the token table
(``obj#<bucket>/<key>#<version>``, conditional put): a version seen before is counted as a
duplicate and does no work.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import unquote_plus

from amts.domain.keys import key_problem
from amts.models import ChangedFile, CollectInput, CollectOutput, LanguageItem
from amts.service.deps import DEDUPE_TTL_SECONDS, Deps

_RUN_ID_UNSAFE = re.compile(r"[^A-Za-z0-9-]+")


def run_id_for(execution: str) -> str:
    """The execution name, restricted to what S3 prefixes, job names and client tokens accept."""
    cleaned = _RUN_ID_UNSAFE.sub("-", execution).strip("-")
    return (cleaned or "run")[:64]


def _events(records: Any) -> Iterator[dict[str, Any]]:
    """Unwrap SQS messages (``body`` is the EventBridge event as a JSON string) and lists."""
    if records is None:
        return
    if isinstance(records, dict) and "records" in records:
        yield from _events(records["records"])
        return
    if isinstance(records, list):
        for item in records:
            yield from _events(item)
        return
    if isinstance(records, str):
        try:
            yield from _events(json.loads(records))
        except json.JSONDecodeError:
            return
        return
    if isinstance(records, dict):
        if "body" in records:
            yield from _events(records["body"])
        elif "Records" in records:  # S3 notification format (e.g. an S3 → SQS test message)
            yield from _events(records["Records"])
        else:
            yield records


def _object(event: dict[str, Any]) -> tuple[str, str, str | None, str | None] | None:
    """(bucket, key, version id, sequencer) of an EventBridge or S3-notification event."""
    detail = event.get("detail")
    if isinstance(detail, dict) and "object" in detail:
        if event.get("detail-type") not in (None, "Object Created"):
            return None
        obj = detail["object"]
        bucket = detail.get("bucket", {}).get("name")
        return (bucket, obj.get("key"), obj.get("version-id"), obj.get("sequencer")) if bucket else None
    s3 = event.get("s3")
    if isinstance(s3, dict):
        if not str(event.get("eventName", "ObjectCreated")).startswith("ObjectCreated"):
            return None
        obj = s3.get("object", {})
        # S3 notification keys are URL-encoded ("red flower.md" arrives as "red+flower.md").
        key = unquote_plus(obj["key"]) if obj.get("key") else None
        s3_bucket = s3.get("bucket", {}).get("name")
        if not s3_bucket or not key:
            return None
        return (s3_bucket, key, obj.get("versionId"), obj.get("sequencer"))
    return None


def collect_changes(event: CollectInput, deps: Deps) -> CollectOutput:
    settings = deps.settings
    run_id = run_id_for(event.execution)
    sources = {p.source for p in settings.language_pairs}
    changes: list[ChangedFile] = []
    ignored: list[str] = []
    rejected: dict[str, str] = {}
    duplicates = 0
    seen: set[str] = set()
    for ev in _events(event.records):
        found = _object(ev)
        if found is None or not found[0] or not found[1]:
            continue
        bucket, key, version_id, sequencer = found
        rel = key[len(settings.source_prefix) :] if key.startswith(settings.source_prefix) else None
        lang, _, path = (rel or "").partition("/")
        if rel is None or not key.endswith(settings.source_suffix) or not path or lang not in sources:
            ignored.append(key)
            continue
        problem = key_problem(key, path)
        if problem is not None:  # reported; the rest of the batch goes on
            rejected[key] = problem
            continue
        identity = f"obj#{bucket}/{key}#{version_id or sequencer or 'null'}"
        if identity in seen or not deps.tokens.claim_once(identity, DEDUPE_TTL_SECONDS):
            duplicates += 1
            continue
        seen.add(identity)
        changes.append(
            ChangedFile(
                bucket=bucket, key=key, version_id=version_id, lang=lang, path=path, sequencer=sequencer
            )
        )
    # A file uploaded twice in one batch (two versions): the latest version is the one to sync.
    latest: dict[str, ChangedFile] = {}
    for change in changes:
        previous = latest.get(change.key)
        if previous is None or (change.sequencer or "") >= (previous.sequencer or ""):
            latest[change.key] = change
    changes = sorted(latest.values(), key=lambda c: c.key)
    languages = [
        LanguageItem(source=p.source, target=p.target, files=[c for c in changes if c.lang == p.source])
        for p in settings.language_pairs
        if any(c.lang == p.source for c in changes)
    ]
    return CollectOutput(
        run_id=run_id,
        execution=event.execution,
        anything_changed=bool(languages),
        changes=changes,
        duplicates=duplicates,
        ignored=ignored,
        rejected=rejected,
        languages=languages,
    )
