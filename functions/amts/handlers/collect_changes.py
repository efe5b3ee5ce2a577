"""Collect Changed Files: the Pipe's batch of S3 events → the manifest of changed files in S3."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit

from amts.models import CollectInput
from amts.observability import correlate, logger, metrics, tracer
from amts.service.collect import collect_changes
from amts.service.deps import get_deps


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    request = CollectInput.model_validate(event)
    correlate(request.execution)
    result = collect_changes(request, get_deps())
    metrics.add_metric(name="ChangedFiles", unit=MetricUnit.Count, value=result.file_count)
    metrics.add_metric(name="DuplicateEvents", unit=MetricUnit.Count, value=result.duplicates)
    logger.info("changes collected", extra={"changes": result.file_count, "duplicates": result.duplicates})
    return result.model_dump(mode="json")
