"""Uncertain dates: around, by, from and between (generator/eventdates.py, docs/authoring.md).

- parsing: every form in both spellings (EDTF level 1 and the short one), at every
  precision on either side; what each keeps (bounds, EDTF form, the true value);
- display: the phrases, with a range's shared month and year said once;
- order: the documented timeline order;
- errors: every malformed form is a located error with every accepted form in the hint,
  tested by its exact text; exact-only fields say that they are;
- output: `<time datetime>` / `data-edtf` on the page, `explainer.json`'s machine fields,
  JSON-LD;
- properties: any text gives an EventDate or a DateError; written forms round-trip.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest
from helpers import (
    BASE,
    BASE_FILES,
    REPO,
    UNCERTAIN_DATE_EDITS,
    apply,
    build_errors,
    by_id,
    clean_build,
    clean_errors,
    dated_event,
    explainer,
    html_tree,
    make_project,
    text_of,
    tree,
)
from hypothesis import given
from hypothesis import strategies as st

from generator.catalogues import Strings
from generator.config import BuildOptions
from generator.dates import DateError, parse_date
from generator.datewords import PHRASES
from generator.eventdates import EventDate, parse_event_date
from generator.pipeline import Builder

HINT = ("use YYYY, YYYY-MM, YYYY-MM-DD or 2024-03-22T20:00:00+03:00; if uncertain, ~2023-06 (around), "
        "..2023-06-06 (by), 2023-06-06.. (from) or 2023-06-05..2023-06-07 (between), or their EDTF forms "
        "2023-06~, ../2023-06-06, 2023-06-06/.., 2023-06-05/2023-06-07")
FIXTURE = REPO / "tests/browser/fixtures/edge/content/explainers/uncertain-dates.md"


def _fields(date: EventDate) -> tuple[object, ...]:
    return (date.qualifier, date.start.text if date.start else None, date.end.text if date.end else None)


# -- parsing -------------------------------------------------------------------------------

@pytest.mark.parametrize("short, edtf, fields", [
    ("~1956", "1956~", ("circa", "1956", "1956")),
    ("~2023-06", "2023-06~", ("circa", "2023-06", "2023-06")),
    ("~2023-06-06", "2023-06-06~", ("circa", "2023-06-06", "2023-06-06")),
    ("..2023", "../2023", ("by", None, "2023")),
    ("..2023-06", "../2023-06", ("by", None, "2023-06")),
    ("..2023-06-06", "../2023-06-06", ("by", None, "2023-06-06")),
    ("2023..", "2023/..", ("from", "2023", None)),
    ("2023-06-06..", "2023-06-06/..", ("from", "2023-06-06", None)),
    ("2023-06-05..2023-06-07", "2023-06-05/2023-06-07", ("between", "2023-06-05", "2023-06-07")),
    ("2022..2024-06", "2022/2024-06", ("between", "2022", "2024-06")),
    ("2023-05..2023-06-15", "2023-05/2023-06-15", ("between", "2023-05", "2023-06-15")),
])
def test_both_spellings_of_each_form_mean_the_same(short: str, edtf: str, fields: tuple[object, ...]) -> None:
    for text in (short, edtf):
        date = parse_event_date(text)
        assert date.text == text
        assert _fields(date) == fields
        assert date.edtf() == edtf
    assert parse_event_date("1956~").display() == "around 1956"


def test_the_written_text_is_kept_and_exact_dates_stay_exact() -> None:
    assert parse_event_date("  ~1956 ").text == "~1956"
    for text in ("1956", "2023-06", "2023-06-06", "2024-03-22T20:00:00+03:00"):
        date = parse_event_date(text)
        assert (date.qualifier, date.exact, date.edtf(), date.display()) == (
            "exact", True, text, parse_date(text).display())
        assert date.true_date == parse_date(text)


@pytest.mark.parametrize("text, true, earliest, latest, precision", [
    ("2023-06-06", "2023-06-06", "2023-06-06", "2023-06-06", "day"),
    ("2023-02", "2023-02", "2023-02-01", "2023-02-28", "month"),
    ("2024", "2024", "2024-01-01", "2024-12-31", "year"),
    ("2024-03-22T20:00:00+03:00", "2024-03-22T20:00:00+03:00", "2024-03-22T20:00:00+03:00",
     "2024-03-22T20:00:00+03:00", "datetime"),
    ("~2023-06", None, None, None, "month"),
    ("..2023-06-06", None, None, "2023-06-06", "day"),
    ("..2024-02", None, None, "2024-02-29", "month"),
    ("2023-06-06..", None, "2023-06-06", None, "day"),
    ("2023..", None, "2023-01-01", None, "year"),
    ("2023-06-05..2023-06-07", "2023-06", "2023-06-05", "2023-06-07", "day"),
    ("2023-05-30..2023-06-02", "2023", "2023-05-30", "2023-06-02", "day"),
    ("2023-05..2023-07", "2023", "2023-05-01", "2023-07-31", "month"),
    ("2022-12-30..2023-01-02", None, "2022-12-30", "2023-01-02", "day"),
    ("2022..2024", None, "2022-01-01", "2024-12-31", "year"),
    ("2022-06..2023", None, "2022-06-01", "2023-12-31", "year"),
])
def test_bounds_and_the_most_precise_true_value(text: str, true: str | None, earliest: str | None,
                                                latest: str | None, precision: str) -> None:
    date = parse_event_date(text)
    assert (date.true_date.text if date.true_date else None) == true
    assert (date.earliest(), date.latest(), date.precision) == (earliest, latest, precision)


# -- display -------------------------------------------------------------------------------

@pytest.mark.parametrize("text, shown", [
    ("~1956", "around 1956"),
    ("2023-06~", "around June 2023"),
    ("~2023-06-06", "around 6 June 2023"),
    ("..2023-06-06", "by 6 June 2023"),
    ("../2023", "by 2023"),
    ("2023-06-06..", "from 6 June 2023"),
    ("2023-06/..", "from June 2023"),
    ("2023-06-05..2023-06-07", "between 5 and 7 June 2023"),
    ("2023-05-30..2023-06-02", "between 30 May and 2 June 2023"),
    ("2022-12-30..2023-01-02", "between 30 December 2022 and 2 January 2023"),
    ("2023-05..2023-07", "between May and July 2023"),
    ("2022-11..2023-02", "between November 2022 and February 2023"),
    ("2022..2024", "between 2022 and 2024"),
    ("2023-05-05..2023-07", "between 5 May and July 2023"),
    ("2023-05..2023-07-07", "between May and 7 July 2023"),
    ("2022..2023-03", "between 2022 and March 2023"),
    ("2022-03..2023", "between March 2022 and 2023"),
])
def test_uncertain_dates_are_shown_in_words(text: str, shown: str) -> None:
    assert parse_event_date(text).display() == shown


WRITTEN = ("~1956", "~2023-06", "~2023-06-06", "..2023-06-06", "..2023-06", "2023-06-06..", "2023..",
           "2023-06-05..2023-06-07", "2023-05-30..2023-06-07", "2023-05..2023-07", "2022..2024",
           "2022-09-30..2023-09-30")


@pytest.mark.parametrize("language, shown", [
    ("en", ["around 1956", "around June 2023", "around 6 June 2023", "by 6 June 2023", "by June 2023",
            "from 6 June 2023", "from 2023", "between 5 and 7 June 2023", "between 30 May and 7 June 2023",
            "between May and July 2023", "between 2022 and 2024",
            "between 30 September 2022 and 30 September 2023"]),
    ("fr", ["vers 1956", "vers juin 2023", "vers le 6 juin 2023", "au plus tard le 6 juin 2023",
            "au plus tard en juin 2023", "à partir du 6 juin 2023", "à partir de 2023",
            "entre le 5 et le 7 juin 2023", "entre le 30 mai et le 7 juin 2023", "entre mai et juillet 2023",
            "entre 2022 et 2024", "entre le 30 septembre 2022 et le 30 septembre 2023"]),
    ("ru", ["примерно 1956", "примерно июнь 2023 г.", "примерно 6 июня 2023 г.", "не позднее 6 июня 2023 г.",
            "июнь 2023 г. или ранее", "не ранее 6 июня 2023 г.", "не ранее 2023",
            "в период с 5 по 7 июня 2023 г.", "в период с 30 мая по 7 июня 2023 г.", "май — июль 2023 г.",
            "в период с 2022 по 2024", "в период с 30 сентября 2022 г. по 30 сентября 2023 г."]),
    ("uk", ["приблизно 1956", "приблизно червень 2023 р.", "приблизно 6 червня 2023 р.",
            "не пізніше 6 червня 2023 р.", "червень 2023 р. або раніше", "не раніше 6 червня 2023 р.",
            "не раніше 2023", "у період з 5 по 7 червня 2023 р.", "у період з 30 травня по 7 червня 2023 р.",
            "травень — липень 2023 р.", "у період з 2022 по 2024",
            "у період з 30 вересня 2022 р. по 30 вересня 2023 р."]),
    ("ar", ["حوالي 1956", "حوالي يونيو 2023", "حوالي 6 يونيو 2023", "بحلول 6 يونيو 2023", "بحلول يونيو 2023",
            "ابتداءً من 6 يونيو 2023", "ابتداءً من 2023", "بين 5 و7 يونيو 2023", "بين 30 مايو و7 يونيو 2023",
            "بين مايو ويوليو 2023", "بين 2022 و2024", "بين 30 سبتمبر 2022 و30 سبتمبر 2023"]),
])
def test_each_shipped_language_words_uncertain_dates_with_its_catalogue(language: str, shown: list[str]) -> None:
    """The catalogue's phrase for the qualifier and precision ("vers le 6 juin" but "vers
    juin"), Babel's dates, and a range's shared month and year said once."""
    messages = Strings().messages(language)
    assert [messages.event_date(parse_event_date(text)).replace("\u202f", " ") for text in WRITTEN] == shown


