"""Dates at the precision the author wrote them: `YYYY`, `YYYY-MM`, `YYYY-MM-DD`, RFC 3339.

PyYAML would turn `1956` into an int and `2024-03-27` into a `date`, losing
what was written; we always parse the scalar's text ourselves, so that
"2022-02" is shown as "February 2022" and kept as `datetime="2022-02"`.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass, field

# The grammar's pieces, shared by the parser below and the patterns of the JSON Schemas
# (`calendar_pattern`). `[0-9]`, not `\d`: `\d` also matches digits such as '٢٠٢٤', which
# would then be kept as written in `<time datetime>` and the JSON, where only ASCII digits
# are valid.
TWO = "[0-9]{2}"
YEAR = "[0-9]{4}"
SEPARATOR = "[Tt ]"
"""Between a date-time's date and its time."""
FRACTION = r"\.[0-9]+"
"""Fractions of a second."""
ZULU = "[Zz]"
SIGNS = "[+-]"

_DATE_RE = re.compile(rf"(?P<y>{YEAR})(?:-(?P<m>{TWO})(?:-(?P<d>{TWO}))?)?")
_DATETIME_RE = re.compile(
    rf"(?P<y>{YEAR})-(?P<m>{TWO})-(?P<d>{TWO}){SEPARATOR}"
    rf"(?P<H>{TWO}):(?P<M>{TWO}):(?P<S>{TWO})(?P<frac>{FRACTION})?"
    rf"(?P<tz>{ZULU}|{SIGNS}{TWO}:{TWO})"
)

MONTHS = [calendar.month_name[i] for i in range(13)]


class DateError(ValueError):
    """The text is not a date the contract allows; the message says why."""


@dataclass(frozen=True)
class PartialDate:
    """A date or date-time exactly as written, with its precision.

    `precision` is one of "year", "month", "day", "datetime".
    """

    text: str
    year: int
    month: int | None = None
    day: int | None = None
    time: dt.time | None = None
    """Local time of day as written (date-times only)."""
    offset: dt.timedelta | None = None
    """UTC offset as written (date-times only)."""
    sort_key: tuple[object, ...] = field(default=(), compare=False, repr=False)

    @property
    def precision(self) -> str:
        if self.time is not None:
            return "datetime"
        if self.day is not None:
            return "day"
        if self.month is not None:
            return "month"
        return "year"

    def is_before(self, other: PartialDate) -> bool:
        """True when this date is earlier than `other` without doubt: two date-times compare
        as instants (time zones count); otherwise the calendar dates as written compare, so
        a correction dated the same day as a date-time of publication is not "before" it."""
        if self.time is not None and other.time is not None:
            return self.instant() < other.instant()
        mine = (self.year, self.month or 1, self.day or 1)
        theirs = (other.year, other.month or 1, other.day or 1)
        return mine < theirs

    def instant(self) -> dt.datetime:
        """The moment as an aware datetime; partial dates take their first instant in UTC."""
        if self.time is not None:
            assert self.month and self.day and self.offset is not None
            return dt.datetime.combine(
                dt.date(self.year, self.month, self.day), self.time, dt.timezone(self.offset)
            )
        return dt.datetime(self.year, self.month or 1, self.day or 1, tzinfo=dt.UTC)

    def display(self) -> str:
        """Human form at the written precision: "1956", "February 2022", "27 March 2024"."""
        if self.month is None:
            return str(self.year)
        if self.day is None:
            return f"{MONTHS[self.month]} {self.year}"
        day = f"{self.day} {MONTHS[self.month]} {self.year}"
        if self.time is None:
            return day
        return f"{day}, {self.time.strftime('%H:%M')} {format_offset(self.offset)}"

    def iso(self) -> str:
        """RFC 3339 timestamp for feeds and sitemaps (partial dates at midnight UTC)."""
        if self.time is not None:
            return self.text.replace("t", "T").replace("z", "Z").replace(" ", "T")
        return f"{self.year:04d}-{self.month or 1:02d}-{self.day or 1:02d}T00:00:00Z"

    def day_iso(self) -> str:
        """W3C date (YYYY-MM-DD) of the calendar day as written."""
        return f"{self.year:04d}-{self.month or 1:02d}-{self.day or 1:02d}"

    def first_day(self) -> dt.date:
        """The first calendar day the date covers (1 January for a year, the 1st for a month)."""
        return dt.date(self.year, self.month or 1, self.day or 1)

    def last_day(self) -> dt.date:
        """The last calendar day the date covers (31 December for a year, the month's last
        day for a month): with `first_day`, the bounds an uncertain date is made of."""
        if self.day is not None:
            return dt.date(self.year, self.month or 1, self.day)
        month = self.month or 12
        return dt.date(self.year, month, calendar.monthrange(self.year, month)[1])

    def edtf(self) -> str:
        """The date in the Library of Congress Extended Date/Time Format (level 0): as written,
        with a date-time's separator and `Z` in their capital forms."""
        if self.time is None:
            return self.text
        return self.iso()

    def utc_iso(self) -> str:
        """The instant in UTC to the second, `2024-03-29T09:30:00Z`: one form for every date,
        whatever its precision and offset (the sitemap's `lastmod`)."""
        u = self.instant().astimezone(dt.UTC)
        # Not strftime: its %Y does not pad years before 1000 on every platform.
        return f"{u.year:04d}-{u.month:02d}-{u.day:02d}T{u.hour:02d}:{u.minute:02d}:{u.second:02d}Z"


