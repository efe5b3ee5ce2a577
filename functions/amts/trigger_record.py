"""The slim upload record the Pipe delivers, one per SQS message, and how to build it locally.

The Pipe's target ``InputTemplate`` (``PIPE_INPUT_TEMPLATE``, set in ``infra/trigger.py``) turns
each SQS message of a batch (``body``: the EventBridge "Object Created" event as JSON, ~0.8 KB)
into ``{"bucket", "key", "version", "sequencer"}``; with batching the Pipe applies the template to
each message and starts the execution with the JSON array of the results. So the execution
input is about 150 bytes + the key per file instead of ~0.8 KB, whatever the batch size.

EventBridge Pipes parses a JSON ``body`` of an SQS message implicitly, so ``<$.body.detail...>``
reaches into the event. Placeholders of string values are quoted in the template (the Pipes
documentation: quote variables of JSON values that are strings, not of objects or arrays).

``render_template`` is the local stand-in for that transformation: the local runner applies the
very same template string to the SQS message it builds, so the local run starts executions
with what the Pipe would send.
"""

from __future__ import annotations

import json
import re
from typing import Any

PIPE_INPUT_TEMPLATE = (
    '{"bucket": "<$.body.detail.bucket.name>", '
    '"key": "<$.body.detail.object.key>", '
    '"version": "<$.body.detail.object.version-id>", '
    '"sequencer": "<$.body.detail.object.sequencer>"}'
)

# "<$.path>" (a string value, quoted in the template) or <$.path> (any JSON value, unquoted).
_PLACEHOLDER = re.compile(r'"<\$\.([A-Za-z0-9_.\-/]+)>"|<\$\.([A-Za-z0-9_.\-/]+)>')


def _lookup(message: dict[str, Any], path: str) -> Any:
    value: Any = message
    for part in path.split("."):
        if part == "body" and value is message and isinstance(value.get("body"), str):
            try:  # the Pipe's implicit parsing of a JSON body
                value = json.loads(value["body"])
            except json.JSONDecodeError:
                return None
            continue
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def render_template(template: str, message: dict[str, Any]) -> Any:
    """``template`` applied to one SQS message, as the Pipe does (a missing path gives null)."""

    def substitute(match: re.Match[str]) -> str:
        quoted, bare = match.group(1), match.group(2)
        value = _lookup(message, quoted or bare)
        if quoted is not None and value is not None and not isinstance(value, str):
            value = str(value)
        return json.dumps(value, ensure_ascii=False)

    return json.loads(_PLACEHOLDER.sub(substitute, template))


def pipe_batch(messages: list[dict[str, Any]]) -> list[Any]:
    """The execution input the Pipe starts for a batch of SQS messages."""
    return [render_template(PIPE_INPUT_TEMPLATE, m) for m in messages]
