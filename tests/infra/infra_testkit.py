"""Helpers shared by the infra tests (importable: tests/infra is on sys.path under pytest)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "18,19,20,21,22,23")

import aws_cdk as cdk

from infra.app_builder import STACK_NAME, build_app
from infra.stack import AmtsStack

REPO_ROOT = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def cdk_context(**overrides: Any) -> dict[str, Any]:
    """The real cdk.json context (feature flags and settings), unbundled, with overrides."""
    context: dict[str, Any] = json.loads((REPO_ROOT / "cdk.json").read_text(encoding="utf-8"))["context"]
    context["amts:bundle"] = "false"
    context.update(overrides)
    return context


def synth_stack(**overrides: Any) -> AmtsStack:
    app = build_app(cdk.App(context=cdk_context(**overrides)))
    stack = app.node.find_child(STACK_NAME)
    assert isinstance(stack, AmtsStack)
    return stack
