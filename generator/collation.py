"""Text in the order its readers expect (SPEC §4): each language's own collation, as CLDR
defines it and ICU applies it. zh-Hant-TW runs by stroke count (一 人 大 中 台 臺 龍), not by
code point; English weighs case and accents only between otherwise equal words (ada, Émile,
Eve)."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

import icu  # PyICU's API, from the pyicu-wheels distribution (ICU bundled in its wheels)


@cache
def sort_key(html_lang: str) -> Callable[[str], bytes]:
    """The sort key of a text for readers of `html_lang` (BCP 47, as in site.yaml): computed
    once per text, compared as bytes. A tag ICU cannot read gets CLDR's root order."""
    try:
        locale = icu.Locale.forLanguageTag(html_lang)
    except icu.ICUError:
        locale = icu.Locale.getRoot()
    return icu.Collator.createInstance(locale).getSortKey


__all__ = ["sort_key"]
