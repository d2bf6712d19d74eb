"""Languages: message catalogues, plural forms, dates by locale, overrides, per-explainer
languages and their hreflang alternates (generator/i18n.py, generator/catalogues.py)."""

from __future__ import annotations

import json
import re
import string
from pathlib import Path
from xml.etree import ElementTree

import pytest
from hypothesis import given
from hypothesis import strategies as st
from helpers import (
    BASE,
    BASE_FILES,
    LANGUAGE_EDITS,
    apply,
    assert_same_as_clean_build,
    build_errors,
    build_project,
    builds,
    copy_example,
    explainer,
    html_tree,
    make_project,
    text_of,
)

from generator import i18n
from generator.catalogues import THEME_CATALOGUES, Strings, theme_catalogue
from generator.config import BuildOptions
from generator.dates import parse_date
from generator.diagnostics import Diagnostics
from generator.model import STATUS_LABELS, STATUS_MEANINGS, STATUSES
from generator.pipeline import Builder

SHIPPED = ("en", "fr", "ru", "uk", "ar")
ENGLISH = theme_catalogue(THEME_CATALOGUES / "en.yaml")
READ_ATTRIBUTES = ("aria-label", "alt", "title", "placeholder", "data-label")
"""Attributes whose text a reader meets (a screen reader says them; a browser shows them)."""


# -- the shipped catalogues ------------------------------------------------------------------

@pytest.mark.parametrize("language", SHIPPED)
def test_each_shipped_catalogue_has_every_key_with_its_languages_plural_forms(language: str) -> None:
    diags = Diagnostics()
    Strings().check([language], diags)
    assert diags.items == []  # no missing key (a warning), no error
    catalogue = theme_catalogue(THEME_CATALOGUES / f"{language}.yaml")
    assert catalogue.keys() == ENGLISH.keys()
    for key, message in catalogue.items():
        if isinstance(message, dict):
            assert tuple(message) == i18n.plural_categories(language), key


def test_the_models_english_labels_are_the_english_catalogues() -> None:
    """The validator's hints (`statuses`) and `Claim.status_label` say what the pages say."""
    english = Strings().messages("en")
    assert {s: english.status(s) for s in STATUSES} == STATUS_LABELS
    assert {s: english.meaning(s) for s in STATUSES} == STATUS_MEANINGS


def test_every_language_has_its_cldr_plural_forms() -> None:
    assert i18n.plural_categories("en") == ("one", "other")
    assert i18n.plural_categories("ru") == i18n.plural_categories("uk") == ("one", "few", "many", "other")
    assert i18n.plural_categories("ar") == ("zero", "one", "two", "few", "many", "other")


@pytest.mark.parametrize(("language", "counts"), [
    ("en", {1: "1 claim", 2: "2 claims", 21: "21 claims"}),
    ("ru", {1: "1 утверждение", 3: "3 утверждения", 5: "5 утверждений", 21: "21 утверждение",
            22: "22 утверждения", 111: "111 утверждений"}),
    ("uk", {1: "1 твердження", 4: "4 твердження", 11: "11 тверджень", 31: "31 твердження"}),
    ("ar", {0: "0 ادعاء", 1: "ادعاء واحد", 2: "ادعاءان", 7: "7 ادعاءات", 11: "11 ادعاءً", 100: "100 ادعاء"}),
    ("fr", {0: "0 affirmation", 1: "1 affirmation", 2: "2 affirmations", 1000000: "1\u202f000\u202f000 d’affirmations"}),
])
def test_counts_take_the_plural_form_of_their_number(language: str, counts: dict[int, str]) -> None:
    messages = Strings().messages(language)
    assert {n: messages.text("legend.count", n) for n in counts} == counts


