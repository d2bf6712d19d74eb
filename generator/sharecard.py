"""Share cards: the picture a social network shows for a page that has no picture of its own.

The Open Graph protocol wants an `og:image` on every page. An explainer with a lead
`image`, or a site with a default `image` in site.yaml, shares that; otherwise the build
draws a 1200x630 PNG (the size Facebook, LinkedIn and X show large): the kicker, the
headline, the site's name and the claims' status tally ("3 false · 2 disputed"), as text,
in DejaVu Sans Bold, shipped with the theme (theme/fonts/, with its licence), so that a
card looks the same on every machine and covers Latin, Greek, Cyrillic, Arabic and Hebrew.

Same inputs, same bytes: the PNG carries no time or text chunk, and the layout engine is
fixed (Pillow's own, unless the text needs shaping or right-to-left order, which only
libraqm does; `card_key` names the engine). `card_key` is the digest of everything that
goes into a card, and is what `plan` fingerprints the card with, so an unchanged card is
never drawn again by an incremental build.
"""

from __future__ import annotations

import functools
import hashlib
import io
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from generator.model import STATUSES

if TYPE_CHECKING:
    from generator.config import SiteConfig
    from generator.i18n import Messages
    from generator.model import ExplainerListing

WIDTH, HEIGHT = 1200, 630
"""Open Graph's recommended size (1.91:1)."""

FONT_PATH = Path(__file__).parent / "theme" / "fonts" / "DejaVuSans-Bold.ttf"

CARD_FORMAT = "1"
"""Bump when the drawing changes, so that cards drawn by an older version are drawn again."""

_MARGIN = 72
_PAPER = (246, 244, 239)
_INK = (21, 21, 21)
_INK_2 = (63, 63, 63)
_INK_3 = (95, 95, 95)
_RULE = (220, 216, 207)
_ACCENT = (176, 30, 35)
"""The theme's colours (style.css, light scheme)."""

_HEADLINE_SIZES = (72, 66, 60, 54, 48, 44, 40, 36)
_LINE_HEIGHT = 1.2
_ELLIPSIS = "…"


@dataclass(frozen=True)
class Card:
    """One share card: where the build writes it, and the text it shows."""

    dest_path: str
    headline: str
    site_name: str
    tally: str = ""
    kicker: str = ""
    tally_said: str = ""
    """The tally in words, for the alt text ("Claims: 3 false and 2 disputed")."""

    @property
    def key(self) -> str:
        """The card's fingerprint (see `card_key`)."""
        return card_key(self.headline, self.site_name, self.tally, self.kicker)

    @property
    def alt(self) -> str:
        """The card's text, for `og:image:alt`: what a reader who cannot see it is told."""
        parts = [self.headline, self.site_name, self.tally_said]
        return ". ".join(part.rstrip(".") for part in parts if part) + "."

    def draw(self) -> bytes:
        return draw_card(self.headline, self.site_name, self.tally, self.kicker)


SITE_CARD = "share.png"
"""The site's own card, for the pages that are not an explainer's."""


def explainer_card(explainer: ExplainerListing, config: SiteConfig) -> Card | None:
    """The card of an explainer that has no lead image, on a site without a default image."""
    if explainer.image or config.image:
        return None
    messages = config.strings.messages(explainer.language)
    counts = status_counts(explainer.status_counts, messages)
    said = messages.text("card.claims", tally=messages.join(counts)) if counts else ""
    return Card(f"{explainer.slug}/share.png", explainer.title, config.title, " · ".join(counts),
                messages.text("explainer.kicker"), said)


def site_card(config: SiteConfig) -> Card | None:
    """The card of the home, actor and tag pages, on a site without a default image: the
    site's description as the headline (its title without one), and its title."""
    if config.image:
        return None
    if config.description:
        return Card(SITE_CARD, config.description, config.title)
    return Card(SITE_CARD, config.title, "")


def status_counts(counts: dict[str, int], messages: Messages) -> list[str]:
    """['3 false', '2 disputed', '1 unrated']: each status that has claims, in the theme's
    order, in the language of `messages` (its `status.<id>.count` plural forms)."""
    return [messages.text(f"status.{s}.count", counts[s]) for s in STATUSES if counts.get(s)]


def card_key(headline: str, site_name: str, tally: str, kicker: str = "") -> str:
    """Digest of everything a card is drawn from: its text, the font, the drawing code and
    the libraries that draw it. Equal keys, equal bytes."""
    texts = tuple(_clip(text) for text in (headline, site_name, tally, kicker))
    return hashlib.blake2b("\x1f".join((CARD_FORMAT, _engine_id("".join(texts)), _font_digest(), *texts)).encode(
        "utf-8", "surrogatepass"), digest_size=16).hexdigest()


