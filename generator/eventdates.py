"""When an event happened or a claim was made, as precisely as it is known.

Reporting rarely knows every date to the day: an event happened "around 1956", a warning
came "by 6 June", a dam broke "between 5 and 7 June". Timeline events and claims take an
`EventDate`: an exact date (`dates.PartialDate`, any precision), or one of four uncertain
forms, each with two spellings: the Library of Congress Extended Date/Time Format, level 1
(EDTF, https://www.loc.gov/standards/datetime/), and the shorter form writers type.

| qualifier | means | EDTF | short |
| --- | --- | --- | --- |
| circa | around that date | `1956~` | `~1956` |
| by | on or before | `../2023-06-06` | `..2023-06-06` |
| from | on or after | `2023-06-06/..` | `2023-06-06..` |
| between | on a day from the first to the last | `2023-06-05/2023-06-07` | `2023-06-05..2023-06-07` |

Each date in them is a year, a month or a day (a date-time is exact); the two ends of a
range may differ in precision (`2023-05..2023-06-15`). An EDTF interval is a span of
time; here, as in the short form, it is where the one date of the event lies. EDTF's
`?` (uncertain: "1956, we think") and `%` (uncertain and approximate) are refused: whether
a date is right is a matter for the text, where the page can say why it is in doubt.

`published`, `updated`, corrections and sources keep exact dates (`dates.parse_date`):
they are when something was published, which a newsroom knows.
"""

from __future__ import annotations

from dataclasses import dataclass

from generator import datewords
from generator.dates import DateError, PartialDate, calendar_pattern, parse_date

EXACT, CIRCA, BY, FROM, BETWEEN = "exact", "circa", "by", "from", "between"
QUALIFIERS = (EXACT, CIRCA, BY, FROM, BETWEEN)

_RANK = {BY: 0, EXACT: 1, CIRCA: 2, BETWEEN: 3, FROM: 4}
"""Order of dates written with the same date (see `EventDate.sort_key`)."""

AROUND, SHORT_RANGE, EDTF_RANGE = "~", "..", "/"
"""The marks of the uncertain forms: around (before or after the date), and the two ways of
writing a range, whose open side is `SHORT_RANGE` in both (`parse_event_date`, `pattern`)."""

ACCEPTED_FORMS = ("use YYYY, YYYY-MM, YYYY-MM-DD or 2024-03-22T20:00:00+03:00; if uncertain, ~2023-06 "
                  "(around), ..2023-06-06 (by), 2023-06-06.. (from) or 2023-06-05..2023-06-07 (between), "
                  "or their EDTF forms 2023-06~, ../2023-06-06, 2023-06-06/.., 2023-06-05/2023-06-07")
"""The hint of every invalid event or claim date: every form it may take."""


