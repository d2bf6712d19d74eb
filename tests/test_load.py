"""Reading files: encodings, line ends, front matter, YAML safety, and exact error positions.

At the end, byte-level fuzzing of the loader (issue #7, part 5): arbitrary bytes, and a valid
explainer mutated (bytes flipped, truncated, `---` inserted, lines repeated or dropped, random
Unicode inserted), as an explainer, a shared actor and site.yaml at once. `explainer check`
must exit 0 or 1, print no traceback, and print only `path:line:col: error: ...` lines
(inside the file) or `explainer: ...` lines. CI runs a share, the long run thousands
(`HYPOTHESIS_PROFILE=long`, see helpers.py). What the resource limits bound (huge files, YAML
bombs) is in test_resource_limits.py; which files a build reads, in test_project_files.py.
"""

from __future__ import annotations

import contextlib
import io
import tempfile
from pathlib import Path
from typing import Any

import pytest
from helpers import FILE_LINE, NO_FILE_LINE, assert_clean_cli, hypothesis_settings, make_project, record
from hypothesis import given
from hypothesis import strategies as st

from generator import cli
from generator.config import SiteConfig
from generator.diagnostics import Diagnostics
from generator.load import load_explainer, load_shared_actor, split_front_matter
from generator.resolve import resolve_explainer, resolve_shared_actors
from generator.validate import validate_explainer, validate_shared_actors

FRONT = "title: T\nsummary: S\npublished: 2024-01-01\n"
"""Valid front matter fields, to which a test adds its own lines."""


def check(project, cli_run, files):  # type: ignore[no-untyped-def]
    """Run `explainer check` on a new project; returns (exit code, error lines)."""
    root = project(files)
    result = cli_run("check", "--root", root)
    assert "Traceback" not in result.err
    return result.code, result.error_lines


def explainer(front: str, body: str = "Body.\n") -> str:
    return f"---\n{front}---\n{body}"


# -- encodings and line ends ------------------------------------------------------------

def test_utf8_bom_is_accepted_and_does_not_shift_columns(project, cli_run) -> None:
    text = "\ufeff---\ntitle: T\nsummary: S\npublished: 2024-01-01\nsumary: x\n---\nSee [x](@nope).\n"
    code, errors = check(project, cli_run, {"content/explainers/a.md": text.encode("utf-8")})
    assert code == 1
    assert errors == [
        "content/explainers/a.md:5:1: error: unknown key 'sumary' in explainer; did you mean 'summary'?",
        "content/explainers/a.md:7:9: error: unknown id '@nope' in the body",
    ]


def test_bom_file_builds(project, cli_run) -> None:
    root = project({"content/explainers/a.md": ("\ufeff" + explainer(FRONT)).encode("utf-8")})
    assert cli_run("build", "--root", root).code == 0
    assert (root / "site/a/index.html").is_file()


def test_crlf_line_ends_give_the_same_positions_as_lf(project, cli_run) -> None:
    text = "---\r\ntitle: T\r\nsummary: S\r\npublished: 2024-01-01\r\ntitel: x\r\n---\r\n\r\nA [b](@nope).\r\n"
    code, errors = check(project, cli_run, {"content/explainers/a.md": text.encode("utf-8")})
    assert code == 1
    assert errors == [
        "content/explainers/a.md:5:1: error: unknown key 'titel' in explainer; did you mean 'title'?",
        "content/explainers/a.md:8:7: error: unknown id '@nope' in the body",
    ]


def test_crlf_file_builds_without_carriage_returns_in_the_page(project, cli_run) -> None:
    text = explainer(FRONT, "Line one\nline two.\n").replace("\n", "\r\n")
    root = project({"content/explainers/a.md": text.encode("utf-8")})
    assert cli_run("build", "--root", root).code == 0
    page = (root / "site/a/index.html").read_bytes()
    assert b"\r" not in page
    assert b"Line one\nline two." in page


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-16-le"])
def test_utf16_file_is_refused_with_a_clear_error(project, cli_run, encoding: str) -> None:
    data = explainer(FRONT).encode(encoding)
    if encoding != "utf-16":  # the codec adds a BOM only for plain "utf-16"
        data = ("\ufeff" + explainer(FRONT)).encode(encoding)
    code, errors = check(project, cli_run, {"content/explainers/a.md": data})
    assert code == 1
    assert errors == ["content/explainers/a.md:1:1: error: file is UTF-16; explainer reads UTF-8 only; "
                      "save the file as UTF-8"]


