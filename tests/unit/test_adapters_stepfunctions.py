"""SfnTaskCallbacks: requests as Step Functions expects them; dead tokens never crash the caller."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from amts.adapters.stepfunctions import SfnTaskCallbacks
from amts.ports import TaskCallbacks
from botocore.exceptions import ClientError
from botocore.stub import Stubber


@pytest.fixture
def stubbed() -> tuple[Any, Stubber]:
    # botocore's Stubber validates every request against the Step Functions model.
    client = boto3.client(
        "stepfunctions", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x"
    )
    return client, Stubber(client)


def test_success_failure_heartbeat_requests(stubbed: tuple[Any, Stubber]) -> None:
    client, stub = stubbed
    callbacks = SfnTaskCallbacks(client)
    output = {"jobId": "j1", "status": "COMPLETED", "documentsFailed": 0}
    # Given the exact requests Step Functions must receive
    stub.add_response(
        "send_task_success", {}, {"taskToken": "tok", "output": json.dumps(output, sort_keys=True)}
    )
    stub.add_response(
        "send_task_failure",
        {},
        {"taskToken": "tok2", "error": "TranslationJobFailed", "cause": "job j1 FAILED"},
    )
    stub.add_response("send_task_heartbeat", {}, {"taskToken": "tok3"})
    # When the callbacks are sent
    with stub:
        callbacks.success("tok", output)
        callbacks.failure("tok2", "TranslationJobFailed", "job j1 FAILED")
        callbacks.heartbeat("tok3")
        # Then all were made as expected
        stub.assert_no_pending_responses()
    assert isinstance(callbacks, TaskCallbacks)


@pytest.mark.parametrize("code", ["TaskTimedOut", "InvalidToken", "TaskDoesNotExist"])
def test_gone_tokens_are_logged_and_skipped(stubbed: tuple[Any, Stubber], code: str) -> None:
    client, stub = stubbed
    callbacks = SfnTaskCallbacks(client)
    # Given a token whose execution has ended
    stub.add_client_error("send_task_heartbeat", service_error_code=code, http_status_code=400)
    # When a heartbeat is sent
    with stub:
        callbacks.heartbeat("dead")
    # Then nothing is raised and the token is remembered as gone
    assert callbacks.gone == {"dead"}


def test_other_errors_propagate_so_the_caller_can_retry(stubbed: tuple[Any, Stubber]) -> None:
    client, stub = stubbed
    stub.add_client_error("send_task_success", service_error_code="ThrottlingException", http_status_code=400)
    with stub, pytest.raises(ClientError):
        SfnTaskCallbacks(client).success("tok", {})


def test_long_error_and_cause_are_cut_to_the_service_limits(stubbed: tuple[Any, Stubber]) -> None:
    client, stub = stubbed
    stub.add_response("send_task_failure", {}, {"taskToken": "t", "error": "E" * 256, "cause": "c" * 32768})
    with stub:
        SfnTaskCallbacks(client).failure("t", "E" * 300, "c" * 40000)
        stub.assert_no_pending_responses()
