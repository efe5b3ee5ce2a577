"""Builds the CDK app from context; shared by ``app.py`` and the tests."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import aws_cdk as cdk
from amts.config import Settings
from amts.errors import ConfigurationError

from infra.bundling import BundleMode
from infra.nag import apply_nag
from infra.stack import AmtsStack

STACK_NAME = "AmtsStack"
# Feature flags the stack relies on, whatever cdk.json says: server access logs are granted by
# a bucket policy (ACL-free buckets with ObjectOwnership BucketOwnerEnforced need that).
REQUIRED_FLAGS = {"@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy": True}


def settings_from_app(app: cdk.App) -> Settings:
    ctx = app.node.try_get_context("amts")
    if ctx is None:
        ctx = {}
    if isinstance(ctx, str):  # `-c amts='{...}'` on the command line arrives as a string
        try:
            ctx = json.loads(ctx)
        except json.JSONDecodeError as error:
            raise ConfigurationError(f"context 'amts' is not valid JSON: {error.msg}") from error
    if not isinstance(ctx, Mapping):
        raise ConfigurationError('context \'amts\' must be an object such as {"languagePairs": ["en:zh"]}')
    return Settings.from_context(ctx)


def build_app(app: cdk.App | None = None, **stack_kwargs: Any) -> cdk.App:
    """Validate the ``amts`` context, build the stack, attach the cdk-nag AwsSolutions checks."""
    app = app or cdk.App()
    for flag, value in REQUIRED_FLAGS.items():
        if app.node.try_get_context(flag) is None:
            app.node.set_context(flag, value)
    settings = settings_from_app(app)
    bundle = BundleMode.parse(app.node.try_get_context("amts:bundle"))
    stack = AmtsStack(
        app,
        STACK_NAME,
        settings=settings,
        bundle=bundle,
        description="AMTS: keeps book translations in sync with the English source (Amazon Translate)",
        **stack_kwargs,
    )
    apply_nag(stack)
    return app
