"""Settings are validated once, with errors a user can act on."""

from __future__ import annotations

import pytest
from amts.config import LanguagePair, Settings, price_estimate
from amts.errors import ConfigurationError


def test_context_builds_settings_with_pairs_and_flags() -> None:
    # Given a cdk.json "amts" context object
    ctx = {"languagePairs": ["en:zh", "zh:en", "en:ja"], "granularity": "paragraph", "runBaseline": True}
    # When it is parsed
    settings = Settings.from_context(ctx)
    # Then every value is carried over, typed
    assert settings.language_pairs == (
        LanguagePair("en", "zh"),
        LanguagePair("zh", "en"),
        LanguagePair("en", "ja"),
    )
    assert settings.granularity == "paragraph"
    assert settings.run_baseline is True


@pytest.mark.parametrize(
    ("ctx", "message"),
    [
        ({"languagePairs": ["en:xx"]}, "'xx'"),
        ({"languagePairs": ["en:en"]}, "into itself"),
        ({"languagePairs": ["en:zh", "en:zh"]}, "listed twice"),
        ({"granularity": "word"}, "granularity"),
        ({"parallelDataName": "bad name!"}, "parallelDataName"),
        ({"runBaseline": "yes"}, "runBaseline"),
        ({"batchWindowSeconds": 900}, "batchWindowSeconds"),
        ({"langagePairs": ["en:zh"]}, "unknown setting"),
        (
            {
                "languagePairs": [
                    f"{a}:{b}" for a in ("en", "zh") for b in ("es", "ja", "ko", "pt", "tr", "vi")
                ]
            },
            "at most 10 language pairs",
        ),
        (
            {"languagePairs": ["en:zh", "en:es", "en:ja", "en:ko", "en:pt", "en:tr"], "batchSize": 100},
            "files x languages",
        ),
    ],
)
def test_bad_context_is_rejected_with_the_setting_named(ctx: dict[str, object], message: str) -> None:
    # Given an invalid setting / When it is parsed / Then the error names it
    with pytest.raises(ConfigurationError, match=message):
        Settings.from_context(ctx)


def test_environment_round_trip() -> None:
    # Given settings handed to Lambda through environment variables
    settings = Settings.from_context({"languagePairs": ["en:es", "zh:en"], "minConfidence": 0.7})
    # When the handler reads them back
    again = Settings.from_env(settings.to_env())
    # Then nothing is lost
    assert again.language_pairs == settings.language_pairs
    assert again.min_confidence == pytest.approx(0.7)
    assert again.parallel_data_name_for(LanguagePair("en", "es")) == "amts-d2l-en-es"


def test_price_estimate_scales_with_characters() -> None:
    # Given one million characters / When priced / Then the ACT batch rate is the dearer one
    prices = price_estimate(1_000_000)
    assert prices["act_batch"] > prices["standard"] > 0
    assert price_estimate(0) == {name: 0.0 for name in prices}
