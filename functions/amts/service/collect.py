"""Collect Changed Files: from the Pipe's batch of uploads to the run's manifest in S3.

The Pipe passes one slim record per upload (``{"bucket", "key", "version", "sequencer"}``, see
``amts.trigger_record``); full SQS messages wrapping the EventBridge event, bare EventBridge
events and S3 notifications are still read, for compatibility.

The trigger delivers at-least-once and S3 may report the same upload twice (or the Pipe may
redeliver a batch), so every object *version* is claimed in the token table
(``obj#<bucket>/<key>#<version>``, conditional put). The claim records the outcome, not just the
arrival: it is ``processing`` while a run works on it, and Write Report marks it ``done`` or
``failed``. A delivery of a processing or done version is a duplicate and does no work; a failed
(or expired) one is claimed again, so re-delivering the batch retries exactly the failed files.

The changed files x language pairs go to ``manifests/<run>.json`` (the Distributed Maps read it
with ItemReader); the state gets the key and counts only.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import unquote_plus

from amts.domain.keys import key_problem
from amts.models import ChangedFile, CollectInput, CollectOutput, LanguageItem, ManifestItem
from amts.observability import logger
from amts.service.deps import PROCESSING_TTL_SECONDS, Deps, ledger_of
from amts.steps import manifest_key, rejected_key

_RUN_ID_UNSAFE = re.compile(r"[^A-Za-z0-9-]+")


def run_id_for(execution: str) -> str:
    """The execution name, restricted to what S3 prefixes, job names and client tokens accept."""
    cleaned = _RUN_ID_UNSAFE.sub("-", execution).strip("-")
    return (cleaned or "run")[:64]


def _events(records: Any) -> Iterator[dict[str, Any]]:
    """Unwrap lists and, for compatibility, full SQS messages (``body`` is the EventBridge event
    as a JSON string); the Pipe's slim records (``amts.trigger_record``) come out as they are."""
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
    """(bucket, key, version id, sequencer) of a slim Pipe record, an EventBridge event or an
    S3-notification event."""
    if isinstance(event.get("bucket"), str) and isinstance(event.get("key"), str):
        # The Pipe's slim record; a missing value may arrive as null or "" from the template.
        return (
            event["bucket"],
            event["key"],
            event.get("version") or None,
            event.get("sequencer") or None,
        )
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
    ledger = ledger_of(deps)
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
        identity = claim_key(bucket, key, version_id, sequencer)
        if identity in seen or not ledger.claim(identity, event.execution, PROCESSING_TTL_SECONDS):
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
    items = [
        ManifestItem(
            path=c.path,
            key=c.key,
            version_id=c.version_id,
            sequencer=c.sequencer,
            source=p.source,
            target=p.target,
            claim=claim_key(c.bucket, c.key, c.version_id, c.sequencer),
        )
        for p in settings.language_pairs
        for c in changes
        if c.lang == p.source
    ]
    languages = [
        LanguageItem(source=p.source, target=p.target, files=sum(1 for i in items if i.pair == str(p)))
        for p in settings.language_pairs
        if any(i.pair == str(p) for i in items)
    ]
    manifest = None
    if items:
        manifest = manifest_key(run_id)
        deps.work.put_text(
            manifest,
            json.dumps([i.model_dump(mode="json") for i in items], ensure_ascii=False),
            "application/json",
        )
    if rejected:
        # In S3, not in the state (a key can be 1 KB): Write Report names each with its reason.
        deps.work.put_text(rejected_key(run_id), json.dumps(rejected, ensure_ascii=False), "application/json")
        logger.warning(
            "uploads rejected", extra={"count": len(rejected), "reasons": dict(list(rejected.items())[:20])}
        )
    if ignored:
        logger.info("uploads outside the book ignored", extra={"keys": ignored[:100], "count": len(ignored)})
    return CollectOutput(
        run_id=run_id,
        execution=event.execution,
        anything_changed=bool(items),
        manifest_key=manifest,
        file_count=len(changes),
        item_count=len(items),
        duplicates=duplicates,
        ignored=len(ignored),
        rejected=len(rejected),
        languages=languages,
    )


def claim_key(bucket: str, key: str, version_id: str | None, sequencer: str | None) -> str:
    """The claim of one uploaded object version."""
    return f"obj#{bucket}/{key}#{version_id or sequencer or 'null'}"
