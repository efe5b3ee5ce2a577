"""Assemble File: one file's translated segments and reused human text back into the markdown."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit

from amts.models import FileItem
from amts.observability import correlate, logger, metrics, tracer
from amts.service.deps import get_deps
from amts.service.language import assemble_file


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    request = FileItem.model_validate(event)
    correlate(request.execution)
    result = assemble_file(request, get_deps())
    metrics.add_metric(name="FilesAssembled", unit=MetricUnit.Count, value=1)
    return result.model_dump(mode="json")
