"""Settings shared by the CDK app (validated at synth time), the Lambda handlers (read from the
environment) and the CLI. One place, so a language pair or a price is never spelled twice.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any

from amts.domain.languages import SUPPORTED, facts
from amts.errors import ConfigurationError

if TYPE_CHECKING:
    from amts.domain.style import TargetStyle

# Amazon Translate language codes AMTS knows how to segment, align and score (the language facts
# module is the one list; this mapping is its code -> name view).
SUPPORTED_LANGUAGES: dict[str, str] = {code: facts(code).name for code in SUPPORTED}

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
# pair ("Translate Each Language", an inline Map, at most 40 iterations) and the Pipe's batch as
# the execution input: one slim record per upload (amts.trigger_record, ~150 bytes + the key).
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


# amts.domain.review.MarkerStyle values (kept here so config imports no domain rendering code).
REVIEW_MARKER_STYLES = ("comment", "visible")

# Field metadata of Settings: RUNTIME settings are read by the Lambda functions (Settings.from_env,
# environment variable AMTS_<FIELD NAME>) and so are passed to every function by the stack;
# SYNTH settings only shape the stack. Every setting is one or the other (a test checks), and a
# test derives from this marking that each run-time setting is in each function's environment.
RUNTIME: Mapping[str, Any] = {"runtime": True}
SYNTH: Mapping[str, Any] = {"runtime": False}


# Amazon Translate's own per-language settings (TranslationSettings in botocore's model: Formality
# FORMAL | INFORMAL, Profanity MASK). Formality applies only to these target languages
# (Developer Guide, "Setting formality in Amazon Translate", customizing-translations-formality):
# nl, fr, fr-CA, de, hi, it, ja, ko, pt-PT, es, es-MX; of the book's languages ja, ko, es.
# Profanity masking ("Masking profane words", customizing-translations-profanity) works for
# most target languages; the guide lists the unsupported ones, none of which is a book language.
FORMALITY_TARGETS = frozenset({"nl", "fr", "fr-CA", "de", "hi", "it", "ja", "ko", "pt-PT", "es", "es-MX"})
FORMALITIES = ("FORMAL", "INFORMAL")


@dataclass(frozen=True, slots=True)
class LanguageSettings:
    """The sub-pipeline settings of one target language (cdk.json ``languages.<code>``).

    Unset fields take the language facts' defaults (:mod:`amts.domain.languages`).
    ``glossary`` names a glossary file in the reference bucket (e.g. ``TERMINOLOGY.ko.md``):
    it becomes a custom terminology applied to every job and TranslateText call of the
    language; without one nothing changes.
    """

    code: str
    glossary: str | None = None
    formality: str | None = None
    profanity_mask: bool = False
    line_style: str | None = None  # "sentence" (d2l-zh) or "paragraph"
    cjk_latin_space: bool | None = None
    punctuation_width: str | None = None  # "full", "half" or "keep"
    bleu_tokenizer: str | None = None  # "zh", "ja-mecab", "ko-mecab", "13a", "char", "intl"
    glued_period: bool | None = None  # a period without a following space ends a sentence

    def __post_init__(self) -> None:
        from amts.domain import languages

        languages.require_supported(self.code, "language in 'languages'")
        where = f"languages.{self.code}"
        if self.formality is not None:
            if self.formality not in FORMALITIES:
                raise ConfigurationError(f"{where}.formality must be one of {', '.join(FORMALITIES)}")
            if self.code not in FORMALITY_TARGETS:
                raise ConfigurationError(
                    f"{where}.formality: Amazon Translate supports formality only for "
                    f"{', '.join(sorted(FORMALITY_TARGETS))}"
                )
        checks = (
            ("lineStyle", self.line_style, languages.LINE_STYLES),
            ("punctuationWidth", self.punctuation_width, languages.PUNCTUATION_WIDTHS),
            ("bleuTokenizer", self.bleu_tokenizer, languages.BLEU_TOKENIZERS),
        )
        for key, value, allowed in checks:
            if value is not None and value not in allowed:
                raise ConfigurationError(f"{where}.{key} {value!r} must be one of {', '.join(allowed)}")
        if self.glossary is not None and (not self.glossary.strip() or self.glossary.startswith("/")):
            raise ConfigurationError(f"{where}.glossary must be a key in the reference bucket")
        # Settings that would have no effect are refused, not ignored (amts.domain.style says why).
        lang_facts = languages.facts(self.code)
        if self.cjk_latin_space is not None and not (lang_facts.cjk_script and lang_facts.spaceless):
            raise ConfigurationError(
                f"{where}.cjkLatinSpace applies to Chinese and Japanese only (text written without "
                "spaces); other languages space words by their grammar"
            )
        if self.punctuation_width is not None and not lang_facts.cjk_script:
            raise ConfigurationError(
                f"{where}.punctuationWidth applies to CJK-script languages only (zh, ja, ko)"
            )
        if self.glued_period is not None and (lang_facts.spaceless or not lang_facts.cjk_script):
            raise ConfigurationError(
                f"{where}.gluedPeriod applies to Korean only (a period glued to the next Hangul "
                "letter); Chinese and Japanese end sentences at 。, Latin scripts need the space"
            )

    # the effective values: this setting, else the language's fact
    def effective(self) -> dict[str, Any]:
        from amts.domain import languages

        facts = languages.facts(self.code)
        style = self.style()  # what the sync assembly applies (None: does not apply here)
        return {
            "lineStyle": style.line_style,
            "cjkLatinSpace": style.cjk_latin_space,
            "punctuationWidth": style.punctuation_width,
            "bleuTokenizer": self.bleu_tokenizer or facts.bleu_tokenizer,
            "gluedPeriod": style.glued_period,
            "glossary": self.glossary,
            "translateSettings": self.translate_settings(),
        }

    def style(self) -> TargetStyle:
        """How this language's machine output is written (lineStyle, cjkLatinSpace,
        punctuationWidth, gluedPeriod), for the sync assembly: the settings, else the facts."""
        from amts.domain.style import TargetStyle

        return TargetStyle.of(
            self.code,
            line_style=self.line_style,
            cjk_latin_space=self.cjk_latin_space,
            punctuation_width=self.punctuation_width,
            glued_period=self.glued_period,
        )

    def translate_settings(self) -> dict[str, str]:
        """``Settings`` for StartTextTranslationJob / TranslateText (empty: send none)."""
        out: dict[str, str] = {}
        if self.formality:
            out["Formality"] = self.formality
        if self.profanity_mask:
            out["Profanity"] = "MASK"
        return out

    @classmethod
    def from_mapping(cls, code: str, raw: Any) -> LanguageSettings:
        if not isinstance(raw, Mapping):
            raise ConfigurationError(
                f'languages.{code} must be an object such as {{"glossary": "TERMINOLOGY.{code}.md"}}'
            )
        unknown = set(raw) - set(_LANGUAGE_KEYS)
        if unknown:
            raise ConfigurationError(
                f"unknown setting(s) in languages.{code}: {', '.join(sorted(unknown))}; "
                f"known: {', '.join(sorted(_LANGUAGE_KEYS))}"
            )
        kwargs: dict[str, Any] = {}
        for key, value in raw.items():
            attr, typ = _LANGUAGE_KEYS[key]
            if not isinstance(value, typ):
                raise ConfigurationError(f"languages.{code}.{key} must be a {typ.__name__}, not {value!r}")
            kwargs[attr] = value
        return cls(code=code, **kwargs)

    def to_mapping(self) -> dict[str, Any]:
        return {
            k: getattr(self, a)
            for k, (a, _) in _LANGUAGE_KEYS.items()
            if getattr(self, a) not in (None, False)
        }


_LANGUAGE_KEYS: dict[str, tuple[str, type]] = {
    "glossary": ("glossary", str),
    "formality": ("formality", str),
    "profanityMask": ("profanity_mask", bool),
    "lineStyle": ("line_style", str),
    "cjkLatinSpace": ("cjk_latin_space", bool),
    "punctuationWidth": ("punctuation_width", str),
    "bleuTokenizer": ("bleu_tokenizer", str),
    "gluedPeriod": ("glued_period", bool),
}


_OVERRIDE = re.compile(r"^([A-Za-z]{2,3}(?:-[A-Za-z]{2,4})?)\.([A-Za-z]+)=(.*)$", re.S)
LANGUAGE_OVERRIDE_FORM = "LANG.KEY=VALUE"


def apply_language_overrides(
    languages: Mapping[str, LanguageSettings], overrides: Sequence[str], option: str = "--lang-setting"
) -> dict[str, LanguageSettings]:
    """``languages`` (cdk.json's) with command-line overrides ``zh.lineStyle=sentence`` applied.

    Each override goes through :meth:`LanguageSettings.from_mapping`, the validation cdk.json
    gets at synth, so an unknown key or a bad value is refused with the same message (the key and
    the allowed values), prefixed by the override. Booleans are ``true``/``false``; an empty value
    (``zh.glossary=``) removes the setting, back to the language's default.
    """
    raw: dict[str, dict[str, Any]] = {code: ls.to_mapping() for code, ls in languages.items()}
    for text in overrides:
        match = _OVERRIDE.match(text.strip())
        if match is None:
            raise ConfigurationError(
                f"{option} {text!r} is not {LANGUAGE_OVERRIDE_FORM} (e.g. zh.lineStyle=sentence); "
                f"keys: {', '.join(sorted(_LANGUAGE_KEYS))}"
            )
        code, key, value = match.groups()
        where = f"{option} {code}.{key}"
        spec = _LANGUAGE_KEYS.get(key)
        if spec is None:
            raise ConfigurationError(
                f"{where}: unknown setting {key!r}; known: {', '.join(sorted(_LANGUAGE_KEYS))}"
            )
        entry = raw.setdefault(code, {})
        if value == "":
            entry.pop(key, None)
        elif spec[1] is bool:
            if value.lower() not in ("true", "false"):
                raise ConfigurationError(f"{where} must be true or false, not {value!r}")
            entry[key] = value.lower() == "true"
        else:
            entry[key] = value
        try:
            LanguageSettings.from_mapping(code, entry)
        except ConfigurationError as exc:
            raise ConfigurationError(f"{where}={value}: {exc}") from None
    return {code: LanguageSettings.from_mapping(code, entry) for code, entry in raw.items()}


def parse_language_settings(raw: Any) -> dict[str, LanguageSettings]:
    if not isinstance(raw, Mapping):
        raise ConfigurationError(
            'languages must be an object such as {"ko": {"glossary": "TERMINOLOGY.ko.md"}}'
        )
    return {str(code): LanguageSettings.from_mapping(str(code), value) for code, value in raw.items()}


@dataclass(frozen=True, slots=True)
class Settings:
    language_pairs: tuple[LanguagePair, ...] = field(
        default=(LanguagePair("en", "zh"), LanguagePair("en", "es"), LanguagePair("zh", "en")),
        metadata=RUNTIME,
    )
    granularity: str = field(default="sentence", metadata=RUNTIME)
    parallel_data_name: str = field(default="amts-d2l", metadata=RUNTIME)
    run_baseline: bool = field(default=False, metadata=RUNTIME)
    min_confidence: float = field(default=0.5, metadata=RUNTIME)
    poller_schedule_minutes: int = field(default=5, metadata=SYNTH)
    # Where sources live in the source bucket (<prefix><lang>/<path><suffix>): shape the trigger
    # rule and are honoured by collect and the parallel-data source keys.
    source_prefix: str = field(default="", metadata=RUNTIME)
    source_suffix: str = field(default=".md", metadata=RUNTIME)
    batch_window_seconds: int = field(default=60, metadata=SYNTH)
    # Records per workflow execution (EventBridge Pipes SQS batch). Each record is ~2 KB of S3
    # event JSON and Step Functions input is limited to 256 KiB, hence the upper bound of 100.
    batch_size: int = field(default=50, metadata=SYNTH)
    # Reserved concurrency for the Lambdas that call Translate's create/start APIs (0 = none:
    # new accounts with a 10-execution regional limit cannot reserve any).
    reserved_concurrency: int = field(default=2, metadata=SYNTH)
    # Operations: an address subscribed to the alarm topic ("" = none), and whether the state
    # machine logs execution data (task tokens, keys, text; off by default: errors only).
    alarm_email: str = field(default="", metadata=SYNTH)
    log_execution_data: bool = field(default=False, metadata=SYNTH)
    # How review markers look in the written markdown: "comment" (an HTML comment, invisible in
    # the rendered book) or "visible" (the comment plus a styled badge); amts.domain.review.
    review_markers: str = field(default="comment", metadata=RUNTIME)
    # Per target language sub-pipeline settings (issue 13); absent: the language facts' defaults.
    languages: Mapping[str, LanguageSettings] = field(default_factory=dict, metadata=RUNTIME)
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
        if self.review_markers not in REVIEW_MARKER_STYLES:
            raise ConfigurationError(
                f"reviewMarkers {self.review_markers!r} must be one of {', '.join(REVIEW_MARKER_STYLES)}"
            )
        if self.alarm_email and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", self.alarm_email):
            raise ConfigurationError(f"alarmEmail {self.alarm_email!r} is not an e-mail address")
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
            "alarmEmail",
            "logExecutionData",
            "reviewMarkers",
            "languages",
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
        if "languages" in ctx:
            kwargs["languages"] = parse_language_settings(ctx["languages"])
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
            "alarmEmail": ("alarm_email", str),
            "logExecutionData": ("log_execution_data", bool),
            "reviewMarkers": ("review_markers", str),
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
    @staticmethod
    def env_name(field_name: str) -> str:
        return f"AMTS_{field_name.upper()}"

    @classmethod
    def runtime_fields(cls) -> tuple[str, ...]:
        """The settings the Lambda functions read, from the field metadata."""
        return tuple(f.name for f in fields(cls) if f.metadata.get("runtime") is True)

    def to_env(self) -> dict[str, str]:
        """Every run-time setting as ``AMTS_<FIELD>``; :meth:`from_env` reads them back."""
        env: dict[str, str] = {}
        for name in self.runtime_fields():
            value = getattr(self, name)
            if name == "language_pairs":
                text = ",".join(f"{p.source}:{p.target}" for p in value)
            elif name == "languages":
                text = json.dumps({c: ls.to_mapping() for c, ls in value.items()}, sort_keys=True)
            elif isinstance(value, bool):
                text = "true" if value else "false"
            else:
                text = str(value)
            env[self.env_name(name)] = text
        return env

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        defaults = cls()
        kwargs: dict[str, Any] = {}
        for name in cls.runtime_fields():
            var = cls.env_name(name)
            if var not in env:
                continue
            text = env[var]
            default = getattr(defaults, name)
            if name == "languages":
                if text.strip():
                    try:
                        kwargs[name] = parse_language_settings(json.loads(text))
                    except json.JSONDecodeError as exc:
                        raise ConfigurationError(f"{var} is not JSON: {exc}") from exc
            elif name == "language_pairs":
                if text.strip():
                    kwargs[name] = tuple(LanguagePair.parse(p) for p in text.split(",") if p.strip())
            elif isinstance(default, bool):
                kwargs[name] = text.strip().lower() == "true"
            elif isinstance(default, int | float):
                if text.strip():
                    try:
                        kwargs[name] = type(default)(text)
                    except ValueError as exc:
                        raise ConfigurationError(f"{var}={text!r} is not a number") from exc
            elif isinstance(default, str) and (text or name == "source_prefix"):
                # An empty value means "default", except sourcePrefix ("" = the bucket root).
                kwargs[name] = text
        return cls(**kwargs)

    def glossary_language(self, pair: LanguagePair) -> LanguageSettings:
        """The settings whose glossary serves ``pair``: the non-English side's (the book's
        glossaries pair English with one language; zh→en uses the zh glossary reversed)."""
        return self.language(pair.target if pair.target != "en" else pair.source)

    def terminology_names(self) -> dict[LanguagePair, str]:
        """The custom terminology of every configured pair that has a glossary."""
        from amts.domain.terminology import terminology_name

        return {
            pair: terminology_name(self.parallel_data_name, pair.source, pair.target)
            for pair in self.language_pairs
            if "en" in (pair.source, pair.target) and self.glossary_language(pair).glossary
        }

    def language(self, code: str) -> LanguageSettings:
        """The settings of target language ``code`` (defaults when none are configured)."""
        return self.languages.get(code) or LanguageSettings(code=code)


def price_estimate(characters: int) -> dict[str, float]:
    """USD for translating ``characters`` at each rate, for sync plans and reports."""
    return {name: round(characters * rate / 1_000_000, 4) for name, rate in PRICES_PER_MILLION_CHARS.items()}