@dataclass(frozen=True)
class EventDate:
    """The date of a timeline event or a claim: exact, or approximate or bounded.

    `start` and `end` are the dates written: both the one date of an exact or circa date,
    only `end` for "by", only `start` for "from", the first and last for "between"."""

    text: str
    """As written (stripped), kept for `explainer.json`."""
    qualifier: str
    """One of `QUALIFIERS`."""
    start: PartialDate | None
    end: PartialDate | None

    @property
    def exact(self) -> bool:
        return self.qualifier == EXACT

    @property
    def precision(self) -> str:
        """`year`, `month`, `day` or `datetime`: of the date written; of a range, the coarser
        of its ends."""
        order = ("year", "month", "day", "datetime")
        return min((d.precision for d in (self.start, self.end) if d is not None), key=order.index)

    @property
    def anchor(self) -> PartialDate:
        """The first date written in it, where a timeline places it: the one date of an
        exact, circa or "by" date, a range's start."""
        anchor = self.start or self.end
        assert anchor is not None, "an event date has a date on at least one side"
        return anchor

    @property
    def sort_key(self) -> tuple[object, ...]:
        """Timeline order. A date sorts at its `anchor`, by `PartialDate.sort_key` (a coarser
        date before the finer dates inside it); at the same date "by" comes first (it may be
        earlier), then the exact date, "around" it, "between" (by its end) and last "from"
        (it may be later). Equal keys keep file order (the sorts are stable)."""
        last = self.end.sort_key if self.qualifier == BETWEEN and self.end is not None else ()
        return (self.anchor.sort_key, _RANK[self.qualifier], last)

    @property
    def true_date(self) -> PartialDate | None:
        """The most precise date that is certainly true, for `<time datetime>` and JSON-LD:
        an exact date as written; for "between", the month or year holding both ends
        ("between 5 and 7 June 2023" is certainly in 2023-06); otherwise None: nothing is
        certain of "around 1956", "by 6 June 2023" or "between 2022 and 2024"."""
        if self.exact:
            return self.start
        if self.qualifier != BETWEEN or self.start is None or self.end is None:
            return None
        first, last = self.start.first_day(), self.end.last_day()
        if first.year != last.year:
            return None
        if first.month != last.month:
            return parse_date(f"{first.year:04d}")
        return parse_date(f"{first.year:04d}-{first.month:02d}")

    def earliest(self) -> str | None:
        """The first day the date can be (`YYYY-MM-DD`; an exact date-time itself), or None
        when there is no such bound ("by", "around")."""
        if self.exact and self.start is not None and self.start.time is not None:
            return self.start.edtf()
        if self.qualifier in (CIRCA, BY) or self.start is None:
            return None
        return self.start.first_day().isoformat()

    def latest(self) -> str | None:
        """The last day the date can be (`YYYY-MM-DD`; an exact date-time itself), or None
        when there is no such bound ("from", "around")."""
        if self.exact and self.end is not None and self.end.time is not None:
            return self.end.edtf()
        if self.qualifier in (CIRCA, FROM) or self.end is None:
            return None
        return self.end.last_day().isoformat()

    def edtf(self) -> str:
        """The date in EDTF, whichever way it was written: `1956~`, `../2023-06-06`,
        `2023-06-06/..`, `2023-06-05/2023-06-07`, or an exact date as written."""
        if self.qualifier in (EXACT, CIRCA):
            assert self.start is not None
            return self.start.edtf() + ("~" if self.qualifier == CIRCA else "")
        start = self.start.edtf() if self.start is not None else ".."
        end = self.end.edtf() if self.end is not None else ".."
        return f"{start}/{end}"

    def display(self) -> str:
        """As readers see it: "27 March 2024", "around June 2023", "between 5 and 7 June 2023"
        (the words are `datewords`')."""
        return datewords.describe(self.qualifier, self.start, self.end)


def exact(date: PartialDate) -> EventDate:
    """An exact date as an `EventDate`."""
    return EventDate(date.text, EXACT, date, date)


def parse_event_date(text: str) -> EventDate:
    """One of the forms in the module's table, or an exact date; DateError says what is wrong."""
    text = text.strip()
    for mark, meaning in (("?", "uncertain"), ("%", "uncertain and approximate")):
        if mark in text:
            known = text.replace("?", "").replace("%", "").replace("~", "")
            raise DateError(f"'{text}' uses EDTF's '{mark}' ({meaning}), which explainers do not accept: "
                            f"write ~{known} for around, and say in the text what is in doubt")
    ranged = SHORT_RANGE in text or EDTF_RANGE in text
    if text.startswith(AROUND) or text.endswith(AROUND):
        if ranged:
            raise DateError(f"'{text}' mixes around (~) with a range: a range's ends are the dates "
                            "it certainly lies between")
        if len(text) > 1 and text.startswith(AROUND) and text.endswith(AROUND):
            raise DateError(f"'{text}' says around twice: write ~ before the date or after it")
        date = _end_of(text.strip(AROUND).strip(), text)
        return EventDate(text, CIRCA, date, date)
    if not ranged:
        return exact(parse_date(text))
    start_text, end_text = _ends(text)
    start = _end_of(start_text, text) if start_text != SHORT_RANGE else None
    end = _end_of(end_text, text) if end_text != SHORT_RANGE else None
    if start is None and end is None:
        raise DateError(f"'{text}' has neither a start nor an end: give at least one date")
    if start is None:
        return EventDate(text, BY, None, end)
    if end is None:
        return EventDate(text, FROM, start, None)
    _check_order(text, start, end)
    return EventDate(text, BETWEEN, start, end)


