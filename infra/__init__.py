"""AWS CDK constructs of AMTS, one per concern, composed by ``infra.stack.AmtsStack``."""
