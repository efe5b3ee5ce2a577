#!/usr/bin/env python3
"""CDK entry point: builds the AMTS stack from the ``amts`` object of cdk.json context.

Settings are validated here (``Settings.from_context``), so a typo in cdk.json fails
``cdk synth`` with one clear line instead of a broken deployment.
"""

from __future__ import annotations

import os

# jsii starts a Node.js process on import; silence its end-of-life banner for the Node versions
# this project is still used with (the CLI is pinned in package.json and works on them).
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "18,19,20,21,22,23")
os.environ.setdefault("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", "1")
os.environ.setdefault("JSII_SILENCE_WARNING_UNTESTED_NODE_VERSION", "1")

import sys

import aws_cdk as cdk
from amts.errors import ConfigurationError

from infra.app_builder import build_app


def main() -> int:
    try:
        app = build_app()
    except ConfigurationError as error:
        print(f"cdk.json: {error}", file=sys.stderr)
        return 1
    app.synth()
    return 0


if __name__ == "__main__":
    _ = cdk  # imported first so jsii starts with the silenced environment
    raise SystemExit(main())
