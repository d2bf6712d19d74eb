"""Which way a language is written: `text_direction("ar") == "rtl"`.

A page whose language (the site's, or an explainer's own) is written right to left gets
`dir="rtl"` on its root (`i18n.Messages.direction`, the templates' `dir`), which turns the
theme's logical CSS (`margin-inline-start`, `text-align: start`, ...) into a mirrored
layout, and the claim map (`claimmap.layout`) is drawn mirrored to match. One function, so
that every page of any language asks the same question the same way.

The answer comes from the Unicode CLDR, as Babel ships it: a tag that names its script
(`ku-Arab`, `yi-Latn`) is written the way that script is; any other tag the way CLDR says
the language (with its region, if any: `pa-PK` is Punjabi in Arabic script) is written,
`Locale.character_order`. A tag CLDR does not know, or that is not a language tag at all,
reads left to right, the HTML default.
"""

from __future__ import annotations

from functools import cache
from typing import Literal

from babel import Locale, UnknownLocaleError

Direction = Literal["ltr", "rtl"]

RTL_SCRIPTS = frozenset({
    "Adlm", "Arab", "Aran", "Armi", "Avst", "Chrs", "Cprt", "Elym", "Gara", "Hatr", "Hebr", "Hung",
    "Khar", "Lydi", "Mand", "Mani", "Mend", "Merc", "Mero", "Narb", "Nbat", "Nkoo", "Orkh", "Ougr",
    "Palm", "Phli", "Phlp", "Phnx", "Prti", "Rohg", "Samr", "Sarb", "Sogd", "Sogo", "Syrc", "Syre",
    "Syrj", "Syrn", "Thaa", "Yezi",
})
"""ISO 15924 codes of the scripts written right to left (CLDR's scriptMetadata.txt, the
scripts marked RTL, with the variants of Arabic and Syriac). Babel does not ship that file,
and a tag's explicit script outranks what CLDR says of its language: `yi-Latn` (Yiddish
transliterated) reads left to right although Yiddish is written in Hebrew letters."""


@cache
def text_direction(language: str) -> Direction:
    """"rtl" for a BCP 47 tag (`ar`, `fa-IR`, `ku-Arab`; `_` is accepted for `-`, case does
    not matter) of a language written right to left, else "ltr"."""
    subtags: list[str] = []
    for subtag in language.strip().replace("_", "-").split("-"):
        if len(subtag) == 1:  # an extension or private use (`-u-nu-latn`, `-x-...`): not the writing
            break
        subtags.append(subtag)
    script = next((s.title() for s in subtags[1:3] if len(s) == 4 and s.isalpha()), None)
    if script is not None:
        return "rtl" if script in RTL_SCRIPTS else "ltr"
    # The longest prefix Babel knows: `de-CH-1996` falls back to `de-CH`, then `de`.
    for end in range(len(subtags), 0, -1):
        try:
            locale = Locale.parse("_".join(subtags[:end]))
        except (ValueError, UnknownLocaleError):
            continue
        return "rtl" if locale.character_order == "right-to-left" else "ltr"
    return "ltr"