def test_the_english_catalogue_words_dates_as_display_does() -> None:
    """`EventDate.display` (English whatever the page's language) and English pages agree."""
    english = Strings().messages("en")
    for precision in ("year", "month", "day"):
        assert {q: english.text(f"date.{q}.{precision}") for q in PHRASES} == PHRASES
    for text in (*WRITTEN, "2023-05..2023-06-15", "2024-03-22"):
        date = parse_event_date(text)
        assert english.event_date(date) == date.display()


def test_a_page_words_its_dates_in_its_language_and_a_project_may_reword_them(project, cli_run) -> None:  # type: ignore[no-untyped-def]
    """An explainer in French says its uncertain dates in French (its `language`), whatever
    the site's; like any theme string, a phrase is the project's to change (`i18n/`)."""
    french = explainer("Beta", events=dated_event("..2024-03-02")).replace("title:", "language: fr\ntitle:", 1)
    root = project({**BASE_FILES, "i18n/en.yaml": "date.by.day: 'no later than {date}'\n",
                    "content/explainers/alpha.md": explainer("Alpha", events=dated_event("..2024-03-02")),
                    "content/explainers/beta.md": french})
    result = cli_run("build", "--root", root)
    assert result.code == 0, result.err
    english, french_page = (html_tree(root / f"site/{slug}/index.html") for slug in ("alpha", "beta"))
    [timeline] = [ol for ol in french_page.iter("ol") if ol.get("class") == "timeline"]
    assert _date_elements(timeline) == [("span", None, "../2024-03-02", "au plus tard le 2 mars 2024")]
    [timeline] = [ol for ol in english.iter("ol") if ol.get("class") == "timeline"]
    assert _date_elements(timeline) == [("span", None, "../2024-03-02", "no later than 2 March 2024")]


