"""PERCENT: "75,7%", "3,97 %", "97,37%", "39.06%" (a dot before 1-2 digits is a decimal typo).

`link_percents` ties a percentage to the count it is a share of ("47 hộ chiếm tỷ lệ 2,91%").
"""

from __future__ import annotations

import re
from functools import lru_cache

from .base import Match, RuleContext
from .numbers import (
    DIGIT_START,
    LETTER,
    NUMERAL_ANY,
    SP,
    TextView,
    collapse_spaced,
    parse_decimal,
    spaced_view,
)

TYPE = "PERCENT"
CONFIDENCE = 0.95

_SIGN = rf"(?:%|phần{SP}+trăm(?!{LETTER}))"
_PERCENT_RE = re.compile(
    rf"{DIGIT_START}(?<![\d.,])(?P<a>{NUMERAL_ANY})"
    rf"(?:{SP}*(?:-|–|—|(?:đến|tới)(?!{LETTER})){SP}*(?P<b>{NUMERAL_ANY})(?={SP}*{_SIGN}))?"
    rf"{SP}*{_SIGN}",
    re.IGNORECASE,
)

# What may stand between a count and the share it has: "chiếm tỷ lệ", "đạt", ",", "(";
# the count's noun phrase may go on for a word or two first ("chỉ tiêu giao, đạt").
_CONNECTOR = (
    rf"(?:(?:chiếm|đạt|bằng|là|=)(?:{SP}+(?:tỷ|tỉ){SP}*lệ)?(?:{SP}+(?:khoảng|gần|trên|hơn))?"
    rf"|(?:tỷ|tỉ){SP}*lệ)"
)
_LINK_RE = re.compile(
    rf"{SP}*[,(]?{SP}*(?:{_CONNECTOR})?{SP}*:?{SP}*"
    rf"|(?:{SP}+{LETTER}+){{1,2}}{SP}*[,(]?{SP}*{_CONNECTOR}{SP}*:?{SP}*"
    rf"|(?:{SP}+{LETTER}+){{1,2}}{SP}*[,(]{SP}*",
    re.IGNORECASE,
)
_LINK_MAX_GAP = 40


def extract(text: str, ctx: RuleContext | None = None) -> list[Match]:
    """PERCENT matches in `text`, sorted, non-overlapping, offsets into `text`."""
    view = spaced_view(text)
    return [_to_original(view, m) for m in view_matches(text)]


@lru_cache(maxsize=8)
def view_matches(text: str) -> tuple[Match, ...]:
    """PERCENT matches with offsets into `spaced_view(text).text` (shared with counts)."""
    view_text = spaced_view(text).text
    found: list[Match] = []
    for m in _PERCENT_RE.finditer(view_text):
        match = _build(m)
        if match is None and m.group("b"):
            sub = _PERCENT_RE.match(view_text, m.start("b"))
            match = _build(sub) if sub else None
        if match is not None:
            found.append(match)
    return tuple(found)


def _build(m: re.Match[str]) -> Match | None:
    low = parse_decimal(m.group("a"), dot_decimal=True)
    high = parse_decimal(m.group("b"), dot_decimal=True) if m.group("b") else None
    if low is None or (m.group("b") and (high is None or high <= low)):
        return None
    value: dict[str, float] = {"value": float(low)}
    if high is not None:
        value["max"] = float(high)
    return Match(TYPE, m.start(), m.end(), value, CONFIDENCE)


def _to_original(view: TextView, m: Match) -> Match:
    start, end = view.span(m.start, m.end)
    return Match(m.type, start, end, dict(m.value), m.confidence)


def link_percents(matches: list[Match], text: str) -> dict[int, int]:
    """Map the index of each PERCENT to the index of the COUNT it is a share of.

    `matches` are sorted by start (merged output of the rule modules) over `text`. A link
    needs the COUNT to be the match right before the PERCENT, on the same line, joined by a
    connector ("47 hộ chiếm tỷ lệ 2,91%", "76 học sinh (2,5%)", "630 hộ, đạt 39.06%").
    """
    links: dict[int, int] = {}
    for i, pct in enumerate(matches):
        if pct.type != TYPE:
            continue
        j = _previous(matches, i)
        if j is None or matches[j].type != "COUNT":
            continue
        between = collapse_spaced(text[matches[j].end : pct.start]).text
        if len(between) <= _LINK_MAX_GAP and "\n" not in between and _LINK_RE.fullmatch(between):
            links[i] = j
    return links


def _previous(matches: list[Match], i: int) -> int | None:
    """Index of the last match ending at or before matches[i] starts."""
    start = matches[i].start
    for j in range(i - 1, -1, -1):
        if matches[j].end <= start:
            return j
    return None