@pytest.mark.parametrize(("language", "shown"), [
    ("en", ["1956", "February 2022", "27 March 2024", "27 March 2024, 09:30 UTC+02:00", "21 March 2024, 23:00 UTC"]),
    ("fr", ["1956", "février 2022", "27 mars 2024", "27 mars 2024, 09:30 UTC+02:00", "21 mars 2024, 23:00 UTC"]),
    ("ru", ["1956", "февраль 2022 г.", "27 марта 2024 г.", "27 марта 2024 г., 09:30 UTC+02:00",
            "21 марта 2024 г., 23:00 UTC"]),
    ("uk", ["1956", "лютий 2022 р.", "27 березня 2024 р.", "27 березня 2024 р., 09:30 UTC+02:00",
            "21 березня 2024 р., 23:00 UTC"]),
    ("ar", ["1956", "فبراير 2022", "27 مارس 2024", "27 مارس 2024، 09:30 التوقيت العالمي +02:00",
            "21 مارس 2024، 23:00 التوقيت العالمي"]),
    ("en-US", ["1956", "February 2022", "March 27, 2024", "March 27, 2024, 09:30 UTC+02:00",
               "March 21, 2024, 23:00 UTC"]),
])
def test_dates_keep_their_precision_in_each_language(language: str, shown: list[str]) -> None:
    """A year, a month, a day and a moment (as written: its own offset, no conversion; the
    24-hour clock)."""
    messages = Strings().messages(language)
    dates = [parse_date(text) for text in ("1956", "2022-02", "2024-03-27", "2024-03-27T09:30:00+02:00",
                                           "2024-03-21T23:00:00Z")]
    assert [messages.date(d).replace("\u202f", " ") for d in dates] == shown


@given(st.text(alphabet=string.ascii_letters + "{}_ 0123456789", max_size=30))
def test_a_message_is_a_placeholder_list_or_a_clear_error(text: str) -> None:
    """Any text either formats with its placeholders, or says why it cannot."""
    try:
        names = i18n.placeholders(text)
    except ValueError as exc:
        assert "placeholder" in str(exc)
        return
    text.format(**{name: "x" for name in names})


# -- no English left on a page ---------------------------------------------------------------

def _fragments(catalogue: dict[str, i18n.Message]) -> set[str]:
    """The words of a catalogue's messages between their placeholders, normalized."""
    found = set()
    for message in catalogue.values():
        for form in message.values() if isinstance(message, dict) else (message,):
            for literal, _, _, _ in string.Formatter().parse(form):
                if (piece := _normal(literal)) and any(c.isalpha() for c in piece):
                    found.add(piece)
    return found


def _normal(text: str) -> str:
    """Text without numbers, punctuation at its ends and repeated spaces."""
    text = re.sub(r"[\d\s\u00a0\u202f]+", " ", text)
    return text.strip(" ·,.:;()—–-←→“”«»\"'").strip()


def _pieces(page: Path) -> list[str]:
    """Every piece of text a reader meets on the page: text between tags, the attributes
    read out or shown, and the page's title and descriptions in its head. Left out: the
    writer's Markdown (`.prose`), which no theme string is part of, and scripts."""
    pieces: list[str] = []

    def visit(element: ElementTree.Element) -> None:
        if element.tag in ("script", "style") or "prose" in (element.get("class") or "").split():
            return
        pieces.append(element.text or "")
        pieces.extend(element.get(name) or "" for name in READ_ATTRIBUTES)
        if element.tag == "meta" and (element.get("property") or element.get("name") or "").endswith(
                ("alt", "description", "title")):
            pieces.append(element.get("content") or "")
        for child in element:
            visit(child)
            pieces.append(child.tail or "")

    visit(html_tree(page))
    return [p for p in map(_normal, pieces) if p]


def _english_left(site: Path, language: str) -> dict[str, set[str]]:
    """Page -> the English theme strings found on it (those that the language does not
    write the same way: "Sources" is French too)."""
    english = _fragments(ENGLISH) - _fragments(theme_catalogue(THEME_CATALOGUES / f"{language}.yaml"))
    several_words = [f for f in english if " " in f]
    found: dict[str, set[str]] = {}
    for page in sorted(site.rglob("*.html")):
        for piece in _pieces(page):
            hits = {f for f in several_words if re.search(rf"(?<!\w){re.escape(f)}(?!\w)", piece)}
            if piece in english:
                hits.add(piece)
            if hits:
                found.setdefault(page.relative_to(site).as_posix(), set()).update(hits)
    return found


@pytest.fixture(scope="module")
def example_in(tmp_path_factory: pytest.TempPathFactory):
    built: dict[str, Path] = {}

    def build(language: str) -> Path:
        if language not in built:
            root = copy_example(tmp_path_factory.mktemp(f"example-{language}") / "project")
            site_yaml = root / "site.yaml"
            site_yaml.write_text(re.sub(r"(?m)^language: .*$", f"language: {language}",
                                        site_yaml.read_text("utf-8")), encoding="utf-8")
            build_project(root, root / "site")
            built[language] = root / "site"
        return built[language]
    return build


