"""The ASL is the workflow: one lint over it, checked against the one table of steps (amts.steps)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from amts.local.runner import ASL_PATH, FUNCTIONS, iter_states, load_definition
from amts.steps import BY_STATE, LAMBDA_TRANSIENT, STEPS

TITLE_CASE = re.compile(r"^[A-Z][a-z]*( ([A-Z][a-z]*|[A-Z]{2,}))*\??$")  # acronyms allowed: "Without ACT"
DESIGN = Path(__file__).resolve().parents[2] / "docs" / "DESIGN.md"


def _definition() -> dict[str, Any]:
    subs = {name: f"arn:aws:lambda:us-east-1:123456789012:function:{name}" for name in FUNCTIONS.values()}
    subs |= {"ReportsBucket": "reports", "TokenTableName": "tokens", "WorkBucket": "work"}
    return load_definition(subs)


def _tasks() -> list[tuple[str, dict[str, Any]]]:
    return [(n, s) for n, s in iter_states(_definition()) if s["Type"] == "Task"]


def _top() -> dict[str, Any]:
    states: dict[str, Any] = json.loads(ASL_PATH.read_text())["States"]
    return states


def test_every_state_name_is_title_case_words() -> None:
    # Given the definition, When listing every state (Maps included), Then names read like the console
    names = [n for n, _ in iter_states(_definition())]
    assert names, "no states found"
    assert [n for n in names if not TITLE_CASE.match(n)] == []


@pytest.mark.parametrize("name,state", _tasks(), ids=[n for n, _ in _tasks()])
def test_every_task_is_a_step_of_the_table_retrying_only_its_own_errors(
    name: str, state: dict[str, Any]
) -> None:
    # Given a Task state, Then it is a row of the steps table, invoking that row's function
    step = BY_STATE[name]
    assert state["Parameters"]["FunctionName"].endswith(":function:" + step.placeholder)
    # And its Retry names exactly the errors the step can raise (plus Lambda's own), with backoff
    named = {e for r in state["Retry"] for e in r["ErrorEquals"]}
    assert named == set(step.retry_on) | set(LAMBDA_TRANSIENT)
    assert all(r["BackoffRate"] > 1 and r["JitterStrategy"] == "FULL" for r in state["Retry"])
    # And ParallelDataBusy (another execution holds the pair's lease) waits longer than the rest
    busy = [r for r in state["Retry"] if r["ErrorEquals"] == ["ParallelDataBusy"]]
    assert bool(busy) == ("ParallelDataBusy" in step.retry_on)
    if busy:
        assert busy[0]["IntervalSeconds"] > state["Retry"][0]["IntervalSeconds"]


@pytest.mark.parametrize("name,state", _tasks(), ids=[n for n, _ in _tasks()])
def test_every_catch_records_the_state_that_failed(name: str, state: dict[str, Any]) -> None:
    step = BY_STATE[name]
    if name.startswith("Record "):
        assert "Catch" not in state and state["Next"] == "File Failed"
        return
    (catch,) = state["Catch"]
    assert catch["ErrorEquals"] == ["States.ALL"]
    if step.per_file:  # the child workflow records the file as failed, naming this state
        recorder = _definition_state(catch["Next"])
        assert recorder["Parameters"]["Payload"]["state"] == name
    elif step.catch_id:  # a language step: its own key under $.failed_at
        assert catch == {**catch, "ResultPath": f"$.failed_at.{step.catch_id}", "Next": "Language Failed"}
    elif name == "Write Failure Report":
        assert catch["Next"] == "Translation Failed"
    else:
        assert catch["Next"] == "Write Failure Report" and catch["ResultPath"].startswith("$.failed_at.")


def _definition_state(name: str) -> dict[str, Any]:
    return next(s for n, s in iter_states(_definition()) if n == name)


def test_per_file_work_is_a_distributed_map_over_the_manifest_in_s3() -> None:
    # Given the two per-file Maps
    for name in ("Plan Each File", "Assemble Each File"):
        state = _top()[name]
        # Then they read the manifest with ItemReader, write results to S3 and tolerate failures explicitly
        assert state["ItemProcessor"]["ProcessorConfig"]["Mode"] == "DISTRIBUTED"
        assert state["ItemReader"]["Resource"] == "arn:aws:states:::s3:getObject"
        assert state["ItemReader"]["Parameters"] == {"Bucket": "${WorkBucket}", "Key.$": "$.manifest_key"}
        assert state["ResultWriter"]["Parameters"]["Bucket"] == "${WorkBucket}"
        assert 0 < state["ToleratedFailurePercentage"] < 100
        # And the Map's output is not kept in the state (it would grow with the files)
        assert state["ResultPath"] is None
        assert "ItemBatcher" not in state  # moto's interpreter refuses it: the local run could not run it


def test_no_state_passes_a_per_file_list() -> None:
    # The language Map iterates the language pairs (bounded by config), never files
    state = _top()["Translate Each Language"]
    assert (
        state["ItemsPath"] == "$.languages" and state["ItemProcessor"]["ProcessorConfig"]["Mode"] == "INLINE"
    )
    text = ASL_PATH.read_text()
    assert '"$.changes"' not in text and "language.files" not in text


def test_partly_failed_run_ends_in_a_state_that_says_so() -> None:
    choice = _top()["Any Language Failed?"]
    targets = {c["Next"] for c in choice["Choices"]}
    assert targets == {"Write Failure Report", "Some Files Failed"}
    assert _top()["Some Files Failed"]["Type"] == "Fail"
    assert "Partly failed" in _top()["Some Files Failed"]["Cause"]


def test_callback_tasks_pass_the_token_and_have_heartbeat_and_timeout() -> None:
    callbacks = [(n, s) for n, s in _tasks() if s["Resource"].endswith(".waitForTaskToken")]
    assert sorted(n for n, _ in callbacks) == ["Create Or Update Parallel Data", "Start Translation Job"]
    for name, state in callbacks:
        assert state["Parameters"]["Payload"]["task_token.$"] == "$$.Task.Token", name
        assert 0 < state["HeartbeatSeconds"] < state["TimeoutSeconds"], name


def test_map_concurrency_stays_under_translate_job_limit() -> None:
    state = _top()["Translate Each Language"]
    assert state["Type"] == "Map" and 1 <= state["MaxConcurrency"] <= 10


def test_every_step_of_the_table_is_in_the_asl() -> None:
    names = {n for n, _ in iter_states(_definition())}
    assert [s.state for s in STEPS if s.state not in names] == []


def test_placeholders_are_the_documented_ones() -> None:
    placeholders = set(re.findall(r"\$\{(\w+)\}", ASL_PATH.read_text()))
    design = DESIGN.read_text()
    assert placeholders and all(f"${{{p}}}" in design for p in placeholders)


def test_unknown_placeholder_is_refused() -> None:
    with pytest.raises(KeyError, match="ReportsBucket"):
        load_definition({name: "x" for name in FUNCTIONS.values()})
