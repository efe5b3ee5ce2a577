"""Record Plan/Assembly Failure: one file's outcome is "failed", with the state and the reason."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit

from amts.models import FileFailureInput
from amts.observability import correlate, logger, metrics, tracer
from amts.service.deps import get_deps
from amts.service.language import record_file_failure


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    request = FileFailureInput.model_validate(event)
    correlate(request.item.execution)
    result = record_file_failure(request, get_deps())
    metrics.add_metric(name="FilesFailed", unit=MetricUnit.Count, value=1)
    logger.warning("file failed", extra={"path": result.path, "pair": result.pair, "state": request.state})
    return result.model_dump(mode="json")
