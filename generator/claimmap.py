"""The claim map: an explainer's claims and their relations as a drawing made at build time.

`layout` turns an explainer into a `ClaimMap`: numbers and plain strings only. The
theme's `_claim_map.html` draws it as inline SVG (autoescaped like every template, so no
text a writer typed can become markup), with the relations also written out as a list.

The layout is our own, so that the same explainer gives the same bytes on every machine:
no randomness, no font measurements, integer coordinates.

- **Columns**: one per actor, in the order of each actor's first claim in the file, from
  the page's start edge: left to right, or right to left on a page in a language written
  right to left (see "Right to left" below).
- **Rows**: one per date the claims carry (exact or uncertain), in the timeline's order
  (`EventDate.sort_key`: a coarser date before the finer dates inside it), then one row
  for the undated claims. An actor's second claim of one date goes in the row below,
  which belongs to that date too.
- **Nodes**: boxes of one size whose outline shape tells the verdict (`_shape`,
  `SHAPE_NAMES`), with the verdict's label, the actor's name and the claim's text wrapped
  to `TEXT_LINES` lines by counting characters (wide East Asian characters count two)
  and cut with "…".
- **Edges**: one per relation, from the claim that relates to the claim it relates to
  ("A contradicts B" goes from A to B), made of straight runs with rounded corners that
  keep to the gaps between rows and between columns, so that no edge passes under a box.
  An edge to a lower row leaves the bottom of its box and enters the top of the other
  (to a higher row the other way round; in the same row, top to top): into the gap next
  to its box, along that gap, down (or up) the gap between columns beside the target's
  column when rows lie between, and along the gap next to the target. Each edge runs a
  few pixels off the middle of a gap by its number, so that edges sharing a gap stay
  apart, and the ends on one side of a box are spread over its middle half in the order
  of the boxes at their other ends.

Right to left: the map is a table drawn (a column per actor, a row per date), and it
mirrors as the page's tables do under `dir="rtl"`. The dates, which head the rows, go in a
gutter on the right; the first actor's column is the rightmost; the text in the boxes
starts at their right edge (`text_x`, with `direction="rtl"` on the `<svg>`, where
`text-anchor: start` is the right end). So a reader starts where the page starts, and on a
phone, where the map scrolls in its figure and an RTL scroller opens at its right end, the
first thing in view is the dates and the first actor, as on an LTR page. The layout is
computed once, left to right, and its x coordinates reflected (`width - x`): the edges keep
the same topology, the gaps and the ports. The boxes' outlines are not reflected (a
"misleading" box slants the same way in both), so that the legend's outlines, drawn by the
same `_shape`, match the map's in either direction.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field

from generator.eventdates import EventDate
from generator.i18n import Messages
from generator.model import RELATIONS, Claim, Explainer
from generator.textdirection import Direction

NODE_WIDTH = 164
NODE_HEIGHT = 92
COLUMN_GAP = 24
ROW_GAP = 56
"""Room between rows for the edges to bend (and for arches over a row)."""
GUTTER = 112
"""Margin on the start side (left, or right in RTL), for the rows' dates."""
DATE_UNITS = 15
"""Characters of a row's date on one line (11 px)."""
MARGIN = 12
TEXT_LINES = 3
LINE_UNITS = 25
"""Characters per text line (a wide character counts two): what fits the 136 px of 12 px text."""
NAME_UNITS = 21
"""Characters of the actor's name (bold)."""
INSET = 14
"""Text starts this far inside a box, clear of every shape's slanted or pointed sides."""

GLYPHS = {"true": "✓", "mostly-true": "≈", "misleading": "!", "false": "✕", "unproven": "?",
          "disputed": "⇄", "unrated": "–"}
"""The status badges' own signs (style.css, `.badge-<status>::before`)."""

# Every word of the map is the page language's (`i18n.Messages`): the verdicts' labels,
# what each outline looks like (`map.shape.<status>`), how each kind of edge is drawn
# (`map.line.<relation>`), the verbs and the description.


