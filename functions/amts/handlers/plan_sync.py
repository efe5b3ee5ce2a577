"""Plan Sync: what is reused from the human translation, what goes into the batch job."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit

from amts.models import WorkItem
from amts.observability import correlate, logger, metrics, tracer
from amts.service.deps import get_deps
from amts.service.language import plan_sync


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    request = WorkItem.model_validate(event)
    correlate(request.execution)
    result = plan_sync(request, get_deps())
    metrics.add_metric(name="PlanSyncCompleted", unit=MetricUnit.Count, value=1)
    return result.model_dump(mode="json")
