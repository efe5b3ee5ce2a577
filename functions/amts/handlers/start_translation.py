"""Start Translation Job (waitForTaskToken): one job per language pair, token left for the poller."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit

from amts.models import CallbackInput
from amts.observability import correlate, logger, metrics, tracer
from amts.service.deps import get_deps
from amts.service.language import start_translation


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    request = CallbackInput.model_validate(event)
    correlate(request.work.execution)
    result = start_translation(request, get_deps())
    metrics.add_metric(name="TranslationJobsStarted", unit=MetricUnit.Count, value=1)
    return result.model_dump(mode="json")
