"""Translate Without ACT: the evaluation set through TranslateText, for the ACT comparison."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit

from amts.models import WorkItem
from amts.observability import correlate, logger, metrics, tracer
from amts.service.baseline import translate_baseline
from amts.service.deps import get_deps


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    request = WorkItem.model_validate(event)
    correlate(request.execution)
    result = translate_baseline(request, get_deps())
    characters = result.baseline.characters if result.baseline else 0
    metrics.add_metric(name="BaselineCharactersTranslated", unit=MetricUnit.Count, value=characters)
    return result.model_dump(mode="json")