# -- order ---------------------------------------------------------------------------------

def _ordered(texts: list[str]) -> list[str]:
    return [d.text for d in sorted(map(parse_event_date, texts), key=lambda d: d.sort_key)]


def test_a_date_sorts_at_the_first_date_written_in_it_then_by_exact_around_between_from() -> None:
    written = ["2023-06-06..", "~1956", "2023-06-05/2023-06-07", "2023-06-06", "../2023-06-06",
               "2023-05..2023-07", "2022..2024", "2023-06~", "2023-06", "2023-06-06T02:50:00+03:00", "1956",
               "2023-06-06..2023-06-08", "2023-06-06..2023-06-07", "~2023-06-06"]
    assert _ordered(written) == [
        "1956", "~1956", "2022..2024", "2023-05..2023-07", "2023-06", "2023-06~", "2023-06-05/2023-06-07",
        "../2023-06-06", "2023-06-06", "~2023-06-06", "2023-06-06..2023-06-07", "2023-06-06..2023-06-08",
        "2023-06-06..", "2023-06-06T02:50:00+03:00"]


def test_one_date_in_two_spellings_keeps_file_order() -> None:
    assert _ordered(["1956~", "~1956", "1956~"]) == ["1956~", "~1956", "1956~"]
    assert _ordered(["2023-06-05/2023-06-07", "2023-06-05..2023-06-07"]) == [
        "2023-06-05/2023-06-07", "2023-06-05..2023-06-07"]


