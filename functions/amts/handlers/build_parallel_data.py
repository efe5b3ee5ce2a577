"""Build Parallel Data: align the human translations and write the parallel-data file."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit

from amts.models import WorkItem
from amts.observability import correlate, logger, metrics, tracer
from amts.service.deps import get_deps
from amts.service.language import build_parallel_data_step


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    request = WorkItem.model_validate(event)
    correlate(request.execution)
    result = build_parallel_data_step(request, get_deps())
    metrics.add_metric(name="ParallelDataBuilt", unit=MetricUnit.Count, value=1)
    return result.model_dump(mode="json")
