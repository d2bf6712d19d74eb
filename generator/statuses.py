"""Hints for a misspelt claim `status` that can never change the verdict.

A general did-you-mean (difflib) picks the closest word by letters, and for
a verdict the closest word can mean the opposite: `mostly false` is closer
to `mostly-true` than to anything else, `half true` to `true`. A hint for a
status may therefore only undo a difference of form: case and separators
(`Mostly True`, `mostly_true`, `MOSTLY-TRUE`, `mostlytrue`), and a slip of
one letter inside a word (`mostly-treu`, `unproved`). Every word must still
be there, in order, starting with the same letter; two letters off may be
another word (`untrue`, `undisputed`), and a different word (`false` for
`true`, `half` for `mostly`) or an extra one (`not true`, `partly false`) is
never "corrected". When no status is that close, the hint lists every
status with what it means, so that the writer chooses.
"""

from __future__ import annotations

import re

from generator.model import STATUS_MEANINGS, STATUSES

_SEPARATORS = re.compile(r"[\s_\-.]+")

def suggest_status(written: str) -> str | None:
    """The status `written` means, if it differs from one only in form or by a one-letter
    slip inside its words; else None."""
    words = _words(written)
    if not words:
        return None
    for status in STATUSES:
        if _words(status) == words or "".join(_words(status)) == "".join(words):
            return status
    matches = [status for status in STATUSES if _same_words_but_slips(_words(status), words)]
    return matches[0] if len(matches) == 1 else None


def status_hint(written: str) -> str:
    """The hint for a `status` that is not one: a fix of its form, or every status with its meaning."""
    suggestion = suggest_status(written)
    if suggestion is not None:
        return f"did you mean '{suggestion}'?"
    meanings = "; ".join(f"{status} ({_sentence_part(STATUS_MEANINGS[status])})" for status in STATUSES)
    return f"choose the status that says what you mean: {meanings}"


def _words(text: str) -> list[str]:
    return [word for word in _SEPARATORS.split(text.strip().lower()) if word]


def _same_words_but_slips(wanted: list[str], written: list[str]) -> bool:
    """The same number of words, each equal or off by one slip (a letter added, dropped,
    replaced, or two neighbours swapped) and starting with the same letter."""
    if len(wanted) != len(written):
        return False
    return all(a == b or (a[0] == b[0] and _one_slip(a, b))
               for a, b in zip(wanted, written, strict=True))


def _one_slip(a: str, b: str) -> bool:
    """True if `b` is `a` with exactly one letter added, dropped or replaced, or two
    neighbouring letters swapped (Damerau distance 1)."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diffs = [i for i in range(len(a)) if a[i] != b[i]]
        if len(diffs) == 1:
            return True
        return (len(diffs) == 2 and diffs[1] == diffs[0] + 1
                and a[diffs[0]] == b[diffs[1]] and a[diffs[1]] == b[diffs[0]])
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    i = next((i for i in range(len(short)) if short[i] != long_[i]), len(short))
    return short[i:] == long_[i + 1:]


def _sentence_part(meaning: str) -> str:
    """'The evidence shows the claim is accurate.' -> 'the evidence shows the claim is accurate'."""
    return meaning[:1].lower() + meaning[1:].rstrip(".")
