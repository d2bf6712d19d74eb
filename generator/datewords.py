"""Every English phrase that shows an uncertain date, in one place.

"around June 2023", "by 6 June 2023", "from 6 June 2023", "between 5 and 7 June 2023":
the four phrases are `PHRASES`, and `describe` is the one function that fills them in. A
range leaves out of its first date what its last date repeats ("between 5 and 7 June
2023", "between May and July 2023", but "between 2022 and 2024"), in the day-month-year
order of `PartialDate.display`. A translation routes `PHRASES` and `describe` through its
message catalogue; nothing else in the generator words an uncertain date.
"""

from __future__ import annotations

from generator.dates import MONTHS, PartialDate

PHRASES = {
    "circa": "around {date}",
    "by": "by {date}",
    "from": "from {date}",
    "between": "between {start} and {end}",
}
"""The words around the dates, by qualifier (see `eventdates.QUALIFIERS`); an exact date
is shown alone."""


def describe(qualifier: str, start: PartialDate | None, end: PartialDate | None) -> str:
    """The date as readers see it. `start` is None for "by", `end` for "from"; an exact or
    circa date has its one date in both."""
    if qualifier == "between" and start is not None and end is not None:
        return PHRASES["between"].format(start=_first_of_range(start, end), end=end.display())
    date = start or end
    assert date is not None, "an uncertain date has a date on at least one side"
    if qualifier == "exact":
        return date.display()
    return PHRASES[qualifier].format(date=date.display())


def _first_of_range(start: PartialDate, end: PartialDate) -> str:
    """The first date of a range without what the last one repeats: its year when both name
    a month of one year, and its month too when both name a day of one month."""
    if start.month is None or end.month is None or start.year != end.year:
        return start.display()
    if start.day is None:
        return MONTHS[start.month]
    if end.day is not None and start.month == end.month:
        return str(start.day)
    return f"{start.day} {MONTHS[start.month]}"