# -- errors --------------------------------------------------------------------------------

EVENT = "content/explainers/a.md"


def _event_project(value: str) -> dict[str, str]:
    return {EVENT: f"---\ntitle: T\nsummary: S\npublished: 2024-04-01\ntimeline:\n  - date: {value}\n"
                   "    title: Event\n---\nBody.\n"}


@pytest.mark.parametrize("value, message", [
    ("2023-06-07..2023-06-05", "'2023-06-07..2023-06-05' ends before it starts: write 2023-06-05..2023-06-07"),
    ("2023-06-07/2023-06-05", "'2023-06-07/2023-06-05' ends before it starts: write 2023-06-05/2023-06-07"),
    ("2024..2023-06", "'2024..2023-06' ends before it starts: write 2023-06..2024"),
    ("2023..2023-06", "'2023..2023-06' has ends that overlap (2023 and June 2023): its start must end before "
                      "its end begins"),
    ("2023-06-06..2023-06-06", "'2023-06-06..2023-06-06' starts and ends on the same date: write 2023-06-06 "
                               "alone, or ~2023-06-06 for around it"),
    ("../..", "'../..' has neither a start nor an end: give at least one date"),
    ("..", "'..' has neither a start nor an end: give at least one date"),
    ("/", "'/' has neither a start nor an end: give at least one date"),
    ("~2023-06-06..", "'~2023-06-06..' mixes around (~) with a range: a range's ends are the dates it "
                      "certainly lies between"),
    ("2023-06-05..2023-06-07~", "'2023-06-05..2023-06-07~' mixes around (~) with a range: a range's ends are "
                                "the dates it certainly lies between"),
    ("2023-06-05/..2023-06-07", "'2023-06-05/..2023-06-07' mixes the two ways of writing a range: write "
                                "2023-06-05..2023-06-07 or 2023-06-05/2023-06-07"),
    ("../2023-06-06..", "'../2023-06-06..' mixes the two ways of writing a range: write ..2023-06-06 or "
                        "../2023-06-06"),
    ("/2023-06-06", "'/2023-06-06' has an unknown end (EDTF's empty side): write ..2023-06-06 or "
                    "../2023-06-06 for an open one"),
    ("2023-06-06/", "'2023-06-06/' has an unknown end (EDTF's empty side): write 2023-06-06.. or "
                    "2023-06-06/.. for an open one"),
    ("2023..2024..2025", "'2023..2024..2025' is not a date: a range has one '..' between its two ends"),
    ("2023/2024/2025", "'2023/2024/2025' is not a date: a range has one '/' between its two ends"),
    ("...", "'...' is not a date"),
    ("~1956~", "'~1956~' says around twice: write ~ before the date or after it"),
    ("1956?", "'1956?' uses EDTF's '?' (uncertain), which explainers do not accept: write ~1956 for around, "
              "and say in the text what is in doubt"),
    ("1956%", "'1956%' uses EDTF's '%' (uncertain and approximate), which explainers do not accept: write "
              "~1956 for around, and say in the text what is in doubt"),
    ("~2024-03-22T20:00:00Z", "'~2024-03-22T20:00:00Z' has a time of day: only a year, a month or a day can be "
                              "around, by, from or between (a date-time is exact)"),
    ("2023-13", "'2023-13' has no month 13"),
    ("~2023-13", "'2023-13' has no month 13 (in '~2023-13')"),
    ("2023-13..2024", "'2023-13' has no month 13 (in '2023-13..2024')"),
    ("..2023-02-30", "'2023-02-30' is not a real day (February 2023 has 28 days) (in '..2023-02-30')"),
    ("2023-06..x", "'2023-06..x' is not a date"),
    ("around 1956", "'around 1956' is not a date"),
    ("2024/03/27", "'2024/03/27' is not a date: a range has one '/' between its two ends"),
])
def test_each_malformed_form_is_a_located_error_with_the_accepted_forms(value: str, message: str, project,
                                                                         cli_run) -> None:  # type: ignore[no-untyped-def]
    root = project(_event_project(value))
    result = cli_run("check", "--root", root)
    assert result.code == 1 and "Traceback" not in result.err
    assert result.error_lines == [f"{EVENT}:6:11: error: invalid date in 'date': {message}; {HINT}"]