@dataclass(frozen=True)
class MapNode:
    claim_id: str
    status: str
    status_label: str
    glyph: str
    actor: str
    lines: tuple[str, ...]
    """The claim's text, wrapped and cut to fit the box."""
    actor_name: str
    """The whole name: with `date` and `text`, the node's accessible name and tooltip."""
    date: str
    """The claim's date as shown, or ""."""
    text: str
    x: int
    y: int
    outline: str
    """SVG path of the box's outline, shaped by the status."""
    inner: str = ""
    """A second outline inside the first (the double outline of "disputed"), or ""."""
    dashed: bool = False
    text_x: int = 0
    """Where the text lines start: `INSET` inside the box's left edge, or its right edge in RTL."""

    @property
    def status_y(self) -> int:
        """Baseline of the status line; the actor's name and the text follow."""
        return self.y + 20

    @property
    def actor_y(self) -> int:
        return self.y + 38

    @property
    def placed_lines(self) -> list[tuple[int, str]]:
        """(baseline, line) of each line of the claim's text."""
        return [(self.y + 56 + 14 * i, line) for i, line in enumerate(self.lines)]


@dataclass(frozen=True)
class MapEdge:
    relation: str
    """`contradicts`, `supports` or `responds_to`."""
    verb: str
    source: Claim
    target: Claim
    source_actor: str
    target_actor: str
    path: str
    """SVG path from the source's box to the target's."""


@dataclass(frozen=True)
class RowLabel:
    lines: tuple[str, ...]
    """The date shown ("23 March 2024", a time of day on a line of its own), or "Undated"."""
    y: int
    """Baseline of the label: level with the top of the row's first boxes."""
    rule_y: int
    """A rule between this row and the one above (0 for the first row)."""

    @property
    def placed_lines(self) -> list[tuple[int, str]]:
        """(baseline, line) of each line of the date."""
        return [(self.y + 14 * i, line) for i, line in enumerate(self.lines)]


@dataclass(frozen=True)
class LegendKey:
    """One entry of the legend: a small drawing of a status's outline or an edge's line."""

    kind: str
    """A status id, or a relation."""
    label: str
    described: str
    """What the drawing shows, in words."""
    path: str = ""
    inner: str = ""
    dashed: bool = False


@dataclass(frozen=True)
class ClaimMap:
    width: int
    height: int
    nodes: list[MapNode]
    edges: list[MapEdge]
    rows: list[RowLabel]
    description: str
    """A sentence on what the map shows, for its `<desc>`."""
    status_keys: list[LegendKey] = field(default_factory=list)
    relation_keys: list[LegendKey] = field(default_factory=list)
    direction: Direction = "ltr"
    """The page's direction, which the `<svg>` states: its texts start at their x (`text-anchor:
    start`), which is their right end in RTL."""

    @property
    def date_x(self) -> int:
        """Where the rows' dates start, in the gutter on the start side."""
        return self.width - MARGIN if self.direction == "rtl" else MARGIN


