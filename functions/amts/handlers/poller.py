"""Callback poller: Amazon Translate EventBridge events and the schedule → SendTask* (not in the ASL)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit

from amts.observability import logger, metrics, tracer
from amts.service.deps import get_deps
from amts.service.poller import CallbackPoller


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    deps = get_deps()
    summary = CallbackPoller(deps.tokens, deps.callbacks, deps.batch).handle_event(event)
    for name, items in (("CallbacksSucceeded", summary.succeeded), ("CallbacksFailed", summary.failed)):
        metrics.add_metric(name=name, unit=MetricUnit.Count, value=len(items))
    metrics.add_metric(name="PollerErrors", unit=MetricUnit.Count, value=len(summary.errors))
    return summary.as_dict()
