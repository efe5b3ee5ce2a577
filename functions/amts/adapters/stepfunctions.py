"""Step Functions task callbacks (SendTaskSuccess / SendTaskFailure / SendTaskHeartbeat).

A token whose execution has ended (timed out, aborted, already answered) is a normal event for
the poller, not a failure: it is logged and the call returns, so one stale record never stops
the rest of a batch. Other errors (throttling, network) propagate so the caller can keep the
record and try again on the next poll.
"""

from __future__ import annotations

import json
from typing import Any

from botocore.exceptions import ClientError

from amts.observability import logger

GONE_CODES = frozenset({"TaskTimedOut", "InvalidToken", "TaskDoesNotExist"})
# Step Functions limits: error ≤ 256 chars, cause ≤ 32,768 chars, output ≤ 256 KiB.
MAX_ERROR = 256
MAX_CAUSE = 32_768


class SfnTaskCallbacks:
    """TaskCallbacks on a boto3 ``stepfunctions`` client (created lazily when None)."""

    def __init__(self, client: Any = None) -> None:
        self._client_obj = client
        self.gone: set[str] = set()  # tokens Step Functions no longer knows (for the caller's cleanup)

    @property
    def _client(self) -> Any:
        if self._client_obj is None:
            import boto3

            self._client_obj = boto3.client("stepfunctions")
        return self._client_obj

    def _call(self, what: str, task_token: str, **kwargs: Any) -> None:
        method = getattr(self._client, what)
        try:
            method(taskToken=task_token, **kwargs)
        except ClientError as error:
            code = str(error.response.get("Error", {}).get("Code", ""))
            if code in GONE_CODES:
                self.gone.add(task_token)
                logger.warning(
                    "task token no longer valid; callback skipped",
                    extra={"call": what, "code": code, "token_tail": task_token[-12:]},
                )
                return
            raise

    def success(self, task_token: str, output: dict[str, object]) -> None:
        self._call("send_task_success", task_token, output=json.dumps(output, sort_keys=True, default=str))

    def failure(self, task_token: str, error: str, cause: str) -> None:
        self._call("send_task_failure", task_token, error=error[:MAX_ERROR], cause=cause[:MAX_CAUSE])

    def heartbeat(self, task_token: str) -> None:
        self._call("send_task_heartbeat", task_token)
