"""Message catalogues: the theme's, a project's `i18n/<language>.yaml`, and site.yaml's `strings:`.

A catalogue is a YAML mapping of keys to text, or to text per CLDR plural category, as
Hugo's `i18n/<language>.yaml` files are (newsroom developers know them, and a YAML file
is read with the positions every error here points at; gettext's `.po` files would need
a compile step and a second syntax next to site.yaml's):

    byline.published: Published {date}
    legend.count:
      one: "{count} claim"
      other: "{count} claims"

The theme ships `theme/i18n/<language>.yaml`; English (`en.yaml`) is the reference: it
has every key. For a page in language L the messages are, later ones winning: English,
the theme's L, the project's `i18n/L.yaml`, then site.yaml's `strings: {L: ...}` (and for
`pt-BR`, `pt` before `pt-BR` at each step). A key L has nowhere falls back to English with
one build warning per key and language (one warning in all for a language without any
catalogue).

Every project entry is checked where it is written: its key must be one the theme has
(did-you-mean hint), plain or plural as the English one is, with exactly the plural
categories of its language, and only the placeholders the English text has.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from generator import i18n
from generator.diagnostics import Diagnostic, Diagnostics, Span, did_you_mean
from generator.i18n import Message, Messages
from generator.incremental.stamps import stamp_or_empty
from generator.load import read_text
from generator.yamlnodes import YMap, YNode, YScalar, kind_name, parse_yaml

THEME_CATALOGUES = Path(__file__).parent / "theme" / "i18n"
PROJECT_FOLDER = "i18n"


@dataclass
class Strings:
    """The messages of every language a project's pages are written in (see the module's
    docstring). `messages(language)` reads and checks them the first time it is asked, and
    keeps what it found wrong (`diagnostics`) for the build to report."""

    root: Path | None = None
    """The project (its `i18n/` folder); None: the theme's catalogues alone."""
    overrides: dict[str, YMap] = field(default_factory=dict)
    """site.yaml's `strings:`, per language."""
    _known: dict[str, tuple[Messages, list[Diagnostic]]] = field(default_factory=dict, repr=False)

    def messages(self, language: str) -> Messages:
        found = self._known.get(language)
        if found is None:
            found = self._known[language] = self._read(language)
        return found[0]

    def check(self, languages: Iterable[str], diags: Diagnostics) -> None:
        """Read each language's messages, adding what is wrong or missing in them to `diags`;
        and the errors of every other catalogue the project has, which no page uses yet (a
        translator's file is checked before the first page in its language, not after)."""
        used = set(languages)
        for language in sorted(used | self._catalogued(diags)):
            self.messages(language)
            found = self._known[language][1]
            diags.items.extend(found if language in used else [d for d in found if d.severity == "error"])

    def _catalogued(self, diags: Diagnostics) -> set[str]:
        """The languages of site.yaml's `strings:` and of the project's `i18n/*.yaml` files,
        with a warning for a file no language would read (`FR.yaml`, `french.yaml`)."""
        found = set(self.overrides)
        folder = self.root / PROJECT_FOLDER if self.root is not None else None
        if folder is None or not folder.is_dir() or folder.is_symlink():
            return found  # (a linked i18n/ is read file by file, as a page asks for it)
        for path in sorted(folder.iterdir()):
            tag = path.name.removesuffix(".yaml")
            if tag == path.name or tag.startswith("."):
                continue
            if i18n.check_language(tag) is None and i18n.canonical_tag(tag) == tag:
                found.add(tag)
                continue
            name = (f"{i18n.canonical_tag(tag)}.yaml" if i18n.check_language(tag) is None
                    else "a BCP 47 language tag, such as fr.yaml or pt-BR.yaml")
            diags.warning(Span(f"{PROJECT_FOLDER}/{path.name}"), "this catalogue is never read: its name is "
                          "not a language tag in canonical case", f"name it {name}")
        return found

    def _read(self, language: str) -> tuple[Messages, list[Diagnostic]]:
        diags = Diagnostics()
        english = theme_catalogue(DEFAULT_LANGUAGE_FILE)
        merged: dict[str, Message] = {}
        found_any = False
        for tag in _tags(language):
            theme = theme_catalogue(THEME_CATALOGUES / f"{tag}.yaml")
            if theme:
                found_any = True
                merged.update(theme)
            if self.root is not None:
                path = self.root / PROJECT_FOLDER / f"{tag}.yaml"
                if path.is_file():
                    found_any = True
                    merged.update(project_catalogue(self.root, path, language, english, diags))
            node = self.overrides.get(tag)
            if node is not None:
                found_any = True
                merged.update(read_catalogue(node, language, english, diags))
        missing = [key for key in english if key not in merged]
        if missing and language != i18n.DEFAULT_LANGUAGE:
            _warn_missing(language, missing, found_any, diags)
        messages = {key: merged.get(key, message) for key, message in english.items()}
        digest = _digest(language, messages)
        return Messages(language, messages, digest, frozenset(missing)), diags.items


