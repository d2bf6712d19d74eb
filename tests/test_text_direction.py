"""Right-to-left languages (generator/textdirection.py and the theme; docs/rtl.md).

- `text_direction` says "rtl" for the languages written right to left, by CLDR's data, and
  for a tag that names a right-to-left script; "ltr" for everything else, never an error;
- a site in such a language has `dir="rtl"` on the root of every page; any other site has
  no `dir` at all (left to right is HTML's default), and the feed has none;
- a writer's name or title inside a line of the theme's is isolated (`<bdi>`, or
  `dir="auto"` on the element that holds it exactly), on pages of either direction, so that
  text in the other direction keeps its punctuation to itself. (In Chromium:
  tests/browser/test_rtl.py.)
"""

from __future__ import annotations

from pathlib import Path
from xml.etree import ElementTree

import pytest
from helpers import ARABIC_VALUES, MIXED_DIRECTION_EXPLAINER, build_project, html_tree, make_project
from hypothesis import given
from hypothesis import strategies as st

from generator.textdirection import RTL_SCRIPTS, text_direction

BASE = "https://example.org/news/"

RIGHT_TO_LEFT = ["ar", "ar-EG", "he", "iw", "fa", "fa-IR", "ur", "ps", "sd", "ug", "yi", "dv", "ckb", "ku-Arab",
                 "pa-PK", "pa-Arab", "az-Arab", "syr", "nqo", "ff-Adlm", "AR", "ar_SA", "ar-u-nu-latn", "he-x-foo"]
LEFT_TO_RIGHT = ["en", "en-GB", "fr", "ru", "uk", "be", "ku", "ku-Latn", "sd-Deva", "yi-Latn", "zh-Hant-TW",
                 "de-CH-1996", "", "english", "x", "x-ar", "i-klingon", "ar?", "12"]


@pytest.mark.parametrize("language", RIGHT_TO_LEFT)
def test_languages_written_right_to_left(language: str) -> None:
    assert text_direction(language) == "rtl"


@pytest.mark.parametrize("language", LEFT_TO_RIGHT)
def test_every_other_tag_reads_left_to_right(language: str) -> None:
    assert text_direction(language) == "ltr"


@given(st.text(max_size=40))
def test_any_text_gets_a_direction_without_an_error(language: str) -> None:
    assert text_direction(language) in ("ltr", "rtl")


REGION = st.from_regex(r"[A-Z]{2}|[0-9]{3}", fullmatch=True)


@given(st.sampled_from(["ar", "he", "fa", "dv", "yi", "ug"]), REGION, st.booleans(), st.booleans())
def test_a_region_case_or_separator_does_not_turn_a_language(language: str, region: str, upper: bool,
                                                            underscore: bool) -> None:
    tag = f"{language}-{region}"
    tag = tag.upper() if upper else tag.lower()
    assert text_direction(tag.replace("-", "_") if underscore else tag) == "rtl"
    assert text_direction(tag.replace(language.upper() if upper else language, "en", 1)) == "ltr"


@given(st.sampled_from(["en", "ar", "he", "ru"]), st.sampled_from(sorted(RTL_SCRIPTS | {"Latn", "Cyrl", "Deva"})))
def test_a_named_script_decides(language: str, script: str) -> None:
    assert text_direction(f"{language}-{script}") == ("rtl" if script in RTL_SCRIPTS else "ltr")


def site(tmp_path: Path, language: str, explainer: str = MIXED_DIRECTION_EXPLAINER) -> Path:
    root = make_project(tmp_path / f"project-{language}", {
        "site.yaml": f"title: The Desk\nlanguage: {language}\n",
        "content/explainers/bridge.md": explainer,
    })
    out = tmp_path / f"site-{language}"
    build_project(root, out, BASE)
    return out


@pytest.mark.parametrize("language", ["ar", "he", "fa-IR"])
def test_every_page_of_a_right_to_left_site_has_dir_rtl(tmp_path: Path, language: str) -> None:
    """The embeds too: each is a document of its own in another site's frame."""
    out = site(tmp_path, language)
    pages = sorted(out.rglob("*.html"))
    assert len(pages) >= 8 and any("/embed/" in page.as_posix() for page in pages)
    for page in pages:
        root = html_tree(page)
        assert (root.get("lang"), root.get("dir")) == (language, "rtl"), page
    assert " dir=" not in (out / "feed.xml").read_text("utf-8")


def test_an_explainer_in_a_right_to_left_language_is_rtl_on_a_left_to_right_site(tmp_path: Path) -> None:
    """The direction is the page's own language's (an explainer's `language`), the site's
    lists keep the site's: the explainer and its embeds are rtl, the home page is not."""
    out = site(tmp_path, "en", MIXED_DIRECTION_EXPLAINER.replace("---\n", "---\nlanguage: ar\n", 1))
    pages = [out / "bridge/index.html", *sorted((out / "bridge/embed").glob("*/index.html"))]
    assert len(pages) == 4
    for page in pages:
        assert (html_tree(page).get("lang"), html_tree(page).get("dir")) == ("ar", "rtl"), page
    assert 'class="claim-map-svg" direction="rtl"' in pages[0].read_text("utf-8")
    assert (html_tree(out / "index.html").get("lang"), html_tree(out / "index.html").get("dir")) == ("en", None)


