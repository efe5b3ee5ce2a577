"""Exceptions shared by the domain, the adapters and the handlers.

The class names double as Step Functions error names: the ASL retries and catches on them
(``"ErrorEquals": ["TranslateThrottled"]``), so renaming a class is an interface change.
"""

from __future__ import annotations

from pathlib import Path


class AmtsError(Exception):
    """Base class: anything AMTS raises on purpose."""


class BadInputError(AmtsError):
    """A user-supplied file cannot be used. The message names the file and the problem.

    The CLI prints ``str(error)`` on one line and exits non-zero, without a traceback.
    """

    def __init__(self, path: str | Path | None, problem: str, line: int | None = None) -> None:
        self.path = str(path) if path is not None else "<input>"
        self.problem = problem
        self.line = line
        where = f"{self.path}:{line}" if line is not None else self.path
        super().__init__(f"{where}: {problem}")


class ConfigurationError(AmtsError):
    """Settings (cdk.json context, CLI flags, environment) are invalid."""


class TransientError(AmtsError):
    """Worth retrying: the ASL retries this with backoff."""


class TranslateThrottled(TransientError):
    """Amazon Translate answered TooManyRequestsException / ThrottlingException."""


class ParallelDataBusy(TransientError):
    """A create/update of the parallel-data resource is already running (ConflictException)."""


class ParallelDataFailed(AmtsError):
    """The parallel-data resource ended in FAILED: the file was rejected by the service."""


class TranslationJobFailed(AmtsError):
    """A batch translation job ended FAILED or STOPPED."""


class GitError(AmtsError):
    """A git command failed, or a repository is not in a state AMTS may write to."""