def test_invalid_utf8_is_reported_at_its_line_and_column(project, cli_run) -> None:
    data = b"---\ntitle: T\nsummary: Caf\xe9 cr\xc3\xa8me \xff\npublished: 2024-01-01\n---\n"
    code, errors = check(project, cli_run, {"content/explainers/a.md": data})
    assert code == 1
    assert errors == ["content/explainers/a.md:3:13: error: file is not valid UTF-8 (byte 0xe9); "
                      "save the file as UTF-8"]


def test_invalid_utf8_column_counts_characters_not_bytes(project, cli_run) -> None:
    data = b"---\ntitle: T\nsummary: cr\xc3\xa8me \xff\npublished: 2024-01-01\n---\n"
    code, errors = check(project, cli_run, {"content/explainers/a.md": data})
    assert errors == ["content/explainers/a.md:3:16: error: file is not valid UTF-8 (byte 0xff); "
                      "save the file as UTF-8"]


def test_invalid_utf8_in_a_shared_actor_and_site_yaml(project, cli_run) -> None:
    code, errors = check(project, cli_run, {
        "site.yaml": b"title: \x80\n",
        "content/actors/putin.yaml": b"name: Putin\nrole: \xc3\n",
        "content/explainers/a.md": explainer(FRONT),
    })
    assert code == 1
    assert errors == [
        "content/actors/putin.yaml:2:7: error: file is not valid UTF-8 (byte 0xc3); save the file as UTF-8",
        "site.yaml:1:8: error: file is not valid UTF-8 (byte 0x80); save the file as UTF-8",
    ]


def test_nul_character_is_refused(project, cli_run) -> None:
    code, errors = check(project, cli_run, {"content/explainers/a.md": explainer(FRONT, "a\x00b\n").encode()})
    assert code == 1
    assert errors == ["content/explainers/a.md:6:2: error: file contains a NUL character; is it a binary file?"]


# -- front matter -----------------------------------------------------------------------

def test_missing_front_matter_is_an_error(project, cli_run) -> None:
    code, errors = check(project, cli_run, {"content/explainers/a.md": "# Just Markdown\n"})
    assert code == 1
    assert errors == ["content/explainers/a.md:1:1: error: missing front matter: the file must start with a "
                      "'---' line; add '---', the YAML fields, and another '---' before the body"]


def test_unclosed_front_matter_is_an_error(project, cli_run) -> None:
    code, errors = check(project, cli_run, {"content/explainers/a.md": "---\n" + FRONT + "Body\n"})
    assert code == 1
    assert errors == ["content/explainers/a.md:1:1: error: front matter is not closed; add a '---' line "
                      "between the YAML fields and the body"]


def test_empty_file_has_no_front_matter(project, cli_run) -> None:
    code, errors = check(project, cli_run, {"content/explainers/a.md": ""})
    assert errors[0].startswith("content/explainers/a.md:1:1: error: missing front matter")


def test_empty_front_matter_reports_every_missing_required_key(project, cli_run) -> None:
    code, errors = check(project, cli_run, {"content/explainers/a.md": "---\n---\nBody\n"})
    assert code == 1
    assert errors == [
        "content/explainers/a.md:1:1: error: missing required key 'published' in explainer",
        "content/explainers/a.md:1:1: error: missing required key 'summary' in explainer",
        "content/explainers/a.md:1:1: error: missing required key 'title' in explainer",
    ]


def test_split_front_matter_gives_yaml_body_and_body_line() -> None:
    diags = Diagnostics()
    text = "---\ntitle: T\nsummary: S\n---\n\nBody\n"
    assert split_front_matter(text, "a.md", diags) == ("title: T\nsummary: S\n", "\nBody\n", 5)
    assert diags.items == []


def test_front_matter_may_close_with_dots_and_trailing_spaces() -> None:
    diags = Diagnostics()
    assert split_front_matter("--- \ntitle: T\n...  \nBody", "a.md", diags) == ("title: T\n", "Body", 4)


def test_front_matter_closed_at_end_of_file_has_empty_body() -> None:
    diags = Diagnostics()
    assert split_front_matter("---\ntitle: T\n---", "a.md", diags) == ("title: T\n", "", 3)