def test_a_left_to_right_site_has_no_dir_attribute(tmp_path: Path) -> None:
    out = site(tmp_path, "en")
    for page in sorted(out.rglob("*.html")):
        root = html_tree(page)
        assert (root.get("lang"), root.get("dir")) == ("en", None), page


BLOCKS = {"html", "body", "main", "header", "footer", "nav", "section", "article", "aside", "div", "p", "ul", "ol",
          "li", "dl", "dt", "dd", "table", "thead", "tbody", "tr", "td", "th", "h1", "h2", "h3", "h4", "h5", "h6",
          "figure", "figcaption", "blockquote", "details", "summary"}
"""Elements the theme lays out as blocks of their own (an SVG element is one too)."""


def _classes(element: ElementTree.Element) -> set[str]:
    return set((element.get("class") or "").split())


def _visible_text(element: ElementTree.Element) -> str:
    """The element's text without what only screen readers get (`.visually-hidden`)."""
    def raw(element: ElementTree.Element) -> str:
        parts = [element.text or ""]
        for child in element:
            if "visually-hidden" not in _classes(child):
                parts.append(raw(child))
            parts.append(child.tail or "")
        return "".join(parts)
    return " ".join(raw(element).split())


def unisolated(page: Path, values: tuple[str, ...]) -> list[str]:
    """Each place where one of `values` shares a line with other text, not isolated: its
    nearest block holds more than the value, and no element between them is a <bdi> or
    has `dir`. The writer's own Markdown (`.prose`), the document's <head>, an SVG's
    tooltip and what only screen readers get are not lines of the theme's."""
    tree = html_tree(page)
    parent = {child: element for element in tree.iter() for child in element}
    found = []
    for element in tree.iter():
        for holder, text in [(element, element.text)] + [(element, child.tail) for child in element]:
            value = next((v for v in values if v in (text or "")), None)
            if value is None:
                continue
            chain = [holder]
            while chain[-1] in parent:
                chain.append(parent[chain[-1]])
            tags = [e.tag.rsplit("}", 1)[-1] for e in chain]
            if ("head" in tags or any("prose" in _classes(e) or "visually-hidden" in _classes(e) for e in chain)
                    or any(t in ("title", "desc") and "}" in e.tag for t, e in zip(tags, chain, strict=True))):
                continue
            for tag, ancestor in zip(tags, chain, strict=True):
                if tag == "bdi" or ancestor.get("dir"):
                    break
                if tag in BLOCKS or "}" in ancestor.tag:
                    if _visible_text(ancestor) != value:
                        found.append(f"{page.name}: {value!r} in <{tag} class={ancestor.get('class')!r}>: "
                                     f"{_visible_text(ancestor)!r}")
                    break
    return found


@pytest.mark.parametrize("language", ["en", "ar"])
def test_a_writers_names_and_titles_are_isolated_in_the_themes_lines(tmp_path: Path, language: str) -> None:
    out = site(tmp_path, language)
    pages = [out / "bridge/index.html", out / "actors/ministry/index.html", out / "actors/ann/index.html",
             out / "index.html", *sorted((out / "bridge/embed").glob("*/index.html"))]
    assert len(pages) == 7
    problems = [problem for page in pages for problem in unisolated(page, ARABIC_VALUES)]
    assert not problems, "\n".join(problems)
    page = (out / "bridge/index.html").read_text("utf-8")
    # Each kind of place, once: a list of names, a name and a claim in one link, a role
    # after the actor's kind, sources in a row, a correction after its date.
    byline = {"en": "By <bdi>أحمد علي</bdi> and <bdi>سارة حسن</bdi>",  # the page's own words (i18n)
              "ar": "بقلم <bdi>أحمد علي</bdi> و<bdi>سارة حسن</bdi>"}[language]
    assert f'<span class="authors">{byline}</span>' in page
    assert '<span class="relation-by" dir="auto">وزارة النقل</span> — <bdi>أغلق الجسر يوم الاثنين.</bdi>' in page
    assert '<span class="role" dir="auto">الناطق الرسمي</span>' in page
    assert 'dir="auto">تقرير الجسر</a>; <a' in page
    assert ': <bdi>صححنا التاريخ.</bdi></li>' in page


def test_the_check_finds_a_name_left_bare(tmp_path: Path) -> None:
    """The check above can fail: a project template that drops the isolation is caught."""
    out = site(tmp_path, "en")
    page = out / "bridge/index.html"
    page.write_text(page.read_text("utf-8").replace("<bdi>سارة حسن</bdi>", "سارة حسن"), encoding="utf-8")
    assert unisolated(page, ARABIC_VALUES) == [
        "index.html: 'سارة حسن' in <p class='byline'>: 'By أحمد علي and سارة حسن Published 5 March 2024 · "
        "Updated 6 March 2024'"]