def test_every_bad_date_of_a_file_is_reported_in_one_run(project, cli_run) -> None:  # type: ignore[no-untyped-def]
    root = project({EVENT: "---\ntitle: T\nsummary: S\npublished: ~2024-04-01\nactors:\n  a:\n    name: A\n"
                           "sources:\n  s:\n    title: S\n    date: 2024-03..\n"
                           "claims:\n  c:\n    by: a\n    text: C\n    date: 2024-03-02..2024-03-01\n"
                           "corrections:\n  - date: ../2024-04-02\n    text: Fixed.\n"
                           "timeline:\n  - date: ~2024-03~\n    title: E\n---\nBody.\n"})
    result = cli_run("build", "--root", root)
    assert result.code == 1 and not (root / "site").exists()
    assert result.error_lines == [
        f"{EVENT}:4:12: error: invalid date in 'published': '~2024-04-01' is uncertain (around, by, from or "
        "between), which only the dates of timeline events and claims may be; use YYYY-MM-DD or "
        "2024-03-22T20:00:00+03:00",
        f"{EVENT}:11:11: error: invalid date in 'date': '2024-03..' is uncertain (around, by, from or between), "
        "which only the dates of timeline events and claims may be; use YYYY, YYYY-MM, YYYY-MM-DD or "
        "2024-03-22T20:00:00+03:00",
        f"{EVENT}:16:11: error: invalid date in 'date': '2024-03-02..2024-03-01' ends before it starts: write "
        f"2024-03-01..2024-03-02; {HINT}",
        f"{EVENT}:18:11: error: invalid date in 'date': '../2024-04-02' is uncertain (around, by, from or "
        "between), which only the dates of timeline events and claims may be; use YYYY-MM-DD or "
        "2024-03-22T20:00:00+03:00",
        f"{EVENT}:21:11: error: invalid date in 'date': '~2024-03~' says around twice: write ~ before the date "
        f"or after it; {HINT}",
    ]


# -- output --------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The browser fixture's uncertain-date explainer, built alone."""
    from helpers import build_project
    root = make_project(tmp_path_factory.mktemp("uncertain"), {
        "content/explainers/uncertain-dates.md": FIXTURE.read_text("utf-8")})
    out = root / "site"
    build_project(root, out, "https://example.org/dates/")
    return out / "uncertain-dates"


def _date_elements(parent) -> list[tuple[str, str | None, str | None, str]]:  # type: ignore[no-untyped-def]
    found = []
    for element in parent.iter():
        if element.tag == "time" or "date" in (element.get("class") or "").split():
            found.append((element.tag, element.get("datetime"), element.get("data-edtf"), text_of(element)))
    return found


