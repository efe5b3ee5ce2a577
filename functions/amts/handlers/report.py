"""Write Report: report.json/.md/.html in the reports bucket."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit

from amts.models import ReportInput
from amts.observability import correlate, logger, metrics, tracer
from amts.service.deps import get_deps
from amts.service.reporting import write_report


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    request = ReportInput.model_validate(event)
    correlate(request.execution)
    result = write_report(request, get_deps())
    metrics.add_metric(name="ReportsWritten", unit=MetricUnit.Count, value=1)
    return result.model_dump(mode="json")
