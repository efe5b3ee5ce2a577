"""Settings shared by the CDK app (validated at synth time), the Lambda handlers (read from the
environment) and the CLI. One place, so a language pair or a price is never spelled twice.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from amts.errors import ConfigurationError

# Amazon Translate language codes AMTS knows how to segment, align and score.
SUPPORTED_LANGUAGES: dict[str, str] = {
    "en": "English",
    "zh": "Chinese (Simplified)",
    "es": "Spanish",
    "ja": "Japanese",
    "ko": "Korean",
    "pt": "Portuguese",
    "tr": "Turkish",
    "vi": "Vietnamese",
}

# USD per million characters. Check https://aws.amazon.com/translate/pricing/ before relying on
# them: the ACT batch rate is the one third-party notes give ($60 vs $15 standard).
PRICES_PER_MILLION_CHARS: dict[str, float] = {
    "standard": 15.0,  # TranslateText and batch without parallel data
    "act_batch": 60.0,  # batch with Active Custom Translation (ParallelDataNames)
}

# Parallel-data names: 1-256 chars, ^([A-Za-z0-9-]_?)+$ (TRANSLATE-FACTS.md, botocore model).
PARALLEL_DATA_NAME_RE = re.compile(r"^([A-Za-z0-9-]_?)+$")
# What one execution accepts. Per-file work runs in Distributed Maps over a manifest in S3, so the
# state does not grow with files; what still sits in the state is one small work item per language
# pair ("Translate Each Language", an inline Map, at most 40 iterations) and the Pipe's batch of
# S3 events as the execution input (about 1.5 KB per record, Step Functions input limit 256 KiB).
MAX_LANGUAGE_PAIRS = 10
MAX_ITEMS_PER_EXECUTION = 500  # files x language pairs (batchSize x languagePairs); 300 measured offline
GRANULARITIES = ("sentence", "paragraph")


@dataclass(frozen=True, slots=True)
class LanguagePair:
    source: str
    target: str

    def __str__(self) -> str:
        return f"{self.source}-{self.target}"

    @classmethod
    def parse(cls, text: str) -> LanguagePair:
        """``en:zh`` or ``en-zh`` → LanguagePair, validated."""
        parts = re.split(r"[:\-→>]+", text.strip())
        if len(parts) != 2 or not all(parts):
            raise ConfigurationError(f"language pair {text!r} is not of the form 'en:zh'")
        source, target = parts[0].lower(), parts[1].lower()
        for code in (source, target):
            if code not in SUPPORTED_LANGUAGES:
                raise ConfigurationError(
                    f"language {code!r} in pair {text!r} is not supported; "
                    f"choose from {', '.join(sorted(SUPPORTED_LANGUAGES))}"
                )
        if source == target:
            raise ConfigurationError(f"language pair {text!r} translates a language into itself")
        return cls(source, target)


@dataclass(frozen=True, slots=True)
class Settings:
    language_pairs: tuple[LanguagePair, ...] = (
        LanguagePair("en", "zh"),
        LanguagePair("en", "es"),
        LanguagePair("zh", "en"),
    )
    granularity: str = "sentence"
    parallel_data_name: str = "amts-d2l"
    run_baseline: bool = False
    min_confidence: float = 0.5
    poller_schedule_minutes: int = 5
    source_prefix: str = ""
    source_suffix: str = ".md"
    batch_window_seconds: int = 60
    # Records per workflow execution (EventBridge Pipes SQS batch). Each record is ~2 KB of S3
    # event JSON and Step Functions input is limited to 256 KiB, hence the upper bound of 100.
    batch_size: int = 50
    # Reserved concurrency for the Lambdas that call Translate's create/start APIs (0 = none:
    # new accounts with a 10-execution regional limit cannot reserve any).
    reserved_concurrency: int = 2
    extra: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.language_pairs:
            raise ConfigurationError("at least one language pair is required")
        if len(set(self.language_pairs)) != len(self.language_pairs):
            raise ConfigurationError("a language pair is listed twice")
        if self.granularity not in GRANULARITIES:
            raise ConfigurationError(
                f"granularity {self.granularity!r} must be one of {', '.join(GRANULARITIES)}"
            )
        # The name gets a "-<source>-<target>" suffix per pair; keep room for it.
        if not PARALLEL_DATA_NAME_RE.match(self.parallel_data_name) or len(self.parallel_data_name) > 240:
            raise ConfigurationError(
                f"parallelDataName {self.parallel_data_name!r} must match ^([A-Za-z0-9-]_?)+$ "
                "and be at most 240 characters"
            )
        if not 0.0 <= self.min_confidence <= 1.0:
            raise ConfigurationError(f"minConfidence {self.min_confidence} must be between 0 and 1")
        if not 1 <= self.poller_schedule_minutes <= 1440:
            raise ConfigurationError("pollerScheduleMinutes must be between 1 and 1440")
        if not 0 <= self.batch_window_seconds <= 300:
            # EventBridge Pipes: MaximumBatchingWindowInSeconds is 0-300 for SQS sources.
            raise ConfigurationError("batchWindowSeconds must be between 0 and 300")
        if not self.source_suffix:
            raise ConfigurationError("sourceSuffix must not be empty (e.g. '.md')")
        if not 1 <= self.batch_size <= 100:
            raise ConfigurationError(
                "batchSize must be between 1 and 100 (Step Functions input is limited to 256 KiB)"
            )
        if len(self.language_pairs) > MAX_LANGUAGE_PAIRS:
            raise ConfigurationError(
                f"at most {MAX_LANGUAGE_PAIRS} language pairs (one execution carries one work item per pair "
                "and Amazon Translate runs 10 batch jobs at once)"
            )
        if self.batch_size * len(self.language_pairs) > MAX_ITEMS_PER_EXECUTION:
            raise ConfigurationError(
                f"batchSize x languagePairs = {self.batch_size * len(self.language_pairs)} files x languages "
                f"per execution; at most {MAX_ITEMS_PER_EXECUTION}: lower batchSize"
            )
        if not 0 <= self.reserved_concurrency <= 10:
            # Amazon Translate runs at most 10 batch jobs at once per account and region.
            raise ConfigurationError("reservedConcurrency must be between 0 and 10 (0 = not reserved)")

    def parallel_data_name_for(self, pair: LanguagePair) -> str:
        return f"{self.parallel_data_name}-{pair.source}-{pair.target}"

    # --- cdk.json context ------------------------------------------------------------------
    @classmethod
    def from_context(cls, ctx: Mapping[str, Any]) -> Settings:
        """Build from the ``amts`` object of cdk.json context; unknown keys are an error."""
        known = {
            "languagePairs",
            "granularity",
            "parallelDataName",
            "runBaseline",
            "minConfidence",
            "pollerScheduleMinutes",
            "sourcePrefix",
            "sourceSuffix",
            "batchWindowSeconds",
            "batchSize",
            "reservedConcurrency",
        }
        unknown = set(ctx) - known
        if unknown:
            raise ConfigurationError(
                f"unknown setting(s) in cdk.json context 'amts': {', '.join(sorted(unknown))}; "
                f"known: {', '.join(sorted(known))}"
            )
        kwargs: dict[str, Any] = {}
        if "languagePairs" in ctx:
            pairs = ctx["languagePairs"]
            if not isinstance(pairs, list):
                raise ConfigurationError('languagePairs must be a list such as ["en:zh", "en:es"]')
            kwargs["language_pairs"] = tuple(LanguagePair.parse(str(p)) for p in pairs)
        mapping = {
            "granularity": ("granularity", str),
            "parallelDataName": ("parallel_data_name", str),
            "runBaseline": ("run_baseline", bool),
            "minConfidence": ("min_confidence", float),
            "pollerScheduleMinutes": ("poller_schedule_minutes", int),
            "sourcePrefix": ("source_prefix", str),
            "sourceSuffix": ("source_suffix", str),
            "batchWindowSeconds": ("batch_window_seconds", int),
            "batchSize": ("batch_size", int),
            "reservedConcurrency": ("reserved_concurrency", int),
        }
        for key, (attr, typ) in mapping.items():
            if key in ctx:
                value = ctx[key]
                if typ is bool and not isinstance(value, bool):
                    raise ConfigurationError(f"{key} must be true or false, not {value!r}")
                if typ in (int, float) and (isinstance(value, bool) or not isinstance(value, int | float)):
                    raise ConfigurationError(f"{key} must be a number, not {value!r}")
                if typ is str and not isinstance(value, str):
                    raise ConfigurationError(f"{key} must be a string, not {value!r}")
                kwargs[attr] = typ(value)
        return cls(**kwargs)

    # --- Lambda environment ----------------------------------------------------------------
    def to_env(self) -> dict[str, str]:
        return {
            "AMTS_LANGUAGE_PAIRS": ",".join(f"{p.source}:{p.target}" for p in self.language_pairs),
            "AMTS_GRANULARITY": self.granularity,
            "AMTS_PARALLEL_DATA_NAME": self.parallel_data_name,
            "AMTS_RUN_BASELINE": "true" if self.run_baseline else "false",
            "AMTS_MIN_CONFIDENCE": str(self.min_confidence),
        }

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        kwargs: dict[str, Any] = {}
        if env.get("AMTS_LANGUAGE_PAIRS"):
            kwargs["language_pairs"] = tuple(
                LanguagePair.parse(p) for p in env["AMTS_LANGUAGE_PAIRS"].split(",") if p.strip()
            )
        if env.get("AMTS_GRANULARITY"):
            kwargs["granularity"] = env["AMTS_GRANULARITY"]
        if env.get("AMTS_PARALLEL_DATA_NAME"):
            kwargs["parallel_data_name"] = env["AMTS_PARALLEL_DATA_NAME"]
        if env.get("AMTS_RUN_BASELINE"):
            kwargs["run_baseline"] = env["AMTS_RUN_BASELINE"].lower() == "true"
        if env.get("AMTS_MIN_CONFIDENCE"):
            kwargs["min_confidence"] = float(env["AMTS_MIN_CONFIDENCE"])
        return cls(**kwargs)


def price_estimate(characters: int) -> dict[str, float]:
    """USD for translating ``characters`` at each rate, for sync plans and reports."""
    return {name: round(characters * rate / 1_000_000, 4) for name, rate in PRICES_PER_MILLION_CHARS.items()}