DEFAULT_LANGUAGE_FILE = THEME_CATALOGUES / f"{i18n.DEFAULT_LANGUAGE}.yaml"


def _tags(language: str) -> list[str]:
    """The catalogues of a language tag, the most general first: `pt-BR` -> pt, pt-BR."""
    parts = language.split("-")
    if not all(part.isascii() and part.isalnum() for part in parts):
        return []  # never a file name made of anything but letters, digits and dashes
    return ["-".join(parts[:n]) for n in range(1, len(parts) + 1)]


def _warn_missing(language: str, missing: list[str], found_any: bool, diags: Diagnostics) -> None:
    name = i18n.language_name(language)
    where = f"{PROJECT_FOLDER}/{language}.yaml or under 'strings: {language}:' in site.yaml"
    if not found_any:
        diags.warning(None, f"no catalogue of {name} ('{language}'): its pages show the theme's "
                      f"{len(missing)} strings in English", f"translate the theme's en.yaml into {where}")
        return
    for key in missing:
        diags.warning(None, f"no {name} ('{language}') text for the string '{key}': its pages show "
                      "the English text", f"add it to {where}")


def _digest(language: str, messages: dict[str, Message]) -> str:
    return hashlib.blake2b(json.dumps([language, messages], ensure_ascii=False, sort_keys=True).encode(),
                           digest_size=16).hexdigest()


# -- reading catalogues -------------------------------------------------------------------

@functools.lru_cache(maxsize=32)
def _theme_file(path: Path, stamp: str) -> dict[str, Message]:
    if not stamp:
        return {}
    diags = Diagnostics()
    text = path.read_text(encoding="utf-8")
    node = parse_yaml(text, f"(built-in theme)/i18n/{path.name}", 0, diags)
    if not isinstance(node, YMap):
        raise RuntimeError(f"{path}: not a catalogue")
    if path == DEFAULT_LANGUAGE_FILE:
        catalogue = read_catalogue(node, i18n.DEFAULT_LANGUAGE, None, diags)
    else:
        catalogue = read_catalogue(node, path.stem, theme_catalogue(DEFAULT_LANGUAGE_FILE), diags)
    if diags.items:  # a test checks every shipped catalogue
        raise RuntimeError("\n".join(str(d) for d in diags.items))
    return catalogue


def theme_catalogue(path: Path) -> dict[str, Message]:
    """A catalogue the theme ships (empty if it has none for the language)."""
    return _theme_file(path, stamp_or_empty(path))


def project_catalogue(root: Path, path: Path, language: str, english: dict[str, Message],
                      diags: Diagnostics) -> dict[str, Message]:
    """The project's i18n/<tag>.yaml, checked against the English catalogue."""
    text = read_text(root, path, diags)
    if text is None:
        return {}
    rel = path.relative_to(root).as_posix()
    node = parse_yaml(text, rel, 0, diags)
    if node is None:
        return {}  # an empty file, or YAML that does not parse (reported)
    if not isinstance(node, YMap):
        diags.error(node.span, f"{rel} must be a mapping of 'key: text' lines, not {kind_name(node)}")
        return {}
    return read_catalogue(node, language, english, diags)