def draw_card(headline: str, site_name: str, tally: str, kicker: str = "") -> bytes:
    """The card as PNG bytes: the kicker above the headline (as large as fits, wrapped,
    cut with an ellipsis only if it cannot fit at the smallest size), then under a rule the
    site's name and the tally."""
    headline, site_name, tally, kicker = (_clip(text) for text in (headline, site_name, tally, kicker))
    canvas = _Canvas()
    width = WIDTH - 2 * _MARGIN
    if kicker:
        canvas.line(*_one_line(kicker.upper(), 26, 16, width), _MARGIN, 62, width)
    top, bottom = 118, 468
    size, lines = _fit(headline, width, bottom - top)
    step = round(size * _LINE_HEIGHT)
    y = top + max(0, bottom - top - step * len(lines)) // 2
    for line in lines:
        canvas.line(line, size, _MARGIN, y, width)
        y += step
    if site_name:
        canvas.line(*_one_line(site_name, 30, 20, width), _MARGIN, 522, width)
    if tally:
        canvas.line(*_one_line(tally, 24, 16, width), _MARGIN, 566, width)
    return canvas.png()


_BANDS = ((0, 110, _ACCENT), (110, 495, _INK), (495, 562, _INK_2), (562, HEIGHT, _INK_3))
"""The card's horizontal bands and the colour of the text in each: the kicker, the headline,
the site's name, the tally (`draw_card` keeps every line inside its band)."""

_SHADES = 64
"""Palette entries per band: the paper, then the band's colour ever stronger (anti-aliasing)."""


@functools.cache
def _palette() -> list[int]:
    """Entry `band * 64 + v` is the paper blended with the band's colour by v/63."""
    return [round(p + (c - p) * v / (_SHADES - 1)) for _, _, colour in _BANDS for v in range(_SHADES)
            for p, c in zip(_PAPER, colour, strict=True)]


def _nearest(band: int, colour: tuple[int, int, int]) -> int:
    """The palette index of the band's shade nearest to `colour`."""
    palette = _palette()
    return min(range(band * _SHADES, (band + 1) * _SHADES),
               key=lambda i: sum((a - b) ** 2 for a, b in zip(palette[3 * i:3 * i + 3], colour, strict=True)))


class _Canvas:
    """The card as a palette image, drawn directly in palette indices.

    Each band is filled with its paper index (`band * 64`), and its text is drawn in its
    full colour's index (`band * 64 + 63`): Pillow's anti-aliasing blends the two linearly,
    so every edge pixel lands on the index of its shade. A palette image encodes in a third
    of the time of an RGB one (no per-row filter search, a third of the bytes), and a full
    build draws a card per explainer; the picture is the same."""

    def __init__(self) -> None:
        from PIL import Image, ImageDraw
        self.image = Image.new("L", (WIDTH, HEIGHT), 0)
        self.draw = ImageDraw.Draw(self.image)
        for band, (top, bottom, _) in enumerate(_BANDS):
            self.draw.rectangle((0, top, WIDTH - 1, bottom - 1), fill=band * _SHADES)
        self.draw.rectangle((0, 0, WIDTH - 1, 11), fill=_SHADES - 1)  # the accent bar
        self.draw.rectangle((_MARGIN, 500, WIDTH - _MARGIN, 501), fill=_nearest(2, _RULE))

    def line(self, text: str, size: int, x: int, y: int, width: int) -> None:
        """One line of text at (x, y) in its band's colour, right-aligned in `width` if it
        reads right to left."""
        font = _font_for(text, size)
        if _right_to_left(text):
            x += width - round(font.getlength(text))
        band = next(i for i, (top, bottom, _) in enumerate(_BANDS) if top <= y < bottom)
        self.draw.text((x, y), text, font=font, fill=band * _SHADES + _SHADES - 1)

    def png(self) -> bytes:
        self.image.putpalette(_palette())  # an "L" image of palette indices becomes that "P" image
        out = io.BytesIO()
        self.image.save(out, "PNG", optimize=False, compress_level=3)
        return out.getvalue()


# -- text layout -----------------------------------------------------------------

_MAX_CHARS = 1000
"""More than the headline box holds at its smallest size (8 lines of at most ~90 of DejaVu
Sans Bold's narrowest letters), so a longer text is cut before it is laid out: FreeType
refuses a string of a million characters, and measuring one takes seconds."""


def _clip(text: str) -> str:
    """`text` with white space collapsed, and cut (with an ellipsis) past `_MAX_CHARS`."""
    text = " ".join(text[:_MAX_CHARS * 2].split())
    return text if len(text) <= _MAX_CHARS else text[:_MAX_CHARS - 1] + _ELLIPSIS

