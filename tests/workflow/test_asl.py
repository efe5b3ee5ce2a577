"""The ASL is the workflow: one lint over it instead of a generator for Retry/Catch blocks."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from amts.local.runner import ASL_PATH, FUNCTIONS, iter_states, load_definition

TRANSIENT = {
    "TranslateThrottled",
    "TransientError",
    "Lambda.ServiceException",
    "Lambda.AWSLambdaException",
    "Lambda.SdkClientException",
    "Lambda.TooManyRequestsException",
}
TITLE_CASE = re.compile(r"^[A-Z][a-z]*( ([A-Z][a-z]*|[A-Z]{2,}))*\??$")  # acronyms allowed: "Without ACT"
DESIGN = Path(__file__).resolve().parents[2] / "docs" / "DESIGN.md"


def _definition() -> dict[str, Any]:
    subs = {name: f"arn:aws:lambda:us-east-1:123456789012:function:{name}" for name in FUNCTIONS.values()}
    subs |= {"ReportsBucket": "reports", "TokenTableName": "tokens"}
    return load_definition(subs)


def _tasks() -> list[tuple[str, dict[str, Any]]]:
    return [(n, s) for n, s in iter_states(_definition()) if s["Type"] == "Task"]


def test_every_state_name_is_title_case_words() -> None:
    # Given the definition, When listing every state (Map included), Then names read like the console
    names = [n for n, _ in iter_states(_definition())]
    assert names, "no states found"
    assert [n for n in names if not TITLE_CASE.match(n)] == []


@pytest.mark.parametrize("name,state", _tasks(), ids=[n for n, _ in _tasks()])
def test_every_task_has_the_standard_retry_and_catch(name: str, state: dict[str, Any]) -> None:
    # Given a Task state
    retry = {frozenset(r["ErrorEquals"]): r for r in state.get("Retry", [])}
    # Then transient errors are retried with backoff and full jitter
    transient = retry.get(frozenset(TRANSIENT))
    assert transient is not None, f"{name}: no retry on the transient errors"
    assert transient["BackoffRate"] > 1 and transient["JitterStrategy"] == "FULL"
    # And ParallelDataBusy waits longer than a transient error
    busy = retry.get(frozenset({"ParallelDataBusy"}))
    assert busy is not None and busy["IntervalSeconds"] > transient["IntervalSeconds"]
    # And every error is caught into the failure path, keeping the input under $.error
    (catch,) = state["Catch"]
    assert catch["ErrorEquals"] == ["States.ALL"] and catch["ResultPath"] == "$.error"
    expected = {"Write Failure Report": "Translation Failed"}.get(name)
    inside_map = name in _map_state_names()
    target = expected or ("Language Failed" if inside_map else "Write Failure Report")
    assert catch["Next"] == target


def _map_state_names() -> set[str]:
    states = json.loads(ASL_PATH.read_text())["States"]
    return set(states["Translate Each Language"]["ItemProcessor"]["States"])


def test_callback_tasks_pass_the_token_and_have_heartbeat_and_timeout() -> None:
    # Given the callback states
    callbacks = [(n, s) for n, s in _tasks() if s["Resource"].endswith(".waitForTaskToken")]
    # Then there are the two documented ones, each with token, heartbeat and a finite timeout
    assert sorted(n for n, _ in callbacks) == ["Create Or Update Parallel Data", "Start Translation Job"]
    for name, state in callbacks:
        assert state["Parameters"]["Payload"]["task_token.$"] == "$$.Task.Token", name
        assert 0 < state["HeartbeatSeconds"] < state["TimeoutSeconds"], name


def test_map_concurrency_stays_under_translate_job_limit() -> None:
    # Translate runs at most 10 concurrent batch jobs per account and region
    state = json.loads(ASL_PATH.read_text())["States"]["Translate Each Language"]
    assert state["Type"] == "Map" and 1 <= state["MaxConcurrency"] <= 10


def test_placeholders_are_the_documented_ones() -> None:
    # Given the raw file, When collecting ${...}, Then each is listed in docs/DESIGN.md
    placeholders = set(re.findall(r"\$\{(\w+)\}", ASL_PATH.read_text()))
    design = DESIGN.read_text()
    assert placeholders and all(f"${{{p}}}" in design for p in placeholders)


def test_unknown_placeholder_is_refused() -> None:
    with pytest.raises(KeyError, match="ReportsBucket"):
        load_definition({name: "x" for name in FUNCTIONS.values()})
