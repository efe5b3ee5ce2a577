"""The step logic behind the Lambda handlers: domain calls over ports, no event parsing.

Handlers parse the event into a model from :mod:`amts.models`, call one function here with the
:class:`~amts.service.deps.Deps` built from the environment (or by the local runner), and return
the model this function returns.
"""
