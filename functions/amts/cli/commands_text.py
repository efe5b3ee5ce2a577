"""``amts align`` and ``amts parallel-data`` (issue: core text engine)."""

from __future__ import annotations