def test_the_english_example_is_found_english_by_the_scan(example_in) -> None:
    """The scan works: in English, it finds the theme's strings on every page."""
    site = example_in("en")
    english = _fragments(ENGLISH) - _fragments(theme_catalogue(THEME_CATALOGUES / "fr.yaml"))
    pages = {page.relative_to(site).as_posix() for page in site.rglob("*.html")}
    found = {page for page, hits in _english_left_of(site, english).items() if hits}
    assert found == pages


def _english_left_of(site: Path, english: set[str]) -> dict[str, set[str]]:
    several_words = [f for f in english if " " in f]
    found: dict[str, set[str]] = {}
    for page in sorted(site.rglob("*.html")):
        for piece in _pieces(page):
            hits = {f for f in several_words if re.search(rf"(?<!\w){re.escape(f)}(?!\w)", piece)}
            if piece in english:
                hits.add(piece)
            found.setdefault(page.relative_to(site).as_posix(), set()).update(hits)
    return found


@pytest.mark.parametrize("language", ["fr", "ar"])
def test_the_example_in_french_and_arabic_has_no_english_theme_string(example_in, language: str) -> None:
    site = example_in(language)
    assert _english_left(site, language) == {}
    page = html_tree(site / "crocus-city-hall-attack/index.html")
    assert page.get("lang") == language
    assert page.get("dir") == ("rtl" if language == "ar" else None)


def test_the_french_example_reads_french(example_in) -> None:
    site = example_in("fr")
    page = html_tree(site / "crocus-city-hall-attack/index.html")
    byline = text_of(next(e for e in page.iter() if e.get("class") == "byline"))
    assert byline == "Par Explainer Desk Publié le 28 mars 2024"
    legend = [text_of(e) for e in page.iter() if e.get("class") == "legend-count"]
    assert legend == ["1 affirmation", "1 affirmation", "2 affirmations", "1 affirmation", "3 affirmations"]
    badges = {text_of(e) for e in page.iter() if (e.get("class") or "").startswith("badge ")}
    assert "Verdict : Plutôt vrai" in {b.replace("\u00a0", " ") for b in badges}
    home = html_tree(site / "index.html")
    assert "28 mars 2024 · 8 affirmations, 5 évaluées · chronologie en 9 étapes" in text_of(home)
    uncertain = [text_of(e) for e in page.iter() if e.get("data-edtf") == "../2024-03-22"]
    assert uncertain == ["au plus tard le 22 mars 2024"]  # the timeline's "by" date, in French words


def test_explainer_json_keeps_machine_values_in_any_language(example_in) -> None:
    english = json.loads((example_in("en") / "crocus-city-hall-attack/explainer.json").read_text("utf-8"))
    french = json.loads((example_in("fr") / "crocus-city-hall-attack/explainer.json").read_text("utf-8"))
    assert (english.pop("language"), french.pop("language")) == ("en", "fr")
    assert french == english  # the same data: ids and ISO dates, never a label
    statuses = {claim["status"] for claim in french["claims"]}
    assert statuses <= set(STATUSES) and "mostly-true" in statuses
    assert {event["date"] for event in french["timeline"]} >= {"..2024-03-22", "2024-03-22"}
    assert {event["date_edtf"] for event in french["timeline"]} >= {"../2024-03-22"}
    text = json.dumps(french, ensure_ascii=False)
    assert "Plutôt vrai" not in text and "Mostly true" not in text


# -- a project's own strings -----------------------------------------------------------------

SHARED = {"content/actors/shared-one.yaml": "name: Shared One\n"}

def test_site_yaml_and_a_project_catalogue_override_any_string(project, cli_run) -> None:
    root = project({
        "site.yaml": ("title: Desk\nlanguage: fr\nstrings:\n  fr:\n    nav.feed: Notre flux\n"
                      "    legend.count:\n      one: '{count} affirmation notée'\n"
                      "      many: '{count} d’affirmations notées'\n      other: '{count} affirmations notées'\n"),
        "i18n/fr.yaml": "nav.feed: Le flux du fichier\ntoc.title: Au sommaire\n",
        "content/explainers/a.md": explainer("Alpha"), **SHARED,
    })
    result = cli_run("build", "--root", root)
    assert result.code == 0, result.err
    page = html_tree(root / "site/a/index.html")
    nav = [text_of(a) for a in page.iter("a") if a.get("href") == "../feed.xml"]
    assert nav[0] == "Notre flux"  # site.yaml wins over the project's catalogue
    assert text_of(next(e for e in page.iter() if e.get("class") == "toc-title")) == "Au sommaire"
    assert [text_of(e) for e in page.iter() if e.get("class") == "legend-count"] == ["1 affirmation notée"] * 2