def read_catalogue(node: YMap, language: str, english: dict[str, Message] | None,
                   diags: Diagnostics) -> dict[str, Message]:
    """The entries of a catalogue mapping, each checked against `english` (None: this is it)."""
    categories = i18n.plural_categories(language)
    catalogue: dict[str, Message] = {}
    for key, (key_node, value) in node.entries.items():
        reference = None
        if english is not None:
            reference = english.get(key)
            if reference is None:
                hint = did_you_mean(key, english) or "docs/languages.md lists the theme's strings"
                diags.error(key_node.span, f"unknown string '{key}'", hint)
                continue
        message = _message(key, value, reference, language, categories, diags)
        if message is not None:
            catalogue[key] = message
    return catalogue


def _message(key: str, value: YNode, reference: Message | None, language: str, categories: tuple[str, ...],
             diags: Diagnostics) -> Message | None:
    plural = isinstance(value, YMap) if reference is None else isinstance(reference, dict)
    name = i18n.language_name(language)
    if plural:
        if not isinstance(value, YMap):
            diags.error(value.span, f"'{key}' takes a text for each plural form of {name}: "
                        f"{', '.join(categories)}", _forms_hint(language))
            return None
        return _plural(key, value, reference, language, categories, diags)
    if not isinstance(value, YScalar) or value.is_null:
        what = kind_name(value) if not isinstance(value, YScalar) else "empty"
        diags.error(value.span, f"'{key}' must be text, not {what}")
        return None
    return _text(f"'{key}'", value, reference, diags)


def _plural(key: str, node: YMap, reference: Message | None, language: str, categories: tuple[str, ...],
            diags: Diagnostics) -> dict[str, str] | None:
    name = i18n.language_name(language)
    forms: dict[str, str] = {}
    ok = True
    for category, (category_node, value) in node.entries.items():
        if category not in categories:
            diags.error(category_node.span, f"{name} has no plural form '{category}' (in '{key}')",
                        _forms_hint(language))
            ok = False
            continue
        if not isinstance(value, YScalar) or value.is_null:
            diags.error(value.span, f"'{key}' ({category}) must be text")
            ok = False
            continue
        text = _text(f"'{key}' ({category})", value, reference, diags)
        if text is None:
            ok = False
        else:
            forms[category] = text
    absent = [c for c in categories if c not in node.entries]
    if absent:
        diags.error(node.span, f"'{key}' lacks the {name} plural form{'s' if len(absent) > 1 else ''} "
                    f"{', '.join(absent)}", _forms_hint(language))
        ok = False
    return forms if ok else None


def _forms_hint(language: str) -> str:
    examples = i18n.plural_examples(language)
    return "the Unicode CLDR's forms: " + "; ".join(f"{c} ({e}...)" for c, e in examples.items())


def _text(label: str, node: YScalar, reference: Message | None, diags: Diagnostics) -> str | None:
    """The text of one message (`label` names it in errors), its placeholders checked."""
    text = node.text.strip()
    if not text:
        diags.error(node.span, f"{label} must not be empty")
        return None
    try:
        used = i18n.placeholders(text)
    except ValueError as exc:
        diags.error(node.span, f"{label}: {exc}")
        return None
    if reference is not None:
        allowed = i18n.placeholders(reference)
        unknown = sorted(used - allowed)
        if unknown:
            hint = (f"this string may use {', '.join('{' + n + '}' for n in sorted(allowed))}" if allowed
                    else "this string takes no placeholder: write {{ and }} for a brace")
            diags.error(_span_of(node, unknown[0]), f"{label} has no placeholder '{{{unknown[0]}}}'", hint)
            return None
    return text


def _span_of(node: YScalar, name: str) -> Span:
    """Where `{name}` is in the scalar, when its text maps onto the file; else the scalar."""
    origin = node.text_origin()
    index = node.text.find("{" + name)
    if origin is None or index < 0 or "\n" in node.text[:index]:
        return node.span
    span, _ = origin
    return Span(span.path, span.line, span.column + index)
