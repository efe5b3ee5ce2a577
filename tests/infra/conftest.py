"""One synthesized stack per test session: synth takes seconds, assertions take microseconds."""

from __future__ import annotations

import os

# Before aws_cdk starts its Node.js process (see app.py): no end-of-life banner in test output.
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "18,19,20,21,22,23")

import pytest
from aws_cdk.assertions import Annotations, Template
from infra_testkit import synth_stack

from infra.stack import AmtsStack


@pytest.fixture(scope="session")
def stack() -> AmtsStack:
    return synth_stack()


@pytest.fixture(scope="session")
def template(stack: AmtsStack) -> Template:
    return Template.from_stack(stack)


@pytest.fixture(scope="session")
def annotations(stack: AmtsStack, template: Template) -> Annotations:
    # Template.from_stack ran the aspects (cdk-nag) already; annotations are now complete.
    return Annotations.from_stack(stack)