def pattern() -> str:
    """A regular expression matching whole the texts `parse_event_date` reads (for the JSON
    Schemas: Python's `re` and ECMAScript alike), but for the order of a range's ends, which
    no regular expression can check (docs/schema.md). Made of the grammar of `dates` and the
    marks above, as `parse_event_date` reads them: surrounding spaces are dropped, around
    may be written more than once on one side, a range's ends may have spaces around them."""
    exact = calendar_pattern()
    end = calendar_pattern(("year", "month", "day"))
    around, short, edtf = _literal(AROUND), _literal(SHORT_RANGE), _literal(EDTF_RANGE)
    forms = (
        exact,
        rf"{around}+\s*{end}", rf"{end}\s*{around}+",
        rf"{end}\s*{short}(?:\s*{end})?", rf"{short}\s*{end}",
        rf"(?:{end}|{short})\s*{edtf}\s*{end}", rf"{end}\s*{edtf}\s*{short}",
    )
    return "(?:" + "|".join(forms) + ")"


def _literal(text: str) -> str:
    """`text` as a regular expression that matches it, in Python and in ECMAScript's `u` mode
    alike (`re.escape` writes `\\~`, which the latter refuses)."""
    return "".join(f"\\{char}" if char in r".^$*+?()[]{}|\\" else char for char in text)


def _ends(text: str) -> tuple[str, str]:
    """The two sides of a range, `..` for an open one, in either spelling."""
    if EDTF_RANGE in text:
        parts = [part.strip() for part in text.split(EDTF_RANGE)]
        if len(parts) != 2:
            raise DateError(f"'{text}' is not a date: a range has one '/' between its two ends")
        if any(SHORT_RANGE in part and part != SHORT_RANGE for part in parts):
            raise DateError(f"'{text}' mixes the two ways of writing a range: write {_both_ways(parts)}")
        if all(part in ("", SHORT_RANGE) for part in parts):
            return SHORT_RANGE, SHORT_RANGE
        if "" in parts:
            raise DateError(f"'{text}' has an unknown end (EDTF's empty side): write "
                            f"{_both_ways([part or '..' for part in parts])} for an open one")
        return parts[0], parts[1]
    parts = [part.strip() for part in text.split(SHORT_RANGE)]
    if len(parts) != 2:
        raise DateError(f"'{text}' is not a date: a range has one '..' between its two ends")
    return parts[0] or SHORT_RANGE, parts[1] or SHORT_RANGE


def _both_ways(parts: list[str]) -> str:
    """A range's ends in its short spelling, then its EDTF one: "..X or ../X"."""
    ends = [part.strip(".") for part in parts]
    return f"{ends[0]}..{ends[1]} or {ends[0] or '..'}/{ends[1] or '..'}"


def _end_of(part: str, text: str) -> PartialDate:
    """One date of an uncertain date: a year, a month or a day."""
    try:
        date = parse_date(part)
    except DateError as exc:
        if not any(char.isdigit() for char in part):
            raise DateError(f"'{text}' is not a date") from None
        raise DateError(f"{exc} (in '{text}')") from None
    if date.time is not None:
        raise DateError(f"'{text}' has a time of day: only a year, a month or a day can be "
                        "around, by, from or between (a date-time is exact)")
    return date


def _check_order(text: str, start: PartialDate, end: PartialDate) -> None:
    """A range's start ends before its end begins: 2023..2024, not 2024..2023 or 2023..2023-06."""
    if start.last_day() < end.first_day():
        return
    separator = "/" if "/" in text else ".."
    if (start.year, start.month, start.day) == (end.year, end.month, end.day):
        raise DateError(f"'{text}' starts and ends on the same date: write {start.text} alone, "
                        f"or ~{start.text} for around it")
    if start.first_day() > end.last_day():
        raise DateError(f"'{text}' ends before it starts: write {end.text}{separator}{start.text}")
    raise DateError(f"'{text}' has ends that overlap ({start.display()} and {end.display()}): "
                    "its start must end before its end begins")


def is_uncertain(text: str) -> bool:
    """`text` is a valid uncertain date (for the message of a field that takes exact dates only)."""
    try:
        return not parse_event_date(text).exact
    except DateError:
        return False