def test_the_timeline_keeps_each_date_exact_in_its_element(built: Path) -> None:
    tree = html_tree(built / "index.html")
    [timeline] = [ol for ol in tree.iter("ol") if ol.get("class") == "timeline"]
    shown = [(*_date_elements(li)[0], text_of(li.find(".//h3"))) for li in timeline.findall("li")]
    assert shown == [
        ("time", "1956", None, "1956", "Construction is completed"),
        ("span", None, "1956~", "around 1956", "The dam is built"),
        ("span", None, "2022/2024", "between 2022 and 2024", "An inspection takes place"),
        ("time", "2023", "2023-05/2023-07", "between May and July 2023", "Repairs are said to be planned"),
        ("time", "2023-06", None, "June 2023", "A month of high water"),
        ("span", None, "2023-06~", "around June 2023", "The authority calls the dam sound"),
        ("time", "2023-06", "2023-06-05/2023-06-07", "between 5 and 7 June 2023", "The reservoir level falls"),
        ("span", None, "../2023-06-06", "by 6 June 2023", "Engineers warn of damage"),
        ("time", "2023-06-06", None, "6 June 2023", "The dam is breached"),
        ("span", None, "2023-06-06/..", "from 6 June 2023", "Evacuations go on downstream"),
        ("time", "2023-06-06T02:50:00+03:00", None, "6 June 2023, 02:50 UTC+03:00", "Sirens sound in the town below"),
    ]


def test_claims_show_their_uncertain_dates_on_cards_and_in_who_says_what(built: Path) -> None:
    tree = html_tree(built / "index.html")
    elements = {el.get("id"): el for el in tree.iter() if el.get("id")}
    header = elements["claim-cracks-reported"].find(".//*[@class='claim-date']")
    assert _date_elements(header) == [("span", None, "../2023-06-01", "by 1 June 2023")]
    cells = [_date_elements(td) for td in elements["who-says-what"].iter("td") if td.get("data-label") == "Date"]
    assert cells == [[("span", None, "2023-05~", "around May 2023")],
                     [("span", None, "../2023-06-01", "by 1 June 2023")],
                     [("time", "2023-06", "2023-06-05/2023-06-07", "between 5 and 7 June 2023")],
                     [("time", "2023-06-06", None, "6 June 2023")]]


def test_explainer_json_keeps_the_written_value_and_machine_fields(built: Path) -> None:
    data = json.loads((built / "explainer.json").read_text("utf-8"))
    keys = ("date", "date_qualifier", "date_edtf", "date_earliest", "date_latest")
    claims = {c["id"]: tuple(c[k] for k in keys) for c in data["claims"]}
    assert claims == {
        "dam-sound": ("~2023-05", "circa", "2023-05~", None, None),
        "cracks-reported": ("../2023-06-01", "by", "../2023-06-01", None, "2023-06-01"),
        "water-fell": ("2023-06-05..2023-06-07", "between", "2023-06-05/2023-06-07", "2023-06-05", "2023-06-07"),
        "breach-hour": ("2023-06-06", "exact", "2023-06-06", "2023-06-06", "2023-06-06"),
    }
    events = [(*(e[k] for k in keys), e["precision"]) for e in data["timeline"]]
    assert events[:3] == [("1956", "exact", "1956", "1956-01-01", "1956-12-31", "year"),
                          ("~1956", "circa", "1956~", None, None, "year"),
                          ("2022..2024", "between", "2022/2024", "2022-01-01", "2024-12-31", "year")]
    assert events[9] == ("2023-06-06..", "from", "2023-06-06/..", "2023-06-06", None, "day")


def test_json_ld_dates_a_claim_only_with_what_is_certainly_true(built: Path) -> None:
    html = (built / "index.html").read_text("utf-8")
    scripts = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    reviews = [item for text in scripts for item in json.loads(text) if item["@type"] == "ClaimReview"]
    made = {review["claimReviewed"]: review["itemReviewed"].get("datePublished") for review in reviews}
    assert made == {
        "The dam was structurally sound.": None,  # around May 2023
        "Cracks had been reported to the authority.": None,  # by 1 June 2023
        "The reservoir level fell sharply before the breach.": "2023-06",  # between 5 and 7 June 2023
        "The dam gave way in the early hours.": "2023-06-06",  # exact: the day as written
    }


