"""The words and formats of one language: `Messages`, what every page and share card says.

Pages are written in a language (the site's, or an explainer's own): every string the
theme shows comes from a message catalogue (`catalogues`), and dates, numbers and lists
are formatted by Babel with the Unicode CLDR's data for that language. Plural forms follow
CLDR's rules too: "1 claim", "2 claims" in English; "1 утверждение", "2 утверждения",
"5 утверждений" in Russian; six forms in Arabic.

Dates keep the precision they were written at (see `dates.PartialDate`): a year, a month
("March 2024", "mars 2024", "март 2024 г."), a day or a moment, each through a CLDR
skeleton rather than a pattern of ours, so that each language orders and spells them its
own way.

Language tags are BCP 47 (`en`, `fr`, `pt-BR`, `sr-Latn`), as HTML's `lang` takes them.
Plain `en` formats as CLDR's international English (`en-001`: "27 March 2024", the day
first, as the theme always wrote it); `en-US` gives "March 27, 2024".
"""

from __future__ import annotations

import datetime as dt
import functools
import string
from collections.abc import Mapping
from typing import Any

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_datetime, format_skeleton
from babel.lists import format_list
from babel.numbers import format_decimal
from markupsafe import Markup, escape

from generator import datewords
from generator.dates import PartialDate
from generator.eventdates import BETWEEN, BY, CIRCA, FROM, EventDate
from generator.fields import contain_bidi
from generator.textdirection import Direction, text_direction

Message = str | dict[str, str]
"""A catalogue entry: text, or text per CLDR plural category ("one", "few", "other"...)."""

DEFAULT_LANGUAGE = "en"

SKELETONS = {"year": "y", "month": "yMMMM", "day": "yMMMMd", "datetime": "yMMMMd"}
"""The CLDR skeleton of a date of each precision (a moment adds the time of day and zone)."""

_FORMATTER = string.Formatter()


class LanguageError(ValueError):
    """The text is not a language tag Babel has data for; the message says why."""


@functools.lru_cache(maxsize=64)
def locale_of(language: str) -> Locale:
    """The Babel locale of a BCP 47 tag; `LanguageError` if CLDR has no data for it."""
    if "_" in language:
        raise LanguageError(f"'{language}' is not a BCP 47 language tag: write {language.replace('_', '-')}")
    tag = "en-001" if language == "en" else language
    try:
        return Locale.parse(tag, sep="-")
    except (UnknownLocaleError, ValueError, TypeError):
        raise LanguageError(f"'{language}' is not a language tag the Unicode CLDR knows") from None


def canonical_tag(language: str) -> str:
    """The tag in BCP 47's canonical case (RFC 5646, 2.1.1): `FR` -> fr, `pt-br` -> pt-BR,
    `SR-LATN` -> sr-Latn. Tags are case-insensitive, but catalogue files, `strings:` keys,
    `lang` attributes and hreflang alternates are matched as written: one spelling each."""
    parts = language.split("-")
    canonical = [parts[0].lower()]
    singleton = False
    for part in parts[1:]:
        singleton = singleton or len(part) == 1  # an extension or private use: lower case
        if not singleton and len(part) == 4 and part.isalpha():
            canonical.append(part.title())  # script
        elif not singleton and (len(part) == 2 and part.isalpha() or len(part) == 3 and part.isdigit()):
            canonical.append(part.upper())  # region
        else:
            canonical.append(part.lower())
    return "-".join(canonical)


def check_language(language: str) -> str | None:
    """Why `language` cannot be a page's language, or None if it can."""
    try:
        locale_of(language)
    except LanguageError as exc:
        return str(exc)
    return None


def language_name(language: str) -> str:
    """The language's name in itself: "English", "français", "العربية" (what a reader of
    it looks for in a list of languages), its first letter capitalized where the script has
    capitals."""
    locale = locale_of(language) if language != "en" else Locale.parse("en")  # not "English (world)"
    name = locale.get_display_name(locale) or language
    return name[:1].upper() + name[1:]


def plural_categories(language: str) -> tuple[str, ...]:
    """The CLDR plural categories the language uses, in CLDR's order; "other" always."""
    tags = locale_of(language).plural_form.tags
    return tuple(c for c in ("zero", "one", "two", "few", "many", "other") if c in tags or c == "other")


def plural_examples(language: str) -> dict[str, str]:
    """A few numbers of each plural category ("one": "1, 21, 31"), for hints."""
    rule = locale_of(language).plural_form
    found: dict[str, list[str]] = {c: [] for c in plural_categories(language)}
    for number in [*range(0, 200), 1000, 1000000, 1.5]:
        examples = found[rule(number)]
        if len(examples) < 3:
            examples.append(str(number))
    return {c: ", ".join(examples) for c, examples in found.items()}