@functools.cache
def _font(size: int):  # type: ignore[no-untyped-def]
    from PIL import ImageFont
    return ImageFont.truetype(str(FONT_PATH), size, layout_engine=ImageFont.Layout.BASIC)


@functools.cache
def _complex_font(size: int):  # type: ignore[no-untyped-def]
    from PIL import ImageFont
    return ImageFont.truetype(str(FONT_PATH), size, layout_engine=ImageFont.Layout.RAQM)


@functools.cache
def _font_digest() -> str:
    return hashlib.blake2b(FONT_PATH.read_bytes(), digest_size=16).hexdigest()


_COMPLEX_BIDI = ("R", "AL", "AN")
"""Bidirectional classes of right-to-left letters and Arabic digits."""


@functools.lru_cache(maxsize=1024)
def _needs_shaping(text: str) -> bool:
    """Right-to-left text (Arabic, Hebrew) or combining marks: only libraqm draws them right."""
    return not text.isascii() and any(unicodedata.bidirectional(c) in _COMPLEX_BIDI
                                      or unicodedata.combining(c) for c in set(text))


@functools.cache
def _raqm() -> bool:
    from PIL import features
    return bool(features.check("raqm"))


def _engine_id(text: str) -> str:
    """Which layout engine draws `text`, with the versions that decide its pixels. (Pillow's
    version stands for the FreeType and zlib its wheels bundle: importing `PIL.features` to
    ask would cost a one-explainer edit 9 ms, and only text that needs libraqm pays it.)"""
    from PIL import __version__ as pillow
    if _needs_shaping(text) and _raqm():
        from PIL import features
        return f"pillow {pillow} raqm {features.version('raqm')} fribidi {features.version('fribidi')}"
    return f"pillow {pillow} basic"


def _right_to_left(text: str) -> bool:
    """The direction of the text's first strong character (the Unicode bidi rule P2)."""
    for char in text:
        kind = unicodedata.bidirectional(char)
        if kind == "L":
            return False
        if kind in ("R", "AL"):
            return True
    return False


def _font_for(text: str, size: int):  # type: ignore[no-untyped-def]
    return _complex_font(size) if _needs_shaping(text) and _raqm() else _font(size)


def _length(text: str, size: int) -> float:
    return float(_font_for(text, size).getlength(text))


def _wrap(text: str, size: int, width: int) -> list[str]:
    """Greedy line breaking at spaces; a word wider than the line is broken between letters
    (a long URL, or a language written without spaces)."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}" if current else word
        if _length(candidate, size) <= width:
            current = candidate
            continue
        if current:
            lines.append(current)
            current = ""
        while _length(word, size) > width:
            cut = _longest_prefix(word, size, width)
            lines.append(word[:cut])
            word = word[cut:]
        current = word
    if current:
        lines.append(current)
    return lines


def _longest_prefix(text: str, size: int, width: int, suffix: str = "") -> int:
    """The length of the longest prefix of `text` that fits in `width` with `suffix` (at least 1)."""
    low, high = 1, len(text)
    while low < high:
        middle = (low + high + 1) // 2
        if _length(text[:middle] + suffix, size) <= width:
            low = middle
        else:
            high = middle - 1
    return low


def _fit(text: str, width: int, height: int) -> tuple[int, list[str]]:
    """The largest headline size at which the wrapped text fits the box; at the smallest
    size, the lines that fit, the last one cut with an ellipsis."""
    text = " ".join(text.split())
    for size in _HEADLINE_SIZES:
        lines = _wrap(text, size, width)
        if len(lines) * round(size * _LINE_HEIGHT) <= height:
            return size, lines
    size = _HEADLINE_SIZES[-1]
    lines = _wrap(text, size, width)
    keep = max(1, height // round(size * _LINE_HEIGHT))
    return size, [*lines[:keep - 1], _ellipsize(" ".join(lines[keep - 1:]), size, width)]


def _one_line(text: str, largest: int, smallest: int, width: int) -> tuple[str, int]:
    """`text` on one line: at the largest size from `largest` down to `smallest` at which it
    fits, else at `smallest`, cut with an ellipsis."""
    text = " ".join(text.split())
    for size in range(largest, smallest - 1, -2):
        if _length(text, size) <= width:
            return text, size
    return _ellipsize(text, smallest, width), smallest


def _ellipsize(text: str, size: int, width: int) -> str:
    """The longest start of `text` that fits in `width` with an ellipsis, cut after a word
    if there is a space in it."""
    cut = text[:_longest_prefix(text, size, width, _ELLIPSIS)]
    if " " in cut.strip() and text[len(cut):len(cut) + 1] not in (" ", ""):
        cut = cut.rstrip().rsplit(" ", 1)[0]  # not in the middle of a word
    return cut.rstrip(" ,;:.") + _ELLIPSIS
