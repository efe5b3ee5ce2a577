"""Custom terminology for one language pair: build it from the configured glossary, import it
once per content hash, and name it (with Amazon Translate's per-language Settings) on the job.

Without a ``glossary`` for the target language nothing is imported and nothing is passed:
jobs run exactly as before.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from amts.config import LanguagePair, Settings
from amts.domain.glossary import parse_entries
from amts.domain.terminology import build_terminology, terminology_name
from amts.errors import ConfigurationError
from amts.observability import logger
from amts.ports import BlobStore


@dataclass(frozen=True, slots=True)
class JobOptions:
    terminology_name: str | None = None
    settings: dict[str, str] = field(default_factory=dict)
    imported: bool = False


def job_options(
    settings: Settings, reference: BlobStore, batch: object, source: str, target: str
) -> JobOptions:
    """TerminologyNames and Settings for a job ``source → target``; imports the terminology if
    its content changed (``batch.ensure_terminology``)."""
    translate_settings = settings.language(target).translate_settings()
    lang = settings.glossary_language(LanguagePair(source, target))
    if not lang.glossary or "en" not in (source, target):
        return JobOptions(None, translate_settings)
    try:
        text = reference.get_text(lang.glossary)
    except Exception as exc:
        raise ConfigurationError(
            f"glossary {lang.glossary!r} for {target} not found in the reference bucket: {exc}"
        ) from exc
    term_file = build_terminology(parse_entries(text), source, target)
    name = terminology_name(settings.parallel_data_name, source, target)
    ensure = getattr(batch, "ensure_terminology", None)
    imported = bool(ensure(name, term_file.content)) if callable(ensure) else False
    logger.info(
        "terminology ready",
        extra={
            "terminology": name,
            "terms": term_file.terms,
            "imported": imported,
            "sha256": term_file.sha256,
        },
    )
    return JobOptions(name, translate_settings, imported)
