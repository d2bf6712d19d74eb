"""The override patterns docs/templates.md documents actually work (no browser needed)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from browser_support import build

EXPLAINER = """\
---
title: A small explainer
summary: Two people disagree.
published: 2024-01-02
tags: [small]
actors:
  ann:
    name: Ann Example
    role: Minister
sources:
  memo:
    title: The memo
    url: https://example.org/memo
claims:
  ann-says:
    by: ann
    text: It rained.
    status: "false"
    sources: [memo]
timeline:
  - date: 2024-01-01
    title: It did not rain
    actors: [ann]
    claims: [ann-says]
---
[Ann](@ann) [said it rained](@ann-says), according to [the memo](@memo).
"""


def write(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return root


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return write(tmp_path / "project", {"content/explainers/small.md": EXPLAINER})


def test_override_one_block_of_explainer_html(project: Path, tmp_path: Path) -> None:
    write(project, {"templates/explainer.html": """\
        {% extends "theme/explainer.html" %}
        {% block body %}
        <aside class="editors-note">Editor's note: {{ explainer.title }}</aside>
        {{ super() }}
        {% endblock %}
        """})
    build(project, tmp_path / "site", "https://example.org/")
    html = (tmp_path / "site" / "small" / "index.html").read_text(encoding="utf-8")
    assert '<aside class="editors-note">Editor\'s note: A small explainer</aside>' in html
    assert 'href="#actor-ann" class="ref ref-actor"' in html, "super() kept the body"
    for hook in ('id="actor-ann"', 'id="claim-ann-says" data-status="false"', 'id="source-memo"',
                 '<ol class="timeline">', '<time datetime="2024-01-01">'):
        assert hook in html, hook


def test_override_base_html_for_every_page(project: Path, tmp_path: Path) -> None:
    write(project, {"templates/base.html": """\
        {% extends "theme/base.html" %}
        {% block head %}<meta name="x-house-style" content="1">{{ super() }}{% endblock %}
        {% block footer %}<p class="imprint">© Example News</p>{% endblock %}
        """})
    build(project, tmp_path / "site", "https://example.org/")
    for page in ("index.html", "small/index.html", "actors/ann/index.html", "tags/small/index.html"):
        html = (tmp_path / "site" / page).read_text(encoding="utf-8")
        assert '<p class="imprint">© Example News</p>' in html, page
        assert '<meta name="x-house-style" content="1">' in html, page
    explainer = (tmp_path / "site" / "small" / "index.html").read_text(encoding="utf-8")
    assert '<link rel="canonical" href="https://example.org/small/">' in explainer, \
        "the page's own head block still comes through super()"


def test_replace_a_page_template_entirely(project: Path, tmp_path: Path) -> None:
    write(project, {"templates/tag.html": """\
        {% extends "base.html" %}
        {% block title %}Topic: {{ tag }}{% endblock %}
        {% block content %}<h1>{{ tag }}</h1>{% for item in explainers %}<p>{{ item.title }}</p>{% endfor %}{% endblock %}
        """})
    build(project, tmp_path / "site", "https://example.org/")
    html = (tmp_path / "site" / "tags" / "small" / "index.html").read_text(encoding="utf-8")
    assert "<title>Topic: small</title>" in html and "<p>A small explainer</p>" in html