@pytest.mark.parametrize(("written", "canonical"), [("FR", "fr"), ("pt-br", "pt-BR"), ("SR-LATN-rs", "sr-Latn-RS"),
                                                    ("es-419", "es-419"), ("en-US-x-TWAIN", "en-US-x-twain")])
def test_a_language_tag_is_used_in_its_canonical_case(written: str, canonical: str) -> None:
    assert i18n.canonical_tag(written) == canonical


def test_a_tag_in_any_case_finds_its_catalogue_and_strings(project, cli_run) -> None:
    """`language: FR` is French: the theme's fr.yaml and `strings: Fr:` apply, and the
    page says lang="fr" (no warning that French has no catalogue)."""
    root = project({
        "site.yaml": "title: Desk\nlanguage: FR\nstrings:\n  Fr:\n    nav.feed: Notre flux\n",
        "content/explainers/a.md": explainer("Alpha"), **SHARED,
    })
    result = cli_run("build", "--root", root, "--base-url", "https://example.org/")
    assert result.code == 0, result.err
    assert "warning" not in result.err
    page = html_tree(root / "site/a/index.html")
    assert page.get("lang") == "fr"
    assert [text_of(a) for a in page.iter("a") if a.get("href") == "../feed.xml"][0] == "Notre flux"
    assert text_of(next(e for e in page.iter() if e.get("class") == "kicker")) == "Décryptage"


@pytest.mark.parametrize(("files", "expected"), [
    ({"site.yaml": "language: fr\nstrings:\n  fr:\n    nav.fed: Flux\n"},
     "site.yaml:4:5: error: unknown string 'nav.fed'; did you mean 'nav.feed'?"),
    ({"i18n/ru.yaml": "# Русский\nlegend.count:\n  one: '{count} утверждение'\n  other: '{count} утверждения'\n",
      "site.yaml": "language: ru\n"},
     "i18n/ru.yaml:3:3: error: 'legend.count' lacks the Русский plural forms few, many; the Unicode CLDR's "
     "forms: one (1, 21, 31...); few (2, 3, 4...); many (0, 5, 6...); other (1.5...)"),
    ({"i18n/fr.yaml": "legend.count:\n  one: x\n  two: y\n  many: z\n  other: w\n", "site.yaml": "language: fr\n"},
     "i18n/fr.yaml:3:3: error: Français has no plural form 'two' (in 'legend.count'); the Unicode CLDR's "
     "forms: one (0, 1, 1.5...); many (1000000...); other (2, 3, 4...)"),
    ({"i18n/fr.yaml": "legend.count: Des affirmations\n", "site.yaml": "language: fr\n"},
     "i18n/fr.yaml:1:15: error: 'legend.count' takes a text for each plural form of Français: one, many, "
     "other; the Unicode CLDR's forms: one (0, 1, 1.5...); many (1000000...); other (2, 3, 4...)"),
    ({"i18n/fr.yaml": "byline.published: Publié le {day}\n", "site.yaml": "language: fr\n"},
     "i18n/fr.yaml:1:29: error: 'byline.published' has no placeholder '{day}'; this string may use {date}"),
    ({"i18n/fr.yaml": "nav.feed: Flux {\n", "site.yaml": "language: fr\n"},
     "i18n/fr.yaml:1:11: error: 'nav.feed': a brace with no pair is not a placeholder: write {name} for a "
     "placeholder, and {{ or }} for a brace"),
    ({"site.yaml": "language: fr_FR\n"},
     "site.yaml:1:11: error: 'language' in site.yaml: 'fr_FR' is not a BCP 47 language tag: write fr-FR; "
     "use a BCP 47 language tag, such as en, fr, ru, uk, ar or pt-BR"),
    ({"site.yaml": "strings:\n  klingon-x:\n    nav.feed: x\n"},
     "site.yaml:2:3: error: 'strings' in site.yaml: 'klingon-x' is not a language tag the Unicode CLDR "
     "knows; use a BCP 47 language tag, such as fr, uk or pt-BR"),
])
def test_a_wrong_string_is_a_located_error(project, cli_run, files: dict[str, str], expected: str) -> None:
    root = project({**files, "content/explainers/a.md": explainer("Alpha"), **SHARED})
    result = cli_run("build", "--root", root)
    assert result.code == 1
    assert [line for line in result.error_lines if ": error: " in line] == [expected]
    assert not (root / "site").exists()