def placeholders(message: Message) -> set[str]:
    """The `{name}`s a message uses (in any of its plural forms); ValueError if its braces
    are not well formed."""
    forms = message.values() if isinstance(message, dict) else (message,)
    names = set()
    for form in forms:
        try:
            parsed = list(_FORMATTER.parse(form))
        except ValueError:
            raise ValueError("a brace with no pair is not a placeholder: write {name} for a placeholder, "
                             "and {{ or }} for a brace") from None
        for _, name, spec, conversion in parsed:
            if name is None:
                continue
            if not name.isidentifier() or spec or conversion:
                raise ValueError(f"'{{{name}}}' is not a placeholder: write {{name}}, and {{{{ or }}}} for a brace")
            names.add(name)
    return names


class Messages:
    """One language's messages (every key of the English catalogue, see `catalogues`) and
    formats. Templates call it: `{{ t('key') }}`, `{{ t('claims', count=n) }}` (the plural
    form for n, `{count}` written as a number of the language), `{{ t.date(d) }}`."""

    def __init__(self, language: str, messages: Mapping[str, Message], digest: str = "",
                 english: frozenset[str] = frozenset()):
        self.language = language
        self.locale = locale_of(language)
        self.direction: Direction = text_direction(language)
        """"rtl" or "ltr", as `textdirection` says: the page's `dir`, the claim map's layout."""
        self.messages = dict(messages)
        self.digest = digest
        """Of every message (see `catalogues.Strings.digest`): what pages in this language read."""
        self._plural = self.locale.plural_form
        self._english = english
        """Keys whose message is the English fallback: their plural forms are English ones."""
        self._html: dict[tuple[str, int | None], Markup] = {}
        self._numbers: dict[int | float, str] = {}
        self._dates: dict[str, str] = {}

    # -- text -----------------------------------------------------------------

    def text(self, key: str, count: int | None = None, **params: Any) -> str:
        """The message as plain text (share cards, the claim map's layout)."""
        template = self._form(key, count)
        if count is not None:
            params["count"] = count
        if not params:
            return template
        return template.format(**{name: self._plain(value) for name, value in params.items()})

    def __call__(self, key: str, count: int | None = None, **params: Any) -> Markup:
        """The message as HTML: its text escaped, and each parameter escaped unless it is
        markup already (a `<time>` element, a link).

        Pages call this some 150 times each (a claim card alone five times): a message
        without parameters but its count is kept once made, per count."""
        if not params:
            found = self._html.get((key, count))
            if found is None:
                template = str(escape(self._form(key, count)))
                found = Markup(template.format(count=self.number(count)) if count is not None else template)
                self._html[(key, count)] = found
            return found
        template = str(escape(self._form(key, count)))
        if count is not None:
            params["count"] = count
        return Markup(template.format(**{name: self._markup(value) for name, value in params.items()}))

    def _form(self, key: str, count: int | None) -> str:
        try:
            message = self.messages[key]
        except KeyError:
            raise KeyError(f"no string '{key}' in the message catalogue") from None
        if isinstance(message, str):
            return message
        if count is None:
            raise TypeError(f"the string '{key}' has plural forms: give it a count")
        rule = locale_of(DEFAULT_LANGUAGE).plural_form if key in self._english else self._plural
        return message.get(rule(count)) or message["other"]

    def _plain(self, value: Any) -> str:
        if isinstance(value, int) and not isinstance(value, bool):
            return self.number(value)
        return str(value)

    def _markup(self, value: Any) -> Markup:
        if isinstance(value, Markup):
            return value
        text = self._plain(value)
        return escape(text if text.isascii() else contain_bidi(text))

    SCRIPT_KEYS = ("filter.label", "filter.all", "filter.claims", "filter.events", "filter.showing_claims",
                   "filter.showing_events", "filter.no_claims", "filter.no_events", "chip.claim", "chip.source",
                   "section.actors")
    """The messages the theme's script (explainer.js) says: its filter by actor, its previews."""

    SEARCH_KEYS = ("search.results", "search.none", "search.kind.explainer", "search.kind.actor",
                   "search.kind.claim", "search.failed")
    """The messages the search page's script (search.js) says."""

    def search_strings(self) -> dict[str, Message]:
        """The search script's messages, as `script_strings` gives the theme script's."""
        return {key: self.messages[key] for key in self.SEARCH_KEYS}

    def script_strings(self) -> dict[str, Message]:
        """The script's messages as they are (plural forms too: the browser picks one by the
        same CLDR rules, `Intl.PluralRules`)."""
        return {key: self.messages[key] for key in self.SCRIPT_KEYS}

    # -- formats --------------------------------------------------------------

    def number(self, value: int | float) -> str:
        """1234 -> "1,234" (English), "1 234" (French, with a narrow no-break space)."""
        found = self._numbers.get(value)
        if found is None:
            found = self._numbers[value] = format_decimal(value, locale=self.locale)
        return found

    def join(self, items: list[str], isolate: bool = False) -> str:
        """["A", "B", "C"] -> "A, B and C" in the language's own words and commas.

        With `isolate`, HTML with each item escaped in its own `<bdi>`: a writer's names in
        the other direction than the page's (an Arabic name in an English byline) then keep
        their order and do not take the commas between them along (see docs/languages.md)."""
        if not items:
            return ""
        if not isolate:
            return format_list(items, locale=self.locale)
        slots = [f"\x00{index}\x00" for index in range(len(items))]
        html = str(escape(format_list(slots, locale=self.locale)))
        for slot, item in zip(slots, items, strict=True):
            html = html.replace(slot, f"<bdi>{self._markup(item)}</bdi>")
        return Markup(html)

    def date(self, date: PartialDate) -> str:
        """The date at its precision: "1956", "February 2022", "27 March 2024",
        "27 March 2024, 09:30 UTC+02:00" (as written: no time zone conversion; the time of
        day on the 24-hour clock, CLDR's skeleton "Hm", as the theme always wrote it)."""
        found = self._dates.get(date.text)
        if found is None:
            lines = self.date_lines(date)
            if len(lines) == 2:
                pattern = self.locale.datetime_formats["medium"]
                found = str(pattern).replace("{1}", lines[0]).replace("{0}", lines[1])
            else:
                found = lines[0]
            self._dates[date.text] = found
        return found

    def event_date(self, date: EventDate) -> str:
        """A timeline event's or a claim's date: exact ("27 March 2024") or uncertain, in
        the catalogue's phrase for its qualifier and precision ("by 22 March 2024", "au
        plus tard le 22 mars 2024"; see `datewords`)."""
        if date.exact:
            return self.date(date.anchor)
        found = self._dates.get(date.text)
        if found is None:
            phrases = {q: self.text(f"date.{q}.{date.precision}") for q in (CIRCA, BY, FROM, BETWEEN)}
            found = datewords.describe(date.qualifier, date.start, date.end, phrases=phrases, show=self.date,
                                       part=self._date_part)
            self._dates[date.text] = found
        return found

    def _date_part(self, date: PartialDate, skeleton: str) -> str:
        """The first date of a range, shortened (see `datewords`). A month alone is its
        standalone form (CLDR's `LLLL`: Russian "май", not "мая"; Babel's skeleton `MMMM`
        finds an abbreviated month in Ukrainian)."""
        day = date.first_day()
        if skeleton == "MMMM":
            return str(format_date(day, "LLLL", locale=self.locale))
        return str(format_skeleton(skeleton, day, locale=self.locale))

    def date_lines(self, date: PartialDate) -> list[str]:
        """The date, and for a moment its time of day and zone apart (the claim map writes
        them on two lines)."""
        day = dt.date(date.year, date.month or 1, date.day or 1)
        shown = format_skeleton(SKELETONS[date.precision], day, locale=self.locale)
        if date.time is None:
            return [shown]
        zone = dt.timezone(date.offset or dt.timedelta(0))
        moment = dt.datetime.combine(day, date.time, zone)
        time = format_skeleton("Hm", moment, tzinfo=zone, locale=self.locale)
        return [shown, f"{time} {self._offset(moment, zone)}"]

    def _offset(self, moment: dt.datetime, zone: dt.timezone) -> str:
        """The offset from UTC as written, in the language's words for it ("UTC+03:00",
        "UTC"; Arabic "التوقيت العالمي +03:00"): CLDR's UTC format, not a zone's name,
        since a date-time says its offset and nothing of its place."""
        offset = format_datetime(moment, "xxxxx", tzinfo=zone, locale=self.locale) if zone.utcoffset(None) else ""
        return str(self.locale.zone_formats["gmt_utc"] % offset).strip()

    def language_name(self, language: str) -> str:
        return language_name(language)

    # -- the verdicts ---------------------------------------------------------

    def status(self, status: str) -> str:
        """A claim status's label ("Mostly true")."""
        return self.text(f"status.{status}.label")

    def meaning(self, status: str) -> str:
        """What a status means, in a sentence."""
        return self.text(f"status.{status}.meaning")