@pytest.mark.parametrize("front, expected", [
    ("- a\n- b\n", "content/explainers/a.md:2:1: error: expected a mapping of 'key: value' lines"),
    ("just text\n", "content/explainers/a.md:2:1: error: expected a mapping of 'key: value' lines"),
])
def test_front_matter_that_is_not_a_mapping_is_an_error(project, cli_run, front: str, expected: str) -> None:
    code, errors = check(project, cli_run, {"content/explainers/a.md": explainer(front)})
    assert code == 1
    assert errors == [expected]


def test_shared_actor_that_is_not_a_mapping_is_an_error(project, cli_run) -> None:
    code, errors = check(project, cli_run, {"content/actors/putin.yaml": "- Putin\n",
                                            "content/explainers/a.md": explainer(FRONT)})
    assert errors == ["content/actors/putin.yaml:1:1: error: expected a mapping of 'key: value' lines"]


# -- YAML errors and safety ---------------------------------------------------------------

def test_invalid_yaml_position_includes_the_front_matter_offset(project, cli_run) -> None:
    front = "title: T\nsummary: S\npublished: 2024-01-01\ntags: [a, b\nauthors: [x]\n"
    code, errors = check(project, cli_run, {"content/explainers/a.md": explainer(front)})
    assert code == 1
    assert errors == [
        "content/explainers/a.md:6:8: error: invalid YAML: did not find expected ',' or ']' "
        "(while parsing a flow sequence that starts at line 5, column 7)"
    ]


def test_colon_in_plain_text_gets_a_quoting_hint(project, cli_run) -> None:
    front = "title: T\nsummary: The answer: no\npublished: 2024-01-01\n"
    code, errors = check(project, cli_run, {"content/explainers/a.md": explainer(front)})
    assert errors == ["content/explainers/a.md:3:20: error: invalid YAML: mapping values are not allowed "
                      "in this context; put text containing ': ' in quotes"]


def test_invalid_yaml_in_shared_actor_has_no_offset(project, cli_run) -> None:
    code, errors = check(project, cli_run, {"content/actors/putin.yaml": "name: Putin\nrole: [x\n",
                                            "content/explainers/a.md": explainer(FRONT)})
    assert code == 1
    assert len(errors) == 1
    assert errors[0].startswith("content/actors/putin.yaml:3:1: error: invalid YAML: ")


def test_unterminated_quote_says_where_the_quote_started(project, cli_run) -> None:
    front = 'title: T\nsummary: "never closed\npublished: 2024-01-01\n'
    code, errors = check(project, cli_run, {"content/explainers/a.md": explainer(front)})
    assert errors == ["content/explainers/a.md:5:1: error: invalid YAML: found unexpected end of stream "
                      "(while scanning a quoted scalar that starts at line 3, column 10)"]


def test_tab_indentation_gets_a_hint(project, cli_run) -> None:
    front = "title: T\nsummary: S\npublished: 2024-01-01\nactors:\n\tputin:\n"
    code, errors = check(project, cli_run, {"content/explainers/a.md": explainer(front)})
    assert len(errors) == 1
    assert errors[0].startswith("content/explainers/a.md:6:1: error: invalid YAML: ")
    assert errors[0].endswith("; indent with spaces, not tabs")


def test_control_character_in_yaml_is_one_located_line(project, cli_run) -> None:
    front = "title: T\nsummary: caf\u00e9 \x07\npublished: 2024-01-01\n"
    code, errors = check(project, cli_run, {"content/explainers/a.md": explainer(front)})
    assert code == 1
    assert errors == ["content/explainers/a.md:3:15: error: invalid YAML: character U+0007 is not allowed in "
                      "YAML; remove it, or move the text into the Markdown body"]


def test_yaml_only_line_breaks_do_not_shift_line_numbers(project, cli_run) -> None:
    # YAML counts U+2028 as a line break; editors, and so our positions, do not.
    front = 'title: "T\u2028x"\nsummary: S\npublished: 2024-01-01\nsumary: x\n'
    code, errors = check(project, cli_run, {"content/explainers/a.md": explainer(front)})
    assert errors == ["content/explainers/a.md:5:1: error: unknown key 'sumary' in explainer; "
                      "did you mean 'summary'?"]