def test_a_catalogue_no_page_uses_yet_is_checked_and_an_odd_name_is_named(project, cli_run) -> None:
    """A translator's i18n/de.yaml is checked before the first German page (its errors, not
    the keys it lacks); a file no language reads says so instead of being skipped silently."""
    root = project({
        "site.yaml": "title: Desk\n",
        "i18n/de.yaml": "nav.feed: Unser Feed\nnav.fed: Tippfehler\n",
        "i18n/FR.yaml": "nav.feed: Notre flux\n",
        "i18n/french.yaml": "nav.feed: Notre flux\n",
        "i18n/notes.txt": "not a catalogue\n",
        "content/explainers/a.md": explainer("Alpha"), **SHARED,
    })
    result = cli_run("build", "--root", root, "--base-url", "https://example.org/")
    assert result.code == 1
    lines = result.err.splitlines()
    assert "i18n/de.yaml:2:1: error: unknown string 'nav.fed'; did you mean 'nav.feed'?" in lines
    assert ("i18n/FR.yaml:1:1: warning: this catalogue is never read: its name is not a language tag in "
            "canonical case; name it fr.yaml") in lines
    assert ("i18n/french.yaml:1:1: warning: this catalogue is never read: its name is not a language tag in "
            "canonical case; name it a BCP 47 language tag, such as fr.yaml or pt-BR.yaml") in lines
    assert not [line for line in lines if "Deutsch" in line or "notes.txt" in line]  # no page is German
    (root / "i18n/de.yaml").write_text("nav.feed: Unser Feed\n", "utf-8")
    assert cli_run("build", "--root", root, "--base-url", "https://example.org/").code == 0


def test_a_missing_translation_falls_back_to_english_with_one_warning_per_key(project, cli_run) -> None:
    """German has no catalogue in the theme: a project's partial one leaves the rest English,
    each missing string said once, however many pages show it."""
    root = project({
        "site.yaml": "title: Desk\nlanguage: de\n",
        "i18n/de.yaml": "nav.all_explainers: Alle Erklärstücke\n",
        "content/explainers/a.md": explainer("Alpha"),
        "content/explainers/b.md": explainer("Beta", tags="[a, b]"), **SHARED,
    })
    result = cli_run("build", "--root", root, "--base-url", "https://example.org/")
    assert result.code == 0, result.err
    warnings = [line for line in result.err_lines if ": warning: " in line]
    feed = "explainer: warning: no Deutsch ('de') text for the string 'nav.feed': its pages show the English text; " \
           "add it to i18n/de.yaml or under 'strings: de:' in site.yaml"
    assert warnings.count(feed) == 1
    assert len(warnings) == len(ENGLISH) - 1  # one for each key but the one translated
    page = html_tree(root / "site/index.html")
    assert page.get("lang") == "de"
    links = [text_of(a) for a in page.iter("a")]
    assert "Alle Erklärstücke" in links and "Feed" in links
    # German's own formats even so: the date is Babel's.
    assert "1. März 2024" in text_of(page) or "März 2024" in text_of(page)


def test_a_language_without_any_catalogue_warns_once(project, cli_run) -> None:
    root = project({"site.yaml": "language: pt-BR\n", "content/explainers/a.md": explainer("Alpha"), **SHARED})
    result = cli_run("build", "--root", root, "--base-url", "https://example.org/")
    assert result.code == 0
    warnings = [line for line in result.err_lines if ": warning: " in line]
    assert warnings == [f"explainer: warning: no catalogue of Português (Brasil) ('pt-BR'): its pages show the "
                        f"theme's {len(ENGLISH)} strings in English; translate the theme's en.yaml into "
                        "i18n/pt-BR.yaml or under 'strings: pt-BR:' in site.yaml"]


# -- explainers in several languages ---------------------------------------------------------

def _story(title: str, language: str, story: str = "attack") -> str:
    return explainer(title).replace("title:", f"language: {language}\nstory: {story}\ntitle:", 1)