def layout(explainer: Explainer, actor_name: Callable[[str], str], messages: Messages) -> ClaimMap | None:
    """The explainer's claim map in the language of `messages`, drawn the way that language
    is written (mirrored for a right-to-left one), or None when no claim
    relates to another (a map without edges would only repeat the claims section)."""
    claims = list(explainer.claims.values())
    pairs = [(claim, relation, explainer.claims[other])
             for claim in claims for relation in RELATIONS for other in getattr(claim, relation)]
    if not pairs:
        return None

    columns: dict[str, int] = {}
    for claim in claims:
        columns.setdefault(claim.by, len(columns))

    cells: dict[str, tuple[int, int]] = {}  # claim id -> (row, column)
    labels: list[RowLabel] = []
    row = 0
    for _, members in _rows(claims):
        first = row
        level: dict[str, int] = {}
        for claim in members:  # an actor's second claim of the day goes one row down
            level[claim.by] = level.get(claim.by, -1) + 1
            cells[claim.id] = (first + level[claim.by], columns[claim.by])
        labels.append(RowLabel(_row_label(members[0].date, messages), _top(first) + 14,
                               _top(first) - ROW_GAP // 2 if first else 0))
        row = first + max(level.values()) + 1
    width = _left(len(columns)) - COLUMN_GAP + MARGIN + COLUMN_GAP
    height = _top(row) - ROW_GAP + MARGIN
    direction = messages.direction
    rtl = direction == "rtl"

    def flip(x: int) -> int:
        """A left-to-right x where it goes on the page: reflected in RTL."""
        return width - x if rtl else x

    nodes = {claim_id: (flip(_left(column) + NODE_WIDTH) if rtl else _left(column), _top(row))
             for claim_id, (row, column) in cells.items()}  # a box's left edge: its end edge in RTL

    edges = _edges(pairs, cells, actor_name, messages, flip)
    used_statuses = [s for s in GLYPHS if any(c.status == s for c in claims)]
    used_relations = [r for r in RELATIONS if any(relation == r for _, relation, _ in pairs)]
    return ClaimMap(
        width, height,
        [_node(claim, nodes[claim.id], actor_name(claim.by), messages, rtl) for claim in claims],
        edges, labels, _description(len(claims), len(columns), edges, messages),
        [_status_key(status, messages) for status in used_statuses],
        [LegendKey(r, messages.text(f"relation.{r}.forward"), messages.text(f"map.line.{r}"),
                   "M46 7H4" if rtl else "M2 7H44") for r in used_relations],
        direction)


def _row_label(date: EventDate | None, messages: Messages) -> tuple[str, ...]:
    """A row's date in lines: a time of day on a line of its own ("23 March 2024" / "20:00
    UTC+03:00"); an uncertain date broken between words ("between 5 and 7" / "June 2023"),
    since its first words are what make it uncertain (the longest, "between 30 September
    2022 and 30 September 2023", takes four lines, which a row's boxes are tall enough for)."""
    if date is None:
        return (messages.text("map.undated"),)
    if not date.exact:
        return wrap(messages.event_date(date), DATE_UNITS, 4)
    return tuple(cut(line, DATE_UNITS) for line in messages.date_lines(date.anchor))


def _rows(claims: list[Claim]) -> list[tuple[str, list[Claim]]]:
    """The claims grouped by date (in its EDTF form, so `~1956` and `1956~` share a row),
    oldest first, the undated last."""
    by_date: dict[str, list[Claim]] = {}
    for claim in claims:
        by_date.setdefault(claim.date.edtf() if claim.date else "", []).append(claim)
    dated = sorted((text for text in by_date if text),
                   key=lambda text: (by_date[text][0].date.sort_key, text))  # type: ignore[union-attr]
    return [(text, by_date[text]) for text in dated] + ([("", by_date[""])] if "" in by_date else [])


def _node(claim: Claim, corner: tuple[int, int], actor: str, messages: Messages, rtl: bool) -> MapNode:
    x, y = corner
    outline, inner, dashed = _shape(claim.status, x, y, NODE_WIDTH, NODE_HEIGHT)
    return MapNode(claim.id, claim.status, messages.status(claim.status), GLYPHS[claim.status],
                   cut(actor, NAME_UNITS), wrap(claim.text, LINE_UNITS, TEXT_LINES),
                   actor, messages.event_date(claim.date) if claim.date else "", claim.text, x, y, outline, inner,
                   dashed, x + NODE_WIDTH - INSET if rtl else x + INSET)


def _status_key(status: str, messages: Messages) -> LegendKey:
    outline, inner, dashed = _shape(status, 1, 1, 34, 20)
    return LegendKey(status, messages.status(status), messages.text(f"map.shape.{status}"), outline, inner, dashed)


def _shape(status: str, x: int, y: int, w: int, h: int) -> tuple[str, str, bool]:
    """(outline, inner outline or "", dashed) of a box of the status. The top and bottom
    sides of every shape are straight over the middle half, where edges end."""
    right, bottom = x + w, y + h
    box = f"M{x} {y}H{right}V{bottom}H{x}Z"
    if status == "mostly-true":
        r = max(4, h // 6)
        return (f"M{x + r} {y}H{right - r}A{r} {r} 0 0 1 {right} {y + r}V{bottom - r}"
                f"A{r} {r} 0 0 1 {right - r} {bottom}H{x + r}A{r} {r} 0 0 1 {x} {bottom - r}"
                f"V{y + r}A{r} {r} 0 0 1 {x + r} {y}Z", "", False)
    if status == "misleading":
        s = max(3, h // 8)
        return f"M{x + s} {y}H{right}L{right - s} {bottom}H{x}Z", "", False
    if status == "false":
        c = max(4, h // 6)
        return (f"M{x + c} {y}H{right - c}L{right} {y + c}V{bottom - c}L{right - c} {bottom}"
                f"H{x + c}L{x} {bottom - c}V{y + c}Z", "", False)
    if status == "unproven":
        p = max(4, h // 7)
        middle = y + h // 2
        return f"M{x + p} {y}H{right - p}L{right} {middle}L{right - p} {bottom}H{x + p}L{x} {middle}Z", "", False
    if status == "disputed":
        i = max(2, h // 20)
        return box, f"M{x + i} {y + i}H{right - i}V{bottom - i}H{x + i}Z", False
    return box, "", status == "unrated"


def _top(row: int) -> int:
    return MARGIN + ROW_GAP + row * (NODE_HEIGHT + ROW_GAP)


def _left(column: int) -> int:
    return GUTTER + column * (NODE_WIDTH + COLUMN_GAP)


def _edges(pairs: list[tuple[Claim, str, Claim]], cells: dict[str, tuple[int, int]],
           actor_name: Callable[[str], str], messages: Messages, flip: Callable[[int], int]) -> list[MapEdge]:
    """Each relation as a path through the gaps (see the module's docstring), laid out left to
    right and placed on the page by `flip`."""
    sides = [_sides(cells[source.id][0], cells[target.id][0]) for source, _, target in pairs]
    # The ends on each side of a box, ordered by where the box at the other end is (left
    # to right, then top to bottom), then by edge: spread over the side's middle half.
    ends: dict[tuple[str, str], list[tuple[int, int, int]]] = {}
    for index, ((source, _, target), (leaves, enters)) in enumerate(zip(pairs, sides, strict=True)):
        ends.setdefault((source.id, leaves), []).append((*cells[target.id][::-1], index))
        ends.setdefault((target.id, enters), []).append((*cells[source.id][::-1], index))
    port: dict[tuple[str, str, int], int] = {}
    for (claim_id, side), members in ends.items():
        members.sort()
        left = _left(cells[claim_id][1]) + NODE_WIDTH // 4
        for position, (_, _, index) in enumerate(members):
            port[(claim_id, side, index)] = left + (NODE_WIDTH // 2) * (position + 1) // (len(members) + 1)

    edges = []
    for index, ((source, relation, target), (leaves, enters)) in enumerate(zip(pairs, sides, strict=True)):
        (source_row, source_column), (target_row, target_column) = cells[source.id], cells[target.id]
        x1, x2 = port[(source.id, leaves, index)], port[(target.id, enters, index)]
        y1 = _top(source_row) + (NODE_HEIGHT if leaves == "bottom" else 0)
        y2 = _top(target_row) + (NODE_HEIGHT if enters == "bottom" else 0)
        # The gap the edge leaves into and the one it enters from, each a little off its
        # middle by the edge's number, so that edges running along one gap stay apart.
        lane = (index % 5 - 2) * 5
        out_lane = _top(source_row + (leaves == "bottom")) - ROW_GAP // 2 + lane
        in_lane = _top(target_row + (enters == "bottom")) - ROW_GAP // 2 + lane
        points = [(x1, y1), (x1, out_lane)]
        if out_lane != in_lane:  # rows between: along the gap beside the target's column
            channel = target_column + (target_column < source_column or target_column == source_column)
            x = _left(channel) - COLUMN_GAP // 2 + (index % 3 - 1) * 4
            points += [(x, out_lane), (x, in_lane)]
        points += [(x2, in_lane), (x2, y2)]
        edges.append(MapEdge(relation, messages.text(f"map.verb.{relation}"), source, target,
                             actor_name(source.by), actor_name(target.by),
                             _rounded([(flip(x), y) for x, y in points])))
    return edges


def _sides(source_row: int, target_row: int) -> tuple[str, str]:
    """(side the edge leaves from, side it enters by)."""
    if target_row > source_row:
        return "bottom", "top"
    if target_row < source_row:
        return "top", "bottom"
    return "top", "top"


def _rounded(points: list[tuple[int, int]], radius: int = 6) -> str:
    """An SVG path along `points` (each turn a right angle), its corners rounded."""
    kept = [points[0]]
    for point in points[1:]:
        if point != kept[-1]:
            kept.append(point)
    path = f"M{kept[0][0]} {kept[0][1]}"
    for before, corner, after in zip(kept, kept[1:], kept[2:], strict=False):
        r = min(radius, _length(before, corner) // 2, _length(corner, after) // 2)
        a = _toward(corner, before, r)
        b = _toward(corner, after, r)
        path += f"L{a[0]} {a[1]}Q{corner[0]} {corner[1]} {b[0]} {b[1]}"
    return path + f"L{kept[-1][0]} {kept[-1][1]}"


def _length(a: tuple[int, int], b: tuple[int, int]) -> int:
    return abs(a[0] - b[0]) + abs(a[1] - b[1])


def _toward(start: tuple[int, int], end: tuple[int, int], distance: int) -> tuple[int, int]:
    """The point `distance` from `start` on the straight way to `end`."""
    def step(a: int, b: int) -> int:
        return a + distance * ((b > a) - (b < a))
    return step(start[0], end[0]), step(start[1], end[1])


def _description(claims: int, actors: int, edges: list[MapEdge], messages: Messages) -> str:
    counts = [messages.text(f"map.count.{r}", n) for r in RELATIONS if (n := sum(e.relation == r for e in edges))]
    return messages.text("map.description", claims=messages.text("map.claims", claims),
                         actors=messages.text("map.actors", actors),
                         relations=messages.text("map.relations", len(edges)),
                         counts=messages.join(counts))


def _units(char: str) -> int:
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def cut(text: str, units: int) -> str:
    """`text` cut to `units` characters (wide ones count two), ending in "…" if it was longer:
    at the end of a word when one ends in the second half of what is kept."""
    if sum(map(_units, text)) <= units:
        return text
    kept, used = "", 1  # the ellipsis
    for char in text:
        used += _units(char)
        if used > units:
            break
        kept += char
    space = kept.rfind(" ")
    if space > len(kept) // 2 and not text[len(kept)].isspace():
        kept = kept[:space]
    return kept.rstrip() + "…"


def wrap(text: str, units: int, lines: int) -> tuple[str, ...]:
    """`text` in at most `lines` lines of `units` characters, broken between words (inside a
    word only when it is longer than a line); the last line ends in "…" if text is left."""
    words = text.split()
    out: list[str] = []
    current = ""
    for position, word in enumerate(words):
        candidate = f"{current} {word}" if current else word
        if sum(map(_units, candidate)) <= units:
            current = candidate
            continue
        if current:
            out.append(current)
            current = word
        else:
            current = word
        while sum(map(_units, current)) > units:  # a word longer than a line
            head = cut(current, units + 1)[:-1]
            out.append(head)
            current = current[len(head):]
        if len(out) >= lines:
            rest = " ".join([current, *words[position + 1:]])
            return (*out[:lines - 1], cut(out[lines - 1] + " " + rest, units))
    if current:
        out.append(current)
    if len(out) > lines:
        return (*out[:lines - 1], cut(" ".join(out[lines - 1:]), units))
    return tuple(out)