def test_alias_is_refused(project, cli_run) -> None:
    front = "title: &t T\nsummary: *t\npublished: 2024-01-01\n"
    code, errors = check(project, cli_run, {"content/explainers/a.md": explainer(front)})
    assert code == 1
    assert errors == [
        "content/explainers/a.md:2:8: error: YAML anchor '&t' is not allowed; write the value out in full",
        "content/explainers/a.md:3:10: error: YAML alias '*t' is not allowed; write the value out in full",
    ]


def test_anchor_without_alias_is_refused(project, cli_run) -> None:
    front = "title: &t T\nsummary: S\npublished: 2024-01-01\n"
    code, errors = check(project, cli_run, {"content/explainers/a.md": explainer(front)})
    assert errors == ["content/explainers/a.md:2:8: error: YAML anchor '&t' is not allowed; "
                      "write the value out in full"]


def test_alias_bomb_is_refused_quickly(project, cli_run) -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 9)]
    front = FRONT + "\n".join(lines) + "\n"
    code, errors = check(project, cli_run, {"content/explainers/a.md": explainer(front)})
    assert code == 1
    assert len(errors) == 9 + 80  # nine anchors, eighty aliases: each reported once, never expanded
    assert errors[2] == "content/explainers/a.md:6:10: error: YAML alias '*a0' is not allowed; write the value out in full"


def test_ampersand_in_text_is_not_an_anchor(project, cli_run) -> None:
    front = "title: AT&T & Co\nsummary: 'R&D'\npublished: 2024-01-01\n"
    root = project({"content/explainers/a.md": explainer(front)})
    assert cli_run("check", "--root", root).code == 0


def test_duplicate_key_is_an_error(project, cli_run) -> None:
    front = "title: T\nsummary: S\ntitle: Again\npublished: 2024-01-01\n"
    code, errors = check(project, cli_run, {"content/explainers/a.md": explainer(front)})
    assert code == 1
    assert errors == ["content/explainers/a.md:4:1: error: duplicate key 'title' (first defined at line 2); "
                      "remove one of them"]


def test_duplicate_object_id_is_a_duplicate_key(project, cli_run) -> None:
    front = FRONT + "sources:\n  s:\n    title: A\n  s:\n    title: B\n"
    code, errors = check(project, cli_run, {"content/explainers/a.md": explainer(front)})
    assert errors == ["content/explainers/a.md:8:3: error: duplicate key 's' (first defined at line 6); "
                      "remove one of them"]


@pytest.mark.parametrize("tag", ["!!python/object:os.system", "!!python/name:os.system",
                                 "!!python/object/apply:os.system", "!custom"])
def test_application_tags_are_refused(project, cli_run, tag: str) -> None:
    front = f"title: {tag} T\nsummary: S\npublished: 2024-01-01\n"
    code, errors = check(project, cli_run, {"content/explainers/a.md": explainer(front)})
    assert code == 1
    assert len(errors) == 1
    assert errors[0].startswith("content/explainers/a.md:2:8: error: YAML tag '")
    assert errors[0].endswith("' is not allowed; remove the tag; values are read as plain text")


def test_python_object_tag_is_never_constructed(project, cli_run, tmp_path) -> None:
    marker = tmp_path / "pwned"
    front = f"title: !!python/object/apply:os.system ['touch {marker}']\nsummary: S\npublished: 2024-01-01\n"
    check(project, cli_run, {"content/explainers/a.md": explainer(front)})
    assert not marker.exists()


def test_explicit_standard_tag_is_allowed(project, cli_run) -> None:
    front = "title: !!str 1956\nsummary: S\npublished: 2024-01-01\n"
    root = project({"content/explainers/a.md": explainer(front)})
    assert cli_run("check", "--root", root).code == 0


def test_deep_flow_nesting_is_bounded(project, cli_run) -> None:
    front = FRONT + "authors: " + "[" * 5000 + "]" * 5000 + "\n"
    code, errors = check(project, cli_run, {"content/explainers/a.md": explainer(front)})
    assert code == 1
    assert len(errors) == 1 and errors[0].startswith("content/explainers/a.md:5:")
    assert "nest" in errors[0]


def test_moderate_nesting_beyond_the_limit_is_refused(project, cli_run) -> None:
    front = FRONT + "authors: " + "[" * 40 + "]" * 40 + "\n"
    code, errors = check(project, cli_run, {"content/explainers/a.md": explainer(front)})
    assert errors == ["content/explainers/a.md:5:42: error: YAML is nested more than 32 levels deep"]