def test_timeline_json_places_uncertain_dates_as_the_page_does_and_says_what_they_are(built: Path) -> None:
    """TimelineJS: each slide starts at the first date written in its date, and an uncertain
    one says what it is in `display_date`; no range gets an `end_date` (a span of time)."""
    events = json.loads((built / "timeline.json").read_text("utf-8"))["events"]
    assert [(e["start_date"], e.get("display_date")) for e in events] == [
        ({"year": 1956}, None),
        ({"year": 1956}, "around 1956"),
        ({"year": 2022}, "between 2022 and 2024"),
        ({"year": 2023, "month": 5}, "between May and July 2023"),
        ({"year": 2023, "month": 6}, None),
        ({"year": 2023, "month": 6}, "around June 2023"),
        ({"year": 2023, "month": 6, "day": 5}, "between 5 and 7 June 2023"),
        ({"year": 2023, "month": 6, "day": 6}, "by 6 June 2023"),
        ({"year": 2023, "month": 6, "day": 6}, None),
        ({"year": 2023, "month": 6, "day": 6}, "from 6 June 2023"),
        ({"year": 2023, "month": 6, "day": 6, "hour": 2, "minute": 50, "second": 0}, "6 June 2023, 02:50 UTC+03:00"),
    ]
    assert not any("end_date" in e for e in events)


def test_claims_json_gives_an_iso_date_only_when_it_is_true(built: Path) -> None:
    claims = json.loads((built.parent / "claims.json").read_text("utf-8"))["claims"]
    assert {c["id"]: c["date"] for c in claims} == {
        "dam-sound": {"written": "~2023-05", "iso": None, "precision": "month", "qualifier": "circa",
                      "edtf": "2023-05~", "earliest": None, "latest": None},
        "cracks-reported": {"written": "../2023-06-01", "iso": None, "precision": "day", "qualifier": "by",
                            "edtf": "../2023-06-01", "earliest": None, "latest": "2023-06-01"},
        "water-fell": {"written": "2023-06-05..2023-06-07", "iso": "2023-06", "precision": "day",
                       "qualifier": "between", "edtf": "2023-06-05/2023-06-07", "earliest": "2023-06-05",
                       "latest": "2023-06-07"},
        "breach-hour": {"written": "2023-06-06", "iso": "2023-06-06", "precision": "day", "qualifier": "exact",
                        "edtf": "2023-06-06", "earliest": "2023-06-06", "latest": "2023-06-06"},
    }


# -- properties ----------------------------------------------------------------------------

@given(text=st.one_of(st.text(max_size=30), st.text(alphabet="0123456789-~./?%T:Z ", max_size=30)))
def test_any_text_gives_an_event_date_or_a_date_error(text: str) -> None:
    try:
        date = parse_event_date(text)
    except DateError:
        return
    assert date.text == text.strip()
    assert date.display()
    if date.precision != "datetime":
        assert _fields(parse_event_date(date.edtf())) == _fields(date)
    earliest, latest = date.earliest(), date.latest()
    if earliest and latest:
        assert earliest[:10] <= latest[:10]
    assert date.sort_key <= date.sort_key


DAYS = st.dates(min_value=dt.date(1, 1, 1), max_value=dt.date(9999, 12, 31))
PRECISIONS = st.sampled_from(["year", "month", "day"])


def _written(day: dt.date, precision: str) -> str:
    return {"year": f"{day.year:04d}", "month": f"{day.year:04d}-{day.month:02d}", "day": day.isoformat()}[precision]


@given(a=DAYS, a_precision=PRECISIONS, b=DAYS, b_precision=PRECISIONS,
       qualifier=st.sampled_from(["circa", "by", "from", "between"]), edtf=st.booleans())