def latest(*dates: PartialDate | None) -> PartialDate | None:
    """The latest of the dates given (None ones left out) by instant; of equal instants, the
    first given. None if there is none."""
    found: PartialDate | None = None
    for date in dates:
        if date is not None and (found is None or date.instant() > found.instant()):
            found = date
    return found


def format_offset(offset: dt.timedelta | None) -> str:
    if not offset:
        return "UTC"
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    hours, mins = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours:02d}:{mins:02d}"


_LEAP_YEAR = "(?:[0-9]{2}(?:0[48]|[2468][048]|[13579][26])|(?:[02468][048]|[13579][26])00)"
_MONTH = "(?:0[1-9]|1[0-2])"
_DAY_OF_MONTH = ("(?:(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])"
                 "|(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)"
                 "|02-(?:0[1-9]|1[0-9]|2[0-8]))")
_HOURS, _MINUTES = "(?:[01][0-9]|2[0-3])", "[0-5][0-9]"


def calendar_pattern(precisions: tuple[str, ...] = ("year", "month", "day", "datetime")) -> str:
    """A regular expression matching whole exactly the dates of `precisions` that `parse_date`
    accepts, month lengths and leap years included: for the JSON Schemas editors check files
    with, so it is written in the syntax Python's `re` and ECMAScript share (no named groups,
    no `\\d`). What it cannot say: a date-time whose instant falls outside the years 1 to 9999
    in UTC (docs/schema.md)."""
    day = f"(?:{YEAR}-{_DAY_OF_MONTH}|{_LEAP_YEAR}-02-29)"
    forms = {
        "year": YEAR,
        "month": f"{YEAR}-{_MONTH}",
        "day": day,
        "datetime": (f"{day}{SEPARATOR}{_HOURS}:{_MINUTES}:{_MINUTES}(?:{FRACTION})?"
                     f"(?:{ZULU}|{SIGNS}{_HOURS}:{_MINUTES})"),
    }
    return "(?!0000)(?:" + "|".join(forms[p] for p in precisions) + ")"  # there is no year 0


def parse_date(text: str, *, full_only: bool = False) -> PartialDate:
    """Parse one of the contract's date forms; `full_only` refuses year and month precision."""
    text = text.strip()
    m = _DATETIME_RE.fullmatch(text)
    if m:
        return _from_datetime_match(text, m)
    m = _DATE_RE.fullmatch(text)
    if not m:
        hint = ""
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2})?", text):
            hint = " (a date-time needs seconds and an offset, e.g. 2024-03-22T20:00:00+03:00)"
        raise DateError(f"'{text}' is not a date{hint}")
    year, month, day = int(m["y"]), m["m"], m["d"]
    if full_only and day is None:
        raise DateError(f"'{text}' must be a full date (YYYY-MM-DD) or a date-time")
    if month is not None and not 1 <= int(month) <= 12:
        raise DateError(f"'{text}' has no month {month}")
    if day is not None:
        last = calendar.monthrange(year, int(month))[1] if year >= 1 else 31
        if not 1 <= int(day) <= last:
            raise DateError(f"'{text}' is not a real day ({MONTHS[int(month)]} {year} has {last} days)")
    if year < 1:
        raise DateError(f"'{text}' has no year 0")
    mo = int(month) if month else None
    d = int(day) if day else None
    key = (year, mo or 0, d or 0, 0, (0, 0, 0, 0), 0.0)
    return PartialDate(text, year, mo, d, sort_key=key)


def _from_datetime_match(text: str, m: re.Match[str]) -> PartialDate:
    year, month, day = int(m["y"]), int(m["m"]), int(m["d"])
    try:
        date = dt.date(year, month, day)
        frac = int(round(float(m["frac"] or "0") * 1_000_000))
        time = dt.time(int(m["H"]), int(m["M"]), int(m["S"]), min(frac, 999_999))
    except ValueError as exc:
        raise DateError(f"'{text}' is not a real date-time ({exc})") from None
    tz = m["tz"]
    if tz in ("Z", "z"):
        offset = dt.timedelta(0)
    else:
        sign = 1 if tz[0] == "+" else -1
        hours, minutes = int(tz[1:3]), int(tz[4:6])
        if hours > 23 or minutes > 59:
            raise DateError(f"'{text}' has an impossible UTC offset {tz}")
        offset = sign * dt.timedelta(hours=hours, minutes=minutes)
    aware = dt.datetime.combine(date, time, dt.timezone(offset))
    try:
        # Later stages convert to UTC (the embargo check, the cache's next deadline); the
        # first and last hours of years 1 and 9999 have no UTC datetime in Python.
        aware.astimezone(dt.UTC)
    except OverflowError:
        raise DateError(f"'{text}' is out of range: in UTC it falls outside the years 1 to 9999") from None
    instant = aware.timestamp()
    key = (year, month, day, 1, (time.hour, time.minute, time.second, time.microsecond), instant)
    return PartialDate(text, year, month, day, time, offset, sort_key=key)