def test_deep_block_nesting_is_bounded(project, cli_run) -> None:
    front = FRONT + "".join("  " * i + f"k{i}:\n" for i in range(200))
    code, errors = check(project, cli_run, {"content/explainers/a.md": explainer(front)})
    assert code == 1
    assert len(errors) == 1
    assert "nested more than 32 levels deep" in errors[0]


def test_non_text_key_is_an_error(project, cli_run) -> None:
    front = FRONT + "? [a, b]\n: c\n"
    code, errors = check(project, cli_run, {"content/explainers/a.md": explainer(front)})
    assert errors == ["content/explainers/a.md:5:3: error: a key must be plain text"]


# -- which files are read -------------------------------------------------------------------

def test_editor_droppings_are_ignored(project, cli_run) -> None:
    root = project({
        "content/explainers/a.md": explainer(FRONT),
        "content/explainers/.#a.md": "junk",
        "content/explainers/a.md~": "junk",
        "content/explainers/.a.md.swp": "junk",
        "content/actors/#putin.yaml#": "junk",
    })
    result = cli_run("check", "--root", root)
    assert result.code == 0, result.err


def test_file_with_the_wrong_extension_is_reported(project, cli_run) -> None:
    code, errors = check(project, cli_run, {"content/explainers/a.markdown": explainer(FRONT),
                                            "content/actors/putin.yml": "name: Putin\n"})
    assert errors == [
        "content/actors/putin.yml:1:1: error: 'putin.yml' is not read here: files in content/actors/ "
        "must end in '.yaml'",
        "content/explainers/a.markdown:1:1: error: 'a.markdown' is not read here: files in "
        "content/explainers/ must end in '.md'",
    ]


def test_oversized_file_is_refused(project, cli_run) -> None:
    body = "x" * (5 * 1024 * 1024)
    code, errors = check(project, cli_run, {"content/explainers/a.md": explainer(FRONT, body)})
    assert code == 1
    size = len(explainer(FRONT, body).encode())
    assert errors == [f"content/explainers/a.md:1:1: error: file is {size:,} bytes; the limit is 5,242,880; "
                      "split the explainer or move large material out of it"]


def test_symlink_outside_the_project_is_refused(project, cli_run, tmp_path) -> None:
    outside = tmp_path / "elsewhere.md"
    outside.write_text(explainer(FRONT), "utf-8")
    root = project({"content/explainers/a.md": explainer(FRONT)})
    (root / "content/explainers/b.md").symlink_to(outside)
    result = cli_run("check", "--root", root)
    assert result.code == 1
    assert result.error_lines == ["content/explainers/b.md:1:1: error: symbolic link points outside the "
                                  "project; copy the file instead"]


def test_project_without_content_directory(project, cli_run) -> None:
    root = project({"site.yaml": "title: X\n"})
    result = cli_run("check", "--root", root)
    assert result.code == 1
    assert result.error_lines == [f"explainer: error: no content/ directory in {root}; "
                                  "run 'explainer new \"Title\"' to start a project here"]


def _content_files_by_os_walk(content: "Path") -> tuple[set[str], set[str]]:
    """The listing as `os.walk` gives it (what `load.list_content_files` replaced)."""
    import os
    from pathlib import Path
    found: set[str] = set()
    outside: set[str] = set()
    root = os.path.realpath(content.parent)

    def within(path: str) -> bool:
        return path == root or path.startswith(root.rstrip(os.sep) + os.sep)

    for dirpath, dirnames, filenames in os.walk(content):
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        rel = Path(dirpath).relative_to(content).as_posix()
        prefix = "" if rel == "." else f"{rel}/"
        for name in dirnames:
            if os.path.islink(os.path.join(dirpath, name)) and not within(os.path.realpath(os.path.join(dirpath, name))):
                outside.add(f"{prefix}{name}/")
        for name in filenames:
            path = os.path.join(dirpath, name)
            if os.path.islink(path) and not within(os.path.realpath(path)):
                outside.add(prefix + name)
            else:
                found.add(prefix + name)
    return found, outside


