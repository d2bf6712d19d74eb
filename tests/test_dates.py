"""Dates at the precision written: parsing, impossible dates, display, and timeline order."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from generator.dates import DateError, parse_date
from helpers import html_tree, text_of


# -- parsing ---------------------------------------------------------------------------

@pytest.mark.parametrize("text, precision, fields", [
    ("1956", "year", (1956, None, None)),
    ("2022-02", "month", (2022, 2, None)),
    ("2024-03-27", "day", (2024, 3, 27)),
    ("2024-03-22T20:00:00+03:00", "datetime", (2024, 3, 22)),
    ("2024-03-22T17:00:00Z", "datetime", (2024, 3, 22)),
    ("2024-03-22T17:00:00.250-05:30", "datetime", (2024, 3, 22)),
])
def test_each_precision_is_parsed_and_kept_as_written(text: str, precision: str, fields: tuple) -> None:
    date = parse_date(text)
    assert date.text == text
    assert date.precision == precision
    assert (date.year, date.month, date.day) == fields


def test_date_time_keeps_its_offset_and_local_time() -> None:
    date = parse_date("2024-03-22T20:00:00+03:00")
    assert date.time == dt.time(20, 0)
    assert date.offset == dt.timedelta(hours=3)
    assert date.instant() == dt.datetime(2024, 3, 22, 17, 0, tzinfo=dt.timezone.utc)


def test_z_means_utc() -> None:
    date = parse_date("2024-03-22T17:00:00Z")
    assert date.offset == dt.timedelta(0)
    assert date.instant() == dt.datetime(2024, 3, 22, 17, 0, tzinfo=dt.timezone.utc)


def test_negative_offset_with_minutes() -> None:
    date = parse_date("2024-01-01T00:30:00-09:30")
    assert date.offset == -dt.timedelta(hours=9, minutes=30)
    assert date.instant() == dt.datetime(2024, 1, 1, 10, 0, tzinfo=dt.timezone.utc)


@pytest.mark.parametrize("text", ["2024-02-29", "2000-02-29", "2024-12-31", "2023-04-30",
                                  "2024-02-29T12:00:00Z"])
def test_real_days_including_leap_days_are_accepted(text: str) -> None:
    assert parse_date(text).text == text


@pytest.mark.parametrize("text, message", [
    ("2023-02-30", "'2023-02-30' is not a real day (February 2023 has 28 days)"),
    ("2023-02-29", "'2023-02-29' is not a real day (February 2023 has 28 days)"),
    ("1900-02-29", "'1900-02-29' is not a real day (February 1900 has 28 days)"),
    ("2023-04-31", "'2023-04-31' is not a real day (April 2023 has 30 days)"),
    ("2023-01-00", "'2023-01-00' is not a real day (January 2023 has 31 days)"),
    ("2023-13", "'2023-13' has no month 13"),
    ("2023-00", "'2023-00' has no month 00"),
    ("2023-13-01", "'2023-13-01' has no month 13"),
    ("0000", "'0000' has no year 0"),
])
def test_impossible_dates_are_refused_with_the_reason(text: str, message: str) -> None:
    with pytest.raises(DateError) as info:
        parse_date(text)
    assert str(info.value) == message


@pytest.mark.parametrize("text", [
    "2023-02-30T10:00:00Z", "2024-03-22T24:00:00Z", "2024-03-22T23:60:00Z", "2024-03-22T23:59:60Z",
])
def test_impossible_date_times_are_refused(text: str) -> None:
    with pytest.raises(DateError, match="is not a real date-time"):
        parse_date(text)


def test_impossible_offset_is_refused() -> None:
    with pytest.raises(DateError, match=r"has an impossible UTC offset \+24:00"):
        parse_date("2024-03-22T20:00:00+24:00")


@pytest.mark.parametrize("text", [
    "March 2024", "24-03-2024", "2024/03/27", "2024-3-27", "20240327", "2024-03-27T20:00+03:00",
    "2024-03-27T20:00:00", "", "yesterday", "١٩٥٦", "2024-03-27 extra",
])
def test_other_forms_are_not_dates(text: str) -> None:
    with pytest.raises(DateError, match="is not a date"):
        parse_date(text)


def test_date_time_without_seconds_or_offset_gets_a_hint() -> None:
    with pytest.raises(DateError) as info:
        parse_date("2024-03-27T20:00")
    assert str(info.value) == ("'2024-03-27T20:00' is not a date (a date-time needs seconds and an "
                               "offset, e.g. 2024-03-22T20:00:00+03:00)")


@pytest.mark.parametrize("text", ["2024", "2024-03"])
def test_full_only_refuses_year_and_month(text: str) -> None:
    with pytest.raises(DateError) as info:
        parse_date(text, full_only=True)
    assert str(info.value) == f"'{text}' must be a full date (YYYY-MM-DD) or a date-time"


def test_full_only_accepts_days_and_date_times() -> None:
    assert parse_date("2024-03-27", full_only=True).precision == "day"
    assert parse_date("2024-03-27T10:00:00Z", full_only=True).precision == "datetime"


# -- display ------------------------------------------------------------------------------

@pytest.mark.parametrize("text, shown", [
    ("1956", "1956"),
    ("2022-02", "February 2022"),
    ("2024-03-27", "27 March 2024"),
    ("2024-03-01", "1 March 2024"),
    ("2024-03-22T20:00:00+03:00", "22 March 2024, 20:00 UTC+03:00"),
    ("2024-03-22T17:00:00Z", "22 March 2024, 17:00 UTC"),
    ("2024-03-22T23:30:00-04:00", "22 March 2024, 23:30 UTC-04:00"),
])
def test_dates_are_shown_at_the_precision_and_in_the_offset_written(text: str, shown: str) -> None:
    assert parse_date(text).display() == shown


# -- timeline order -----------------------------------------------------------------------

def _ordered(texts: list[str]) -> list[str]:
    dates = [parse_date(t) for t in texts]
    return [d.text for d in sorted(dates, key=lambda d: d.sort_key)]


def test_coarser_date_sorts_before_the_finer_dates_inside_it() -> None:
    assert _ordered(["2023-06-06", "2024", "2023-06", "2023", "2022-12-31", "2023-07"]) == \
        ["2022-12-31", "2023", "2023-06", "2023-06-06", "2023-07", "2024"]


def test_plain_date_sorts_before_date_times_of_that_day() -> None:
    assert _ordered(["2024-03-22T20:00:00+03:00", "2024-03-23", "2024-03-22", "2024-03-22T01:00:00Z"]) == \
        ["2024-03-22", "2024-03-22T01:00:00Z", "2024-03-22T20:00:00+03:00", "2024-03-23"]


def test_date_times_sort_by_calendar_fields_as_written_not_utc_instant() -> None:
    # 01:00 on the 22nd at +05:00 is 20:00 UTC on the 21st, but it is written on the 22nd.
    assert _ordered(["2024-03-22T01:00:00+05:00", "2024-03-21T23:00:00Z", "2024-03-22"]) == \
        ["2024-03-21T23:00:00Z", "2024-03-22", "2024-03-22T01:00:00+05:00"]


TIMELINE_PROJECT = {
    "content/explainers/order.md": """
        ---
        title: Order
        summary: Timeline order.
        published: 2024-04-01
        timeline:
          - date: 2024-03-22T01:00:00+05:00
            title: Late on the 22nd, local
          - date: 1956
            title: Year only
          - date: 2024-03
            title: First in March
          - date: 2024-03-22
            title: The day
          - date: 2024-03
            title: Second in March
          - date: 2024-03-21T23:00:00Z
            title: Late on the 21st
          - date: 2022-02
            title: Month only
          - date: 2024-03
            title: Third in March
        ---
        Body.
        """,
}


def _timeline(page) -> list[tuple[str, str, str]]:  # type: ignore[no-untyped-def]
    tree = html_tree(page)
    lists = [ol for ol in tree.iter("ol") if "timeline" in (ol.get("class") or "").split()]
    assert len(lists) == 1
    rows = []
    for li in lists[0].findall("li"):
        times = list(li.iter("time"))
        assert times, "every timeline item holds a <time>"
        title = " ".join(text_of(h) for h in li.iter() if h.tag in ("h2", "h3", "h4"))
        rows.append((times[0].get("datetime"), "".join(times[0].itertext()).strip(), title))
    return rows


def test_built_timeline_is_in_order_with_dates_as_written(project, cli_run) -> None:  # type: ignore[no-untyped-def]
    root = project(TIMELINE_PROJECT)
    assert cli_run("build", "--root", root).code == 0
    rows = _timeline(root / "site/order/index.html")
    assert rows == [
        ("1956", "1956", "Year only"),
        ("2022-02", "February 2022", "Month only"),
        ("2024-03", "March 2024", "First in March"),
        ("2024-03", "March 2024", "Second in March"),
        ("2024-03", "March 2024", "Third in March"),
        ("2024-03-21T23:00:00Z", "21 March 2024, 23:00 UTC", "Late on the 21st"),
        ("2024-03-22", "22 March 2024", "The day"),
        ("2024-03-22T01:00:00+05:00", "22 March 2024, 01:00 UTC+05:00", "Late on the 22nd, local"),
    ]


def test_unquoted_year_stays_a_year_in_the_json(project, cli_run) -> None:  # type: ignore[no-untyped-def]
    root = project(TIMELINE_PROJECT)
    assert cli_run("build", "--root", root).code == 0
    data = json.loads((root / "site/order/explainer.json").read_text("utf-8"))
    assert [(e["date"], e["precision"]) for e in data["timeline"]][:2] == [("1956", "year"), ("2022-02", "month")]
    assert data["published"] == "2024-04-01"


# -- the UTC range (found by fuzzing) ------------------------------------------------------------

def test_a_date_time_outside_the_utc_years_is_an_error_not_a_traceback(project, cli_run) -> None:
    """The embargo check converts `published` to UTC, which Python cannot do for the last hours
    of year 9999 west of Greenwich: that was a traceback after the site was written."""
    root = project({"content/explainers/a.md": "---\ntitle: T\nsummary: S\npublished: 9999-12-31T23:59:59-12:00\n"
                                               "---\nx\n"})
    result = cli_run("build", "--root", root, "--drafts")
    assert result.code == 1 and "Traceback" not in result.err
    assert result.error_lines == ["content/explainers/a.md:4:12: error: invalid date in 'published': "
                                  "'9999-12-31T23:59:59-12:00' is out of range: in UTC it falls outside the years 1 "
                                  "to 9999; use YYYY-MM-DD or 2024-03-22T20:00:00+03:00"]
