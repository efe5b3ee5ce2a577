"""The one place that creates Powertools Logger, Tracer and Metrics.

Every handler imports these three objects, so log format, service name and metric namespace
are set once (``POWERTOOLS_SERVICE_NAME`` / ``POWERTOOLS_METRICS_NAMESPACE`` from the
environment, defaults for local runs and tests). The correlation id of every log line is the
Step Functions execution name, so one execution's lines can be pulled out of all functions.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger, Metrics

if TYPE_CHECKING:
    from aws_lambda_powertools import Tracer

SERVICE = os.environ.get("POWERTOOLS_SERVICE_NAME", "amts")
NAMESPACE = os.environ.get("POWERTOOLS_METRICS_NAMESPACE", "AMTS")

# Tracing is off outside Lambda (no X-Ray daemon locally or in tests).
_in_lambda = "AWS_LAMBDA_FUNCTION_NAME" in os.environ

logger = Logger(service=SERVICE)
metrics = Metrics(service=SERVICE, namespace=NAMESPACE)

Handler = Callable[[dict[str, Any], Any], dict[str, Any]]


@functools.cache
def get_tracer() -> Tracer:
    """The Powertools Tracer, created on first use: importing the X-Ray SDK (and botocore's
    session machinery under it) is ~0.3 s that a handler module's import does not need to pay."""
    from aws_lambda_powertools import Tracer

    return Tracer(service=SERVICE, disabled=not _in_lambda)


class _LazyTracer:
    """``@tracer.capture_lambda_handler`` without creating the Tracer at import time."""

    def capture_lambda_handler(self, handler: Handler) -> Handler:
        traced: list[Handler] = []

        @functools.wraps(handler)
        def wrapper(event: dict[str, Any], context: Any) -> dict[str, Any]:
            if not traced:
                traced.append(get_tracer().capture_lambda_handler(handler))
            return traced[0](event, context)

        return wrapper

    def __getattr__(self, name: str) -> Any:
        return getattr(get_tracer(), name)


tracer = _LazyTracer()


def correlate(execution_name: str | None) -> None:
    """Use the execution name as correlation id (falls back to nothing for direct invokes)."""
    if execution_name:
        logger.set_correlation_id(execution_name)