def test_content_listing_matches_a_walk_of_the_folder(tmp_path) -> None:
    from generator import load
    project, elsewhere = tmp_path / "p", tmp_path / "elsewhere"
    content = project / "content"
    for rel in ("explainers/a.md", "explainers/.hidden.md", "images/x/y.png", ".git/HEAD", "media/.cache/z",
                "actors/b.yaml"):
        (content / rel).parent.mkdir(parents=True, exist_ok=True)
        (content / rel).write_text(rel)
    (elsewhere / "deep").mkdir(parents=True)
    (elsewhere / "secret.png").write_text("s")
    (project / "shared").mkdir()
    (project / "shared/logo.png").write_text("l")
    links = {"images/out.png": elsewhere / "secret.png", "images/outdir": elsewhere / "deep",
             "images/in.png": project / "shared/logo.png", "images/indir": project / "shared",
             "images/dangling.png": project / "nothing.png", ".linked": elsewhere / "deep"}
    for rel, target in links.items():
        (content / rel).symlink_to(target)
    found = load.list_content_files(content)
    assert (set(found), found.outside) == _content_files_by_os_walk(content)
    assert "images/out.png" in found.outside and "images/outdir/" in found.outside
    assert "images/in.png" in found and "explainers/.hidden.md" in found and ".git/HEAD" not in found


# -- what the fuzzers found, kept as plain tests -----------------------------------------------------

def test_invalid_utf8_after_a_lone_carriage_return_is_on_the_next_line(project, cli_run) -> None:
    root = project({"content/explainers/a.md": "---\ntitle: T\nsummary: S\npublished: 2024-01-01\n---\nx\n",
                    "content/actors/r.yaml": b"name: A\r\x80"})
    result = cli_run("check", "--root", root)
    assert result.error_lines == ["content/actors/r.yaml:2:1: error: file is not valid UTF-8 (byte 0x80); "
                                  "save the file as UTF-8"]


def test_yaml_error_at_the_end_of_a_file_without_final_line_break_is_inside_the_file(project, cli_run) -> None:
    root = project({"content/explainers/a.md": "---\ntitle: T\nsummary: S\npublished: 2024-01-01\n---\nx\n",
                    "site.yaml": b"title: The Desk\nb"})
    result = cli_run("check", "--root", root)
    assert result.error_lines == ["site.yaml:2:2: error: invalid YAML: could not find expected ':' (while scanning "
                                  "a simple key that starts at line 2, column 1)"]


# -- byte-level fuzzing of the loader --------------------------------------------------------------

VALID = (
    b"---\n"
    b"title: Who was behind the attack?\n"
    b"summary: Competing claims, and the evidence for each.\n"
    b"published: 2024-03-28\n"
    b"tags: [russia, terrorism]\n"
    b"actors:\n"
    b"  putin:\n"
    b"    name: Vladimir Putin\n"
    b"    role: President of Russia\n"
    b"    description: |\n"
    b"      Leads [Russia](@russia).\n"
    b"sources:\n"
    b"  tass:\n"
    b"    title: Putin's address\n"
    b"    url: https://example.org/tass\n"
    b"    date: 2024-03-23\n"
    b"claims:\n"
    b"  window:\n"
    b"    by: putin\n"
    b"    text: A \"window\" was prepared.\n"
    b"    sources: [tass]\n"
    b"    status: unproven\n"
    b"    note: No evidence, says [TASS](@tass).\n"
    b"timeline:\n"
    b"  - date: 2024-03-22T20:00:00+03:00\n"
    b"    title: Gunmen attack\n"
    b"    actors: [putin]\n"
    b"---\n"
    b"[Mr. Putin](@putin) said [so](@window).\n"
)
SHARED = b"name: Russia\nkind: government\ndescription: |\n  A state.\n"
SITE = b"title: The Desk\nbase_url: https://example.org/news/\nallow_html: false\n"

INSERTS = [b"---\n", b"---", b"\n", b"\r\n", b"\r", b"...\n", b"\t", b": ", b"- ", b"[", b"{", b"&a ", b"*a", b"!!python/object ",
           b"\xef\xbb\xbf", b"\xff\xfe", b"\x00", b"\xc3", b"\xe2\x80\xae", b"\xe2\x80\xa8", b"'", b'"', b"|", b">",
           b"%YAML 1.1\n", b"<<: ", b"? ", b"#", b"@", b"`", b"\\", b"\x85", b"2024-13-45", b"](@", b"\xf0\x9f\x92"]


