"""Plan File Sync: for one file and language pair, what is reused and what goes into the batch job."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit

from amts.models import FileItem
from amts.observability import correlate, logger, metrics, tracer
from amts.service.deps import get_deps
from amts.service.language import plan_file


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    request = FileItem.model_validate(event)
    correlate(request.execution)
    result = plan_file(request, get_deps())
    metrics.add_metric(name="FilesPlanned", unit=MetricUnit.Count, value=1)
    return result.model_dump(mode="json")
