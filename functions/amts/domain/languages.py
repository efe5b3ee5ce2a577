"""Language facts: the one place that says how each language of the book is written.

Segmentation (``segment.py``), line joining (``markdown.py``), alignment (``align.py``,
``anchors.py``), sync, parallel data and BLEU all read this module; nothing else keeps its own
set of "languages without spaces" (there used to be five, and they disagreed: Korean was treated
as written without spaces in one of them, so its sentences were joined as ``…입니다.오늘날…``).

Contract:
    SUPPORTED: tuple of the codes AMTS knows (en, es, ja, ko, pt, tr, vi, zh)
    base(lang) -> str                         "zh-TW" -> "zh", "pt_BR" -> "pt"
    facts(lang) -> LanguageFacts               unknown codes get space-delimited defaults
    require_supported(lang, what) -> str       the base code, or ConfigurationError listing SUPPORTED
    is_spaceless(lang) -> bool                 words not separated by spaces (zh, ja)
    uses_cjk_script(lang) -> bool              Han / kana / Hangul script: Latin words inside are
                                               copied terms (zh, ja, ko); Korean has spaces though
    joiner(lang) -> str                        "" or " ": how sentences/segments of the language join

Two facts are easy to confuse and are kept apart here: *script* (Korean is written in Hangul,
whose Latin-script terms and inline code are alignment anchors exactly as in Chinese) and *word
separation* (Korean separates words with spaces; Chinese and Japanese do not).

The defaults were read off the book's own translations (``../shared/d2l-dev`` for Chinese,
``../shared/d2l-dev-multi`` for ja/ko/tr/vi): d2l-zh writes one sentence or clause per line and
no space between Chinese and Latin words (``softmax回归``), full-width punctuation; d2l-ja,
d2l-ko, d2l-tr and d2l-vi write one paragraph per line; d2l-ko often has no space after a
sentence-final period (``…했습니다.또한…``), which is still a sentence end.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from amts.errors import ConfigurationError

__all__ = [
    "SUPPORTED",
    "LanguageFacts",
    "base",
    "facts",
    "is_spaceless",
    "joiner",
    "require_supported",
    "uses_cjk_script",
]

LineStyle = Literal["sentence", "paragraph"]
PunctuationWidth = Literal["full", "half", "keep"]
BleuTokenizer = Literal["zh", "ja-mecab", "ko-mecab", "13a", "char", "intl"]
BLEU_TOKENIZERS: tuple[str, ...] = ("zh", "ja-mecab", "ko-mecab", "13a", "char", "intl")
LINE_STYLES: tuple[str, ...] = ("sentence", "paragraph")
PUNCTUATION_WIDTHS: tuple[str, ...] = ("full", "half", "keep")  # keep: as the engine wrote it


def _bars(words: str) -> frozenset[str]:
    return frozenset(w for w in words.split("|") if w)


@dataclass(frozen=True, slots=True)
class LanguageFacts:
    """How one language is written, as far as AMTS cares.

    ``non_final_abbreviations`` are lower case, without the final period, and never end a
    sentence (``e.g``, Turkish ``vb``, Vietnamese ``tr``); they add to pysbd's lists.
    ``glued_period`` means a period directly followed by a letter of the language's own script
    ends a sentence (Korean: ``했습니다.또한``); Latin ``np.mean`` or ``3.5`` never do.
    ``sentence_endings`` are letters that end a sentence when a terminal follows them (Korean
    verb endings ``다 요 죠 까 오``): after one, the terminal ends the sentence whatever comes
    next, a Latin word, a digit, lower case (``합니다.GPU``, ``바랍니다. eigendecomposition``);
    Hangul text has no letter case to tell a sentence start, only its endings do.
    """

    code: str
    name: str
    spaceless: bool = False
    cjk_script: bool = False
    sentence_terminals: str = ".!?…"
    glued_period: bool = False
    sentence_endings: str = ""
    non_final_abbreviations: frozenset[str] = field(default_factory=frozenset)
    # abbreviations like "etc.": they end a sentence only before a capital letter
    etc_abbreviations: frozenset[str] = field(default_factory=frozenset)
    bleu_tokenizer: str = "13a"
    line_style: LineStyle = "paragraph"
    cjk_latin_space: bool = False  # a space between CJK text and a Latin word / inline code
    punctuation_width: PunctuationWidth = "half"
    # a pysbd language whose abbreviation tables apply (None: English tables)
    pysbd_code: str | None = None

    @property
    def joiner(self) -> str:
        return "" if self.spaceless else " "


_EN_ABBREVIATIONS = _bars(
    "e.g|i.e|cf|viz|vs|al|et al|fig|figs|eq|eqs|sec|secs|sect|ch|chap|appx|resp|approx"
    "|dr|mr|mrs|ms|prof|thm|lem|eds"
)

_FACTS: dict[str, LanguageFacts] = {
    "en": LanguageFacts("en", "English", non_final_abbreviations=_EN_ABBREVIATIONS, pysbd_code="en"),
    "es": LanguageFacts(
        "es",
        "Spanish",
        non_final_abbreviations=_bars(
            "sr|sra|srta|sres|sras|dr|dra|dres|ud|uds|vd|vds|d|da|dña|lic|ing|prof|profa|p. ej|ej"
            "|fig|figs|ec|eq|sec|cap|caps|pág|págs|núm|vol|art|aprox|vs|cf|ee|ee. uu|uu|et al|al"
            "|i.e|e.g|ref|tab"
        ),
        pysbd_code="es",
    ),
    "pt": LanguageFacts(
        "pt",
        "Portuguese",
        non_final_abbreviations=_bars("sr|sra|dr|dra|prof|profa|ex|fig|figs|eq|sec|cap|pág|vol|et al|al|cf"),
    ),
    # Turkish: "vb." (ve benzeri), "vs." (vesaire), "örn." (örneğin), "bkz." (bakınız),
    # "Şek." (şekil), "Denk." (denklem), "yy." (yüzyıl), "s." (sayfa); d2l-tr writes "vb." and
    # "örn." mid-sentence, often before a capitalised proper noun.
    "tr": LanguageFacts(
        "tr",
        "Turkish",
        non_final_abbreviations=_bars("vb|vs|örn|bkz|şek|denk|yy|sf|s|dr|prof|doç|yrd|no|bl|krş|çev|ed|vd"),
    ),
    # Vietnamese: "tr." (trang, page), "TS." (tiến sĩ), "PGS." (phó giáo sư), "GS." (giáo sư),
    # "vd." (ví dụ, e.g.), "Th.S"; "v.v." (vân vân) is "etc.": a sentence end before a capital.
    "vi": LanguageFacts(
        "vi",
        "Vietnamese",
        non_final_abbreviations=_bars("tr|ts|pgs|gs|ths|th.s|vd|tp|nxb|dr|prof"),
        etc_abbreviations=_bars("v.v"),  # "…, v.v. Chúng tôi…" ends there (d2l-vi, 8 of 8)
    ),
    "zh": LanguageFacts(
        "zh",
        "Chinese (Simplified)",
        spaceless=True,
        cjk_script=True,
        sentence_terminals="。！？!?…",
        bleu_tokenizer="zh",
        # d2l-zh (amts.domain.style reads these): of 1805 paragraphs of 2+ sentences 1303 are
        # one line per sentence, 416 one line; Chinese next to a Latin word without a space 5408
        # times, with one 27 (inline code 2224 vs 21); ， 9250 vs "," after Chinese 5, （ 884 vs 14.
        line_style="sentence",
        cjk_latin_space=False,
        punctuation_width="full",
    ),
    "ja": LanguageFacts(
        "ja",
        "Japanese",
        spaceless=True,
        cjk_script=True,
        sentence_terminals="。！？!?…",
        bleu_tokenizer="ja-mecab",
        line_style="paragraph",  # d2l-ja: 1951 of 2019 paragraphs of 2+ sentences on one line
        # d2l-ja: a space between kana/kanji and a Latin word 5732 times, none 1553; inline code
        # 1463 vs 29; inline math 2154 vs 151 (before the span).
        cjk_latin_space=True,
        # d2l-ja mixes widths: ？ 411 vs ? 17 and ！ 34 vs ! 6, but ( after Japanese text 801
        # half-width vs 116 （ and : 61 vs ： 14; neither "full" nor "half" is how it is written.
        punctuation_width="keep",
    ),
    "ko": LanguageFacts(
        "ko",
        "Korean",
        spaceless=False,
        cjk_script=True,
        sentence_terminals=".!?…。",
        glued_period=True,
        # d2l-ko: 225 of 12,773 sentences held "다.GPU", "다.2017년", "요?Shannon" uncut (2026-12)
        sentence_endings="다요죠까오",
        bleu_tokenizer="ko-mecab",
        # d2l-ko: 2147 of 2220 paragraphs of 2+ sentences on one line; no full-width ，；：？！（）
        # at all; a period glued to the next Hangul word 5216 times, followed by a space 465.
        # cjk_latin_space does not apply (words are spaced by grammar, particles attach: GPU를).
        line_style="paragraph",
        cjk_latin_space=True,
        punctuation_width="half",
    ),
}

SUPPORTED: tuple[str, ...] = tuple(sorted(_FACTS))


def base(lang: str) -> str:
    """``zh-TW`` → ``zh``, ``pt_BR`` → ``pt``: the facts depend on the language, not the region."""
    return re.split(r"[-_]", lang.strip(), maxsplit=1)[0].lower()


def facts(lang: str) -> LanguageFacts:
    """The facts of ``lang``; a code AMTS does not know gets space-delimited defaults."""
    b = base(lang)
    found = _FACTS.get(b)
    if found is not None:
        return found
    return LanguageFacts(b, b, non_final_abbreviations=frozenset(), pysbd_code=b)


def require_supported(lang: str, what: str = "language") -> str:
    """The base code of ``lang``, or a ConfigurationError that lists the supported codes."""
    b = base(lang)
    if b not in _FACTS:
        raise ConfigurationError(f"{what} {lang!r} is not supported; choose from {', '.join(SUPPORTED)}")
    return b


def is_spaceless(lang: str) -> bool:
    return facts(lang).spaceless


def uses_cjk_script(lang: str) -> bool:
    return facts(lang).cjk_script


def joiner(lang: str) -> str:
    return facts(lang).joiner
