"""Alias of :mod:`amts.adapters.stepfunctions` (some callers import it under this name)."""

from amts.adapters.stepfunctions import SfnTaskCallbacks

__all__ = ["SfnTaskCallbacks"]