@st.composite
def mutated(draw: Any, base: bytes) -> bytes:
    """`base` after a few random edits: flips, cuts, insertions, repeats, deletions."""
    data = bytearray(base)
    for _ in range(draw(st.integers(1, 6))):
        op = draw(st.sampled_from(["flip", "truncate", "insert", "unicode", "delete", "repeat", "replace-line"]))
        at = draw(st.integers(0, max(len(data), 1)))
        if op == "flip" and data:
            at = min(at, len(data) - 1)
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif op == "truncate":
            del data[at:]
        elif op == "insert":
            data[at:at] = draw(st.sampled_from(INSERTS))
        elif op == "unicode":
            data[at:at] = draw(st.text(min_size=1, max_size=4)).encode("utf-8", "surrogatepass")
        elif op == "delete":
            del data[at:at + draw(st.integers(1, 40))]
        elif op == "repeat":
            data[at:at] = bytes(data[at:at + draw(st.integers(1, 60))])
        elif op == "replace-line":
            lines = bytes(data).split(b"\n")
            index = draw(st.integers(0, len(lines) - 1))
            lines[index] = draw(st.binary(max_size=30))
            data = bytearray(b"\n".join(lines))
    return bytes(data)


loader_inputs = st.one_of(st.binary(max_size=400), mutated(VALID), mutated(SHARED),
                          st.binary(max_size=100).map(lambda b: b"---\n" + b + b"\n---\nBody\n"))


def file_lines(data: bytes) -> list[str]:
    text = data.decode("utf-8", "replace")
    text = text.removeprefix("\ufeff")
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def assert_check_is_clean(root: Path, code: int, err: str) -> None:
    lines = assert_clean_cli(code, err)
    for line in lines:
        match = FILE_LINE.match(line)
        if not match:
            assert NO_FILE_LINE.match(line), line
            continue
        path = root / match["path"]
        assert path.is_file(), f"{line!r} names no file"
        flines = file_lines(path.read_bytes())
        number, column = int(match["line"]), int(match["col"])
        assert 1 <= number <= len(flines), f"{line!r}: the file has {len(flines)} lines"
        assert 1 <= column <= len(flines[number - 1]) + 1, f"{line!r}: line {number} is {len(flines[number - 1])} long"


@hypothesis_settings(ci=40, long=5000)
@given(explainer=loader_inputs, actor=st.one_of(st.just(SHARED), mutated(SHARED), st.binary(max_size=200)),
       site=st.one_of(st.just(SITE), mutated(SITE)))
def test_check_never_crashes_on_any_bytes(tmp_path_factory, explainer: bytes, actor: bytes, site: bytes) -> None:
    """The whole command, templates included: ~50 ms an example."""
    record("loader bytes (check)")
    root = make_project(tmp_path_factory.mktemp("bytes"), {"content/explainers/story.md": explainer,
                                                           "content/actors/russia.yaml": actor, "site.yaml": site})
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = cli.main(["check", "--root", str(root)])
    assert_check_is_clean(root, code, err.getvalue())


_WORKDIR = Path(tempfile.mkdtemp(prefix="explainer-fuzz-"))
(_WORKDIR / "content" / "explainers").mkdir(parents=True)
(_WORKDIR / "content" / "actors").mkdir(parents=True)


@hypothesis_settings(ci=300, long=20000)
@given(explainer=loader_inputs, actor=st.one_of(mutated(SHARED), st.binary(max_size=200)))
def test_load_validate_resolve_never_raise(explainer: bytes, actor: bytes) -> None:
    """The same stages without the command line and the templates, ~1 ms an example, so many
    more examples: load, validate, resolve must report, never raise, and every position must
    be inside the file."""
    record("loader bytes (stages)")
    story = _WORKDIR / "content/explainers/story.md"
    russia = _WORKDIR / "content/actors/russia.yaml"
    story.write_bytes(explainer)
    russia.write_bytes(actor)
    diags = Diagnostics()
    config = SiteConfig()
    raw_actor = load_shared_actor(_WORKDIR, russia, diags)
    shared = validate_shared_actors([raw_actor] if raw_actor else [], set(), diags)
    resolve_shared_actors(shared, config, diags)
    raw = load_explainer(_WORKDIR, story, diags)
    if raw is not None:
        model = validate_explainer(raw, shared, set(), diags)
        if model is not None:
            resolve_explainer(model, shared, config, diags)
    err = "\n".join(str(d) for d in diags.sorted())
    assert_check_is_clean(_WORKDIR, 1 if diags.errors else 0, err)