def test_written_uncertain_dates_round_trip(a: dt.date, a_precision: str, b: dt.date, b_precision: str,
                                            qualifier: str, edtf: bool) -> None:
    """Written text -> parse -> the fields written, in either spelling, at any precision."""
    first, last = _written(a, a_precision), _written(b, b_precision)
    short, long = {
        "circa": (f"~{first}", f"{first}~"),
        "by": (f"..{first}", f"../{first}"),
        "from": (f"{first}..", f"{first}/.."),
        "between": (f"{first}..{last}", f"{first}/{last}"),
    }[qualifier]
    text = long if edtf else short
    if qualifier == "between" and not parse_date(first).last_day() < parse_date(last).first_day():
        with pytest.raises(DateError) as info:
            parse_event_date(text)
        assert str(info.value).startswith(f"'{text}' ")
        return
    date = parse_event_date(text)
    assert (date.text, date.qualifier, date.edtf()) == (text, qualifier, long)
    expected = {"circa": (first, first), "by": (None, first), "from": (first, None), "between": (first, last)}
    assert _fields(date)[1:] == expected[qualifier]
    assert _fields(parse_event_date(short if edtf else long)) == _fields(date)
    assert str(a.year) in date.display()


@given(a=DAYS, b=DAYS, qualifiers=st.tuples(*[st.sampled_from(["exact", "circa", "by", "from"])] * 2))
def test_sort_keys_follow_the_first_date_written(a: dt.date, b: dt.date, qualifiers: tuple[str, str]) -> None:
    forms = {"exact": "{}", "circa": "~{}", "by": "..{}", "from": "{}.."}
    one, two = (parse_event_date(forms[q].format(d.isoformat())) for q, d in zip(qualifiers, (a, b), strict=True))
    if a < b:
        assert one.sort_key < two.sort_key
    if a == b and qualifiers[0] == qualifiers[1]:
        assert one.sort_key == two.sort_key


# -- incremental builds --------------------------------------------------------------------

@pytest.mark.parametrize("resident", [True, False], ids=["serve", "build"])
def test_uncertain_date_edits_rebuild_like_a_clean_build(tmp_path: Path, resident: bool) -> None:
    """The edits of `UNCERTAIN_DATE_EDITS` (also among the random edits of test_incremental),
    one after the other, and a malformed date between them: serve's rebuilds and cached
    builds equal a clean build, and the event's actor page shows the phrase."""
    root = make_project(tmp_path / "project", BASE_FILES)
    out = root / "site"

    def builder() -> Builder:
        return Builder(BuildOptions(root, out, base_url=BASE, drafts=resident), resident=resident)

    kept = builder()
    assert not build_errors(kept)
    around, between, claim_by = UNCERTAIN_DATE_EDITS
    reversed_ = ("write", "content/explainers/alpha.md", explainer("Alpha", events=dated_event("2024-03-03..2024-03-01")))
    reversed_errors = [f"content/explainers/alpha.md:19:11: error: invalid date in 'date': '2024-03-03..2024-03-01' "
                       f"ends before it starts: write 2024-03-01..2024-03-03; {HINT}"]
    steps = [(around, [], "around March 2024"), (reversed_, reversed_errors, ""),
             (between, [], "between 1 and 3 March 2024"), (claim_by, [], "March 2024")]
    for edit, expected, shown in steps:
        apply(root, edit)
        errors = build_errors(kept if resident else builder())
        assert errors == expected
        assert errors == clean_errors(root, tmp_path / "clean", drafts=resident)
        if errors:
            continue
        assert tree(out) == clean_build(root, tmp_path / "clean", drafts=resident)
        [timeline] = [ol for ol in html_tree(out / "actors/shared-one/index.html").iter("ol")
                      if ol.get("class") == "timeline"]
        [event] = timeline.findall("li")  # alpha's, which names shared-one
        assert _date_elements(event)[0][3] == shown
    card = by_id(html_tree(out / "actors/shared-two/index.html"), "claim-alpha--c3")
    assert _date_elements(card) == [("span", None, "../2024-03-02", "by 2 March 2024")]
