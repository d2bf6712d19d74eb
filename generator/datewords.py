"""How an uncertain date is worded, in one place: `describe`.

"around June 2023", "by 6 June 2023", "from 6 June 2023", "between 5 and 7 June 2023":
`describe` fills in a phrase of its qualifier. A range leaves out of its first date what
its last date repeats ("between 5 and 7 June 2023", "between May and July 2023", but
"between 2022 and 2024").

Pages word dates in their own language (`i18n.Messages.event_date`), which gives
`describe` three pieces: `phrases` (the four phrases, from the message catalogue's
`date.<qualifier>.<precision>` strings), `show` (a whole date in the language) and `part`
(the first date of a range without its year, or without its month and year, asked for by
CLDR skeleton: `d` "5", `MMMMd` "30 May", `MMMM` "May"). Babel's `format_interval` was
not used for this: CLDR's interval formats make a dash range ("5–7 Jun 2023"), with an
abbreviated month where the language has no interval format of the full one, and a
catalogue's phrase needs the two dates apart ("between 5 and 7", "entre le 5 et le 7").

`PHRASES` are the English ones (`EventDate.display`, English whatever the page's
language, as `PartialDate.display` is); the English catalogue has the same words.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from generator.dates import MONTHS, PartialDate

PHRASES = {
    "circa": "around {date}",
    "by": "by {date}",
    "from": "from {date}",
    "between": "between {start} and {end}",
}
"""The words around the dates, by qualifier (see `eventdates.QUALIFIERS`); an exact date
is shown alone."""


def english_part(date: PartialDate, skeleton: str) -> str:
    """Part of a date, in the day-month-year order of `PartialDate.display`: `d` the day,
    `MMMMd` the day and month, `MMMM` the month."""
    assert date.month is not None
    if skeleton == "d":
        return str(date.day)
    if skeleton == "MMMMd":
        return f"{date.day} {MONTHS[date.month]}"
    return MONTHS[date.month]


def describe(qualifier: str, start: PartialDate | None, end: PartialDate | None, *,
             phrases: Mapping[str, str] = PHRASES, show: Callable[[PartialDate], str] = PartialDate.display,
             part: Callable[[PartialDate, str], str] = english_part) -> str:
    """The date as readers see it. `start` is None for "by", `end` for "from"; an exact or
    circa date has its one date in both."""
    if qualifier == "between" and start is not None and end is not None:
        skeleton = _shortened(start, end)
        first = show(start) if skeleton is None else part(start, skeleton)
        return phrases["between"].format(start=first, end=show(end))
    date = start or end
    assert date is not None, "an uncertain date has a date on at least one side"
    if qualifier == "exact":
        return show(date)
    return phrases[qualifier].format(date=show(date))


def _shortened(start: PartialDate, end: PartialDate) -> str | None:
    """What the first date of a range keeps when the last one repeats the rest (a CLDR
    skeleton), or None to show it whole: its year goes when both name a month of one year,
    and its month too when both name a day of one month."""
    if start.month is None or end.month is None or start.year != end.year:
        return None
    if start.day is None:
        return "MMMM"
    if end.day is not None and start.month == end.month:
        return "d"
    return "MMMMd"
