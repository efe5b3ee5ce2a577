"""The one place that creates Powertools Logger, Tracer and Metrics.

Every handler imports these three objects, so log format, service name and metric namespace
are set once (``POWERTOOLS_SERVICE_NAME`` / ``POWERTOOLS_METRICS_NAMESPACE`` from the
environment, defaults for local runs and tests). The correlation id of every log line is the
Step Functions execution name, so one execution's lines can be pulled out of all functions.
"""

from __future__ import annotations

import os

from aws_lambda_powertools import Logger, Metrics, Tracer

SERVICE = os.environ.get("POWERTOOLS_SERVICE_NAME", "amts")
NAMESPACE = os.environ.get("POWERTOOLS_METRICS_NAMESPACE", "AMTS")

# Tracing is off outside Lambda (no X-Ray daemon locally or in tests).
_in_lambda = "AWS_LAMBDA_FUNCTION_NAME" in os.environ

logger = Logger(service=SERVICE)
tracer = Tracer(service=SERVICE, disabled=not _in_lambda)
metrics = Metrics(service=SERVICE, namespace=NAMESPACE)


def correlate(execution_name: str | None) -> None:
    """Use the execution name as correlation id (falls back to nothing for direct invokes)."""
    if execution_name:
        logger.set_correlation_id(execution_name)