def test_the_same_story_in_several_languages_links_its_versions(project, cli_run) -> None:
    root = project({
        "site.yaml": "title: Desk\nlanguage: en\n",
        "content/explainers/attack.md": _story("Attack", "en"),
        "content/explainers/attaque.md": _story("Attaque en français", "fr"),
        "content/explainers/hujum.md": _story("Hujum هجوم بالعربية", "ar"),
        "content/explainers/other.md": explainer("Beta"), **SHARED,
    })
    assert cli_run("build", "--root", root, "--base-url", "https://example.org/").code == 0
    site = root / "site"
    expected = [("en", "https://example.org/attack/"), ("fr", "https://example.org/attaque/"),
                ("ar", "https://example.org/hujum/"), ("x-default", "https://example.org/attack/")]
    for slug in ("attack", "attaque", "hujum"):
        page = html_tree(site / slug / "index.html")
        alternates = sorted((link.get("hreflang"), link.get("href")) for link in page.iter("link")
                            if link.get("rel") == "alternate" and link.get("hreflang"))
        assert alternates == sorted(expected), slug
    french = html_tree(site / "attaque/index.html")
    assert french.get("lang") == "fr"
    assert text_of(next(e for e in french.iter() if e.get("class") == "kicker")) == "Décryptage"
    versions = next(e for e in french.iter() if e.get("class") == "translations")
    assert [(a.get("hreflang"), text_of(a)) for a in versions.iter("a")] == [("ar", "العربية"), ("en", "English")]
    arabic = html_tree(site / "hujum/index.html")
    assert (arabic.get("lang"), arabic.get("dir")) == ("ar", "rtl")
    # An explainer without a story has no alternates; the home page marks each other language.
    other = html_tree(site / "other/index.html")
    assert not [link for link in other.iter("link") if link.get("hreflang")]
    home = html_tree(site / "index.html")
    titles = {text_of(a): a.get("lang") for a in home.iter("a")
              if a.get("href") in ("attack/", "attaque/", "hujum/")}
    assert titles == {"Attack": None, "Attaque en français": "fr", "Hujum هجوم بالعربية": "ar"}


def test_a_feed_entry_in_another_language_speaks_it(project, cli_run) -> None:
    """A correction in a French explainer's entry of an English site's feed is a
    "Rectificatif", dated in French: the entry is marked xml:lang="fr"."""
    corrected = _story("Attaque", "fr").replace(
        "title:", "corrections:\n  - date: 2024-03-29\n    text: Une date était fausse.\ntitle:", 1)
    root = project({"site.yaml": "title: Desk\nlanguage: en\n",
                    "content/explainers/attaque.md": corrected, **SHARED})
    assert cli_run("build", "--root", root).code == 0
    feed = (root / "site/feed.xml").read_text("utf-8")
    assert '<entry xml:lang="fr">' in feed
    assert "Rectificatif (29 mars 2024)\xa0: Une date était fausse." in feed  # French spacing
    assert "Correction (" not in feed


def test_a_story_told_twice_in_one_language_is_an_error(project, cli_run) -> None:
    root = project({"content/explainers/a.md": _story("Alpha", "fr"),
                    "content/explainers/b.md": _story("Beta", "fr"), **SHARED})
    result = cli_run("build", "--root", root)
    assert result.code == 1
    assert result.error_lines == [
        "content/explainers/b.md:3:8: error: story 'attack' is told in 'fr' by content/explainers/a.md too; "
        "give each language one version of a story: set 'language' to the language it is written in, or give "
        "it another 'story'"]


# -- what a page reads -----------------------------------------------------------------------

@pytest.mark.parametrize("resident", [False, True], ids=["cached build", "serve"])
def test_language_edits_in_sequence_equal_a_clean_build(tmp_path, resident: bool) -> None:
    """Each language edit (see helpers.LANGUAGE_EDITS) and a body edit of an explainer whose
    story other languages tell: the next build equals a clean one (the random sequences of
    test_incremental mix them with every other edit)."""
    root = make_project(tmp_path / "project", BASE_FILES)
    out = root / "site"
    options = BuildOptions(root, out, base_url=BASE, drafts=resident)
    memory = Builder(options, resident=True) if resident else None
    assert builds(memory or Builder(options))
    edits = [*LANGUAGE_EDITS[:3], ("write", "content/explainers/beta.md", LANGUAGE_EDITS[0][2].replace(
        "Body.", "Edited body."))]
    edits += [*LANGUAGE_EDITS[3:]]
    errors = []
    for edit in edits:
        apply(root, edit)
        errors = build_errors(memory or Builder(options))
        assert_same_as_clean_build(root, out, errors, drafts=resident)
        if edit[1] == "site.yaml" and not errors:  # English strings of its own
            assert "News feed" in [text_of(a) for a in html_tree(out / "alpha/index.html").iter("a")]
    # The site in French: alpha, now French by default, tells its story in French as beta does.
    assert [e for e in errors if ": error: " in e] == [
        "content/explainers/beta.md:3:8: error: story 's' is told in 'fr' by content/explainers/alpha.md too; "
        "give each language one version of a story: set 'language' to the language it is written in, or give "
        "it another 'story'"]
